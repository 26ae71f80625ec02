"""``linli deploy``: targets in linli.toml, secrets outside it, the manifest sync on a local
folder, the zip (command line and admin download), a git branch in a bare repository, and
the errors staff see. Servers (SSH, FTP, S3) have their own test files."""

from __future__ import annotations

import io
import subprocess
import zipfile

import pytest
from click.testing import CliRunner

from linli.cli import cli
from linli.deploy import deploy
from linli.deploy.config import targets
from linli.deploy.core import MANIFEST, site_manifest
from linli.errors import LinliError
from linli.home import Home
from linli.runs import HomeLock
from tests.deploy_servers import add_target, exercise, make_site, resume_after_ctrl_c, touch_pages, tree_hashes


@pytest.fixture
def site_home(home):
    make_site(home)
    return home


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


# --- settings and secrets ---------------------------------------------------------------------


def test_no_target_configured_explains_how(site_home):
    with pytest.raises(LinliError, match=r"还没有配置发布目标.*\[deploy\.名称\]"):
        deploy(site_home)


@pytest.mark.parametrize(
    "table, message",
    [
        ('kind = "dropbox"', "kind 应为 folder、zip、rsync、sftp、ftp、s3、git 之一"),
        ('kind = "folder"', "缺少 path"),
        ('kind = "folder"\npath = "x"\npasword = "x"', "不认识的设置项：pasword"),
        ('kind = "ftp"\nhost = "h"\npath = "/"\nport = "21"', "port 格式不对"),
        ('kind = "ftp"\nhost = "h"\npath = "/"\npassword = "hunter22"', "不能写 password"),
        ('kind = "s3"\nbucket = "b"\nsecret_access_key = "k"', "LINLI_DEPLOY_SITE_SECRET_ACCESS_KEY"),
    ],
)
def test_bad_target_settings_are_named(site_home, table, message):
    site_home.settings_path.write_text(site_home.settings_path.read_text() + f"\n[deploy.site]\n{table}\n")
    with pytest.raises(LinliError, match=message):
        targets(Home.open(site_home.root))


def test_several_targets_need_a_name(site_home, tmp_path):
    home = add_target(site_home, "usb", kind="folder", path=str(tmp_path / "usb"))
    home = add_target(home, "pack", kind="zip", path=str(tmp_path / "site.zip"))
    with pytest.raises(LinliError, match=r"多个发布目标.*linli deploy usb\|pack"):
        deploy(home)
    with pytest.raises(LinliError, match="没有名为“nas”的发布目标。已配置的有：usb、pack"):
        deploy(home, "nas")


def test_secret_from_environment_or_secrets_file_never_from_settings(site_home, monkeypatch):
    home = add_target(site_home, "my-ftp", kind="ftp", host="127.0.0.1", port=1, user="u", path="/")
    target = targets(home)["my-ftp"]
    monkeypatch.delenv("LINLI_DEPLOY_MY_FTP_PASSWORD", raising=False)
    with pytest.raises(LinliError) as missing:
        deploy(home, "my-ftp")
    assert "缺少部署目标“my-ftp”的密码" in str(missing.value)
    assert "LINLI_DEPLOY_MY_FTP_PASSWORD" in str(missing.value) and "deploy-secrets.toml" in str(missing.value)
    (home.root / "deploy-secrets.toml").write_text('[my-ftp]\npassword = "from-file"\n', encoding="utf-8")
    assert target.secret("password") == "from-file"
    monkeypatch.setenv("LINLI_DEPLOY_MY_FTP_PASSWORD", "from-env")
    assert target.secret("password") == "from-env"
    (home.root / "deploy-secrets.toml").write_text('[my-ftp\n', encoding="utf-8")
    monkeypatch.delenv("LINLI_DEPLOY_MY_FTP_PASSWORD")
    with pytest.raises(LinliError, match="密钥文件 .* 格式有误"):
        target.secret("password")


def test_secrets_file_is_git_ignored_in_new_homes_and_this_repository(home):
    assert "/deploy-secrets.toml" in (home.root / ".gitignore").read_text().splitlines()
    ignored = subprocess.run(["git", "check-ignore", "-q", "deploy-secrets.toml"], capture_output=True)
    assert ignored.returncode == 0  # the repository root is the demo home


# --- local folder -----------------------------------------------------------------------------


def test_folder_uploads_only_changes_and_deletes_removed_files(site_home, tmp_path):
    usb = tmp_path / "usb"
    home = add_target(site_home, "usb", kind="folder", path=str(usb))
    exercise(home, "usb", lambda: tree_hashes(usb))
    assert not (usb / "pages" / "p5").exists()  # emptied folders go too
    manifest = (usb / MANIFEST).read_text(encoding="utf-8")
    assert '"generator": "linli"' in manifest and "notices/停水 通知/index.html" in manifest


def test_folder_resumes_after_an_interrupted_run(site_home, tmp_path):
    usb = tmp_path / "usb"
    home = add_target(site_home, "usb", kind="folder", path=str(usb))
    deploy(home, "usb")
    resume_after_ctrl_c(home, "usb", lambda: tree_hashes(usb))


def test_folder_never_touches_files_linli_did_not_put_there(site_home, tmp_path):
    usb = tmp_path / "usb"
    (usb / "pages").mkdir(parents=True)
    (usb / "照片备份.jpg").write_bytes(b"mine")
    (usb / "pages" / "note.txt").write_text("mine")
    home = add_target(site_home, "usb", kind="folder", path=str(usb))
    deploy(home, "usb")
    __import__("shutil").rmtree(home.site_dir / "pages")
    result = deploy(home, "usb")
    assert len(result.deleted) == 20
    assert (usb / "照片备份.jpg").read_bytes() == b"mine" and (usb / "pages" / "note.txt").exists()


