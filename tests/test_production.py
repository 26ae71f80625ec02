"""The production server (``linli serve --production``, linli/server.py) as README's "Running it
for an office" sets it up: started by the systemd unit's command with the README's ``[server]``
table, behind nginx and Caddy with the configurations in docs/, driven by Chromium over HTTPS.
Also: its settings, its proxy and cookie handling in-process, and ``/admin/healthz``."""

from __future__ import annotations

import configparser
import http.client
import re
import shlex
import shutil
import subprocess
import sys

import pytest
from flask import url_for
from werkzeug.test import Client

from linli.limits import REQUEST_BYTES
from linli import accounts, db
from linli import models as m
from linli.errors import LinliError
from linli.home import PROJECT_ROOT, Home
from linli.server import HSTS, production_app
from tests.production import DOCS, Caddy, Nginx, ProductionServer, free_port, get, require_program, unverified
from tests.browser import shows

PASSWORD = "correct-horse-1"
README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def readme_section() -> str:
    start = README.index("## Running it for an office")
    return README[start : README.index("\n## ", start + 1)]


def readme_server_table() -> str:
    """The ``[server]`` table README tells the operator to add to linli.toml."""
    blocks = re.findall(r"```toml\n(.*?)```", readme_section(), re.DOTALL)
    [table] = [block for block in blocks if block.startswith("[server]")]
    return table


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string((DOCS / "linli.service").read_text(encoding="utf-8"))
    return parser


def with_server_settings(home: Home, table: str) -> Home:
    with open(home.settings_path, "a", encoding="utf-8") as settings:
        settings.write("\n" + table)
    return Home.open(home.root)


# --- settings -----------------------------------------------------------------------------------


def test_server_settings_defaults_and_readme_table(home):
    assert home.settings["server"] == {"host": "127.0.0.1", "port": 8000, "proxy_hops": 0, "https": False,
                                       "threads": 8}  # fmt: skip
    configured = with_server_settings(home, readme_server_table())
    assert configured.settings["server"] == {"host": "127.0.0.1", "port": 8000, "proxy_hops": 1, "https": True,
                                             "threads": 8}  # fmt: skip


@pytest.mark.parametrize(
    "table, message",
    [
        ("[server]\nprot = 8000\n", "不认识的设置项：prot"),
        ("[server]\nport = 70000\n", "port 应为 1 到 65535 之间的整数"),
        ('[server]\nport = "8000"\n', "port 应为 1 到 65535 之间的整数"),
        ("[server]\nproxy_hops = -1\n", "proxy_hops 应为 0 到 5 之间的整数"),
        ("[server]\nthreads = true\n", "threads 应为 1 到 64 之间的整数"),
        ('[server]\nhttps = "yes"\n', "https 应为 true 或 false"),
        ("[server]\nhttps = true\n", "需要前面有一个提供 HTTPS 的反向代理"),
        ('[server]\nhost = ""\n', "host 应为监听地址"),
        ('server = "127.0.0.1"\n', "server 应该是一个表"),
    ],
)
def test_bad_server_settings_say_what_to_fix(home, table, message):
    with pytest.raises(LinliError, match=re.escape(message)):
        with_server_settings(home, table)


# --- the WSGI stack, in-process ------------------------------------------------------------------


