"""A real Dovecot IMAP server on loopback for tests (recipe: shared/reference/net.md section 3).

One server per test module (startup ~0.1 s, stop ~1 s); each test gets a fresh user and Maildir
with :meth:`DovecotServer.new_user` (the passwd-file is re-read when it changes). The server
listens on a free loopback port for plain IMAP with STARTTLS, and on another for implicit TLS,
with a certificate from the session's test CA (trustme). It runs from a private temporary
folder (``tempfile.mkdtemp`` + 0755: pytest's ``tmp_path`` is 0700 for root and the ``dovecot``
user could not enter it), never reads /etc/dovecot, and is stopped by SIGTERM to its PID.

As root, Dovecot's own ``dovecot``/``dovenull`` accounts run the internal and login processes
and own the mail; as any other user, that user does.
"""

from __future__ import annotations

import grp
import imaplib
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import trustme

#: Accounts created per server (user1@example.test ... userN), all with PASSWORD.
POOL = 100
PASSWORD = "s3cret"
_files = itertools.count(1)


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.access(p, os.X_OK)), None
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class MailUser:
    name: str
    password: str
    maildir: Path


@dataclass
class DovecotServer:
    root: Path
    port: int  #: plain IMAP, STARTTLS offered
    ssl_port: int  #: implicit TLS
    ca_pem: Path  #: the CA that signed the server certificate
    process: subprocess.Popen[bytes] = field(repr=False)
    uid: int = 0
    gid: int = 0
    _next: Iterator[int] = field(default_factory=lambda: itertools.count(1), repr=False)

    @property
    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def new_user(self) -> MailUser:
        """A fresh account with an empty Maildir (INBOX), from the pool written at start.

        (Dovecot re-reads its passwd-file at most once a second, so users added while it runs
        may not be seen yet: the accounts all exist from the start.)
        """
        number = next(self._next)
        if number > POOL:
            raise RuntimeError(f"more than {POOL} users asked of one Dovecot; raise POOL")
        name = f"user{number}@example.test"
        maildir = self.root / "mail" / name / "Maildir"
        for sub in ("cur", "new", "tmp"):
            (maildir / sub).mkdir(parents=True, exist_ok=True)
        self._chown(self.root / "mail" / name)
        return MailUser(name, PASSWORD, maildir)

    def deliver(
        self, user: MailUser, messages: list[bytes], folder: str | None = None, sub: str = "cur"
    ) -> None:
        """Write messages as Maildir files (fast; Dovecot gives them UIDs at the next SELECT).

        ``folder`` is a Maildir++ folder name as stored on disk (``.Sent``); created if needed.
        """
        base = user.maildir if folder is None else user.maildir / folder
        for name in ("cur", "new", "tmp"):
            (base / name).mkdir(parents=True, exist_ok=True)
        stamp = int(time.time())
        pid = os.getpid()
        target = base / sub
        flags = ":2," if sub == "cur" else ""  # in cur/ but not \Seen: scanning must not mark it
        for msg in messages:
            # Maildir base names must be unique in the whole folder (cur/ and new/ alike).
            (target / f"{stamp}.M{next(_files)}P{pid}.test,S={len(msg)}{flags}").write_bytes(msg)
        self._chown(base)

    def _chown(self, path: Path) -> None:
        if os.geteuid() != 0:
            return
        for dirpath, _dirnames, filenames in os.walk(path):
            os.chown(dirpath, self.uid, self.gid)
            for name in filenames:
                os.chown(os.path.join(dirpath, name), self.uid, self.gid)

    def client(self, user: MailUser) -> imaplib.IMAP4:
        """A plain imaplib session (for tests that change the mailbox through the server)."""
        conn = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        conn.login(user.name, user.password)
        return conn

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
instance_name = exposure-test-{port}
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login{oauth_mechanisms}
auth_failure_delay = 0
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
mail_location = maildir:{root}/mail/%u/Maildir
mail_uid = {uid}
mail_gid = {gid}
first_valid_uid = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
{oauth_passdb}userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {ssl_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
"""


def _wait_ready(server: DovecotServer, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"dovecot exited with {server.process.returncode}: {server.log}")
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=1) as s:
                s.settimeout(2)
                if s.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"dovecot did not greet on port {server.port} within {timeout:g} s: {server.log}")


OAUTH_PASSDB = """passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/oauth2.conf.ext
}}
"""
OAUTH_CONF = """introspection_mode = post
introspection_url = {url}
username_attribute = username
active_attribute = active
active_value = true
"""


def start_dovecot(tls_ca: trustme.CA, *, oauth2_introspection_url: str | None = None) -> DovecotServer:
    """Start a Dovecot; with ``oauth2_introspection_url`` it also takes XOAUTH2 logins, checking
    each token with a POST to that URL (RFC 7662: ``{"active": true, "username": ...}``)."""
    binary = dovecot_binary()
    if binary is None:
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd); .ci/run installs it")
    root = Path(tempfile.mkdtemp(prefix="exposure-dovecot-"))
    root.chmod(0o755)
    if os.geteuid() == 0:
        try:
            internal = pwd.getpwnam("dovecot")
            pwd.getpwnam("dovenull")
        except KeyError:
            pytest.skip("the dovecot and dovenull system users are missing (reinstall dovecot-core)")
        uid, gid = internal.pw_uid, internal.pw_gid
        internal_user, internal_group, login_user = "dovecot", grp.getgrgid(gid).gr_name, "dovenull"
    else:
        uid, gid = os.getuid(), os.getgid()
        internal_user = login_user = pwd.getpwuid(uid).pw_name
        internal_group = grp.getgrgid(gid).gr_name
    cert = tls_ca.issue_cert("localhost", "127.0.0.1")
    cert_pem, key_pem, ca_pem = root / "cert.pem", root / "key.pem", root / "ca.pem"
    cert.cert_chain_pems[0].write_to_path(str(cert_pem))
    cert.private_key_pem.write_to_path(str(key_pem))
    tls_ca.cert_pem.write_to_path(str(ca_pem))
    (root / "passwd").write_text(
        "".join(f"user{n}@example.test:{{PLAIN}}{PASSWORD}\n" for n in range(1, POOL + 1))
    )
    (root / "mail").mkdir()
    if os.geteuid() == 0:
        os.chown(root / "mail", uid, gid)
    port, ssl_port = free_port(), free_port()
    oauth_mechanisms = oauth_passdb = ""
    if oauth2_introspection_url:
        (root / "oauth2.conf.ext").write_text(OAUTH_CONF.format(url=oauth2_introspection_url))
        oauth_mechanisms, oauth_passdb = " xoauth2 oauthbearer", OAUTH_PASSDB.format(root=root)
    (root / "dovecot.conf").write_text(
        CONFIG.format(
            root=root,
            port=port,
            ssl_port=ssl_port,
            cert=cert_pem,
            key=key_pem,
            uid=uid,
            gid=gid,
            internal_user=internal_user,
            internal_group=internal_group,
            login_user=login_user,
            oauth_mechanisms=oauth_mechanisms,
            oauth_passdb=oauth_passdb,
        )
    )
    process = subprocess.Popen(
        [binary, "-F", "-c", str(root / "dovecot.conf")],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = DovecotServer(root, port, ssl_port, ca_pem, process, uid, gid)
    try:
        _wait_ready(server)
    except BaseException:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
        raise
    return server


@pytest.fixture(scope="module")
def dovecot(tls_ca: trustme.CA) -> Iterator[DovecotServer]:
    """A Dovecot for the tests of one module; use ``dovecot.new_user()`` in each test."""
    server = start_dovecot(tls_ca)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)
