"""The ``linli`` command line: mirrors the library (init, demo, build, publish, serve, import,
export, check, deploy).

Every command works on one home (``--home DIR``, else ``$LINLI_HOME``, else the current
folder). A problem the user can fix is reported as one line on stderr with exit status 1.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import faulthandler
import gc
import secrets
import shutil
import signal
import socket
import sys
from pathlib import Path

import click

# Only what every command needs is imported here; each command imports the rest of Linli it
# uses, so that ``linli build`` does not pay for the admin's accounts (tests/test_cli_imports.py).
from linli import db, models, runs
from linli.errors import LinliError
from linli.home import Home

DEMO_MARKER = "DEMO"  # in content/: this home holds disposable demo data


class UserError(click.ClickException):
    def show(self, file=None) -> None:
        click.echo(f"错误：{self.message}", err=True)


HOME_HELP = "站点目录（默认：环境变量 LINLI_HOME，否则当前目录）。"


def _home_here(ctx: click.Context, _param, value: Path | None) -> None:
    """``--home`` given after a subcommand (``linli build --home X``) chooses the home too."""
    if value is not None:
        ctx.obj = Home.locate(value)


class LinliCommand(click.Command):
    """A subcommand: takes ``--home`` like the top level does, and lists it in its ``--help``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.params.append(click.Option(["--home"], type=click.Path(file_okay=False, path_type=Path),
                                        expose_value=False, is_eager=True, callback=_home_here, help=HOME_HELP))  # fmt: skip


class LinliGroup(click.Group):
    command_class = LinliCommand
    group_class = type  # subgroups (linli user …) are LinliGroups too

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except LinliError as exc:
            raise UserError(str(exc)) from exc


@click.group(cls=LinliGroup)
@click.option("--home", "home_path", type=click.Path(file_okay=False, path_type=Path), envvar="LINLI_HOME",
              help=HOME_HELP)  # fmt: skip
@click.version_option(package_name="linli")
@click.pass_context
def cli(ctx: click.Context, home_path: Path | None) -> None:
    """邻里 Linli：社区网站生成器。"""
    ctx.obj = Home.locate(home_path)


def open_home(path: Path) -> Home:
    home = Home.open(path)
    db.connect(home.database_url, home.settings["timezone"])
    return home


@cli.command()
@click.option("--name", prompt="社区名称", default="我们的社区", help="社区名称。")
@click.option("--admin", "admin_name", prompt="管理员用户名", help="第一个管理员账号。")
@click.password_option("--password", prompt="管理员密码", confirmation_prompt="再输入一次密码", help="管理员密码。")
@click.pass_obj
def init(root: Path, name: str, admin_name: str, password: str) -> None:
    """新建一个站点目录，并创建第一个管理员账号。"""
    from linli.accounts import add_user, check_new_account

    if (root / "linli.toml").exists():
        raise LinliError(f"{root} 已经是一个 Linli 站点目录，未做任何改动。")
    check_new_account(admin_name, password)
    home = Home.create(root)
    db.connect(home.database_url, home.settings["timezone"])
    with db.immediate_transaction():
        settings = models.SiteSettings.get_current()
        settings.name = name.strip() or settings.name
        settings.save()
        add_user(admin_name, password, role="admin")
    click.echo(f"已创建站点目录 {home.root}，管理员账号：{admin_name}")
    click.echo("下一步：linli serve 打开管理后台录入内容，linli build 生成网站。")


