"""Tracking with a clock we control: due dates, overdue, reminders, complaints, extensions, statuses."""

from __future__ import annotations

import sqlite3

import pytest

from exposure.core.errors import ValidationError
from exposure.services import requests as rq
from exposure.services.settings import set_setting
from tests.requests.conftest import Clock, Drafter

pytestmark = pytest.mark.usefixtures("ca_profile")


def sent_request(conn: sqlite3.Connection, draft_one: Drafter, org: str = "peoplefinder-test") -> dict:
    item = draft_one(org)
    return rq.mark_status(conn, item["id"], "sent")


def test_overdue_is_derived_from_the_due_date(
    conn: sqlite3.Connection, draft_one: Drafter, clock: Clock
) -> None:
    item = sent_request(conn, draft_one)
    assert item["due"] == "2026-04-16"
    clock.advance(days=45)  # the due day itself is not overdue
    now = rq.get_request(conn, item["id"])
    assert not now["overdue"] and now["days_left"] == 0
    clock.advance(days=1)
    now = rq.get_request(conn, item["id"])
    assert now["overdue"] and now["days_left"] == -1 and now["status"] == "sent"
    assert now["next_action"] == "remind"
    stored = conn.execute("SELECT status FROM request WHERE id = ?", (item["id"],)).fetchone()[0]
    assert stored == "sent", "overdue is never stored"
    assert [r["id"] for r in rq.list_requests(conn, status="overdue")] == [item["id"]]
    # an answer stops the clock from mattering: needs_action is not overdue
    rq.mark_status(conn, item["id"], "needs_action", note="they want me to click a link")
    assert not rq.get_request(conn, item["id"])["overdue"]
    assert rq.list_requests(conn, status="overdue") == []


def test_list_due_orders_open_requests_by_due_date(
    conn: sqlite3.Connection, draft_one: Drafter, clock: Clock
) -> None:
    ccpa = sent_request(conn, draft_one, "peoplefinder-test")  # due 2026-04-16
    opt_out = draft_one("letteronly-test", right="opt_out")
    opt_out = rq.mark_status(conn, opt_out["id"], "sent")  # 15 business days: 2026-03-23
    assert opt_out["due"] == "2026-03-23"
    draft = draft_one("shop-test")
    done = sent_request(conn, draft_one, "formonly-test")
    rq.mark_status(conn, done["id"], "completed")
    due = rq.list_requests(conn, due=True)
    assert [r["id"] for r in due] == [opt_out["id"], ccpa["id"]]
    assert draft["id"] not in [r["id"] for r in due]
    assert {r["id"] for r in rq.list_requests(conn, status="open")} == {opt_out["id"], ccpa["id"]}
    assert [r["id"] for r in rq.list_requests(conn, status="draft")] == [draft["id"]]
    with pytest.raises(ValidationError, match="unknown status"):
        rq.list_requests(conn, status="lost")


def test_business_days_skip_weekends_for_ccpa_opt_out(
    conn: sqlite3.Connection, draft_one: Drafter, clock: Clock
) -> None:
    clock.advance(days=4)  # Friday 2026-03-06
    item = rq.mark_status(conn, draft_one("letteronly-test", right="opt_out")["id"], "sent")
    assert item["due"] == "2026-03-27"  # 15 business days later, a Friday


def test_statuses_follow_the_life_of_a_request(conn: sqlite3.Connection, draft_one: Drafter) -> None:
    item = draft_one()
    with pytest.raises(ValidationError, match="it can become sent, not completed"):
        rq.mark_status(conn, item["id"], "completed")
    with pytest.raises(ValidationError, match="overdue is worked out from the due date"):
        rq.mark_status(conn, item["id"], "overdue")
    rq.mark_status(conn, item["id"], "sent")
    rq.mark_status(conn, item["id"], "acknowledged", note="ticket 123")
    rq.mark_status(conn, item["id"], "needs_action")
    done = rq.mark_status(conn, item["id"], "completed", note="listing removed")
    assert done["status"] == "completed" and done["next_action"] is None
    with pytest.raises(ValidationError, match="already completed"):
        rq.mark_status(conn, item["id"], "completed")
    notes = [(e["kind"], e["note"]) for e in done["events"]]
    assert ("status", "ticket 123") in notes and ("status", "listing removed") in notes


def test_reply_and_extension_move_the_due_date(
    conn: sqlite3.Connection, draft_one: Drafter, clock: Clock
) -> None:
    item = sent_request(conn, draft_one)
    with pytest.raises(ValidationError, match="not been sent"):
        rq.record_reply(conn, draft_one("shop-test")["id"], note="x")
    clock.advance(days=40)
    replied = rq.record_reply(conn, item["id"], note="we need 45 more days", extension=True)
    assert replied["extended"] and replied["due"] == "2026-05-31"  # 45 + 45 days after 2026-03-02
    assert replied["status"] == "acknowledged"
    assert [e["kind"] for e in replied["events"]][-3:] == ["reply", "extension", "status"]
    with pytest.raises(ValidationError, match="already recorded"):
        rq.record_reply(conn, item["id"], extension=True)
    clock.advance(days=10)
    assert not rq.get_request(conn, item["id"])["overdue"], "the extension counts"
    done = rq.record_reply(conn, item["id"], note="deleted", status="completed")
    assert done["status"] == "completed"


def test_gdpr_extension_is_two_more_months(
    conn: sqlite3.Connection, draft_one: Drafter, clock: Clock
) -> None:
    item = rq.mark_status(conn, draft_one("shop-test", law="gdpr")["id"], "sent")
    assert item["due"] == "2026-04-02"
    assert rq.record_reply(conn, item["id"], extension=True)["due"] == "2026-06-02"


