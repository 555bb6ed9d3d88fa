"""Sending logic without a network: the SMTP call is replaced by a recorder.

The real SMTP conversation (TLS, AUTH, refusals, a dropped connection) is tested against aiosmtpd
in tests/integration/test_smtp.py; here: attempts, exactly-once, daily cap, cooldown, dry run.
"""

from __future__ import annotations

import sqlite3
from email import message_from_bytes, policy
from typing import Any

import pytest

from exposure.core.errors import SecretError, ValidationError
from exposure.net import smtp
from exposure.secrets import set_secret
from exposure.services import requests as rq
from exposure.services.settings import set_setting
from tests.requests.conftest import Clock, Drafter, FakeSmtp

pytestmark = pytest.mark.usefixtures("ca_profile")


def test_send_marks_sent_with_due_date_and_message_id(
    conn: sqlite3.Connection, draft_one: Drafter, fake: FakeSmtp
) -> None:
    item = draft_one()
    result = rq.send_requests(conn, [item["id"]])
    assert result["failed"] == [] and result["server"] == "smtp.example.com:587 (starttls) as ada@example.com"
    sent = result["sent"][0]
    assert sent["due"] == "2026-04-16" and sent["to"] == "privacy@peoplefinder.example"
    assert fake.delivered[0]["sender"] == "ada@example.com" and fake.delivered[0]["to"] == [
        "privacy@peoplefinder.example"
    ]
    assert fake.delivered[0]["config"].password == "app-password"
    assert fake.message_ids() == [sent["message_id"]]
    shown = rq.get_request(conn, item["id"])
    assert (
        shown["status"] == "sent"
        and shown["message_id"] == sent["message_id"]
        and shown["channel"] == "email"
    )
    attempts = conn.execute("SELECT state, message_id FROM send_attempt").fetchall()
    assert [tuple(a) for a in attempts] == [("accepted", sent["message_id"])]
    again = rq.send_requests(conn, [item["id"]])
    assert "already sent" in again["failed"][0]["error"] and len(fake.delivered) == 1


def test_definite_failure_leaves_a_draft_and_retry_sends_once(
    conn: sqlite3.Connection, draft_one: Drafter, fake: FakeSmtp
) -> None:
    item = draft_one()
    fake.fail.append(
        smtp.SmtpError("the connection to smtp.example.com was lost before the message was sent")
    )
    failed = rq.send_requests(conn, [item["id"]])
    assert failed["sent"] == [] and "lost before" in failed["failed"][0]["error"]
    shown = rq.get_request(conn, item["id"])
    assert shown["status"] == "draft" and "lost before" in shown["error"] and shown["sent_at"] is None
    assert shown["events"][-1]["kind"] == "send_failed"
    ok = rq.send_requests(conn, [item["id"]])
    assert len(ok["sent"]) == 1 and len(fake.delivered) == 1
    assert not ok["sent"][0]["resend"], "a certainly-failed attempt gets a fresh Message-ID"
    assert rq.get_request(conn, item["id"])["error"] is None
    states = [r[0] for r in conn.execute("SELECT state FROM send_attempt ORDER BY id")]
    assert states == ["failed", "accepted"]


def test_in_doubt_attempt_is_resent_with_the_same_message_id(
    conn: sqlite3.Connection, draft_one: Drafter, fake: FakeSmtp
) -> None:
    item = draft_one()
    fake.deliver_then_fail = True
    first = rq.send_requests(conn, [item["id"]])
    assert first["failed"][0]["in_doubt"] and rq.get_request(conn, item["id"])["status"] == "draft"
    dry = rq.send_requests(conn, [item["id"]], dry_run=True)["dry_run"][0]
    assert dry["resend"] and dry["message_id"] == fake.message_ids()[0]
    second = rq.send_requests(conn, [item["id"]])
    assert second["sent"][0]["resend"]
    ids = fake.message_ids()
    assert len(ids) == 2 and ids[0] == ids[1] == second["sent"][0]["message_id"], (
        "the recipient sees one message, however many times the reply was lost"
    )
    states = [r[0] for r in conn.execute("SELECT state FROM send_attempt ORDER BY id")]
    assert states == ["unknown", "accepted"]


def test_an_attempt_of_a_dead_process_counts_as_in_doubt(
    conn: sqlite3.Connection, draft_one: Drafter, fake: FakeSmtp, clock: Clock
) -> None:
    item = draft_one()
    conn.execute(
        "INSERT INTO send_attempt (request_id, org_id, message_id, recipient, state, started_at) "
        "VALUES (?, ?, '<dead.1@example.com>', 'privacy@peoplefinder.example', 'sending', ?)",
        (item["id"], item["org_id"], clock.now.isoformat()),
    )
    busy = rq.send_requests(conn, [item["id"]])
    assert "being sent right now" in busy["failed"][0]["error"] and fake.delivered == []
    clock.advance(minutes=20)
    ok = rq.send_requests(conn, [item["id"]])
    assert ok["sent"][0]["message_id"] == "<dead.1@example.com>"
    states = [r[0] for r in conn.execute("SELECT state FROM send_attempt ORDER BY id")]
    assert states == ["unknown", "accepted"]


