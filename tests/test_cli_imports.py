"""``linli build`` imports only what a build needs: starting Python and importing Linli is part of
what every publish costs (issue 16), so the admin, the accounts, other databases' drivers and the
import/export formats stay out of a build's process, and importing a module does no work."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

pytestmark = pytest.mark.sqlite_only(reason="a SQLite home: what a build on one imports")

#: Modules a build never needs (a prefix names a package and its modules).
NOT_FOR_A_BUILD = (
    "admin",  # the admin app: Flask-Admin, Flask-Login, Flask-WTF, WTForms
    "flask_admin",
    "flask_login",
    "flask_wtf",
    "wtforms",
    "linli.accounts",  # staff accounts (a full-cost scrypt hash is made for the admin)
    "linli.serve",
    "linli.server",
    "linli.scheduler",
    "linli.transfer",
    "linli.spreadsheet",
    "linli.word",
    "linli.backup",
    "linli.deploy",
    "openpyxl",
    "docx",
    "icalendar",  # only when a calendar file is rendered
    "playhouse.db_url",  # only for a database URL other than SQLite's
    "pillow_heif",  # only where uploads are decoded (iPhones' HEIC photos)
)

#: Imported by a build only for the pages that need them: the Atom feeds (feedgen, with lxml) and
#: QR codes (segno: only with ``base_url``, for notice pages and share posters).
ONLY_FOR_SOME_PAGES = ("feedgen", "lxml", "segno")

RUN_AND_LIST_MODULES = """
import atexit, json, runpy, sys
listing, home = sys.argv[1:]
atexit.register(lambda: json.dump(sorted(sys.modules), open(listing, "w")))
sys.argv = ["linli", "--home", home, "build"]
runpy.run_module("linli", run_name="__main__")
"""


def modules_of_a_build(home, tmp_path) -> list[str]:
    listing = tmp_path / "modules.json"
    result = subprocess.run([sys.executable, "-c", RUN_AND_LIST_MODULES, str(listing), str(home.root)],
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "网站已生成" in result.stdout
    return json.loads(listing.read_text())


def unwanted(modules: list[str]) -> list[str]:
    return [name for name in modules if any(name == bad or name.startswith(bad + ".") for bad in NOT_FOR_A_BUILD)]


def edited_and_built(home, tmp_path, table: str) -> list[str]:
    """The modules of a build after one published row of ``table`` got a sentence more, as from
    the admin (after a build that brings the home up to date with the clock)."""
    modules_of_a_build(home, tmp_path)  # (built at the fixture's moment: now up to date with the clock)
    with sqlite3.connect(home.db_path) as database:
        changed = database.execute(f"UPDATE {table} SET body = body || '\n\n补充说明。' "
                                   f"WHERE id = (SELECT min(id) FROM {table} WHERE status = 'published')").rowcount  # fmt: skip
    assert changed == 1
    modules = modules_of_a_build(home, tmp_path)
    assert "linli.build" in modules and "linli.cli" in modules  # (the listing is of a real build)
    return modules


def test_an_edit_build_imports_only_what_a_build_needs(text_demo_site, copy_home, tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    home = copy_home(text_demo_site, tmp_path / "home")
    assert unwanted(edited_and_built(home, tmp_path, "notice")) == []


def test_a_build_that_renders_no_feed_and_no_qr_code_imports_neither_library(text_demo_site, copy_home, tmp_path,
                                                                             monkeypatch):  # fmt: skip
    """A service edited (services are in no feed) in a home without ``base_url`` (no QR codes)."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    home = copy_home(text_demo_site, tmp_path / "home")
    assert home.settings["base_url"] == ""
    modules = edited_and_built(home, tmp_path, "service")
    assert [name for name in modules if name.partition(".")[0] in ONLY_FOR_SOME_PAGES] == []


def test_linli_cli_imports_no_more_than_every_command_needs():
    """Importing the command line (what ``linli --help`` and every command pay) makes no password
    hash and imports neither the build nor the admin."""
    code = "import json, sys, linli.cli; print(json.dumps(sorted(sys.modules)))"
    modules = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert unwanted(modules) == []
    assert not [name for name in modules if name.startswith(("linli.build", "flask", "whoosh", "PIL"))]