def login_form(client: Client, headers: dict) -> str:
    page = client.get("/admin/login/", headers=headers).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_behind_an_https_proxy_cookies_are_secure_and_the_proxy_is_believed(home):
    accounts.add_user("wang", PASSWORD, role="editor")
    home = with_server_settings(home, "[server]\nproxy_hops = 1\nhttps = true\n")
    stack = production_app(home)
    client = Client(stack)
    proxy = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "shequ.example.org",
             "X-Forwarded-For": "198.51.100.1, 203.0.113.9"}  # fmt: skip

    # Absolute URLs are the browser's: scheme and host as the proxy reported them.
    admin = stack.app.app.mounts["/admin"]  # ProxyFix → HttpsOnly → the dispatcher
    admin.add_url_rule("/where/", "where", lambda: url_for("admin.index", _external=True))
    assert client.get("/admin/where/", headers=proxy).get_data(as_text=True) == "https://shequ.example.org/admin/"

    page = client.get("/admin/login/", headers=proxy)
    assert page.status_code == 200 and page.headers["Strict-Transport-Security"] == HSTS
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("linli_admin=") and "; Secure" in cookie and "; HttpOnly" in cookie
    assert "SameSite=Lax" in cookie

    # Over HTTPS Flask-WTF checks that the form came from this very origin: the host and scheme
    # the proxy reported, not the backend's own address.
    token = login_form(client, proxy)
    foreign = client.post("/admin/login/", data={"csrf_token": token, "username": "wang", "password": PASSWORD},
                          headers={**proxy, "Referer": "https://127.0.0.1:8000/admin/login/"})  # fmt: skip
    assert foreign.status_code == 400
    answer = client.post("/admin/login/", data={"csrf_token": token, "username": "wang", "password": PASSWORD},
                         headers={**proxy, "Referer": "https://shequ.example.org/admin/login/"})  # fmt: skip
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin/"
    login = m.AuditEvent.select().where(m.AuditEvent.action == "login").get()
    assert login.address == "203.0.113.9"  # the last hop's view of the browser, not a forged first entry

    # A request that did not come through HTTPS is refused with the reason, not a silent login loop.
    plain = client.get("/admin/login/")
    assert plain.status_code == 400 and "X-Forwarded-Proto" in plain.get_data(as_text=True)
    assert "Set-Cookie" not in plain.headers and "Strict-Transport-Security" not in plain.headers
    assert client.get("/admin/healthz").status_code == 200  # a probe on this machine asks directly


def test_without_a_proxy_forwarded_headers_are_ignored(home):
    accounts.add_user("wang", PASSWORD, role="editor")
    client = Client(production_app(home))  # [server] defaults: proxy_hops = 0, https = false
    forged = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Host": "evil.example"}
    page = client.get("/admin/login/", headers=forged)
    assert "Strict-Transport-Security" not in page.headers and "; Secure" not in page.headers["Set-Cookie"]
    token = login_form(client, forged)
    answer = client.post("/admin/login/", data={"csrf_token": token, "username": "wang", "password": PASSWORD},
                         headers=forged, environ_base={"REMOTE_ADDR": "192.0.2.7"})  # fmt: skip
    assert answer.status_code == 302
    assert m.AuditEvent.select().where(m.AuditEvent.action == "login").get().address == "192.0.2.7"


# --- /admin/healthz ----------------------------------------------------------------------------


def test_healthz_answers_one_word_and_nothing_else(home):
    accounts.add_user("wang", PASSWORD, role="admin")
    client = Client(production_app(home))
    answer = client.get("/admin/healthz")
    assert answer.status_code == 200 and answer.get_data(as_text=True) == "ok\n"
    assert answer.mimetype == "text/plain" and answer.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in answer.headers
    assert client.head("/admin/healthz").status_code == 200
    assert client.post("/admin/healthz").status_code == 405

    # The database unreadable: 503 and one word; the reason stays in the server's log.
    db.database.execute_sql('ALTER TABLE "user" RENAME TO user_away')
    try:
        answer = client.get("/admin/healthz")
        assert answer.status_code == 503 and answer.get_data(as_text=True) == "unavailable\n"
        assert "user" not in answer.get_data(as_text=True) and "Set-Cookie" not in answer.headers
    finally:
        db.database.execute_sql('ALTER TABLE user_away RENAME TO "user"')
    assert client.get("/admin/healthz").get_data(as_text=True) == "ok\n"


# --- docs: the systemd unit and the Caddyfile ---------------------------------------------------


