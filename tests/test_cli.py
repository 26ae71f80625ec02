"""The command line: first run, demo, build, and one clear line for every bad input."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from linli import db
from linli import models as m
from linli.cli import cli

pytestmark = pytest.mark.sqlite_only(reason="forces SQLite (it looks at the home's SQLite file): the same in both passes")


@pytest.fixture(autouse=True)
def _sqlite_files(monkeypatch):
    """These tests look at the SQLite file of a home (content/linli.db) themselves."""
    monkeypatch.delenv("DATABASE_URL", raising=False)


def run(*args, input=None):
    result = CliRunner().invoke(cli, list(map(str, args)), input=input)
    return result


def assert_one_line_error(result, fragment):
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("错误："), result.stderr
    assert fragment in lines[0]


def test_unknown_home(tmp_path):
    assert_one_line_error(run("--home", tmp_path / "nowhere", "build"), "找不到站点目录")
    assert_one_line_error(run("--home", tmp_path, "build"), "不是 Linli 站点目录")


def test_corrupt_database(tmp_path):
    assert run("--home", tmp_path, "init", input="社区\nadmin\nsecret-pass\nsecret-pass\n").exit_code == 0
    db.database.close()  # as when init's process has ended
    (tmp_path / "content" / "linli.db").write_bytes(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        (tmp_path / "content" / f"linli.db{suffix}").unlink(missing_ok=True)
    assert_one_line_error(run("--home", tmp_path, "build"), "无法打开数据库")


def test_bad_settings_file(tmp_path):
    (tmp_path / "linli.toml").write_text('theme = "default"\nthemes = "typo"\n', encoding="utf-8")
    assert_one_line_error(run("--home", tmp_path, "build"), "不认识的设置项：themes")
    (tmp_path / "linli.toml").write_text('theme = "default\n', encoding="utf-8")
    assert_one_line_error(run("--home", tmp_path, "build"), "格式有误")
    (tmp_path / "linli.toml").write_text('theme = "nope"\n', encoding="utf-8")
    assert_one_line_error(run("--home", tmp_path, "build"), "主题 “nope” 不存在")


def test_init_creates_home_and_first_admin(tmp_path):
    home = tmp_path / "shequ"
    result = run("--home", home, "init", input="幸福里社区\nwang\nlong-enough-1\nlong-enough-1\n")
    assert result.exit_code == 0, result.output
    assert (home / "linli.toml").is_file() and (home / "content" / "linli.db").is_file()
    db.connect(f"sqlite:///{home / 'content' / 'linli.db'}")
    user = m.User.get(m.User.username == "wang")
    assert user.role == "admin" and "long-enough-1" not in user.password_hash
    assert m.SiteSettings.get_current().name == "幸福里社区"
    assert_one_line_error(run("--home", home, "init", input="x\ny\nlong-enough-1\nlong-enough-1\n"), "已经是")


def test_init_refuses_short_password_and_writes_nothing(tmp_path):
    home = tmp_path / "shequ"
    result = run("--home", home, "init", "--name", "社区", "--admin", "li", "--password", "short")
    assert_one_line_error(result, "至少需要 8 个字符")
    assert not home.exists()


def test_init_never_runs_without_a_password(tmp_path):
    result = run("--home", tmp_path / "h", "init", "--name", "社区", "--admin", "li", input="")
    assert result.exit_code != 0
    assert not (tmp_path / "h" / "linli.toml").exists()


def test_demo_then_build(tmp_path):
    home = tmp_path / "demo"
    result = run("--home", home, "demo")
    assert result.exit_code == 0, result.output
    assert "演示管理员账号：demo" in result.output
    assert (home / "site" / "index.html").is_file()
    result = run("--home", home, "build")
    assert result.exit_code == 0, result.output
    assert re.search(r"网站已生成：\d+ 个页面，\d+ 个文件，用时 [\d.]+ 秒", result.output)
    # Running demo again starts the demo afresh instead of adding a second copy.
    assert run("--home", home, "demo", "--no-build").exit_code == 0
    db.connect(f"sqlite:///{home / 'content' / 'linli.db'}")
    assert m.User.select().count() == 1


def test_demo_refuses_a_real_home(tmp_path):
    assert run("--home", tmp_path, "init", input="社区\nadmin\nsecret-pass\nsecret-pass\n").exit_code == 0
    assert_one_line_error(run("--home", tmp_path, "demo"), "真实站点目录")


def test_serve_refuses_public_addresses(tmp_path):
    assert run("--home", tmp_path, "init", input="社区\nadmin\nsecret-pass\nsecret-pass\n").exit_code == 0
    assert_one_line_error(run("--home", tmp_path, "serve", "--host", "0.0.0.0"), "只能在本机")


def test_python_dash_m_and_console_script(tmp_path):
    out = subprocess.run([sys.executable, "-m", "linli", "--help"], capture_output=True, text=True, check=True)
    assert "build" in out.stdout and "demo" in out.stdout
    missing = subprocess.run([sys.executable, "-m", "linli", "--home", str(tmp_path / "x"), "build"],
                             capture_output=True, text=True)  # fmt: skip
    assert missing.returncode == 1 and missing.stderr.startswith("错误：找不到站点目录")


def test_a_build_process_leaves_the_sqlite_file_whole(text_demo_site, copy_home, tmp_path):
    """``linli build`` in a process of its own closes its database as the process ends (it leaves
    what it made to the system instead of waiting for the collector to find the connection): the
    home's SQLite file has no write-ahead log beside it afterwards."""
    home = copy_home(text_demo_site, tmp_path / "home")
    built = subprocess.run([sys.executable, "-m", "linli", "--home", str(home.root), "build"],
                           capture_output=True, text=True)  # fmt: skip
    assert built.returncode == 0 and "网站已生成" in built.stdout, built.stderr
    assert home.db_path.is_file() and not home.db_path.with_name(home.db_path.name + "-wal").exists()


