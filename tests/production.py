"""Real processes on loopback for the production-server tests: ``linli serve --production`` in
a process of its own, nginx and Caddy in front of it with their configurations from ``docs/``,
and a self-signed certificate."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from linli.home import PROJECT_ROOT, Home

DOCS = PROJECT_ROOT / "docs"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def require_program(name: str) -> str:
    """The path of a Debian program the test drives; skipped where it is missing, except in CI
    (scripts/test.sh installs it), where that is a failure."""
    found = shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None)
    if not found:
        if os.environ.get("CI"):
            raise RuntimeError(f"CI must install Debian's {name} (scripts/test.sh does)")
        pytest.skip(f"{name} is not installed")
    return found


def adapt(text: str, replacements: dict[str, str]) -> str:
    """``text`` with each key replaced; a key that is not there fails (the docs changed)."""
    for old, new in replacements.items():
        assert old in text, f"{old!r} is no longer in the documented configuration"
        text = text.replace(old, new)
    return text


def unverified() -> ssl.SSLContext:
    """TLS to our own self-signed certificate."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def get(url: str, *, headers: dict | None = None, timeout: float = 10) -> tuple[int, dict, str]:
    """(status, headers, body) of one GET, redirects not followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect(), urllib.request.HTTPSHandler(context=unverified()))
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


class Process:
    """A program run for a test, its output in a file; stopped with SIGTERM, killed if it lingers."""

    def __init__(self, argv: list[str], log: Path, *, env: dict | None = None, cwd: Path | None = None):
        self.argv, self.log_path = argv, log
        self.log = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, env=env, cwd=cwd)

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, ready, what: str, seconds: float = 40) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"{what}: exited with {self.process.returncode}:\n{self.output()}")
            try:
                if ready():
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise AssertionError(f"{what}: not ready after {seconds} s:\n{self.output()}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        return self.process.returncode


def linli_env(home: Home) -> dict:
    """The environment of a Linli process for ``home``: this checkout's code, and on PostgreSQL
    the test home's own schema (tests/conftest.py)."""
    env = {k: v for k, v in os.environ.items() if k != "LINLI_HOME"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    if env.get("DATABASE_URL"):
        env["DATABASE_URL"] = home.database_url
    return env


class ProductionServer(Process):
    """``linli serve --production`` for ``home`` in its own process, ready once it answers its
    health check on ``port``."""

    def __init__(self, home: Home, port: int, argv: list[str] | None = None):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        argv = argv or [sys.executable, "-m", "linli", "--home", str(home.root), "serve", "--production",
                        "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
        super().__init__(argv, home.root.parent / f"linli-{port}.log", env=linli_env(home))
        self.wait_for(lambda: get(f"{self.url}/admin/healthz", timeout=2)[0] == 200, "linli serve --production")


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 made as an operator would, with openssl."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run([require_program("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)  # fmt: skip
    return cert, key


def accepts(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        return True


class Nginx(Process):
    """nginx in the foreground with ``docs/nginx-admin.conf`` moved to loopback ports, a
    self-signed certificate and the given upstream port; its files in ``folder``."""

    def __init__(self, folder: Path, upstream: int):
        nginx = require_program("nginx")
        folder.mkdir(parents=True, exist_ok=True)
        self.http_port, self.https_port = free_port(), free_port()
        cert, key = self_signed_certificate(folder)
        site = adapt((DOCS / "nginx-admin.conf").read_text(encoding="utf-8"), {
            "listen 80;": f"listen 127.0.0.1:{self.http_port};",
            "listen [::]:80;": "",
            "listen 443 ssl;": f"listen 127.0.0.1:{self.https_port} ssl;",
            "listen [::]:443 ssl;": "",
            "return 301 https://$host$request_uri;": f"return 301 https://$host:{self.https_port}$request_uri;",
            "/etc/letsencrypt/live/shequ.example.org/fullchain.pem": str(cert),
            "/etc/letsencrypt/live/shequ.example.org/privkey.pem": str(key),
            "root /var/www/html;": f"root {folder};",
            "proxy_pass http://127.0.0.1:8000;": f"proxy_pass http://127.0.0.1:{upstream};",
        })  # fmt: skip
        (folder / "site.conf").write_text(site, encoding="utf-8")
        temp = "\n".join(f"    {kind}_temp_path {folder / kind};" for kind in
                         ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))  # fmt: skip
        (folder / "nginx.conf").write_text(f"""
daemon off;
user {pwd.getpwuid(os.geteuid()).pw_name};
worker_processes 1;
pid {folder / 'nginx.pid'};
error_log {folder / 'error.log'} warn;
events {{ worker_connections 256; }}
http {{
    access_log {folder / 'access.log'};
{temp}
    include {folder / 'site.conf'};
}}
""", encoding="utf-8")  # fmt: skip
        super().__init__([nginx, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(folder / "error.log")],
                         folder / "nginx.out")  # fmt: skip
        self.url = f"https://127.0.0.1:{self.https_port}"
        self.wait_for(lambda: accepts(self.https_port) and accepts(self.http_port), "nginx")


class Caddy(Process):
    """Caddy with ``docs/Caddyfile`` on loopback ports, its own certificate (``tls internal``)
    and the given upstream port; its state in ``folder``."""

    def __init__(self, folder: Path, upstream: int):
        caddy = require_program("caddy")
        folder.mkdir(parents=True, exist_ok=True)
        self.http_port, self.https_port = free_port(), free_port()
        site = adapt((DOCS / "Caddyfile").read_text(encoding="utf-8"), {
            "shequ.example.org {": f"https://127.0.0.1:{self.https_port} {{\n\ttls internal",
            "reverse_proxy 127.0.0.1:8000": f"reverse_proxy 127.0.0.1:{upstream}",
        })  # fmt: skip
        options = (f"{{\n\tadmin off\n\thttp_port {self.http_port}\n\thttps_port {self.https_port}\n"
                   f"\tskip_install_trust\n\tstorage file_system {folder / 'data'}\n}}\n")  # fmt: skip
        (folder / "Caddyfile").write_text(options + site, encoding="utf-8")
        env = {**os.environ, "HOME": str(folder), "XDG_DATA_HOME": str(folder / "data"),
               "XDG_CONFIG_HOME": str(folder / "config")}  # fmt: skip
        super().__init__([caddy, "run", "--config", str(folder / "Caddyfile"), "--adapter", "caddyfile"],
                         folder / "caddy.out", env=env)  # fmt: skip
        self.url = f"https://127.0.0.1:{self.https_port}"
        self.wait_for(lambda: get(f"{self.url}/admin/healthz", timeout=2)[0] == 200, "caddy")