def test_systemd_unit_runs_the_documented_command(tmp_path):
    service = unit()["Service"]
    argv = shlex.split(service["ExecStart"])
    assert argv == ["/opt/linli/.venv/bin/python", "-m", "linli", "--home", "/srv/linli/shequ", "serve", "--production"]
    assert service["User"] == "linli" and "/srv/linli" in service["ReadWritePaths"].split()
    assert unit()["Install"]["WantedBy"] == "multi-user.target"
    section = readme_section()
    for command in ("cp /opt/linli/docs/linli.service /etc/systemd/system/linli.service",
                    "systemctl enable --now linli", "adduser --system --group --home /srv/linli linli",
                    "/opt/linli/.venv/bin/linli --home /srv/linli/shequ init", "bash /opt/linli/scripts/setup.sh"):  # fmt: skip
        assert command in section, command
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.skip("systemd-analyze is not installed: the unit was checked by parsing only")
    # systemd-analyze wants the program to exist: the same unit with this machine's Python.
    copy = tmp_path / "linli.service"
    copy.write_text((DOCS / "linli.service").read_text(encoding="utf-8").replace(
        "/opt/linli/.venv/bin/python", sys.executable), encoding="utf-8")  # fmt: skip
    result = subprocess.run([analyze, "verify", str(copy)], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stdout + result.stderr


def test_caddyfile_is_valid(tmp_path):
    caddy = require_program("caddy")
    env = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "c")}
    result = subprocess.run([caddy, "validate", "--config", str(DOCS / "Caddyfile"), "--adapter", "caddyfile"],
                            capture_output=True, text=True, env=env, check=False)  # fmt: skip
    assert result.returncode == 0 and "Valid configuration" in result.stdout + result.stderr, result.stderr


def test_proxy_configurations_allow_exactly_linli_upload_limit():
    nginx = (DOCS / "nginx-admin.conf").read_text(encoding="utf-8")
    caddy = (DOCS / "Caddyfile").read_text(encoding="utf-8")
    [nginx_limit] = re.findall(r"^\s*client_max_body_size (\d+)m;", nginx, re.MULTILINE)
    [caddy_limit] = re.findall(r"^\s*max_size (\d+)MiB$", caddy, re.MULTILINE)
    assert int(nginx_limit) * 1024 * 1024 == int(caddy_limit) * 1024 * 1024 == REQUEST_BYTES


# --- the real thing: processes on loopback, Chromium over HTTPS ----------------------------------


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """A home set up as README's section says (its [server] table, the unit's command line), with
    one member of staff, served by ``linli serve --production`` in its own process."""
    root = tmp_path_factory.mktemp("office")
    home = Home.create(root / "shequ")
    port = free_port()
    home = with_server_settings(home, readme_server_table().replace("port = 8000", f"port = {port}"))
    db.connect(home.database_url, home.settings["timezone"])
    accounts.add_user("wang", PASSWORD, role="editor")
    db.database.close()
    argv = shlex.split(unit()["Service"]["ExecStart"])
    argv = [sys.executable if a == "/opt/linli/.venv/bin/python" else a for a in argv]
    argv = [str(home.root) if a == "/srv/linli/shequ" else a for a in argv]
    server = ProductionServer(home, port, argv)
    yield home, server
    assert server.stop() == 0, server.output()  # SIGTERM (systemctl stop) ends it cleanly
    assert "Traceback" not in server.output(), server.output()