def test_daily_cap(conn: sqlite3.Connection, orgs: dict[str, int], fake: FakeSmtp, clock: Clock) -> None:
    set_setting(conn, "smtp.daily_cap", "2")
    set_setting(conn, "smtp.cooldown_hours", "0")
    ids = [
        r["id"]
        for r in rq.draft_requests(conn, ["peoplefinder-test", "shop-test", "letteronly-test"], "erasure")[
            "requests"
        ]
    ]
    rq.edit_request(conn, ids[2], to="privacy@letteronly.example")
    result = rq.send_requests(conn, ids)
    assert len(result["sent"]) == 2
    assert "daily cap is reached: 2 of smtp.daily_cap=2" in result["failed"][0]["error"]
    assert len(fake.delivered) == 2
    clock.advance(hours=23)
    assert rq.send_requests(conn, [ids[2]])["failed"], "a rolling 24 hours"
    clock.advance(hours=1, seconds=1)
    assert rq.send_requests(conn, [ids[2]])["sent"]
    assert len(fake.delivered) == 3


def test_cooldown_per_organization(
    conn: sqlite3.Connection, draft_one: Drafter, fake: FakeSmtp, clock: Clock
) -> None:
    erasure = draft_one("peoplefinder-test")
    access = draft_one("peoplefinder-test", right="access")
    other = draft_one("shop-test")
    result = rq.send_requests(conn, [erasure["id"], access["id"], other["id"]])
    assert [s["id"] for s in result["sent"]] == [erasure["id"], other["id"]]
    assert "less than smtp.cooldown_hours ago" in result["failed"][0]["error"]
    clock.advance(hours=24)
    assert rq.send_requests(conn, [access["id"]])["sent"]
    set_setting(conn, "smtp.cooldown_hours", "0")
    again = draft_one("peoplefinder-test", right="opt_out")
    assert rq.send_requests(conn, [again["id"]])["sent"]


def test_complaint_is_not_held_by_the_cooldown(
    conn: sqlite3.Connection, draft_one: Drafter, fake: FakeSmtp
) -> None:
    item = draft_one()
    rq.send_requests(conn, [item["id"]])
    rq.mark_status(conn, item["id"], "refused")
    complaint = rq.complain(conn, item["id"], channel="email")
    rq.edit_request(conn, complaint["id"], to="complaints@regulator.example")
    assert rq.send_requests(conn, [complaint["id"]])["sent"]
    assert rq.get_request(conn, item["id"])["status"] == "escalated"


def test_follow_up_is_threaded_and_records_the_reminder(
    conn: sqlite3.Connection, draft_one: Drafter, fake: FakeSmtp, clock: Clock
) -> None:
    item = draft_one()
    original = rq.send_requests(conn, [item["id"]])["sent"][0]["message_id"]
    clock.advance(days=50)
    reminder = rq.follow_up(conn, item["id"])
    assert rq.send_requests(conn, [reminder["id"]])["sent"]
    msg = message_from_bytes(fake.delivered[-1]["data"], policy=policy.default)
    assert msg["In-Reply-To"] == original and msg["To"].addresses[0].addr_spec == item["to"]  # type: ignore[attr-defined]
    assert rq.get_request(conn, item["id"])["reminder_sent_at"] == clock.now.isoformat()
    assert rq.get_request(conn, reminder["id"])["due"] is None


def test_dry_run_shows_exactly_what_would_go_out(
    conn: sqlite3.Connection, draft_one: Drafter, fake: FakeSmtp
) -> None:
    item = draft_one()
    result = rq.send_requests(conn, [item["id"]], dry_run=True)
    assert fake.delivered == [] and rq.get_request(conn, item["id"])["status"] == "draft"
    assert conn.execute("SELECT COUNT(*) FROM send_attempt").fetchone()[0] == 0
    shown = result["dry_run"][0]
    assert shown["to"] == "privacy@peoplefinder.example" and shown["from"] == "ada@example.com"
    assert "From: Ada Example <ada@example.com>" in shown["message"]
    assert f"Subject: {item['subject']}" in shown["message"] and item["body"].strip() in shown["message"]
    raw = message_from_bytes(shown["raw"].encode("ascii"), policy=policy.default)
    assert raw["Message-ID"] == shown["message_id"] and raw["Subject"] == item["subject"]
    assert shown["sent_last_24h"] == 0 and shown["daily_cap"] == 100


