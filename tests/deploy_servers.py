"""Real servers on loopback for the deploy tests: OpenSSH's sshd, pyftpdlib (FTP and FTPS),
moto's S3 server. Each runs in a temporary folder and stops by itself when its test ends."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

SSHD = "/usr/sbin/sshd"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen | None = None, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}: {process.stderr.read() if process.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- OpenSSH --------------------------------------------------------------------------------


@dataclass
class Sshd:
    port: int
    process: subprocess.Popen
    folder: Path
    client_key: Path
    known_hosts: Path
    user: str

    def drop_connections(self) -> int:
        """Kill the per-connection sshd processes: every client sees its connection drop."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        for child in children:
            os.kill(int(child), signal.SIGKILL)
        return len(children)


def start_sshd(folder: Path) -> Sshd:
    if os.geteuid() != 0:
        pytest.skip("starting sshd on a test port needs root (it switches users and checks key files as root)")
    for tool in (SSHD, shutil.which("ssh-keygen")):
        if not tool or not Path(tool).exists():
            pytest.skip("OpenSSH server not installed (scripts/test.sh installs openssh-server)")
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("host_key", "client_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / name)], check=True)
    (folder / "authorized_keys").write_text((folder / "client_key.pub").read_text())
    port = free_port()
    config = folder / "sshd_config"
    config.write_text(textwrap.dedent(f"""\
        Port {port}
        ListenAddress 127.0.0.1
        HostKey {folder / 'host_key'}
        PidFile {folder / 'sshd.pid'}
        AuthorizedKeysFile {folder / 'authorized_keys'}
        PermitRootLogin prohibit-password
        PasswordAuthentication yes
        KbdInteractiveAuthentication no
        UsePAM no
        StrictModes no
        Subsystem sftp internal-sftp
        LogLevel ERROR
    """))
    Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege separation folder
    process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stderr=subprocess.PIPE, text=True)
    wait_for_port(port, process)
    host_key = (folder / "host_key.pub").read_text().split()
    (folder / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_key[0]} {host_key[1]}\n")
    user = subprocess.run(["id", "-un"], capture_output=True, text=True, check=True).stdout.strip()
    return Sshd(port, process, folder, folder / "client_key", folder / "known_hosts", user)


# --- FTP (pyftpdlib, in its own process so that killing it drops every connection) ------------

FTP_SERVER = """
import logging, sys
logging.basicConfig(level=logging.WARNING)  # not a line per command: the unread stderr pipe would fill and stop the server
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
root, port, certfile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
authorizer = DummyAuthorizer()
authorizer.add_user("linli", "ftp-secret-1", root, perm="elradfmwMT")
handler = FTPHandler
if certfile:
    from pyftpdlib.handlers import TLS_FTPHandler
    handler = TLS_FTPHandler
    handler.certfile = certfile
    handler.tls_control_required = True
    handler.tls_data_required = True
handler.authorizer = authorizer
handler.auth_failed_timeout = 0.1
server = FTPServer(("127.0.0.1", port), handler)
server.serve_forever()
"""


@dataclass
class FtpServer:
    root: Path
    port: int
    certfile: str
    process: subprocess.Popen | None = None

    def start(self) -> "FtpServer":
        self.process = subprocess.Popen([sys.executable, "-c", FTP_SERVER, str(self.root), str(self.port), self.certfile],
                                        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)  # fmt: skip
        wait_for_port(self.port, self.process)
        return self

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (the CA file the client trusts) and a PEM with key + cert for the server."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    ca = folder / "ca.pem"
    ca.write_bytes(cert_pem)
    both = folder / "server.pem"
    both.write_bytes(key_pem + cert_pem)
    return ca, both


# --- S3 (moto) ------------------------------------------------------------------------------


class S3Server:
    """moto's S3 server on loopback; stop() closes the listening socket (connections refused),
    start() brings it back on the same port with the same buckets."""

    def __init__(self):
        from moto.server import ThreadedMotoServer

        self.port = free_port()
        self._factory = lambda: ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "S3Server":
        self.server = self._factory()
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()
        self.server._server.server_close()


