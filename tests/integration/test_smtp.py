"""Sending requests to a real SMTP server (aiosmtpd on loopback, STARTTLS / implicit TLS, AUTH)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

import pytest

from exposure.catalog.sync import upsert_organization
from exposure.net import smtp
from exposure.secrets import set_secret
from exposure.services import requests as rq
from exposure.services.profile import update_profile
from exposure.services.settings import set_setting
from exposure.store.db import transaction
from tests.cli.helpers import run
from tests.integration.smtp_server import PASSWORD, TOKEN, USER, SmtpServer

pytestmark = pytest.mark.network

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def setup(conn: sqlite3.Connection) -> dict[str, int]:
    update_profile(conn, names=["Ada Lovelace-Müller"], emails=[USER], country="US", region="US-CA")
    ids = {}
    with transaction(conn):
        for slug, name, email in (
            ("peoplefinder-test", "PeopleFinder Test", "privacy@peoplefinder.example"),
            ("other-test", "Other Broker Test", "privacy@other.example"),
        ):
            ids[slug] = upsert_organization(conn, slug, {
                "name": name, "domains": [f"{slug}.example"], "category": "people_search", "country": "US",
                "privacy_email": email, "source_url": "https://example.test", "source_date": "2026-01",
            })  # fmt: skip
    return ids


def configure(conn: sqlite3.Connection, server: SmtpServer, *, password: str | None = PASSWORD) -> None:
    set_setting(conn, "smtp.host", server.host)
    set_setting(conn, "smtp.port", str(server.port))
    set_setting(conn, "smtp.security", server.security)
    set_setting(conn, "smtp.user", USER)
    if password is not None:
        set_secret("smtp", password)


def draft(conn: sqlite3.Connection, org: str = "peoplefinder-test") -> dict:
    return rq.draft_requests(conn, [org], "erasure", now=T0)["requests"][0]  # type: ignore[no-any-return]


def parse(data: bytes) -> EmailMessage:
    return message_from_bytes(data, policy=policy.default)  # type: ignore[return-value]


@pytest.mark.usefixtures("setup")
def test_good_send_over_starttls(conn: sqlite3.Connection, smtp_starttls: SmtpServer) -> None:
    configure(conn, smtp_starttls)
    item = draft(conn)
    result = rq.send_requests(conn, [item["id"]], now=T0)
    assert result["failed"] == [], result
    [got] = smtp_starttls.handler.messages
    assert got["tls"] and got["auth"]
    assert got["mail_from"] == USER and got["rcpt_tos"] == ["privacy@peoplefinder.example"]
    msg = parse(got["data"])
    assert msg["From"].addresses[0].addr_spec == USER  # type: ignore[attr-defined]
    assert msg["From"].addresses[0].display_name == "Ada Lovelace-Müller"  # type: ignore[attr-defined]
    assert msg["To"].addresses[0].addr_spec == "privacy@peoplefinder.example"  # type: ignore[attr-defined]
    assert msg["Subject"] == item["subject"] and "1798.105" in msg["Subject"]
    assert parsedate_to_datetime(msg["Date"]) == T0
    assert msg.get_content().replace("\r\n", "\n") == item["body"]
    sent = rq.get_request(conn, item["id"], now=T0)
    assert sent["status"] == "sent" and sent["due"] == "2026-04-16"
    assert sent["message_id"] == msg["Message-ID"] == result["sent"][0]["message_id"]


@pytest.mark.usefixtures("setup")
def test_wrong_password_is_535_and_nothing_is_sent(
    conn: sqlite3.Connection, smtp_starttls: SmtpServer
) -> None:
    configure(conn, smtp_starttls, password="wrong")
    item = draft(conn)
    result = rq.send_requests(conn, [item["id"]], now=T0)
    [failure] = result["failed"]
    assert "refused the login" in failure["error"] and "535" in failure["error"] and not failure["in_doubt"]
    assert "exposure secrets set smtp" in failure["error"]
    assert "wrong" not in failure["error"], "never echo the password"
    assert smtp_starttls.handler.messages == []
    shown = rq.get_request(conn, item["id"], now=T0)
    assert shown["status"] == "draft" and "535" in shown["error"]


@pytest.mark.usefixtures("setup")
def test_server_refuses_without_tls_530(conn: sqlite3.Connection, smtp_starttls: SmtpServer) -> None:
    # A plain connection to a server that wants STARTTLS first: MAIL FROM gets 530.
    set_setting(conn, "smtp.host", smtp_starttls.host)
    set_setting(conn, "smtp.port", str(smtp_starttls.port))
    set_setting(conn, "smtp.security", "none")
    item = draft(conn)
    result = rq.send_requests(conn, [item["id"]], now=T0)
    [failure] = result["failed"]
    assert "530" in failure["error"] and "smtp.security" in failure["error"]
    assert smtp_starttls.handler.messages == []
    assert rq.get_request(conn, item["id"], now=T0)["status"] == "draft"


@pytest.mark.usefixtures("setup")
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_implicit_tls(conn: sqlite3.Connection, smtp_ssl: SmtpServer) -> None:
    configure(conn, smtp_ssl)
    item = draft(conn)
    assert rq.send_requests(conn, [item["id"]], now=T0)["sent"]
    [got] = smtp_ssl.handler.messages
    assert got["tls"] and got["auth"] and got["mail_from"] == USER


@pytest.mark.usefixtures("setup")
def test_oauth2_token_xoauth2(conn: sqlite3.Connection, smtp_starttls: SmtpServer) -> None:
    configure(conn, smtp_starttls, password=None)
    set_secret("smtp_token", TOKEN)
    item = draft(conn)
    assert rq.send_requests(conn, [item["id"]], now=T0)["sent"]
    assert len(smtp_starttls.handler.messages) == 1
    set_secret("smtp_token", "expired")
    other = draft(conn, "other-test")
    failure = rq.send_requests(conn, [other["id"]], now=T0)["failed"][0]
    assert "535" in failure["error"] and "smtp_token" in failure["error"]


@pytest.mark.usefixtures("setup")
def test_untrusted_certificate_is_refused(
    conn: sqlite3.Connection, smtp_starttls: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE")
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent/none.pem")
    monkeypatch.setenv("SSL_CERT_DIR", "/nonexistent")
    configure(conn, smtp_starttls)
    item = draft(conn)
    failure = rq.send_requests(conn, [item["id"]], now=T0)["failed"][0]
    assert "certificate" in failure["error"]
    assert smtp_starttls.handler.messages == []


@pytest.mark.usefixtures("setup")
def test_connection_dropped_after_data_then_sent_exactly_once(
    conn: sqlite3.Connection, smtp_starttls: SmtpServer
) -> None:
    configure(conn, smtp_starttls)
    item = draft(conn)
    smtp_starttls.handler.drop_at_data = 1
    first = rq.send_requests(conn, [item["id"]], now=T0)
    [failure] = first["failed"]
    assert failure["in_doubt"] and "may or may not have been delivered" in failure["error"]
    shown = rq.get_request(conn, item["id"], now=T0)
    assert shown["status"] == "draft" and shown["sent_at"] is None and shown["error"]
    assert smtp_starttls.handler.messages == []
    second = rq.send_requests(conn, [item["id"]], now=T0)
    assert second["failed"] == [] and second["sent"][0]["resend"]
    third = rq.send_requests(conn, [item["id"]], now=T0)
    assert "already sent" in third["failed"][0]["error"]
    [got] = smtp_starttls.handler.messages
    assert parse(got["data"])["Message-ID"] == second["sent"][0]["message_id"]
    assert rq.get_request(conn, item["id"], now=T0)["status"] == "sent"
    states = [r[0] for r in conn.execute("SELECT state FROM send_attempt ORDER BY id")]
    assert states == ["unknown", "accepted"]


@pytest.mark.usefixtures("setup")
def test_connection_dropped_before_data_then_sent_exactly_once(
    conn: sqlite3.Connection, smtp_starttls: SmtpServer
) -> None:
    configure(conn, smtp_starttls)
    item = draft(conn)
    smtp_starttls.handler.drop_at_rcpt = 1
    failure = rq.send_requests(conn, [item["id"]], now=T0)["failed"][0]
    assert not failure["in_doubt"] and "before the message was sent" in failure["error"]
    assert rq.get_request(conn, item["id"], now=T0)["status"] == "draft"
    assert rq.send_requests(conn, [item["id"]], now=T0)["sent"]
    assert len(smtp_starttls.handler.messages) == 1
    states = [r[0] for r in conn.execute("SELECT state FROM send_attempt ORDER BY id")]
    assert states == ["failed", "accepted"]


def test_smtp_send_directly(smtp_starttls: SmtpServer) -> None:
    config = smtp.SmtpConfig(smtp_starttls.host, smtp_starttls.port, "starttls", USER, PASSWORD,
                             context=smtp_starttls.client_context)  # fmt: skip
    data = b"From: a@example.com\r\nTo: b@example.com\r\nSubject: t\r\n\r\n.leading dot\r\nbody\r\n"
    receipt = smtp.send(config, USER, ["b@example.com"], data)
    assert receipt.code == 250
    got = smtp_starttls.handler.messages[0]["data"]
    assert b"\r\n.leading dot\r\n" in got, "dot-stuffing undone by the server"


def test_refused_connection(smtp_starttls: SmtpServer) -> None:
    from tests.integration.smtp_server import free_port

    config = smtp.SmtpConfig("127.0.0.1", free_port(), "starttls", timeout=5)
    with pytest.raises(smtp.SmtpError, match="refused the connection"):
        smtp.send(config, USER, ["b@example.com"], b"Subject: x\r\n\r\nx\r\n")


@pytest.mark.usefixtures("setup")
def test_cli_send_delivers_and_marks_sent(
    conn: sqlite3.Connection, smtp_starttls: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(conn, smtp_starttls)
    drafted = run(capsys, "request", "draft", "peoplefinder-test", "--right", "erasure", "--json")
    assert drafted.code == 0, drafted.err
    request_id = drafted.json()["requests"][0]["id"]
    dry = run(capsys, "request", "send", str(request_id), "--dry-run")
    assert dry.code == 0 and "Dry run: nothing was sent." in dry.err
    assert f"From: Ada Lovelace-Müller <{USER}>" in dry.out and smtp_starttls.handler.messages == []
    sent = run(capsys, "request", "send", str(request_id), "--json")
    assert sent.code == 0, sent.err
    assert f"Contacting {smtp_starttls.host}:{smtp_starttls.port} (starttls) as {USER}" in sent.err
    [got] = smtp_starttls.handler.messages
    assert got["mail_from"] == USER and parse(got["data"])["From"].addresses[0].addr_spec == USER  # type: ignore[attr-defined]
    shown = run(capsys, "request", "show", str(request_id), "--json").json()
    assert shown["status"] == "sent" and shown["due"] == sent.json()["sent"][0]["due"]
    assert shown["due"] is not None and shown["sent_at"] is not None
    again = run(capsys, "request", "send", str(request_id))
    assert again.code == 1 and "already sent" in again.err
