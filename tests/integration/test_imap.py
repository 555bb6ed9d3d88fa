"""`scan imap` against a real Dovecot: login, TLS, folders, incremental rescans, failures, 20k messages."""

from __future__ import annotations

import imaplib
import socket
import sqlite3
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from exposure.core.errors import NetworkError, SecretError
from exposure.secrets import set_secret
from exposure.services.inventory import inventory
from exposure.services.scan_mail import scan_imap
from exposure.sources.mail.imap import encode_mutf7
from tests.cli.helpers import run
from tests.integration.dovecot import DovecotServer, MailUser

pytestmark = pytest.mark.network


def msg(
    sender: str,
    subject: str = "Hello",
    date: str = "Thu, 02 Nov 2023 18:05:00 +0000",
    to: str = "me@example.test",
) -> bytes:
    return (
        f"Received: from mx by mx\r\nFrom: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\n"
        f"Message-ID: <{abs(hash((sender, subject, date)))}@test>\r\n\r\nBody\r\n"
    ).encode()


def context(server: DovecotServer) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(server.ca_pem))


def scan(
    conn: sqlite3.Connection, server: DovecotServer, user: MailUser, **kwargs: object
) -> dict[str, object]:
    options: dict[str, object] = {"security": "none", "password": user.password}
    options.update(kwargs)
    port = options.pop("port", server.port)
    return scan_imap(conn, "127.0.0.1", port, user.name, **options)  # type: ignore[arg-type]


def senders(result: dict[str, object]) -> dict[str, int]:
    return {s["domain"]: s["messages"] for s in result["senders"]}  # type: ignore[attr-defined, index]


def test_read_only_scan_and_resume_after_new_mail(conn: sqlite3.Connection, dovecot: DovecotServer) -> None:
    user = dovecot.new_user()
    dovecot.deliver(user, [msg("Shop <news@shop.example>", "Your order"), msg("friend@gmail.com")], sub="new")
    dovecot.deliver(
        user, [msg(user.name, "Please delete my data", to="privacy@broker.example")], folder=".Sent"
    )
    first = scan(conn, dovecot, user)
    assert first["messages"] == 3 and first["errors"] == []
    assert senders(first) == {"shop.example": 1, "gmail.com": 1, "example.test": 1, "broker.example": 0}
    assert {f["folder"] for f in first["folders"]} == {"INBOX", "Sent"}  # type: ignore[attr-defined]
    # nothing was marked as read: BODY.PEEK on an EXAMINEd folder
    client = dovecot.client(user)
    client.select("INBOX", readonly=True)
    assert client.search(None, "SEEN")[1] == [b""]
    client.logout()
    # new mail arrives: only it is read, the totals grow by exactly that
    dovecot.deliver(user, [msg("Shop <news@shop.example>", f"Newsletter {i}") for i in range(5)], sub="new")
    second = scan(conn, dovecot, user)
    assert second["messages"] == 5 and second["total_messages"] == 8
    assert senders(second)["shop.example"] == 6
    third = scan(conn, dovecot, user)
    assert third["messages"] == 0 and senders(third)["shop.example"] == 6
    rows = {r["name"]: r for r in inventory(conn)}
    assert set(rows) == {"shop.example", "broker.example"}  # gmail.com and the user's own domain are people
    shop = rows["shop.example"]["findings"]
    assert len(shop) == 1 and shop[0]["source"] == "imap" and shop[0]["evidence"]["messages"] == 6
    assert rows["broker.example"]["findings"][0]["evidence"]["kinds"] == ["sent"]


def test_wrong_password_is_one_clear_line(conn: sqlite3.Connection, dovecot: DovecotServer) -> None:
    user = dovecot.new_user()
    with pytest.raises(NetworkError) as info:
        scan(conn, dovecot, user, password="wrong")
    text = str(info.value)
    assert f"refused the login for {user.name}" in text and "exposure secrets set imap" in text
    assert "\n" not in text and "wrong" not in text


def test_no_secret_stored_or_no_keyring(conn: sqlite3.Connection, dovecot: DovecotServer) -> None:
    user = dovecot.new_user()
    with pytest.raises(
        SecretError, match="no password of your mailbox .* is stored .*`exposure secrets set imap`"
    ):
        scan_imap(conn, "127.0.0.1", dovecot.port, user.name, security="none")
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(SecretError, match="no keyring backend"):
            scan_imap(conn, "127.0.0.1", dovecot.port, user.name, security="none")
    finally:
        keyring.set_keyring(previous)