@cli.command()
@click.option("--no-build", is_flag=True, help="只生成演示数据，不生成网站。")
@click.pass_obj
def demo(root: Path, no_build: bool) -> None:
    """生成一个演示社区（示例通知、办事指南、活动照片等）并生成网站。"""
    from linli.accounts import add_user
    from linli.demo import fill_demo

    marker = root / "content" / DEMO_MARKER
    if (root / "linli.toml").exists() and not marker.exists():
        raise LinliError(f"{root} 是一个真实站点目录，不能在这里生成演示数据。请换一个空目录：linli --home 新目录 demo")
    home = Home.create(root)
    database = db.connect(home.database_url, home.settings["timezone"])
    if marker.exists():  # demo data is disposable: start again with fresh dates
        database.drop_tables(models.ALL_MODELS)
        database.create_tables(models.ALL_MODELS)
        shutil.rmtree(home.media_dir, ignore_errors=True)
        home.media_dir.mkdir(parents=True)
    marker.write_text("This home holds Linli's demo community; `linli demo` recreates it.\n", encoding="utf-8")
    counts = fill_demo(home)
    password = secrets.token_urlsafe(9)
    with db.immediate_transaction():
        add_user("demo", password, role="admin")
    made = [(getattr(getattr(models, name), "type_label", ""), n) for name, n in counts.items()]
    click.echo("已生成演示社区：" + "，".join(f"{label} {n}" for label, n in made if label and n))
    click.echo(f"演示管理员账号：demo  密码：{password}")
    if not no_build:
        _build(home)


@cli.command()
@click.pass_obj
def build(root: Path) -> None:
    """把已发布的内容生成静态网站，输出到 site/ 目录。"""
    _build(open_home(root))


@contextlib.contextmanager
def long_lived():
    """For making objects that live as long as the process (importing the build makes thousands):
    no cyclic collection goes through them, neither while they are made (the collector went
    through them all again and again: ~10% of the time) nor after (frozen before it is back on)."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def _build(home: Home) -> None:
    with long_lived():
        import linli.build  # noqa: F401  (what run_build imports)
        from linli.publisher import NOTE, run_build

    show = sys.stderr.isatty()
    bar = None

    def progress(done: int, url: str, total: int) -> None:
        nonlocal bar
        if not show:
            return
        if bar is None:
            bar = click.progressbar(length=max(total, 1), label="正在生成网站", file=sys.stderr, width=30,
                                    show_pos=True, show_eta=True)  # fmt: skip
            bar.render_progress()
        bar.length = max(bar.length, total, done)
        bar.update(done - bar.pos)

    try:
        run = run_build(home, progress=progress)  # recorded as a Run, like a build from the admin
    finally:
        if bar is not None:
            bar.render_finish()
    click.echo(
        f"网站已生成：{run.done} 个页面，{run.files} 个文件，用时 {run.seconds:.1f} 秒 → {home.site_dir}"
    )
    click.echo(f"用浏览器打开 {home.site_dir / 'index.html'} 即可查看。")
    for note in run.message.split(NOTE)[1:]:
        click.echo(f"注意：{note}")


LOOPBACK = ("127.0.0.1", "localhost", "::1")


@cli.command("publish")
@click.option("--if-due", is_flag=True,
              help="只在需要时发布：有内容到了定时公开、到期或活动结束的时间，到了每日定时发布的时间，"
                   "或上次发布失败到了重试的时间。给 cron 或 systemd 定时器用；不需要发布时什么也不做。")  # fmt: skip
@click.pass_obj
def publish_command(root: Path, if_due: bool) -> None:
    """发布网站：生成网站，再上传到自动上传的目标（linli.toml 里 auto = true 的 [deploy.名称]）。"""
    from linli import runs
    from linli.publisher import run_publish
    from linli.scheduler import PublishSettings, publish_if_due

    home = open_home(root)
    progress, finish = _progress_bar()
    try:
        if if_due:
            PublishSettings.of(home)
            attempt = publish_if_due(home, progress=progress)
            run = attempt.run
            if attempt.busy:
                click.echo("另一次发布或上传正在进行，这次不发布。")
                return
            if run is None:
                click.echo("没有需要发布的改动（没有到时间的内容），这次不发布。")
                return
            click.echo(f"发布原因：{attempt.due.reason}")
        else:
            run = run_publish(home, progress=progress)
    finally:
        finish()
    if run.state != runs.SUCCEEDED:
        raise LinliError(run.message)
    click.echo(run.message)


def _progress_bar():
    """``progress(done, total, phase)`` drawing one bar on a terminal's stderr, and ``finish()``."""
    show = sys.stderr.isatty()
    bar = None

    def progress(done: int, total: int, phase: str) -> None:
        nonlocal bar
        if not show:
            return
        if bar is None:
            bar = click.progressbar(length=max(total, 1), file=sys.stderr, width=30, show_percent=True)
        bar.label = phase
        bar.length = max(total, 1)
        bar.update(done - bar.pos)

    def finish() -> None:
        if bar is not None:
            bar.render_finish()

    return progress, finish


