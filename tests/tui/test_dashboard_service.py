"""services.dashboard: the numbers and the first-run path the dashboard shows."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import pytest

from exposure.core.errors import ValidationError
from exposure.core.models import Finding
from exposure.services.dashboard import (
    mark_step,
    request_counts,
    scans,
    source_family,
    source_kinds,
    summary,
)
from exposure.services.inventory import add_manual, ingest, set_state
from exposure.services.profile import update_profile
from exposure.store.db import transaction

TODAY = date(2025, 6, 1)


def add_request(
    conn: sqlite3.Connection, org_id: int, status: str, due: str | None, sent: str | None
) -> None:
    with transaction(conn):
        conn.execute(
            "INSERT INTO request (org_id, right, channel, status, created_at, sent_at, due_at) "
            "VALUES (?, 'erasure', 'email', ?, '2025-01-01T00:00:00+00:00', ?, ?)",
            (org_id, status, sent, due),
        )


def test_request_counts_overdue_is_sent_and_past_due(conn: sqlite3.Connection) -> None:
    org = add_manual(conn, "spokeo.com")["id"]
    add_request(conn, org, "sent", "2025-05-31", "2025-04-16T10:00:00+00:00")  # overdue
    add_request(conn, org, "sent", "2025-06-01", "2025-04-17T10:00:00+00:00")  # due today: waiting
    add_request(conn, org, "acknowledged", "2025-07-01", "2025-05-17T10:00:00+00:00")
    add_request(conn, org, "completed", "2025-05-01", "2025-03-17T10:00:00+00:00")  # done, not overdue
    add_request(conn, org, "draft", None, None)
    add_request(conn, org, "needs_action", "2025-05-01", "2025-03-17T10:00:00+00:00")
    add_request(conn, org, "refused", None, "2025-03-17T10:00:00+00:00")
    counts = request_counts(conn, TODAY)
    assert counts == {
        "drafts": 1, "sent": 6, "waiting": 2, "overdue": 1, "needs_action": 1, "done": 1, "refused": 1,
    }  # fmt: skip


def test_summary_totals(conn: sqlite3.Connection) -> None:
    ingest(
        conn,
        [
            Finding(source="bitwarden_csv", domain="spokeo.com", identifier="a@example.com"),
            Finding(source="mbox", domain="netflix.com", identifier="a@example.com"),
            Finding(source="hibp", domain="linkedin.com", identifier="a@example.com", key="LinkedIn|a"),
            Finding(source="manual", domain="tiny-example.org"),
        ],
    )
    s = summary(conn, TODAY)
    assert s.organizations == 4
    assert s.brokers == 1
    assert s.breached == 1
    assert s.by_category["unknown"] == 1
    assert s.sources == {"imports": 1, "breaches": 1, "by hand": 1, "mail": 1}
    assert s.findings == 4
    # A row marked "not mine" no longer counts.
    linkedin = conn.execute("SELECT org_id FROM org_domain WHERE domain = 'linkedin.com'").fetchone()[0]
    set_state(conn, linkedin, "not_mine")
    s = summary(conn, TODAY)
    assert s.organizations == 3 and s.breached == 0


def test_first_run_path(conn: sqlite3.Connection) -> None:
    s = summary(conn, TODAY)
    assert not s.has_profile and s.next_step == "profile"
    update_profile(conn, names=["Ada Example"], emails=["ada@example.com"], country="US")
    assert summary(conn, TODAY).next_step == "sources"
    add_manual(conn, "spokeo.com")  # by hand only: sources still to do
    assert summary(conn, TODAY).next_step == "sources"
    assert mark_step(conn, "sources", "skipped") is True
    assert mark_step(conn, "sources", "skipped") is False
    s = summary(conn, TODAY)
    assert s.steps["sources"] == "skipped" and s.next_step == "review"
    assert mark_step(conn, "review") is True
    assert summary(conn, TODAY).next_step == "requests"
    org = conn.execute("SELECT org_id FROM org_domain WHERE domain = 'spokeo.com'").fetchone()[0]
    add_request(conn, org, "sent", "2025-07-16", "2025-06-01T10:00:00+00:00")
    s = summary(conn, TODAY)
    assert s.next_step == "track"
    assert s.next_due == {"name": "Spokeo", "due": "2025-07-16", "days": 45}
    with pytest.raises(ValidationError):
        mark_step(conn, "nonsense")


def test_needs_you(conn: sqlite3.Connection) -> None:
    org = add_manual(conn, "whitepages.com")["id"]
    add_request(conn, org, "sent", "2025-05-30", "2025-04-15T10:00:00+00:00")
    add_request(conn, org, "needs_action", "2025-07-30", "2025-05-15T10:00:00+00:00")
    add_request(conn, org, "draft", None, None)
    assert summary(conn, TODAY).needs_you == [
        "Whitepages: no answer, 2 days overdue",
        "Whitepages asks you to act on your request",
        "1 draft request not sent yet",
    ]


def test_sources_and_scans(conn: sqlite3.Connection) -> None:
    ingest(conn, [Finding(source="mbox", domain="netflix.com", last_seen="2025-01-02")])
    with transaction(conn):
        conn.execute(
            "INSERT INTO scan (kind, location, started_at, finished_at, stats) VALUES (?, ?, ?, ?, ?)",
            ("mbox", "/home/a/All mail.mbox", "2025-01-03T00:00:00+00:00", "2025-01-03T00:01:00+00:00",
             json.dumps({"messages": 12, "findings": 1})),
        )  # fmt: skip
        conn.execute(
            "INSERT INTO scan (kind, location, started_at, stats) VALUES ('imap', 'imap.example.com', "
            "'2025-01-04T00:00:00+00:00', 'not json')"
        )
    assert source_kinds(conn) == [
        {"kind": "mbox", "family": "mail", "findings": 1, "organizations": 1, "last_seen": "2025-01-02"}
    ]
    listed = scans(conn)
    assert [s["kind"] for s in listed] == ["imap", "mbox"]
    assert listed[0]["stats"] == {} and listed[1]["stats"]["messages"] == 12
    assert source_family("imap") == "mail" and source_family("onepassword_1pux") == "imports"