def test_password_from_the_keyring_and_cli_json(
    capsys: pytest.CaptureFixture[str], dovecot: DovecotServer
) -> None:
    user = dovecot.new_user()
    dovecot.deliver(user, [msg("Bank <alerts@bank.example>", "Security alert: new sign-in")])
    set_secret("imap", user.password)
    result = run(
        capsys, "scan", "imap", "--host", "127.0.0.1", "--port", str(dovecot.port), "--user", user.name,
        "--security", "none", "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    doc = result.json()
    assert doc["messages"] == 1
    assert doc["senders"][0]["domain"] == "bank.example" and doc["senders"][0]["kinds"] == ["account"]
    assert {"domain", "organization", "messages", "first_seen", "last_seen"} <= set(doc["senders"][0])


def test_starttls_and_ssl(conn: sqlite3.Connection, dovecot: DovecotServer) -> None:
    user = dovecot.new_user()
    dovecot.deliver(user, [msg("a@one.example")])
    starttls = scan(conn, dovecot, user, security="starttls", ssl_context=context(dovecot))
    assert starttls["messages"] == 1
    dovecot.deliver(user, [msg("b@two.example")], sub="new")
    implicit = scan(conn, dovecot, user, security="ssl", port=dovecot.ssl_port, ssl_context=context(dovecot))
    assert implicit["messages"] == 1 and implicit["total_messages"] == 2


def test_tls_failures_are_clear(conn: sqlite3.Connection, dovecot: DovecotServer) -> None:
    user = dovecot.new_user()
    untrusted = ssl.create_default_context(cafile=None)
    untrusted.load_verify_locations(cadata=_other_ca_pem())
    with pytest.raises(NetworkError, match=r"TLS failed with 127\.0\.0\.1:\d+: .*certificate"):
        scan(conn, dovecot, user, security="ssl", port=dovecot.ssl_port, ssl_context=untrusted)
    with pytest.raises(NetworkError, match="TLS failed"):
        scan(conn, dovecot, user, security="ssl", port=dovecot.port, ssl_context=context(dovecot), timeout=5)


def _other_ca_pem() -> str:
    import trustme

    return trustme.CA().cert_pem.bytes().decode()


def test_non_ascii_folder_names(conn: sqlite3.Connection, dovecot: DovecotServer) -> None:
    user = dovecot.new_user()
    client = dovecot.client(user)
    for name, sender in (("Rechnungen €", "billing@energy.example"), ("Entwürfe 日本 &Co", "x@jp.example")):
        wire = encode_mutf7(name).decode()
        assert client.create(f'"{wire}"')[0] == "OK"
        assert client.append(f'"{wire}"', None, None, msg(sender, "Ihre Rechnung"))[0] == "OK"
    client.logout()
    result = scan(conn, dovecot, user)
    assert {f["folder"] for f in result["folders"]} >= {"Rechnungen €", "Entwürfe 日本 &Co"}  # type: ignore[attr-defined]
    assert senders(result) == {"energy.example": 1, "jp.example": 1}
    other = dovecot.new_user()
    client = dovecot.client(other)
    client.create(f'"{encode_mutf7("Rechnungen €").decode()}"')
    client.append(f'"{encode_mutf7("Rechnungen €").decode()}"', None, None, msg("b@energy.example"))
    client.append("INBOX", None, None, msg("c@elsewhere.example"))
    client.logout()
    chosen = scan(conn, dovecot, other, folders=["Rechnungen €"])
    assert senders(chosen) == {"energy.example": 1}
    with pytest.raises(NetworkError, match="no folder 'Nope'"):
        scan(conn, dovecot, other, folders=["Nope"])


def test_uidvalidity_change_rescans_that_folder(conn: sqlite3.Connection, dovecot: DovecotServer) -> None:
    user = dovecot.new_user()
    client = dovecot.client(user)
    client.create("Archive")
    for i in range(3):
        client.append("Archive", None, None, msg("old@oldshop.example", f"Order {i}"))
    client.append("INBOX", None, None, msg("a@keep.example"))
    client.logout()
    first = scan(conn, dovecot, user)
    assert senders(first) == {"oldshop.example": 3, "keep.example": 1}
    # The folder is deleted and made again: a new UIDVALIDITY, other messages.
    client = dovecot.client(user)
    assert client.delete("Archive")[0] == "OK"
    client.create("Archive")
    client.append("Archive", None, None, msg("new@newshop.example"))
    client.logout()
    second = scan(conn, dovecot, user)
    assert any("UIDVALIDITY changed" in e["message"] for e in second["errors"])  # type: ignore[attr-defined]
    assert senders(second) == {"newshop.example": 1, "keep.example": 1}
    assert second["total_messages"] == 2
    assert {r["name"] for r in inventory(conn)} == {"newshop.example", "keep.example"}


class Proxy:
    """A loopback TCP relay to the server that can cut the connection after N bytes, or stay silent."""

    def __init__(self, target: int, *, cut_after: int | None = None, silent: bool = False) -> None:
        self.target = target
        self.cut_after = cut_after
        self.silent = silent
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            client, _ = self.listener.accept()
        except OSError:
            return
        self.sockets.append(client)
        if self.silent:
            return
        upstream = socket.create_connection(("127.0.0.1", self.target))
        self.sockets.append(upstream)
        threading.Thread(target=self._pump, args=(client, upstream, None), daemon=True).start()
        self._pump(upstream, client, self.cut_after)

    def _pump(self, src: socket.socket, dst: socket.socket, limit: int | None) -> None:
        sent = 0
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if limit is not None and sent + len(data) > limit:
                    dst.sendall(data[: limit - sent])
                    break
                dst.sendall(data)
                sent += len(data)
        except OSError:
            pass
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        self.listener.close()
        for s in self.sockets:
            s.close()


@pytest.fixture
def proxy_factory() -> Iterator[list[Proxy]]:
    proxies: list[Proxy] = []
    yield proxies
    for p in proxies:
        p.close()


def test_dropped_connection_keeps_what_was_read_and_resumes(
    conn: sqlite3.Connection, dovecot: DovecotServer, proxy_factory: list[Proxy]
) -> None:
    user = dovecot.new_user()
    dovecot.deliver(user, [msg(f"n{i}@shop{i % 4}.example", f"Message {i}") for i in range(400)])
    dovecot.client(user).logout()  # let Dovecot index the folder first
    proxy = Proxy(dovecot.port, cut_after=40_000)
    proxy_factory.append(proxy)
    partial = scan(conn, dovecot, user, port=proxy.port, batch=50)
    assert any("dropped" in e["message"] or "failed" in e["message"] for e in partial["errors"])  # type: ignore[attr-defined]
    assert 0 < partial["messages"] < 400  # type: ignore[operator]
    rest = scan(conn, dovecot, user)
    assert partial["messages"] + rest["messages"] == 400  # type: ignore[operator]
    assert sum(senders(rest).values()) == 400


def test_timeout_is_clear(
    conn: sqlite3.Connection, dovecot: DovecotServer, proxy_factory: list[Proxy]
) -> None:
    user = dovecot.new_user()
    proxy = Proxy(dovecot.port, silent=True)
    proxy_factory.append(proxy)
    started = time.monotonic()
    with pytest.raises(NetworkError, match=r"did not answer within 0\.5 s while connecting"):
        scan(conn, dovecot, user, port=proxy.port, timeout=0.5)
    assert time.monotonic() - started < 5


def test_connection_refused(conn: sqlite3.Connection, dovecot: DovecotServer) -> None:
    from tests.integration.dovecot import free_port

    user = dovecot.new_user()
    with pytest.raises(NetworkError, match="refused the connection"):
        scan(conn, dovecot, user, port=free_port())


def test_oauth2_token_is_sent_with_xoauth2(conn: sqlite3.Connection, dovecot: DovecotServer) -> None:
    # This Dovecot has no OAuth2 backend, so the token is refused: with a clear message.
    user = dovecot.new_user()
    set_secret("imap_token", "ya29.expired")
    with pytest.raises(NetworkError, match="refused the OAuth2 login .*`exposure secrets set imap_token`"):
        scan_imap(conn, "127.0.0.1", dovecot.port, user.name, security="none")


@pytest.mark.slow
def test_twenty_thousand_messages(conn: sqlite3.Connection, dovecot: DovecotServer) -> None:
    user = dovecot.new_user()
    domains = [f"sender{i}.example" for i in range(500)]
    dovecot.deliver(
        user,
        [
            msg(
                f"News <news@mail.{domains[i % 500]}>",
                f"Issue {i}",
                f"{1 + i % 28:02d} Jan 2024 10:00:00 +0000",
            )
            for i in range(20_000)
        ],
    )
    client = dovecot.client(user)
    client.select("INBOX", readonly=True)  # Dovecot assigns UIDs and builds its index here
    client.logout()
    started = time.perf_counter()
    result = scan(conn, dovecot, user)
    elapsed = time.perf_counter() - started
    assert result["messages"] == 20_000 and result["skipped"] == 0
    counts = senders(result)
    assert len(counts) == 500 and set(counts.values()) == {40}
    print(f"\n20,000 headers in {elapsed:.2f} s: {20_000 / elapsed:,.0f} messages/s (scan incl. storing)")
    again = scan(conn, dovecot, user)
    assert again["messages"] == 0 and again["total_messages"] == 20_000


def test_imap_module_is_read_only() -> None:
    source = Path(__file__).resolve().parents[2] / "exposure" / "sources" / "mail" / "imap.py"
    text = source.read_text()
    for command in ("STORE", "EXPUNGE", "COPY", "MOVE", "APPEND", "DELETE", "readonly=False"):
        assert f'"{command}"' not in text and f"'{command}'" not in text
    assert "BODY.PEEK" in text and "readonly=True" in text
    assert imaplib.IMAP4.select  # imaplib's select(readonly=True) sends EXAMINE


def test_cli_password_from_stdin_and_human_output(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, dovecot: DovecotServer
) -> None:
    import io

    user = dovecot.new_user()
    dovecot.deliver(user, [msg("Airline <booking@fly.example>", "Your booking confirmation")])
    monkeypatch.setattr("sys.stdin", io.StringIO(user.password + "\n"))
    result = run(
        capsys, "scan", "imap", "--host", "127.0.0.1", "--port", str(dovecot.port), "--user", user.name,
        "--security", "starttls", "--ca-file", str(dovecot.ca_pem), "--password-stdin",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert "fly.example" in result.out and "purchase" in result.out
    assert "Contacting 127.0.0.1 (read-only" in result.err and "1 message read" in result.err
    wrong = run(
        capsys, "scan", "imap", "--host", "127.0.0.1", "--port", str(dovecot.port), "--user", user.name,
        "--security", "none",
    )  # fmt: skip
    assert wrong.code == 1  # nothing in the keyring
    assert wrong.err.strip().splitlines()[-1].startswith("exposure: error: no password of your mailbox")


def test_xoauth2_login_with_a_token(conn: sqlite3.Connection, tls_ca: object, httpserver: object) -> None:
    """A Dovecot that checks OAuth2 tokens with a local introspection endpoint: the token works."""
    import json

    from tests.integration.dovecot import start_dovecot

    token = "ya29.good-token"
    seen: list[str] = []

    def introspect(request: object) -> object:
        from werkzeug.wrappers import Response

        form = request.form  # type: ignore[attr-defined]
        seen.append(form.get("token", ""))
        good = form.get("token") == token
        body = {"active": good, "username": "user1@example.test"} if good else {"active": False}
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request("/introspect", method="POST").respond_with_handler(introspect)  # type: ignore[attr-defined]
    server = start_dovecot(tls_ca, oauth2_introspection_url=httpserver.url_for("/introspect"))  # type: ignore[arg-type, attr-defined]
    try:
        user = server.new_user()
        server.deliver(user, [msg("Stream <hello@stream.example>", "Welcome to Stream")])
        set_secret("imap_token", token)
        result = scan_imap(conn, "127.0.0.1", server.port, user.name, security="none")
        assert result["messages"] == 1 and senders(result) == {"stream.example": 1}
        assert seen == [token]  # the token went to the server's introspection, as XOAUTH2
        set_secret("imap_token", "ya29.expired")
        with pytest.raises(NetworkError, match="refused the OAuth2 login"):
            scan_imap(conn, "127.0.0.1", server.port, user.name, security="none")
    finally:
        server.stop()
        import shutil

        shutil.rmtree(server.root, ignore_errors=True)