@cli.command()
@click.option("--production", is_flag=True,
              help="生产模式：供办公室多人长期使用（waitress 服务器，读取 linli.toml 的 [server]），"
                   "可以监听本机以外的地址。见 README“Running it for an office”。")  # fmt: skip
@click.option("--port", type=click.IntRange(1, 65535), help="端口（默认 8000；生产模式默认取 [server] 的 port）。")
@click.option("--host", help="监听地址（默认 127.0.0.1；不加 --production 时只能是本机地址；生产模式默认取 [server] 的 host）。")
@click.pass_obj
def serve(root: Path, production: bool, port: int | None, host: str | None) -> None:
    """在本机预览网站（/）并打开管理后台（/admin/）；--production：供办公室长期运行。"""
    if production:
        return _serve_production(root, host, port)
    host, port = host or "127.0.0.1", port or 8000
    if host not in LOOPBACK:
        raise LinliError("预览服务器只能在本机地址上运行（--host 127.0.0.1）。"
                         "要让办公室其他电脑使用，请用 linli serve --production（见 README）。")  # fmt: skip
    from werkzeug.serving import make_server

    from linli.scheduler import Scheduler
    from linli.serve import create_preview_app

    home = open_home(root)
    _require_free_port(host, port)
    scheduler = Scheduler(home)  # checks [publish] before anything starts
    _service_signals()  # before the port listens: a Ctrl+C as soon as it answers stops it
    server = None
    try:
        server = make_server(host, port, create_preview_app(home), threaded=True)
        click.echo(f"网站预览：http://{host}:{port}/    管理后台：http://{host}:{port}/admin/")
        click.echo("按 Ctrl+C 停止。")
        scheduler.start()  # publishes on time and backs up nightly while the server runs
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if server is not None:
            server.server_close()
        scheduler.stop()


def _serve_production(root: Path, host: str | None, port: int | None) -> None:
    from linli.scheduler import Scheduler
    from linli.server import serve_production

    home = open_home(root)
    settings = home.settings["server"]
    host, port = host or settings["host"], port or settings["port"]
    _require_free_port(host, port)
    scheduler = Scheduler(home)  # checks [publish] before anything starts
    _service_signals()  # before the port listens: a Ctrl+C as soon as it answers stops it

    def ready(addresses: list[str]) -> None:
        click.echo("Linli 已启动（生产模式）：" + "  ".join(f"{a}/admin/" for a in addresses))
        if settings["https"]:
            click.echo(f"员工通过反向代理的 https:// 地址登录（信任 {settings['proxy_hops']} 层代理）。")
        elif host not in LOOPBACK:
            click.echo("注意：没有配置 HTTPS，登录密码会以明文经过网络。只在可信的内网这样使用；"
                       "其他情况请按 README 配置 HTTPS 反向代理。", err=True)  # fmt: skip
        click.echo("按 Ctrl+C 停止。")

    scheduler.start()  # publishes on time and backs up nightly while the server runs
    try:
        serve_production(home, host, port, ready=ready)
    except KeyboardInterrupt:  # (while the server was being made)
        pass
    finally:
        scheduler.stop()


def _service_signals() -> None:
    """Ctrl+C and SIGTERM stop the service, also when it was started in a script's background;
    ``kill -USR1 <pid>`` prints every thread's stack to its log (where a stuck service is stuck;
    POSIX only)."""
    from linli.server import stop_on_signals

    stop_on_signals()
    if hasattr(signal, "SIGUSR1"):
        try:
            faulthandler.register(signal.SIGUSR1, file=sys.__stderr__, all_threads=True)
        except (AttributeError, ValueError, OSError):  # no standard error to write to
            pass