def test_dry_run_needs_no_password_or_server(conn: sqlite3.Connection, draft_one: Drafter) -> None:
    item = draft_one()
    result = rq.send_requests(conn, [item["id"]], dry_run=True)
    assert "no usable SMTP server" in result["server"] and len(result["dry_run"]) == 1


def test_missing_settings_and_secrets(
    conn: sqlite3.Connection, draft_one: Drafter, monkeypatch: pytest.MonkeyPatch
) -> None:
    item = draft_one()
    with pytest.raises(ValidationError, match="no SMTP server is set"):
        rq.send_requests(conn, [item["id"]])
    set_setting(conn, "smtp.host", "smtp.example.com")
    set_setting(conn, "smtp.user", "ada@example.com")
    with pytest.raises(SecretError, match="exposure secrets set smtp"):
        rq.send_requests(conn, [item["id"]])
    set_setting(conn, "smtp.security", "none")
    set_secret("smtp", "pw")
    with pytest.raises(ValidationError, match="without encryption"):
        rq.send_requests(conn, [item["id"]])


def test_oauth2_token_is_preferred_and_port_follows_security(
    conn: sqlite3.Connection, fake: FakeSmtp
) -> None:
    set_secret("smtp_token", "ya29.token")
    set_setting(conn, "smtp.security", "ssl")
    config = rq.smtp_config(conn)
    assert config.auth == "xoauth2" and config.port == 465 and config.password is None
    assert "OAuth2" in config.describe() and "ya29" not in config.describe() and "ya29" not in repr(config)
    set_setting(conn, "smtp.port", "2465")
    assert rq.smtp_config(conn).port == 2465


def test_server_problem_stops_the_batch(
    conn: sqlite3.Connection, orgs: dict[str, int], fake: FakeSmtp
) -> None:
    ids = [
        r["id"] for r in rq.draft_requests(conn, ["peoplefinder-test", "shop-test"], "erasure")["requests"]
    ]
    fake.fail.append(
        smtp.SmtpError("smtp.example.com refused the login of ada@example.com (535 bad)", code=535)
    )
    result = rq.send_requests(conn, ids)
    assert result["sent"] == [] and "535" in result["failed"][0]["error"]
    assert result["failed"][1]["error"].startswith("not attempted: ")
    assert fake.delivered == []


def test_refused_recipient_does_not_stop_the_batch(
    conn: sqlite3.Connection, orgs: dict[str, int], fake: FakeSmtp
) -> None:
    ids = [
        r["id"] for r in rq.draft_requests(conn, ["peoplefinder-test", "shop-test"], "erasure")["requests"]
    ]
    fake.fail.append(smtp.SmtpError("refused the recipient (550 no such user)", code=550, per_message=True))
    result = rq.send_requests(conn, ids)
    assert [s["id"] for s in result["sent"]] == [ids[1]]


def test_web_form_request_without_an_address_is_not_sent(
    conn: sqlite3.Connection, draft_one: Drafter, fake: FakeSmtp
) -> None:
    item = draft_one("formonly-test")
    result = rq.send_requests(conn, [item["id"]])
    assert "has no email address" in result["failed"][0]["error"] and fake.delivered == []


@pytest.mark.parametrize("race", ["another process is sending", "another process sent it"])
def test_two_processes_never_both_send(
    conn: sqlite3.Connection,
    draft_one: Drafter,
    fake: FakeSmtp,
    monkeypatch: pytest.MonkeyPatch,
    clock: Clock,
    race: str,
) -> None:
    item = draft_one()
    real_plan = rq._plan

    def plan_then_lose_the_race(c: sqlite3.Connection, request_id: int, at: Any) -> Any:
        planned = real_plan(c, request_id, at)
        # the other process acts between our checks and our attempt record
        if race == "another process is sending":
            c.execute(
                "INSERT INTO send_attempt (request_id, org_id, message_id, recipient, state, started_at) "
                "VALUES (?, ?, '<other@example.com>', 'x@example.com', 'sending', ?)",
                (request_id, item["org_id"], clock.now.isoformat()),
            )
        else:
            c.execute("UPDATE request SET status = 'sent' WHERE id = ?", (request_id,))
        return planned

    monkeypatch.setattr(rq, "_plan", plan_then_lose_the_race)
    result = rq.send_requests(conn, [item["id"]])
    assert result["sent"] == [] and fake.delivered == []
    expected = "is being sent right now" if race == "another process is sending" else "was sent meanwhile"
    assert expected in result["failed"][0]["error"]
