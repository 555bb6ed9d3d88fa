"""Read-only summaries for the dashboard and the sources list.

Everything takes ``today`` explicitly (the TUI passes its clock) so results are reproducible.
The one write here records that a first-run step was done or skipped (in the ``meta`` table).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from exposure.core.errors import ValidationError
from exposure.core.models import BROKER_CATEGORIES, CATEGORIES
from exposure.services.profile import get_profile
from exposure.store.db import transaction

#: The first-run path, in order: (step id, title).
STEPS: tuple[tuple[str, str], ...] = (
    ("profile", "Profile"),
    ("sources", "Add sources"),
    ("review", "Review inventory"),
    ("requests", "Send requests"),
    ("track", "Track"),
)

#: Source kinds read from mail.
MAIL_KINDS = frozenset({"mbox", "maildir", "eml", "imap", "mail"})

#: Request statuses that wait for an answer from the organization.
WAITING = ("sent", "acknowledged", "escalated", "overdue")


def source_family(kind: str) -> str:
    """A short human name for a source kind: mail, breaches, by hand, or the import format."""
    if kind in MAIL_KINDS:
        return "mail"
    if kind == "hibp":
        return "breaches"
    if kind == "manual":
        return "by hand"
    return "imports"


@dataclass
class Summary:
    """What the dashboard shows."""

    display_name: str
    region: str | None
    has_profile: bool
    organizations: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    brokers: int = 0
    breached: int = 0
    findings: int = 0
    sources: dict[str, int] = field(default_factory=dict)  #: family -> findings
    requests: dict[str, int] = field(default_factory=dict)
    next_due: dict[str, Any] | None = None  #: {name, due, days}
    needs_you: list[str] = field(default_factory=list)
    steps: dict[str, str] = field(default_factory=dict)  #: step id -> "done" | "skipped" | "todo"
    next_step: str | None = None  #: the first step still to do, or None when all are done


def _step_marks(conn: sqlite3.Connection) -> dict[str, str]:
    return {
        row[0].removeprefix("step."): row[1]
        for row in conn.execute("SELECT key, value FROM meta WHERE key LIKE 'step.%'")
    }


def mark_step(conn: sqlite3.Connection, step: str, value: str = "done") -> bool:
    """Record that a first-run step was done (or skipped) by the user; True if that is news."""
    if step not in {s for s, _ in STEPS} or value not in {"done", "skipped"}:
        raise ValidationError(f"unknown step {step!r} or mark {value!r}")
    with transaction(conn):
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (f"step.{step}",)).fetchone()
        if row is not None and row[0] == value:
            return False
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (f"step.{step}", value),
        )
    return True


def request_counts(conn: sqlite3.Connection, today: date) -> dict[str, int]:
    """Requests by state; overdue = waiting for an answer and past the due date."""
    day = today.isoformat()
    counts = dict.fromkeys(("drafts", "sent", "waiting", "overdue", "needs_action", "done", "refused"), 0)
    for status, due_at, sent_at in conn.execute(
        "SELECT status, due_at, sent_at FROM request WHERE kind = 'request'"
    ):
        if status == "draft":
            counts["drafts"] += 1
            continue
        if sent_at is not None or status in WAITING:
            counts["sent"] += 1
        if status in WAITING:
            if status == "overdue" or (due_at is not None and due_at[:10] < day):
                counts["overdue"] += 1
            else:
                counts["waiting"] += 1
        elif status == "needs_action":
            counts["needs_action"] += 1
        elif status == "completed":
            counts["done"] += 1
        elif status == "refused":
            counts["refused"] += 1
    return counts


def summary(conn: sqlite3.Connection, today: date) -> Summary:
    """Everything the dashboard shows, in a handful of queries."""
    profile = get_profile(conn)
    out = Summary(
        display_name=profile.display_name,
        region=profile.region or profile.country,
        has_profile=not profile.is_empty,
    )
    active = "COALESCE((SELECT state FROM inventory_state s WHERE s.org_id = o.id), 'active') = 'active'"
    for category, count in conn.execute(
        f"SELECT o.category, COUNT(*) FROM organization o "
        f"WHERE o.id IN (SELECT DISTINCT org_id FROM finding) AND {active} GROUP BY o.category"
    ):
        out.by_category[category] = count
    out.by_category = {c: out.by_category[c] for c in CATEGORIES if c in out.by_category} | {
        c: n for c, n in out.by_category.items() if c not in CATEGORIES
    }
    out.organizations = sum(out.by_category.values())
    out.brokers = sum(n for c, n in out.by_category.items() if c in BROKER_CATEGORIES)
    out.breached = int(
        conn.execute(
            f"SELECT COUNT(DISTINCT f.org_id) FROM finding f JOIN organization o ON o.id = f.org_id "
            f"WHERE f.source = 'hibp' AND {active}"
        ).fetchone()[0]
    )
    for kind, count in conn.execute("SELECT source, COUNT(*) FROM finding GROUP BY source ORDER BY source"):
        family = source_family(kind)
        out.sources[family] = out.sources.get(family, 0) + count
        out.findings += count
    out.requests = request_counts(conn, today)

    day = today.isoformat()
    due = conn.execute(
        f"SELECT o.name, r.due_at FROM request r JOIN organization o ON o.id = r.org_id "
        f"WHERE r.kind = 'request' AND r.status IN ({','.join('?' * len(WAITING))}) "
        f"AND r.due_at IS NOT NULL AND r.due_at >= ? "
        f"ORDER BY r.due_at, o.name LIMIT 1",
        (*WAITING, day),
    ).fetchone()
    if due is not None:
        days = (date.fromisoformat(due[1][:10]) - today).days
        out.next_due = {"name": due[0], "due": due[1][:10], "days": days}
    out.needs_you = _needs_you(conn, today)
    out.steps, out.next_step = _steps(conn, out)
    return out


def _needs_you(conn: sqlite3.Connection, today: date) -> list[str]:
    items: list[str] = []
    day = today.isoformat()
    for name, due_at in conn.execute(
        f"SELECT o.name, r.due_at FROM request r JOIN organization o ON o.id = r.org_id "
        f"WHERE r.kind = 'request' AND (r.status = 'overdue' OR (r.status IN ({','.join('?' * len(WAITING))}) "
        f"AND r.due_at IS NOT NULL AND substr(r.due_at, 1, 10) < ?)) ORDER BY r.due_at, o.name",
        (*WAITING, day),
    ):
        late = (today - date.fromisoformat(due_at[:10])).days if due_at else 0
        items.append(f"{name}: no answer, {late} day{'s' if late != 1 else ''} overdue")
    for (name,) in conn.execute(
        "SELECT o.name FROM request r JOIN organization o ON o.id = r.org_id "
        "WHERE r.status = 'needs_action' ORDER BY o.name"
    ):
        items.append(f"{name} asks you to act on your request")
    drafts = int(conn.execute("SELECT COUNT(*) FROM request WHERE status = 'draft'").fetchone()[0])
    if drafts:
        items.append(f"{drafts} draft request{'s' if drafts != 1 else ''} not sent yet")
    return items


def _steps(conn: sqlite3.Connection, out: Summary) -> tuple[dict[str, str], str | None]:
    marks = _step_marks(conn)
    non_manual = any(family != "by hand" for family in out.sources)
    scanned = conn.execute("SELECT 1 FROM scan LIMIT 1").fetchone() is not None
    reviewed = conn.execute("SELECT 1 FROM inventory_state WHERE state != 'active' LIMIT 1").fetchone()
    sent = (
        out.requests["sent"] + out.requests["done"] + out.requests["refused"] + out.requests["needs_action"]
    )
    done = {
        "profile": out.has_profile,
        "sources": non_manual or scanned,
        "review": reviewed is not None or sent > 0,
        "requests": sent > 0,
        "track": sent > 0
        and out.requests["waiting"] + out.requests["overdue"] + out.requests["needs_action"] == 0,
    }
    steps: dict[str, str] = {}
    for step, _title in STEPS:
        if done[step] or marks.get(step) == "done":
            steps[step] = "done"
        elif marks.get(step) == "skipped":
            steps[step] = "skipped"
        else:
            steps[step] = "todo"
    next_step = next((s for s, _ in STEPS if steps[s] == "todo"), None)
    return steps, next_step


def source_kinds(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Findings per source kind: [{kind, family, findings, organizations, last_seen}]."""
    return [
        {
            "kind": row[0],
            "family": source_family(row[0]),
            "findings": row[1],
            "organizations": row[2],
            "last_seen": row[3],
        }
        for row in conn.execute(
            "SELECT source, COUNT(*), COUNT(DISTINCT org_id), MAX(COALESCE(last_seen, first_seen)) "
            "FROM finding GROUP BY source ORDER BY COUNT(*) DESC, source"
        )
    ]


def scans(conn: sqlite3.Connection, limit: int = 200) -> list[dict[str, Any]]:
    """What was imported or scanned, newest first: [{id, kind, location, started_at, finished_at, stats}]."""
    out = []
    for row in conn.execute(
        "SELECT id, kind, location, started_at, finished_at, stats FROM scan ORDER BY started_at DESC, id DESC "
        "LIMIT ?",
        (limit,),
    ):
        try:
            stats = json.loads(row[5]) if row[5] else {}
        except ValueError:
            stats = {}
        out.append(
            {
                "id": row[0],
                "kind": row[1],
                "location": row[2],
                "started_at": row[3],
                "finished_at": row[4],
                "stats": stats if isinstance(stats, dict) else {},
            }
        )
    return out


def inventory_org_ids(conn: sqlite3.Connection) -> set[int]:
    """Ids of the organizations in the inventory (with at least one finding)."""
    return {int(row[0]) for row in conn.execute("SELECT DISTINCT org_id FROM finding")}