def _require_free_port(host: str, port: int) -> None:
    """LinliError in one line when ``host``:``port`` cannot be listened on (taken, not an address
    of this machine, a name that does not resolve), before any banner says the site is up."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise LinliError(f"无法识别监听地址 “{host}”：{exc.strerror}。请用 IP 地址，例如 --host 127.0.0.1") from exc
    unusable = []  # e.g. "localhost" has ::1 too, which a machine without IPv6 cannot bind
    for family, kind, proto, _, address in infos:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server itself binds
            try:
                probe.bind(address)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    raise LinliError(f"端口 {port} 已被占用（也许 linli serve 已经在运行）。请先关掉它，"
                                     f"或换一个端口：linli serve --port {port + 1}") from exc  # fmt: skip
                if exc.errno == errno.EACCES:
                    raise LinliError(f"没有权限使用端口 {port}（1024 以下的端口需要管理员权限）。"
                                     "请换一个端口，例如 --port 8000，并让反向代理转发过来。") from exc  # fmt: skip
                unusable.append(exc)
    if len(unusable) == len(infos):
        raise LinliError(f"无法在 {host} 端口 {port} 上监听：{unusable[0].strerror}（这台电脑有这个地址吗？）")


@cli.command("export")
@click.argument("target", type=click.Path(path_type=Path))
@click.pass_obj
def export_command(root: Path, target: Path) -> None:
    """把全部内容导出为 Markdown 文件和媒体文件（备份或迁移用）；FILE.xlsx：办事指南、便民设施、常用电话和网格员导出为 Excel。"""
    from linli.transfer import export_site, summary

    if target.suffix.lower() == ".xlsx":
        _export_xlsx(root, target)
        return
    counts = export_site(open_home(root), target)
    click.echo(f"已导出到 {target}：" + summary(counts))


@cli.command("import")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help="Excel 文件：不询问，检查无误后直接导入。")
@click.pass_obj
def import_command(root: Path, source: Path, yes: bool) -> None:
    """从导出的 Markdown 目录导入内容（同名内容会被更新）；FILE.xlsx：先显示预览，确认后导入 Excel；
    FILE.docx：把 Word 文档导入为一条通知草稿。"""
    from linli.transfer import import_site, summary

    suffix = "" if source.is_dir() else source.suffix.lower()
    if suffix == ".xlsx":
        _import_xlsx(root, source, yes)
        return
    if suffix in (".docx", ".doc"):
        import_word(open_home(root), source)
        return
    if not source.is_dir():
        raise LinliError(f"找不到要导入的目录：{source}")
    counts = import_site(open_home(root), source)
    click.echo(f"已从 {source} 导入：" + summary(counts))


def _export_xlsx(root: Path, target: Path) -> None:
    from linli import spreadsheet

    open_home(root)
    counts = spreadsheet.export_xlsx(target)
    click.echo(f"已导出到 {target}：" + "，".join(f"{sheet} {n} 行" for sheet, n in counts.items()))


def _import_xlsx(root: Path, source: Path, yes: bool) -> None:
    """The preview first; written only when it refuses no row and the user agrees."""
    from linli import spreadsheet

    open_home(root)
    preview = spreadsheet.read_xlsx(source)
    click.echo(f"{source}：{preview.summary()}。")
    for row in preview.rows:
        if row.action == spreadsheet.NEW:
            click.echo(f"  新增 {row.where}：{row.name}")
        elif row.action == spreadsheet.CHANGED:
            click.echo(f"  修改 {row.where}：{row.name}（{'、'.join(row.changed_labels)}）")
    if preview.refused:
        for problem in preview.problems():
            click.echo(f"  有问题 {problem}")
        raise LinliError(f"有 {preview.refused} 行有问题，没有导入任何内容。请改正这些行后再导入。")
    if not preview.new and not preview.changed:
        click.echo("没有需要导入的改动。")
        return
    if not yes:
        click.confirm("确认导入？", abort=True)
    spreadsheet.apply(preview)
    click.echo(f"已导入：新增 {preview.new} 条，修改 {preview.changed} 条。")


def import_word(home: Home, source: Path) -> None:
    """``linli import FILE.docx``: a draft notice with the document's title and body."""
    from linli import audit, limits, revisions, word

    if not source.is_file():
        raise LinliError(f"找不到要导入的 Word 文档：{source}")
    if source.stat().st_size > limits.ATTACHMENT_BYTES:
        raise LinliError(f"“{source.name}”太大了（{limits.size_label(source.stat().st_size)}，"
                         f"最多 {limits.size_label(limits.ATTACHMENT_BYTES)}），没有导入。")
    notice, notes = word.new_draft(models.Notice, source.read_bytes(), home.media_dir, source.name, runs.CLI_USER)
    revisions.record(notice, runs.CLI_USER)
    audit.log("import_word", runs.CLI_USER, notice, detail=source.name)
    click.echo(f"已从 {source.name} 新建通知草稿“{notice.title}”（网址名 {notice.slug}），请在后台检查后发布。")
    for note in notes:
        click.echo(f"注意：{note}")


