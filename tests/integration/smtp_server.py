"""Real SMTP servers on loopback for tests: aiosmtpd with STARTTLS + AUTH, or implicit TLS.

Certificates come from a throwaway CA (trustme); ``SSL_CERT_FILE`` points the client's default
trust at it, so the code under test verifies certificates exactly as it does in real life.
The handler can drop the connection in the middle of a send (after the message was received,
before the reply: the "in doubt" case; or at RCPT, before anything was handed over).
"""

from __future__ import annotations

import base64
import socket
import ssl
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

USER = "ada@example.com"
PASSWORD = "smtp-secret"
TOKEN = "ya29.test-token"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class CapturingHandler:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.drop_at_data = 0  #: drop the connection after receiving this many messages' data
        self.drop_at_rcpt = 0  #: drop the connection at RCPT this many times

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if self.drop_at_rcpt:
            self.drop_at_rcpt -= 1
            server.transport.abort()
            return "421 going away"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.drop_at_data:
            # The whole message arrived; the connection dies before the server says 250.
            self.drop_at_data -= 1
            server.transport.abort()
            return "421 going away"
        self.messages.append({
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "data": envelope.original_content or envelope.content,
            "auth": session.authenticated,
            "tls": server.transport.get_extra_info("ssl_object") is not None,
        })  # fmt: skip
        return "250 Message accepted for delivery"

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        # RFC-less but widely used: base64("user=U\x01auth=Bearer T\x01\x01") as initial response.
        raw = args[1] if len(args) > 1 else ""
        try:
            text = base64.b64decode(raw).decode()
        except ValueError:
            return AuthResult(success=False, handled=False)
        ok = text == f"user={USER}\x01auth=Bearer {TOKEN}\x01\x01"
        return AuthResult(success=ok, handled=False, auth_data=USER if ok else None)


def authenticator(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    # handled=False: let aiosmtpd send the 535 (handled=True would leave the client hanging)
    return AuthResult(success=True) if ok else AuthResult(success=False, handled=False)


@dataclass
class SmtpServer:
    host: str
    port: int
    security: str
    handler: CapturingHandler
    client_context: ssl.SSLContext
    controller: Controller = field(repr=False)


@pytest.fixture(scope="session")
def tls_ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def trust_test_ca(tls_ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make ssl.create_default_context() trust the test CA (and only it) in this test."""
    pem = tmp_path / "test-ca.pem"
    tls_ca.cert_pem.write_to_path(str(pem))
    monkeypatch.setenv("SSL_CERT_FILE", str(pem))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    return pem


def _server_context(tls_ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
    return context


def _client_context(tls_ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    tls_ca.configure_trust(context)
    return context


@pytest.fixture
def smtp_starttls(tls_ca: trustme.CA, trust_test_ca: Path) -> Iterator[SmtpServer]:
    """STARTTLS required before anything (530 otherwise), AUTH required and only after TLS."""
    handler = CapturingHandler()
    controller = Controller(
        handler, hostname="127.0.0.1", port=free_port(), server_hostname="localhost",
        tls_context=_server_context(tls_ca), require_starttls=True,
        authenticator=authenticator, auth_required=True, auth_require_tls=True,
    )  # fmt: skip
    controller.start()
    try:
        yield SmtpServer(
            "127.0.0.1", controller.port, "starttls", handler, _client_context(tls_ca), controller
        )
    finally:
        controller.stop()


@pytest.fixture
def smtp_ssl(tls_ca: trustme.CA, trust_test_ca: Path) -> Iterator[SmtpServer]:
    """Implicit TLS (port-465 style), AUTH required."""
    handler = CapturingHandler()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Requiring AUTH while not requiring TLS": it is TLS
        controller = Controller(
            handler, hostname="127.0.0.1", port=free_port(), server_hostname="localhost",
            ssl_context=_server_context(tls_ca), authenticator=authenticator,
            auth_required=True, auth_require_tls=False,
        )  # fmt: skip
        controller.start()
    try:
        yield SmtpServer("127.0.0.1", controller.port, "ssl", handler, _client_context(tls_ca), controller)
    finally:
        controller.stop()