# --- a site and the scenario every target goes through ----------------------------------------

PAGES = 20


def make_site(home) -> Path:
    """A small built site: pages (one with a Chinese name and a space), a stylesheet, a script, a photo."""
    site = home.site_dir
    shutil.rmtree(site, ignore_errors=True)
    files = {
        "index.html": "<!doctype html><title>首页</title><link rel=stylesheet href=static/css/site.css><p>你好",
        "404.html": "<!doctype html><title>找不到</title>",
        "static/css/site.css": "body{font-size:18px}",
        "static/js/search.js": "console.log(1)",
        "notices/停水 通知/index.html": "<!doctype html><title>停水</title><p>明天停水",
    }
    for i in range(PAGES):
        files[f"pages/p{i}/index.html"] = f"<!doctype html><title>第 {i} 页</title><p>{'内容' * 50}"
    for rel, text in files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(text, encoding="utf-8")
    (site / "media").mkdir()
    (site / "media" / "photo.jpg").write_bytes(os.urandom(300_000))
    return site


def add_target(home, name: str, **options):
    """Append ``[deploy.NAME]`` to the home's linli.toml and return the home reopened."""
    from linli.home import Home

    lines = [f"\n[deploy.{name}]"]
    for key, value in options.items():
        if isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, int):
            lines.append(f"{key} = {value}")
        else:
            lines.append(f'{key} = "{value}"')
    with home.settings_path.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return Home.open(home.root)


def tree_hashes(root: Path) -> dict[str, str]:
    """``{path: sha256}`` of the files under a folder a server writes into (manifest excluded);
    fails on leftovers of interrupted uploads."""
    from linli.deploy.core import MANIFEST, file_hash

    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            rel = path.relative_to(root).as_posix()
            assert not rel.endswith(".linli-part"), rel
            if rel != MANIFEST:
                found[rel] = file_hash(path)
    return found


def exercise(home, name: str, remote) -> None:
    """First deploy sends everything; an unchanged site sends nothing; one edit sends one file
    and a removed page is deleted. ``remote()`` reads what the server really holds."""
    from linli.deploy import deploy
    from linli.deploy.core import site_manifest

    site = home.site_dir
    first = deploy(home, name)
    assert sorted(first.uploaded) == sorted(site_manifest(site)) and first.deleted == []
    assert remote() == site_manifest(site)
    again = deploy(home, name)
    assert again.uploaded == [] and again.deleted == [] and again.unchanged == len(site_manifest(site))
    assert "已是最新" in again.summary()
    (site / "pages/p3/index.html").write_text("<!doctype html><title>改过</title>", encoding="utf-8")
    shutil.rmtree(site / "pages/p5")
    edited = deploy(home, name)
    assert edited.uploaded == ["pages/p3/index.html"]
    assert edited.deleted == ["pages/p5/index.html"]
    assert remote() == site_manifest(site)
    assert "上传 1 个文件，删除 1 个" in edited.summary()


def touch_pages(home, mark: str) -> list[str]:
    """Change every page under pages/; returns their paths."""
    changed = []
    for page in sorted(home.site_dir.glob("pages/*/index.html")):
        page.write_text(f"<!doctype html><title>{mark}</title>", encoding="utf-8")
        changed.append(page.relative_to(home.site_dir).as_posix())
    return changed


def resume_after_ctrl_c(home, name: str, remote) -> None:
    """Interrupted after 5 uploads (Ctrl+C), the next run sends only the rest."""
    from linli.deploy import deploy
    from linli.deploy.core import site_manifest

    changed = touch_pages(home, "Ctrl+C")

    def progress(done, total, path):
        if done == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        deploy(home, name, progress=progress)
    rerun = deploy(home, name)
    assert len(rerun.uploaded) == len(changed) - 5 and set(rerun.uploaded) < set(changed)
    assert remote() == site_manifest(home.site_dir)


@pytest.fixture
def ftp(tmp_path):
    """An FTP server over a fresh folder (tests import it by name)."""
    root = tmp_path / "ftp-root"
    root.mkdir()
    server = FtpServer(root, free_port(), "").start()
    yield server
    server.kill()