@cli.group()
def user() -> None:
    """管理员账号：添加、重设密码、列出。"""


@user.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice([r for r, _ in models.ROLE_CHOICES]), default="editor", show_default=True,
              help="admin 管理员，editor 编辑（可发布），contributor 投稿人（需审核）。")  # fmt: skip
@click.option("--name", "display_name", default="", help="姓名（显示用）。")
@click.password_option("--password", prompt="密码", confirmation_prompt="再输入一次密码", help="密码。")
@click.pass_obj
def user_add(root: Path, username: str, role: str, display_name: str, password: str) -> None:
    """添加一个账号。"""
    from linli import audit
    from linli.accounts import add_user

    open_home(root)
    with db.immediate_transaction():
        add_user(username, password, role=role, display_name=display_name)
        audit.log("user_created", "cli", detail=username)
    click.echo(f"已添加账号 {username}（{dict(models.ROLE_CHOICES)[role]}）。")


@user.command("passwd")
@click.argument("username")
@click.password_option("--password", prompt="新密码", confirmation_prompt="再输入一次新密码", help="新密码。")
@click.pass_obj
def user_passwd(root: Path, username: str, password: str) -> None:
    """重设密码（同时解除登录锁定，并让该账号所有已登录的会话失效）。"""
    from linli import audit
    from linli.accounts import set_password

    open_home(root)
    account = models.User.get_or_none(models.User.username == username)
    if account is None:
        raise LinliError(f"没有名为 “{username}” 的账号。用 linli user list 查看全部账号。")
    with db.immediate_transaction():
        set_password(account, password)
        if not account.active:
            account.active = True
            account.save()
        audit.log("password_reset", "cli", detail=username)
    click.echo(f"已重设 {username} 的密码，登录锁定已解除。")


@user.command("list")
@click.pass_obj
def user_list(root: Path) -> None:
    """列出全部账号。"""
    open_home(root)
    roles = dict(models.ROLE_CHOICES)
    for account in models.User.select().order_by(models.User.username):
        last = account.last_login_at.strftime("%Y-%m-%d %H:%M") if account.last_login_at else "从未登录"
        state = "" if account.active else "（已停用）"
        click.echo(f"{account.username}\t{roles.get(account.role, account.role)}\t{account.display_name}\t{last}{state}")


@cli.command("check")
@click.pass_obj
def check_command(root: Path) -> None:
    """检查生成好的网站：站内链接和图片都在，不加载外部资源，HTML 格式正确。"""
    from linli.check import check_site

    home = Home.open(root)
    if not (home.site_dir / "index.html").is_file():
        raise LinliError(f"还没有生成网站（{home.site_dir} 里没有 index.html）：请先运行 linli build。")
    report = check_site(home.site_dir, well_formed=True)
    for problem in report.problems:
        click.echo(problem)
    if report.problems:
        raise LinliError(f"网站检查发现 {len(report.problems)} 个问题（见上面的列表），共 {report.pages} 个页面。")
    click.echo(f"网站检查通过：{report.pages} 个页面，{report.links} 个链接和资源都在站内，HTML 格式正确。")