def test_plain_request_allows_no_extension(conn: sqlite3.Connection, draft_one: Drafter) -> None:
    item = rq.mark_status(conn, draft_one("shop-test", law="none")["id"], "sent")
    with pytest.raises(ValidationError, match="allows no extension"):
        rq.record_reply(conn, item["id"], extension=True)


def test_reminder_then_complaint(conn: sqlite3.Connection, draft_one: Drafter, clock: Clock) -> None:
    item = sent_request(conn, draft_one)
    with pytest.raises(ValidationError, match="not overdue"):
        rq.follow_up(conn, item["id"])
    with pytest.raises(ValidationError, match="send a reminder first|not overdue|is sent"):
        rq.complain(conn, item["id"])
    clock.advance(days=46)
    reminder = rq.follow_up(conn, item["id"])
    assert reminder["kind"] == "follow_up" and reminder["parent"] == item["id"]
    assert reminder["to"] == item["to"] and reminder["status"] == "draft"
    assert "Reminder" in reminder["subject"] and item["subject"] in reminder["body"]
    assert "1798.105" in reminder["body"] and rq.unfilled_placeholders_in(reminder) == []
    with pytest.raises(ValidationError, match="already drafted"):
        rq.follow_up(conn, item["id"])
    with pytest.raises(ValidationError, match="is a follow-up"):
        rq.follow_up(conn, reminder["id"])
    rq.mark_status(conn, reminder["id"], "sent")
    parent = rq.get_request(conn, item["id"])
    assert parent["reminder_sent_at"] == clock.now.isoformat()
    assert parent["complaint_after"] == "2026-05-01"  # 14 days (requests.reminder_days) after the reminder
    assert parent["next_action"] is None and parent["status"] == "sent"
    with pytest.raises(ValidationError, match="already sent"):
        rq.follow_up(conn, item["id"])
    with pytest.raises(ValidationError, match="give them until 2026-05-01"):
        rq.complain(conn, item["id"])
    clock.advance(days=14)
    assert rq.get_request(conn, item["id"])["next_action"] == "complain"
    complaint = rq.complain(conn, item["id"])
    assert complaint["kind"] == "complaint" and complaint["parent"] == item["id"]
    assert complaint["regulator"] and "Privacy Protection" in complaint["regulator"]
    assert complaint["recipient"] == complaint["regulator"]
    body = complaint["body"]
    assert "PeopleFinder Test" in body and "1798.105" in body
    assert "2 March 2026: request sent" in body, "the history is attached"
    assert "reminder sent" in body and item["subject"] in body
    assert rq.unfilled_placeholders_in(complaint) == []
    with pytest.raises(ValidationError, match="already exists"):
        rq.complain(conn, item["id"])
    rq.mark_status(conn, complaint["id"], "sent", note="filed on the web form")
    parent = rq.get_request(conn, item["id"])
    assert parent["status"] == "escalated" and parent["escalated_at"] == clock.now.isoformat()
    assert [e["kind"] for e in parent["events"]][-2:] == ["complaint_drafted", "complaint"]
    assert not parent["overdue"]


def test_reminder_window_is_a_setting(conn: sqlite3.Connection, draft_one: Drafter, clock: Clock) -> None:
    set_setting(conn, "requests.reminder_days", "3")
    item = sent_request(conn, draft_one)
    clock.advance(days=50)
    rq.mark_status(conn, rq.follow_up(conn, item["id"])["id"], "sent")
    clock.advance(days=3)
    assert rq.complain(conn, item["id"])["kind"] == "complaint"


def test_refusal_allows_a_complaint_at_once(conn: sqlite3.Connection, draft_one: Drafter) -> None:
    item = sent_request(conn, draft_one)
    rq.mark_status(conn, item["id"], "refused", note="they say they are exempt")
    assert rq.get_request(conn, item["id"])["next_action"] == "complain"
    complaint = rq.complain(conn, item["id"])
    assert "exempt" in complaint["body"]


def test_complaint_to_the_right_regulator_in_germany(
    conn: sqlite3.Connection, de_profile: None, draft_one: Drafter, clock: Clock
) -> None:
    item = rq.mark_status(conn, draft_one("shop-test")["id"], "sent")
    complaint = rq.complain(conn, item["id"], force=True)
    assert complaint["regulator"] and "Berlin" in complaint["regulator"]
    assert complaint["channel"] in ("web_form", "email", "letter")


def test_no_complaint_without_a_law(conn: sqlite3.Connection, draft_one: Drafter) -> None:
    item = rq.mark_status(conn, draft_one("shop-test", law="none")["id"], "sent")
    rq.mark_status(conn, item["id"], "refused")
    assert rq.get_request(conn, item["id"])["next_action"] is None
    with pytest.raises(ValidationError, match="cites no law"):
        rq.complain(conn, item["id"])


def test_force_skips_the_waiting(conn: sqlite3.Connection, draft_one: Drafter) -> None:
    item = sent_request(conn, draft_one)
    assert rq.follow_up(conn, item["id"], force=True)["kind"] == "follow_up"


def test_due_summary_for_the_dashboard(conn: sqlite3.Connection, draft_one: Drafter, clock: Clock) -> None:
    late = sent_request(conn, draft_one, "peoplefinder-test")
    clock.advance(days=30)
    soon = sent_request(conn, draft_one, "letteronly-test")
    draft_one("shop-test")
    clock.advance(days=20)
    rq.follow_up(conn, late["id"])  # a follow-up draft is not counted as a request
    summary = rq.due_summary(conn)
    assert summary["counts"]["sent"] == 2 and summary["counts"]["draft"] == 1
    assert summary["overdue"] == 1
    assert summary["next_due"]["id"] == soon["id"] and summary["next_due"]["days_left"] == 25
    assert summary["actions"]["send"] == 1