def test_export_import_and_a_wrong_field(demo_site, copy_home, tmp_path):
    source, target, dump = tmp_path / "a", tmp_path / "b", tmp_path / "dump"
    copy_home(demo_site, source, built=False)  # the demo's content (`linli demo` itself: test_demo_then_build)
    result = run("--home", source, "export", dump)
    assert result.exit_code == 0, result.output
    assert run("--home", target, "init", input="社区\nadmin\nsecret-pass\nsecret-pass\n").exit_code == 0
    result = run("--home", target, "import", dump)
    assert result.exit_code == 0, result.output
    assert "已从" in result.output
    db.connect(f"sqlite:///{target / 'content' / 'linli.db'}")
    assert m.Notice.select().count() >= 34
    before = m.Notice.select().count()

    notice = sorted((dump / "notices").glob("*.md"))[0]
    notice.write_text(notice.read_text(encoding="utf-8").replace("pinned: false", "pinned: maybe"), encoding="utf-8")
    (dump / "notices" / "新通知.md").write_text("---\ntitle: 新通知\n---\n正文\n", encoding="utf-8")
    assert_one_line_error(run("--home", target, "import", dump), "pinned")
    db.connect(f"sqlite:///{target / 'content' / 'linli.db'}")
    assert m.Notice.select().count() == before  # nothing half-imported
    assert_one_line_error(run("--home", target, "import", tmp_path / "missing"), "找不到要导入的目录")


def test_home_after_the_subcommand_and_in_every_help(tmp_path):
    assert run("init", "--home", tmp_path, input="社区\nadmin\nsecret-pass\nsecret-pass\n").exit_code == 0
    listed = run("user", "list", "--home", tmp_path)
    assert listed.exit_code == 0 and "admin" in listed.output
    assert_one_line_error(run("build", "--home", tmp_path / "nowhere"), "找不到站点目录")

    def commands(group, path=()):
        for name, command in group.commands.items():
            if hasattr(command, "commands"):
                yield from commands(command, (*path, name))
            else:
                yield (*path, name)

    names = list(commands(cli))
    assert {("build",), ("serve",), ("user", "add"), ("backup",), ("restore",)} <= set(names)
    for name in names:
        shown = run(*name, "--help")
        assert shown.exit_code == 0 and "--home" in shown.output, name


def test_serve_on_a_port_in_use_says_so_in_one_line(tmp_path):
    import socket

    assert run("--home", tmp_path, "init", input="社区\nadmin\nsecret-pass\nsecret-pass\n").exit_code == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("--home", tmp_path, "serve", "--port", port)
    assert_one_line_error(result, f"端口 {port} 已被占用")
    assert "网站预览" not in result.stdout  # no success banner first


def test_production_serve_says_in_one_line_why_it_cannot_start(tmp_path):
    import socket

    assert run("--home", tmp_path, "init", input="社区\nadmin\nsecret-pass\nsecret-pass\n").exit_code == 0
    result = run("--home", tmp_path, "serve", "--host", "0.0.0.0")
    assert_one_line_error(result, "linli serve --production")  # the way to serve an office is named
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("--home", tmp_path, "serve", "--production", "--port", port)
    assert_one_line_error(result, f"端口 {port} 已被占用")
    assert "已启动" not in result.stdout
    assert_one_line_error(run("--home", tmp_path, "serve", "--production", "--host", "999.1.1.1"), "无法识别监听地址")
    assert_one_line_error(run("--home", tmp_path, "serve", "--production", "--host", "192.0.2.1"), "无法在 192.0.2.1")
    with open(tmp_path / "linli.toml", "a", encoding="utf-8") as settings:
        settings.write("\n[server]\nhttps = true\n")
    assert_one_line_error(run("--home", tmp_path, "serve", "--production"), "proxy_hops = 1")
