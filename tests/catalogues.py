"""Checks shared by the English catalogues' tests (the theme's in test_i18n.py, the admin's in
test_admin_i18n.py): complete, in step with the source, compiled."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def read_catalog(po: Path):
    with po.open("rb") as f:
        return read_po(f, locale="en")


def source_msgids(folder: Path, keywords=None, files=()) -> set[str]:
    """Every msgid in ``folder`` (and in the Python ``files``) now, extracted with its
    ``babel.cfg`` as scripts/translations.sh does."""
    with (folder / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    extra = {"keywords": keywords} if keywords else {}
    found = [message for _, _, message, _, _ in extract_from_dir(folder, method_map, options_map, **extra)]
    for path in files:
        found += [message for _, message, _, _ in extract_from_file("python", path, **extra)]
    return {message[0] if isinstance(message, tuple) else message for message in found}


def assert_complete(po: Path, fix: str) -> list:
    """No fuzzy or empty entry, same placeholders on both sides; returns the messages."""
    catalog = read_catalog(po)
    assert not catalog.fuzzy, f"{po.name} header is marked fuzzy. {fix}"
    messages = [message for message in catalog if message.id]
    untranslated = [message.id for message in messages if not message.string]
    fuzzy = [message.id for message in messages if message.fuzzy]
    assert not untranslated, f"Untranslated entries: {untranslated}. {fix}"
    assert not fuzzy, f"Fuzzy entries: {fuzzy}. {fix}"
    problems = {message.id: [str(e) for e in message.check(catalog)] for message in messages}
    problems = {msgid: errors for msgid, errors in problems.items() if errors}
    assert not problems, f"Placeholders differ between msgid and msgstr: {problems}"
    for message in messages:
        assert set(PLACEHOLDER.findall(message.id)) == set(PLACEHOLDER.findall(message.string)), message.id
    return messages


def assert_matches_source(in_source: set[str], po: Path, fix: str, what: str) -> None:
    in_catalogue = {message.id for message in read_catalog(po) if message.id}
    missing = sorted(in_source - in_catalogue)
    stale = sorted(in_catalogue - in_source)
    assert not missing, f"{what} text missing from {po.name}: {missing}. {fix}"
    assert not stale, f"{po.name} has entries no {what.lower()} text uses any more: {stale}. {fix}"


def assert_compiled(po: Path, fix: str) -> None:
    mo = po.with_suffix(".mo")
    with mo.open("rb") as f:
        compiled = {message.id: message.string for message in read_mo(f) if message.id}
    translated = {message.id: message.string for message in read_catalog(po) if message.id}
    assert compiled == translated, f"{mo.name} is out of date with {po.name}. {fix}"