def test_folder_inside_the_home_or_site_is_refused(site_home):
    for n, path in enumerate(("site/copy", "content/x", ".")):
        home = add_target(site_home, f"bad{n}", kind="folder", path=path)
        with pytest.raises(LinliError, match="不能是站点目录本身"):
            deploy(home, f"bad{n}")


def test_a_corrupt_manifest_is_reported_not_trusted(site_home, tmp_path):
    usb = tmp_path / "usb"
    home = add_target(site_home, "usb", kind="folder", path=str(usb))
    deploy(home, "usb")
    (usb / MANIFEST).write_text("{not json")
    with pytest.raises(LinliError, match="已损坏.*删除这个文件后再运行一次"):
        deploy(home, "usb")
    (usb / MANIFEST).write_text('{"files": {"../../etc/passwd": "x", "index.html": "x"}}')
    result = deploy(home, "usb")  # a path outside the folder is ignored, never deleted
    assert result.deleted == [] and "index.html" in result.uploaded


def test_unbuilt_site_and_a_running_build_are_refused(home, tmp_path):
    home = add_target(home, "usb", kind="folder", path=str(tmp_path / "usb"))
    with pytest.raises(LinliError, match="还没有生成网站"):
        deploy(home, "usb")
    make_site(home)
    lock = HomeLock(home)
    assert lock.try_acquire()
    try:
        with pytest.raises(LinliError, match="正在生成网站"):
            deploy(home, "usb")
    finally:
        lock.release()


# --- zip --------------------------------------------------------------------------------------


def test_zip_holds_the_whole_site(site_home, tmp_path):
    home = add_target(site_home, "pack", kind="zip", path=str(tmp_path / "out" / "site"))
    result = deploy(home, "pack")
    archive = tmp_path / "out" / "site.zip"
    assert f"已写入压缩包 {archive}：{len(site_manifest(home.site_dir))} 个文件" in result.summary()
    with zipfile.ZipFile(archive) as z:
        assert z.testzip() is None
        assert {n: z.read(n) for n in z.namelist()} == {
            p: (home.site_dir / p).read_bytes() for p in site_manifest(home.site_dir)
        }


def test_admin_offers_the_site_as_zip_to_editors_only(site_home):
    from admin import create_admin_app
    from linli import accounts

    for role in ("editor", "contributor"):
        accounts.add_user(role, "correct-horse-1", role=role)
    app = create_admin_app(site_home)
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    assert client.post("/login/", data={"username": "editor", "password": "correct-horse-1"}).status_code == 302
    page = client.get("/publish/").get_data(as_text=True)
    assert 'href="/publish/site.zip"' in page and "下载网站压缩包" in page
    response = client.get("/publish/site.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as z:
        assert "notices/停水 通知/index.html" in z.namelist() and len(z.namelist()) == 26
    other = app.test_client()
    other.post("/login/", data={"username": "contributor", "password": "correct-horse-1"})
    assert other.get("/publish/site.zip").status_code == 403


# --- git branch -------------------------------------------------------------------------------


def git_tree(repo, branch="gh-pages") -> dict[str, str]:
    listing = subprocess.run(["git", "--git-dir", str(repo), "ls-tree", "-r", "-z", branch], capture_output=True,
                             check=True).stdout.decode()  # fmt: skip
    files = {}
    for entry in filter(None, listing.split("\0")):
        meta, path = entry.split("\t", 1)
        blob = meta.split()[2]
        data = subprocess.run(["git", "--git-dir", str(repo), "cat-file", "blob", blob], capture_output=True,
                              check=True).stdout  # fmt: skip
        files[path] = __import__("hashlib").sha256(data).hexdigest()
    assert files.pop(".nojekyll") and files.pop(MANIFEST)
    return files


def test_git_branch_in_a_bare_repository(site_home, tmp_path):
    repo = tmp_path / "pages.git"
    subprocess.run(["git", "init", "-q", "--bare", str(repo)], check=True)
    home = add_target(site_home, "pages", kind="git", repo=str(repo))
    exercise(home, "pages", lambda: git_tree(repo))
    log = subprocess.run(["git", "--git-dir", str(repo), "log", "--format=%s", "--name-status", "gh-pages"],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    # two commits: the whole site, then the one edit and the one removal (no commit when unchanged)
    assert log.count("Linli:") == 2 and "M\tpages/p3/index.html" in log and "D\tpages/p5/index.html" in log
    touch_pages(home, "again")
    assert len(deploy(home, "pages").uploaded) == 19


def test_git_repository_missing_is_explained(site_home, tmp_path):
    home = add_target(site_home, "pages", kind="git", repo=str(tmp_path / "nowhere.git"))
    with pytest.raises(LinliError, match="找不到 git 仓库"):
        deploy(home, "pages")


# --- command line -----------------------------------------------------------------------------


def test_cli_deploy_prints_what_it_sent_and_errors_in_one_line(site_home, tmp_path):
    add_target(site_home, "usb", kind="folder", path=str(tmp_path / "usb"))
    result = run("--home", site_home.root, "deploy", "usb")
    assert result.exit_code == 0, result.output
    assert "已发布到“usb”：上传 26 个文件，删除 0 个，0 个未变" in result.output
    (site_home.site_dir / "index.html").write_text("<!doctype html><title>新</title>", encoding="utf-8")
    result = run("--home", site_home.root, "deploy")
    assert "上传 1 个文件，删除 0 个，25 个未变" in result.output
    result = run("--home", site_home.root, "deploy", "nas")
    assert result.exit_code == 1 and result.stderr.strip().startswith("错误：没有名为“nas”的发布目标")
    assert len(result.stderr.strip().splitlines()) == 1
