"""Crashes lose nothing: backup archives that are checked, restores that check before they
replace anything and keep what they replaced, schema upgrades that back up first."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile

import pytest
from PIL import Image
from click.testing import CliRunner

from linli import backup, db, migrations
from linli import models as m
from linli.cli import cli
from linli.home import Home
from linli.media import store_image

pytestmark = pytest.mark.sqlite_only(reason="forces SQLite (backups copy SQLite files): the same in both passes")


@pytest.fixture(autouse=True)
def _sqlite(monkeypatch):
    """Backups copy SQLite files (PostgreSQL has pg_dump); these tests need a SQLite home."""
    monkeypatch.delenv("DATABASE_URL", raising=False)


@pytest.fixture
def full_home(tmp_path):
    home = Home.create(tmp_path / "home")
    db.connect(home.database_url)
    m.Notice.create(title="停水通知", status="published", body="明天停水")
    photo = store_image(home.media_dir, jpeg(), "x.jpg")
    yield home, photo.path
    db.database.close()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (600, 400), (30, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def test_backup_while_staff_write_then_restore_brings_everything_back(full_home, tmp_path):
    home, photo = full_home
    with db.immediate_transaction():  # an open write elsewhere does not stop the online backup
        m.Notice.create(title="写到一半的通知", status="draft")
        archive, manifest = backup.create_backup(home, tmp_path / "b.tar.gz")
    assert manifest["schema_version"] == migrations.CURRENT
    assert f"content/media/{photo}" in manifest["files"] and "content/linli.db" in manifest["files"]
    assert backup.verify_backup(archive)["files"] == manifest["files"]
    # Later, a careless day: a notice deleted for good and the photo gone.
    m.Notice.delete().execute()
    (home.media_dir / photo).unlink()
    db.database.close()
    result = run("--home", home.root, "restore", archive, "--yes")
    assert result.exit_code == 0, result.output
    assert "已恢复" in result.output
    db.connect(home.database_url)
    assert {n.title for n in m.Notice.select()} == {"停水通知"}  # the uncommitted draft is not in it
    assert (home.media_dir / photo).is_file()
    kept = [p for p in home.root.iterdir() if p.name.startswith("content.before-restore-")]
    assert len(kept) == 1 and (kept[0] / "linli.db").is_file()  # what was replaced is kept


def test_cli_backup_prints_where_and_checks(full_home):
    home, _ = full_home
    result = run("--home", home.root, "backup")
    assert result.exit_code == 0, result.output
    archives = list((home.root / "backups").glob("linli-backup-*.tar.gz"))
    assert len(archives) == 1 and str(archives[0]) in result.output and "已校验" in result.output
    assert not [p for p in (home.root / "backups").iterdir() if p.name.startswith(".")]


def rewrite(archive, target, change, *, fix_manifest=False, extra=()):
    """A copy of ``archive`` with members changed by ``change(name, data) -> data | None``
    (None drops it), ``extra`` (name, data) members added, the manifest optionally made to match."""
    with tarfile.open(archive, "r:gz") as source:
        members = {mm.name: source.extractfile(mm).read() for mm in source.getmembers()}
    changed = {n: change(n, d) for n, d in members.items() if n != "MANIFEST.json"}
    changed = {n: d for n, d in changed.items() if d is not None}
    manifest = json.loads(members["MANIFEST.json"])
    if fix_manifest:
        manifest["files"] = {n: {"sha256": hashlib.sha256(d).hexdigest(), "size": len(d)} for n, d in changed.items()}
    with tarfile.open(target, "w:gz") as out:
        for name, data in [("MANIFEST.json", json.dumps(manifest).encode()), *changed.items(), *extra]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
    return target


def flip_last_byte(name, data):
    return data[:-1] + bytes([data[-1] ^ 1]) if name.endswith(".jpg") else data


def garble_database(name, data):
    return data[:100] + b"\xff" * (len(data) - 100) if name == "content/linli.db" else data


BAD_ARCHIVES = {
    "flipped byte in media": lambda a, t: rewrite(a, t, flip_last_byte),
    "missing database": lambda a, t: rewrite(a, t, lambda n, d: None if n == "content/linli.db" else d),
    "truncated": lambda a, t: t.write_bytes(a.read_bytes()[: a.stat().st_size // 2]) and t,
    "not a backup": lambda a, t: rewrite(a, t, lambda n, d: d, extra=[]) and _plain_tar(t),
    "member outside the home": lambda a, t: rewrite(a, t, lambda n, d: d, extra=[("../../evil.txt", b"evil")]),
    "garbage database, matching checksums": lambda a, t: rewrite(a, t, garble_database, fix_manifest=True),
}


def _plain_tar(target):
    with tarfile.open(target, "w:gz") as out:
        info = tarfile.TarInfo("notes.txt")
        out.addfile(info, io.BytesIO(b""))
    return target


def files_of(home):
    return sorted(p.relative_to(home.root).as_posix() for p in home.root.rglob("*")
                  if p.is_file() and "linli.db" not in p.name)  # fmt: skip


@pytest.mark.parametrize("make", BAD_ARCHIVES.values(), ids=BAD_ARCHIVES.keys())
def test_restore_refuses_a_bad_archive_and_changes_nothing(full_home, tmp_path, make):
    home, _ = full_home
    archive, _ = backup.create_backup(home, tmp_path / "b.tar.gz")
    bad = make(archive, tmp_path / "bad.tar.gz")
    before = files_of(home)
    db.database.close()
    result = run("--home", home.root, "restore", bad, "--yes")
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("错误：") and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "不能使用" in result.stderr or "不是 Linli 备份" in result.stderr, result.stderr
    assert files_of(home) == before
    assert not (tmp_path / "evil.txt").exists() and not (home.root.parent / "evil.txt").exists()
    db.connect(home.database_url)
    assert m.Notice.select().count() == 1


def test_restore_needs_confirmation_without_yes(full_home, tmp_path):
    home, _ = full_home
    archive, _ = backup.create_backup(home, tmp_path / "b.tar.gz")
    result = run("--home", home.root, "restore", archive, input="n\n")
    assert result.exit_code == 1 and not list(home.root.glob("content.before-restore-*"))