@cli.command("deploy")
@click.argument("target", required=False)
@click.pass_obj
def deploy_command(root: Path, target: str | None) -> None:
    """把生成好的网站上传到发布目标（linli.toml 里的 [deploy.名称]），只传改动过的文件。"""
    from linli.deploy import deploy

    home = Home.open(root)
    show = sys.stderr.isatty()

    def progress(done: int, total: int, path: str) -> None:
        if show:
            click.echo(f"\r已上传 {done} / {total} 个文件…", nl=False, err=True)

    result = deploy(home, target, progress=progress)
    if show:
        click.echo("\r", nl=False, err=True)
    click.echo(result.summary())


@cli.command("backup")
@click.option("--output", "-o", type=click.Path(path_type=Path),
              help="另存一份备份到这个文件或目录（不按保留规则清理，也不复制）。")  # fmt: skip
@click.pass_obj
def backup_command(root: Path, output: Path | None) -> None:
    """把数据库和全部媒体文件备份到一个文件（可以在使用中备份），并校验备份。

    不加 -o 时和每晚的自动备份一样：放进 linli.toml 的 [backup] folder（默认 backups/），
    按保留规则删除旧备份，设置了 copy_to 时再复制一份过去。"""
    from linli import runs
    from linli.backup import create_backup, scheduled_backup

    home = open_home(root)
    if output is not None:
        archive, manifest = create_backup(home, output)
        size = archive.stat().st_size / 1024 / 1024
        click.echo(f"备份完成并已校验：{archive}（{len(manifest['files'])} 个文件，{size:.1f} MB）")
    else:
        scheduled_backup(home, wait=60)
        click.echo(runs.latest(home, "backup").message)
    click.echo("请把备份文件另外复制一份到 U 盘或其他电脑上保存。")


@cli.command("status")
@click.pass_obj
def status_command(root: Path) -> None:
    """显示站点的运行状态：版本、数据库和磁盘、最近的发布、上传和备份、下一次定时发布、定时服务是否在运行。"""
    from linli.health import status_lines

    for label, value in status_lines(open_home(root)):
        click.echo(f"{label}：{value}")


@cli.command("restore")
@click.argument("archive", type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help="不再询问，直接恢复。")
@click.pass_obj
def restore_command(root: Path, archive: Path, yes: bool) -> None:
    """从备份文件恢复全部内容（先校验备份；现有内容会移到一旁保留，不会删除）。"""
    from linli.backup import restore_backup, verify_backup

    home = Home.open(root)  # not connected: the database is about to be replaced
    manifest = verify_backup(archive)
    click.echo(f"备份 {archive.name} 校验通过：{manifest['created_at']} 制作，{len(manifest['files'])} 个文件。")
    if not yes and not click.confirm("用这个备份替换现在的全部内容吗？（现有内容会移到一旁保留）", default=False):
        raise LinliError("已取消，内容没有改动。")
    db.database.close() if db.database.obj is not None else None
    aside, _ = restore_backup(home, archive)
    db.connect(home.database_url, home.settings["timezone"])  # an older backup is upgraded here (with its own backup first)
    click.echo(f"已恢复。原来的内容保存在 {aside}（确认无误后可以删除）。")
    click.echo("如果管理后台正在运行，请重新启动它（linli serve）。然后运行 linli build 重新生成网站。")


def main() -> None:
    atexit.register(end_quickly)
    cli(prog_name="linli")


def end_quickly() -> None:
    """(At the exit of the ``linli`` process.) Close the database, so that SQLite leaves its file
    whole (no write-ahead log beside it), and leave what the command made to the system: the
    cyclic collector would otherwise go through every object once more as the interpreter ends
    (0.1 s after a one-notice build at 10,000 notices)."""
    try:
        if db.database.obj is not None and not db.database.is_closed():
            db.database.close()
    finally:
        gc.freeze()
