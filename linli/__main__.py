"""``python -m linli`` runs the command-line interface."""

from linli.cli import main

main()