def log_in_with_chromium(browser, base: str, home: Home, title: str) -> None:
    """Log in, check the session cookie and headers, and save a notice (a second form whose CSRF
    check depends on the proxied origin)."""
    context = browser.new_context(ignore_https_errors=True)
    try:
        page = context.new_page()
        page.goto(f"{base}/admin/")
        assert page.url.startswith(f"{base}/admin/login/"), page.url
        page.fill("#username", "wang")
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.click("button[type=submit]")
        assert page.url == f"{base}/admin/", page.url
        assert "工作台" in page.content()

        cookies = {cookie["name"]: cookie for cookie in context.cookies()}
        session = cookies["linli_admin"]
        assert session["secure"] and session["httpOnly"] and session["sameSite"] == "Lax", session

        response = page.goto(f"{base}/admin/notice/")
        assert response.status == 200 and page.url == f"{base}/admin/notice/"
        headers = response.all_headers()
        assert "werkzeug" not in headers.get("server", "").lower()
        assert headers["strict-transport-security"] == HSTS

        page.goto(f"{base}/admin/notice/new/")
        page.fill("#title", title)
        page.click("input[type=submit][value='保存']")
        shows(page, "已保存")
        assert page.url.startswith(f"{base}/admin/notice/")
    finally:
        context.close()


def test_staff_log_in_over_https_through_nginx(office, browser, tmp_path):
    home, server = office
    nginx = Nginx(tmp_path / "nginx", upstream=server.port)
    try:
        log_in_with_chromium(browser, nginx.url, home, "经 nginx 保存的通知")

        # Plain HTTP is redirected to the same address over HTTPS, in the browser too.
        status, headers, _ = get(f"http://127.0.0.1:{nginx.http_port}/admin/login/?next=%2Fadmin%2F")
        assert status == 301 and headers["Location"] == f"{nginx.url}/admin/login/?next=%2Fadmin%2F"
        context = browser.new_context(ignore_https_errors=True)
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{nginx.http_port}/admin/")
        assert page.url.startswith(f"{nginx.url}/admin/login/")
        context.close()

        # Neither nginx nor Linli names Werkzeug (or a version).
        status, headers, _ = get(f"{nginx.url}/admin/login/")
        assert status == 200 and headers["Server"] == "nginx"
        status, headers, body = get(f"{server.url}/admin/healthz")
        assert (status, body, headers["Server"]) == (200, "ok\n", "Linli")

        # The backend asked directly over plain HTTP refuses and explains ([server] https = true).
        status, _, body = get(f"{server.url}/admin/login/")
        assert status == 400 and "https" in body

        # A body over the upload limit is refused by nginx and by the server itself, before it is sent.
        for connection in (http.client.HTTPSConnection("127.0.0.1", nginx.https_port, context=unverified()),
                           http.client.HTTPConnection("127.0.0.1", server.port)):  # fmt: skip
            connection.putrequest("POST", "/admin/upload/image")
            connection.putheader("Content-Length", str(REQUEST_BYTES + 1))
            connection.putheader("Content-Type", "application/octet-stream")
            connection.endheaders()
            assert connection.getresponse().status == 413
            connection.close()
    finally:
        nginx.stop()
    saved(home, "经 nginx 保存的通知")
    errors = [line for line in (tmp_path / "nginx" / "error.log").read_text().splitlines()
              if "[error]" in line and "client intended to send too large body" not in line]  # fmt: skip
    assert errors == []  # e.g. Linli unreachable, an upstream timeout


def test_staff_log_in_over_https_through_caddy(office, browser, tmp_path):
    home, server = office
    caddy = Caddy(tmp_path / "caddy", upstream=server.port)
    try:
        log_in_with_chromium(browser, caddy.url, home, "经 Caddy 保存的通知")
        # Caddy's own redirect to HTTPS; it leaves out the port because https_port is the one it
        # takes browsers to reach (443 in docs/Caddyfile's use).
        status, headers, _ = get(f"http://127.0.0.1:{caddy.http_port}/admin/")
        assert status == 308 and headers["Location"] == "https://127.0.0.1/admin/"
    finally:
        caddy.stop()
    saved(home, "经 Caddy 保存的通知")


def saved(home: Home, title: str) -> None:
    db.connect(home.database_url, home.settings["timezone"])
    try:
        assert m.Notice.select().where(m.Notice.title == title).count() == 1
    finally:
        db.database.close()
