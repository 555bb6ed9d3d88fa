"""Requests to organizations: drafting, channels, sending, tracking, follow-up and complaint.

Life of a request (``status``): ``draft`` -> ``sent`` -> ``acknowledged`` / ``needs_action`` ->
``completed`` / ``refused``; ``escalated`` once a complaint went to the regulator. "Overdue" is
never stored: a request waiting for an answer (sent or acknowledged) is overdue when its due date
(from the law, moved by a recorded extension) has passed. An overdue request offers a follow-up
reminder; ``requests.reminder_days`` after the reminder (or at once after a refusal) it offers a
complaint to the regulator, with the request's history.

A follow-up and a complaint are requests of their own (``kind`` ``follow_up`` / ``complaint``,
``parent`` the request they are about), so they are previewed, exported and sent the same way.

Sending by SMTP is exactly-once as far as a client can make it: each attempt is recorded, with its
Message-ID, and committed before the connection is opened. A refused or dropped attempt leaves the
request a draft with the error recorded. If the connection drops after the whole message was
handed over and before the server answered, nobody knows whether it went out: the attempt is
recorded as "unknown" and a retry resends the very same message with the same Message-ID, which
mail systems treat as one message (the user is told; ``request mark ID sent`` records it as sent
instead when it shows up in their Sent folder). The same attempt log enforces the daily cap
(``smtp.daily_cap`` in any 24 hours) and the per-organization cooldown (``smtp.cooldown_hours``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from exposure.core.errors import ExposureError, NotFound, ValidationError
from exposure.core.models import BROKER_CATEGORIES, Profile
from exposure.core.validate import clean_email, clean_text, has_control_chars
from exposure.rights.channels import CHANNELS, Outgoing, check_outgoing
from exposure.store.db import transaction

STATUSES: tuple[str, ...] = (
    "draft", "sent", "acknowledged", "needs_action", "completed", "refused", "escalated",
)  # fmt: skip
#: Statuses a filter accepts: the stored ones plus the derived "overdue" and "open".
FILTERS: tuple[str, ...] = (*STATUSES, "overdue", "open")
#: Waiting for the organization: the due date applies, and passing it makes the request overdue.
WAITING: tuple[str, ...] = ("sent", "acknowledged")
#: Not finished: shown by ``request list --due``.
OPEN: tuple[str, ...] = ("sent", "acknowledged", "needs_action", "escalated")
KINDS: tuple[str, ...] = ("request", "follow_up", "complaint")
#: Which status may follow which (``mark``). "escalated" is also set by sending a complaint.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("sent",),
    "sent": ("acknowledged", "needs_action", "completed", "refused", "escalated"),
    "acknowledged": ("needs_action", "completed", "refused", "escalated"),
    "needs_action": ("acknowledged", "completed", "refused", "escalated"),
    "refused": ("escalated", "acknowledged", "completed"),
    "escalated": ("acknowledged", "needs_action", "completed", "refused"),
    "completed": ("needs_action",),
}
EXPORT_FORMATS: tuple[str, ...] = ("eml", "txt", "pdf", "mailto", "webform")
#: What a user may add to one request: taken from the profile, or given as KIND=VALUE.
IDENTIFIER_KINDS: tuple[str, ...] = (
    "name", "email", "phone", "address", "username", "profile_url", "date_of_birth", "account_id",
)  # fmt: skip
#: Never disclosed unless the user adds them to that request.
SENSITIVE: frozenset[str] = frozenset({"date_of_birth", "id_document", "account_id"})
#: An attempt left "sending" longer than this belongs to a process that died.
STALE_SENDING = timedelta(minutes=15)


# --------------------------------------------------------------------------- time


def clock() -> datetime:
    """The current time (tests replace this to move through deadlines)."""
    return datetime.now(UTC)


def _now(now: datetime | None) -> datetime:
    value = now or clock()
    if value.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return value.astimezone(UTC).replace(microsecond=0)


def now_utc() -> datetime:
    """The current time as the requests service sees it (UTC, whole seconds)."""
    return _now(None)


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def _local_day(value: datetime) -> date:
    """The user's calendar day of a moment (deadlines count in days as the user lives them)."""
    return value.astimezone().date()


def _day_of(stamp: str | None) -> date | None:
    if not stamp:
        return None
    if len(stamp) == 10:
        return date.fromisoformat(stamp)
    return _local_day(datetime.fromisoformat(stamp))


# --------------------------------------------------------------------------- settings


def _setting(conn: sqlite3.Connection, key: str) -> str | None:
    from exposure.services.settings import get_setting

    return get_setting(conn, key)


def _int_setting(conn: sqlite3.Connection, key: str) -> int:
    from exposure.services.settings import SETTINGS

    value = _setting(conn, key)
    return int(value if value is not None else SETTINGS[key].default or 0)


def from_address(conn: sqlite3.Connection, profile: Profile | None = None) -> str | None:
    """The address requests are sent from: ``smtp.from``, else the profile's first email."""
    from exposure.services.profile import get_profile

    configured = _setting(conn, "smtp.from")
    if configured:
        return configured
    profile = profile or get_profile(conn)
    return profile.emails[0] if profile.emails else None


# --------------------------------------------------------------------------- rows


def _row(conn: sqlite3.Connection, request_id: int) -> sqlite3.Row:
    row = conn.execute(
        "SELECT r.*, o.name AS org_name, o.slug AS org_slug, o.category AS org_category "
        "FROM request r JOIN organization o ON o.id = r.org_id WHERE r.id = ?",
        (int(request_id),),
    ).fetchone()
    if row is None:
        raise NotFound(f"no request {request_id} (see `exposure request list`)")
    return row  # type: ignore[no-any-return]


def _identifiers(row: sqlite3.Row) -> list[dict[str, str]]:
    items = json.loads(row["identifiers"] or "[]")
    out = []
    for item in items:
        if isinstance(item, dict):
            out.append({"kind": str(item.get("kind", "identifier")), "value": str(item.get("value", ""))})
        else:
            out.append({"kind": "identifier", "value": str(item)})
    return out


def _event(
    conn: sqlite3.Connection, request_id: int, kind: str, at: datetime, note: str | None = None, **data: Any
) -> None:
    conn.execute(
        "INSERT INTO request_event (request_id, kind, at, note, data) VALUES (?, ?, ?, ?, ?)",
        (request_id, kind, _stamp(at), note, json.dumps(data, ensure_ascii=False, sort_keys=True)),
    )


def _events(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    if not ids:
        return out
    marks = ",".join("?" * len(ids))
    for ev in conn.execute(
        f"SELECT * FROM request_event WHERE request_id IN ({marks}) ORDER BY at, id", list(ids)
    ):
        out[ev["request_id"]].append(
            {"kind": ev["kind"], "at": ev["at"], "note": ev["note"], "data": json.loads(ev["data"] or "{}")}
        )
    return out


def _citation(law: str | None, right: str, language: str) -> str | None:
    from exposure.rights.laws import REGIMES

    regime = REGIMES.get(law) if law else None
    if regime is None or right not in regime.rights:
        return None
    return regime.cite(right, language)


def _complaint_after(conn: sqlite3.Connection, row: sqlite3.Row) -> date | None:
    reminded = _day_of(row["reminder_sent_at"])
    return reminded + timedelta(days=_int_setting(conn, "requests.reminder_days")) if reminded else None


def _next_action(conn: sqlite3.Connection, row: sqlite3.Row, today: date, overdue: bool) -> str | None:
    status = row["status"]
    if status == "draft":
        return "send"
    if row["kind"] != "request":
        return None
    if status == "needs_action":
        return "act"
    if status == "refused" and row["law"]:
        return "complain"
    if status in WAITING and overdue:
        if row["reminder_sent_at"] is None:
            return "remind"
        after = _complaint_after(conn, row)
        if after is not None and today >= after and row["law"]:
            return "complain"
    return None


def request_dict(
    conn: sqlite3.Connection,
    row: sqlite3.Row,
    today: date,
    events: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The JSON shape of ``request show`` and of each ``request list`` item."""
    due = _day_of(row["due_at"])
    overdue = bool(row["status"] in WAITING and due is not None and today > due)
    complaint_after = _complaint_after(conn, row)
    return {
        "id": row["id"],
        "kind": row["kind"],
        "parent": row["parent_id"],
        "organization": row["org_name"],
        "org_id": row["org_id"],
        "org_slug": row["org_slug"],
        "category": row["org_category"],
        "right": row["right"],
        "law": row["law"],
        "citation": _citation(row["law"], row["right"], row["language"]),
        "language": row["language"],
        "channel": row["channel"],
        "status": row["status"],
        "overdue": overdue,
        "days_left": (due - today).days if due is not None and row["status"] in OPEN else None,
        "created_at": row["created_at"],
        "sent_at": row["sent_at"],
        "due": due.isoformat() if due else None,
        "extended": bool(row["extended"]),
        "to": row["to_addr"],
        "recipient": row["regulator"] or row["org_name"],
        "subject": row["subject"],
        "body": row["body"],
        "identifiers": _identifiers(row),
        "message_id": row["message_id"],
        "reminder_sent_at": row["reminder_sent_at"],
        "complaint_after": complaint_after.isoformat() if complaint_after else None,
        "escalated_at": row["escalated_at"],
        "regulator": row["regulator"],
        "error": row["last_error"],
        "next_action": _next_action(conn, row, today, overdue),
        "events": events if events is not None else _events(conn, [row["id"]])[row["id"]],
    }


def unfilled_placeholders_in(item: dict[str, Any]) -> list[str]:
    """Placeholders left in a request's subject or body (it can then be neither exported nor sent)."""
    from exposure.rights.draft import unfilled_placeholders

    return unfilled_placeholders(f"{item['subject']}\n{item['body']}")


def get_request(conn: sqlite3.Connection, request_id: int, *, now: datetime | None = None) -> dict[str, Any]:
    return request_dict(conn, _row(conn, request_id), _local_day(_now(now)))


def list_requests(
    conn: sqlite3.Connection,
    *,
    status: str | None = None,
    due: bool = False,
    kind: str | None = None,
    org_id: int | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Requests, newest first; ``due``: open requests with a due date, soonest (most overdue) first.

    ``status`` may be a stored status, "overdue" (derived) or "open".
    """
    if status is not None and status not in FILTERS:
        raise ValidationError(f"unknown status {status!r}", hint="one of " + ", ".join(FILTERS))
    if kind is not None and kind not in KINDS:
        raise ValidationError(f"unknown kind {kind!r}", hint="one of " + ", ".join(KINDS))
    today = _local_day(_now(now))
    where: list[str] = ["1 = 1"]
    params: list[Any] = []
    if status in STATUSES:
        where.append("r.status = ?")
        params.append(status)
    elif status == "overdue":
        where.append(f"r.status IN ({','.join('?' * len(WAITING))}) AND r.due_at IS NOT NULL")
        params += WAITING
    elif status == "open":
        where.append(f"r.status IN ({','.join('?' * len(OPEN))})")
        params += OPEN
    if due:
        where.append(f"r.status IN ({','.join('?' * len(OPEN))}) AND r.due_at IS NOT NULL")
        params += OPEN
    if kind:
        where.append("r.kind = ?")
        params.append(kind)
    if org_id is not None:
        where.append("r.org_id = ?")
        params.append(int(org_id))
    order = "r.due_at, r.id" if due else "r.id DESC"
    rows = conn.execute(
        "SELECT r.*, o.name AS org_name, o.slug AS org_slug, o.category AS org_category FROM request r "
        f"JOIN organization o ON o.id = r.org_id WHERE {' AND '.join(where)} ORDER BY {order}",
        params,
    ).fetchall()
    events = _events(conn, [r["id"] for r in rows])
    items = [request_dict(conn, r, today, events[r["id"]]) for r in rows]
    if status == "overdue":
        items = [i for i in items if i["overdue"]]
    return items


def due_summary(conn: sqlite3.Connection, *, now: datetime | None = None) -> dict[str, Any]:
    """Counts for a dashboard: by status, overdue, and the next due request."""
    items = list_requests(conn, kind="request", now=now)
    counts = dict.fromkeys(STATUSES, 0)
    for item in items:
        counts[item["status"]] += 1
    waiting = sorted((i for i in items if i["status"] in WAITING and i["due"]), key=lambda i: i["due"])
    upcoming = [i for i in waiting if not i["overdue"]]
    return {
        "counts": counts,
        "overdue": sum(1 for i in items if i["overdue"]),
        "actions": {
            a: sum(1 for i in items if i["next_action"] == a) for a in ("send", "remind", "complain", "act")
        },
        "next_due": {k: upcoming[0][k] for k in ("id", "organization", "due", "days_left")}
        if upcoming
        else None,
    }


# --------------------------------------------------------------------------- identifiers


def _classify(value: str, profile: Profile) -> str:
    folded = value.casefold()
    if "@" in value:
        return "email"
    if folded in {p.casefold() for p in profile.phones} or (value.startswith("+") and value[1:].isdigit()):
        return "phone"
    if folded in {n.casefold() for n in profile.names}:
        return "name"
    if folded in {u.casefold() for u in profile.usernames}:
        return "username"
    if folded in {a.casefold() for a in profile.addresses}:
        return "address"
    if value.startswith(("https://", "http://")):
        return "profile_url"
    return "name" if " " in value.strip() else "username"


def _from_profile(kind: str, profile: Profile) -> str | None:
    values = {
        "name": profile.names,
        "email": profile.emails,
        "phone": profile.phones,
        "address": profile.addresses,
        "username": profile.usernames,
        "date_of_birth": (profile.date_of_birth,) if profile.date_of_birth else (),
    }.get(kind, ())
    return values[0] if values else None


def parse_added(items: Iterable[str], profile: Profile) -> list[dict[str, str]]:
    """``--add`` values: ``KIND`` (taken from the profile) or ``KIND=VALUE``."""
    out = []
    for item in items:
        kind, _, value = item.partition("=")
        kind = kind.strip().lower().replace("-", "_")
        if kind not in IDENTIFIER_KINDS:
            raise ValidationError(
                f"cannot add {kind!r} to a request", hint="use one of " + ", ".join(IDENTIFIER_KINDS)
            )
        if value:
            value = clean_text(value, kind, max_length=300)
            if kind == "email":
                value = clean_email(value)
        else:
            found = _from_profile(kind, profile)
            if found is None:
                raise ValidationError(
                    f"your profile has no {kind.replace('_', ' ')} to add", hint=f"use --add {kind}=VALUE"
                )
            value = found
        out.append({"kind": kind, "value": value})
    return out


def identifiers_for(
    conn: sqlite3.Connection,
    profile: Profile,
    org: dict[str, Any],
    added: Sequence[dict[str, str]] = (),
) -> list[dict[str, str]]:
    """What a request to ``org`` discloses: data minimization.

    What the findings show the organization holds; plus what the organization requires (its
    catalog ``requires``: email, phone, name, address), from the profile; plus an email to reply
    to when none is known; plus whatever the user added to this request. Never a date of birth or
    an ID unless the user added it.
    """
    found: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()

    def add(kind: str, value: str | None) -> None:
        if value and (kind, value.casefold()) not in seen and not has_control_chars(value):
            seen.add((kind, value.casefold()))
            found.append({"kind": kind, "value": value})

    for (identifier,) in conn.execute(
        "SELECT DISTINCT identifier FROM finding WHERE org_id = ? AND identifier IS NOT NULL ORDER BY identifier",
        (org["id"],),
    ):
        kind = _classify(str(identifier), profile)
        if kind not in SENSITIVE:
            add(kind, str(identifier))
    kinds = {item["kind"] for item in found}
    for need in org.get("requires") or ():
        if need in {"email", "phone", "name", "address"} and need not in kinds:
            add(need, _from_profile(need, profile))
        elif need == "account_login" and not kinds & {"email", "username"}:
            add("email", _from_profile("email", profile))
    if org.get("category") in BROKER_CATEGORIES and "name" not in {i["kind"] for i in found}:
        # People-search sites and brokers file people by name: without it they cannot find you.
        add("name", _from_profile("name", profile))
    if "email" not in {i["kind"] for i in found}:
        add("email", _from_profile("email", profile))  # to reply to
    for item in added:
        add(item["kind"], item["value"])
    return found


def _values(items: Sequence[dict[str, str]]) -> list[str]:
    return [i["value"] for i in items]


# --------------------------------------------------------------------------- drafting


def _choose_channel(org: dict[str, Any], to: str | None, channel: str | None) -> str:
    if channel is not None:
        if channel not in CHANNELS:
            raise ValidationError(f"unknown channel {channel!r}", hint="one of " + ", ".join(CHANNELS))
        return channel
    if to:
        return "email"
    if org.get("web_form") or org.get("opt_out_url"):
        return "web_form"
    if org.get("postal_address"):
        return "letter"
    return "email"


def _check_language(language: str | None, profile: Profile) -> str:
    from exposure.rights.draft import LANGUAGES

    value = (language or profile.language or "en").lower()
    if value not in LANGUAGES:
        raise ValidationError(f"no templates in language {value!r}", hint="one of " + ", ".join(LANGUAGES))
    return value


def _require_profile(profile: Profile) -> None:
    if not profile.names or not profile.emails:
        raise ValidationError(
            "your profile needs a name and an email before drafting requests",
            hint="run `exposure profile set --name NAME --email EMAIL --country CC`",
        )


def _broker_orgs(conn: sqlite3.Connection, profile: Profile) -> list[int]:
    """Every data broker and people-search site that applies to the user.

    Those in the inventory, and the catalog's brokers of the user's country (they list people
    whether or not a listing was found yet); never one marked "not mine" or ignored.
    """
    marks = ",".join("?" * len(BROKER_CATEGORIES))
    rows = conn.execute(
        f"""
        SELECT o.id FROM organization o
        WHERE o.category IN ({marks})
          AND COALESCE((SELECT state FROM inventory_state s WHERE s.org_id = o.id), 'active') = 'active'
          AND (o.id IN (SELECT org_id FROM finding) OR (o.source != 'finding' AND o.country = ?))
        ORDER BY o.name COLLATE NOCASE
        """,
        (*sorted(BROKER_CATEGORIES), profile.country or ""),
    )
    return [int(r[0]) for r in rows]


def _open_request(conn: sqlite3.Connection, org_id: int, right: str) -> sqlite3.Row | None:
    return conn.execute(  # type: ignore[no-any-return]
        "SELECT id, status FROM request WHERE org_id = ? AND right = ? AND kind = 'request' "
        "AND status IN ('draft', 'sent', 'acknowledged', 'needs_action', 'escalated') ORDER BY id DESC LIMIT 1",
        (org_id, right),
    ).fetchone()


def _insert(
    conn: sqlite3.Connection,
    *,
    org_id: int,
    kind: str,
    parent: int | None,
    right: str,
    law: str | None,
    language: str,
    channel: str,
    to: str | None,
    subject: str,
    body: str,
    identifiers: Sequence[dict[str, str]],
    at: datetime,
    regulator: str | None = None,
) -> int:
    cur = conn.execute(
        "INSERT INTO request (org_id, kind, parent_id, right, law, language, channel, status, to_addr, subject, "
        "body, identifiers, created_at, updated_at, regulator) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?)",
        (
            org_id, kind, parent, right, law, language, channel, to, subject, body,
            json.dumps(list(identifiers), ensure_ascii=False), _stamp(at), _stamp(at), regulator,
        ),
    )  # fmt: skip
    return int(cur.lastrowid or 0)


def draft_requests(
    conn: sqlite3.Connection,
    org_refs: Sequence[str],
    right: str,
    law: str | None = None,
    language: str | None = None,
    channel: str | None = None,
    all_brokers: bool = False,
    add_identifiers: Sequence[str] = (),
    *,
    corrections: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Draft one request per organization, in one transaction.

    ``corrections`` (for the correction right): what is wrong and what it should be.

    Returns ``{"requests": [...], "skipped": [{"organization", "reason"}], "notices": [...]}``;
    an organization that already has an open request for this right is skipped, not drafted twice.
    """
    from exposure.rights import draft as drafting
    from exposure.rights.laws import RIGHTS, choose_regime, drop_notice
    from exposure.services.catalog import get_organization
    from exposure.services.inventory import resolve_organization
    from exposure.services.profile import get_profile

    at = _now(now)
    if right not in RIGHTS:
        raise ValidationError(f"unknown right {right!r}", hint="one of " + ", ".join(RIGHTS))
    profile = get_profile(conn)
    _require_profile(profile)
    lang = _check_language(language, profile)
    if channel is not None and channel not in CHANNELS:
        raise ValidationError(f"unknown channel {channel!r}", hint="one of " + ", ".join(CHANNELS))
    added = parse_added(add_identifiers, profile)
    extra: dict[str, str] = {}
    if right == "correction":
        if not corrections or not corrections.strip():
            raise ValidationError(
                "say what to correct",
                hint='e.g. --corrections "my address is 2 New Street, not 1 Old Street"',
            )
        extra["corrections"] = corrections
    org_ids: list[int] = [int(resolve_organization(conn, ref)["id"]) for ref in org_refs]
    if all_brokers:
        org_ids += _broker_orgs(conn, profile)
    if not org_ids:
        raise ValidationError("name at least one organization, or use --all-brokers")
    org_ids = list(dict.fromkeys(org_ids))

    created: list[int] = []
    skipped: list[dict[str, Any]] = []
    brokers = 0
    with transaction(conn):
        for org_id in org_ids:
            org = get_organization(conn, org_id)
            existing = _open_request(conn, org_id, right)
            if existing is not None:
                skipped.append({
                    "organization": org["name"], "id": existing["id"],
                    "reason": f"already has an open {right} request (#{existing['id']}, {existing['status']})",
                })  # fmt: skip
                continue
            regime = choose_regime(profile.country, profile.region, org.get("country"), right, override=law)
            identifiers = identifiers_for(conn, profile, org, added)
            result = drafting.draft(
                right,
                profile=profile,
                org=org,
                regime=regime,
                language=lang,
                identifiers=_values(identifiers),
                extra=extra,
                today=_local_day(at),
            )
            to = result.to or org.get("privacy_email")
            if to is not None:
                to = clean_email(to, f"{org['name']} privacy email")
            request_id = _insert(
                conn, org_id=org_id, kind="request", parent=None, right=right,
                law=regime.id if regime else None, language=lang,
                channel=_choose_channel(org, to, channel), to=to, subject=result.subject, body=result.body,
                identifiers=identifiers, at=at,
            )  # fmt: skip
            _event(
                conn, request_id, "drafted", at, None,
                law=regime.id if regime else None, citation=result.citation,
                identifiers=[i["kind"] for i in identifiers],
            )  # fmt: skip
            created.append(request_id)
            brokers += org["category"] in BROKER_CATEGORIES
    notices = []
    notice = drop_notice(profile.country, profile.region)
    if notice and brokers:
        notices.append(notice)
    today = _local_day(at)
    return {
        "requests": [request_dict(conn, _row(conn, i), today) for i in created],
        "skipped": skipped,
        "notices": notices,
    }


def edit_request(
    conn: sqlite3.Connection,
    request_id: int,
    *,
    to: str | None = None,
    subject: str | None = None,
    body: str | None = None,
    channel: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Change a draft before it goes out (recipient, subject, text, channel)."""
    at = _now(now)
    row = _row(conn, request_id)
    if row["status"] != "draft":
        raise ValidationError(f"request {request_id} was already {row['status']}; only drafts can be edited")
    changes: dict[str, Any] = {}
    if to is not None:
        changes["to_addr"] = clean_email(to, "recipient address") if to else None
    if subject is not None:
        changes["subject"] = clean_text(subject, "subject", max_length=300)
    if body is not None:
        text = body.replace("\r\n", "\n")
        if any(has_control_chars(ch) for ch in text if ch not in "\n\t"):
            raise ValidationError("the text contains control characters")
        if not text.strip():
            raise ValidationError("the text must not be empty")
        changes["body"] = text
    if channel is not None:
        if channel not in CHANNELS:
            raise ValidationError(f"unknown channel {channel!r}", hint="one of " + ", ".join(CHANNELS))
        changes["channel"] = channel
    if changes:
        with transaction(conn):
            sets = ", ".join(f"{k} = ?" for k in changes)
            conn.execute(
                f"UPDATE request SET {sets}, updated_at = ? WHERE id = ?",
                (*changes.values(), _stamp(at), request_id),
            )
            _event(conn, request_id, "edited", at, None, fields=sorted(changes))
    return get_request(conn, request_id, now=at)


def discard_request(conn: sqlite3.Connection, request_id: int) -> None:
    """Delete a draft (never a request that went out: that one is history)."""
    row = _row(conn, request_id)
    if row["status"] != "draft":
        raise ValidationError(f"request {request_id} was {row['status']}; only drafts can be discarded")
    with transaction(conn):
        conn.execute("DELETE FROM request WHERE id = ?", (request_id,))


# --------------------------------------------------------------------------- what goes out


def _regulator_of(
    conn: sqlite3.Connection, row: sqlite3.Row, profile: Profile, org_country: str | None
) -> Any:
    from exposure.rights.laws import REGIMES, regulator_for

    regime = REGIMES.get(row["law"]) if row["law"] else None
    if regime is None:
        return None
    regulator = regulator_for(regime, profile.country, profile.region, org_country=org_country)
    return _with_contacts(conn, regulator)


def _with_contacts(conn: sqlite3.Connection, regulator: Any) -> Any:
    """The regulator with contacts filled from the imported catalog, when the law table lacks them."""
    if regulator is None:
        return None
    from exposure.services.regulators import regulator_contact

    return regulator_contact(conn, regulator)


def outgoing(conn: sqlite3.Connection, request_id: int) -> Outgoing:
    """Exactly what a request sends, whatever the channel (not yet checked: see check_outgoing)."""
    from exposure.rights.channels.webform import field_label
    from exposure.rights.laws import RIGHT_LABELS
    from exposure.services.catalog import get_organization
    from exposure.services.profile import get_profile

    row = _row(conn, request_id)
    profile = get_profile(conn)
    org = get_organization(conn, row["org_id"])
    identifiers = _identifiers(row)
    to_name, postal_to, url = (
        org["name"],
        org.get("postal_address"),
        org.get("web_form") or org.get("opt_out_url"),
    )
    steps = tuple(org.get("opt_out_steps") or ())
    if row["kind"] == "complaint":
        regulator = _regulator_of(conn, row, profile, org.get("country"))
        to_name = row["regulator"] or (regulator.name if regulator else None)
        postal_to = regulator.postal if regulator else None
        url = (regulator.complaint_url or regulator.url) if regulator else None
        steps = ()
    in_reply_to = None
    if row["kind"] == "follow_up" and row["parent_id"]:
        parent = conn.execute("SELECT message_id FROM request WHERE id = ?", (row["parent_id"],)).fetchone()
        in_reply_to = parent["message_id"] if parent else None
    lang = row["language"]
    fields = [(field_label(i["kind"], lang), i["value"]) for i in identifiers]
    citation = _citation(row["law"], row["right"], lang)
    request_text = RIGHT_LABELS.get(row["right"], row["right"]) + (f" ({citation})" if citation else "")
    fields.append((field_label("request", lang), request_text))
    return Outgoing(
        request_id=row["id"],
        kind=row["kind"],
        subject=row["subject"],
        body=row["body"],
        language=lang,
        to=row["to_addr"],
        to_name=to_name,
        from_addr=from_address(conn, profile),
        from_name=profile.names[0] if profile.names else None,
        postal_to=postal_to,
        postal_from=next((i["value"] for i in identifiers if i["kind"] == "address"), None),
        url=url,
        fields=tuple(fields),
        steps=steps,
        in_reply_to=in_reply_to,
        right=row["right"],
        citation=citation,
    )


@dataclass(frozen=True)
class Export:
    data: bytes
    filename: str
    format: str
    media_type: str
    note: str | None = None


def export_request(
    conn: sqlite3.Connection, request_id: int, fmt: str, *, now: datetime | None = None
) -> Export:
    """The request as a file: ``eml``, ``txt`` (letter text), ``pdf`` (letter), ``mailto``, ``webform``.

    A draft with an unfilled placeholder, or a header value with a line break, is refused.
    Exporting changes nothing: after sending it yourself, run ``request mark ID sent``.
    """
    from exposure.rights.channels import letter, mailto, message, webform

    if fmt not in EXPORT_FORMATS:
        raise ValidationError(f"unknown export format {fmt!r}", hint="one of " + ", ".join(EXPORT_FORMATS))
    at = _now(now)
    out = outgoing(conn, request_id)
    row = _row(conn, request_id)
    base = f"request-{request_id}-{row['org_slug'].replace(':', '-')}"
    note = None
    if fmt == "eml":
        message_id = row["message_id"] or message.new_message_id(out.from_addr or "")
        data = message.eml_bytes(out, message_id=message_id, date=at)
        return Export(data, f"{base}.eml", fmt, "message/rfc822")
    if fmt == "txt":
        return Export(
            letter.letter_text(out, _local_day(at)).encode("utf-8"), f"{base}.txt", fmt, "text/plain"
        )
    if fmt == "pdf":
        font = letter.pdf_font()
        data = letter.letter_pdf(out, _local_day(at), created=at)
        return Export(data, f"{base}.pdf", fmt, "application/pdf", note=f"font: {font.describe()}")
    if fmt == "mailto":
        url = mailto.mailto_url(out)
        if mailto.is_too_long(url):
            note = f"the link is {len(url)} characters long; some mail programs cut links over {mailto.SAFE_LENGTH}"
        return Export((url + "\n").encode("utf-8"), f"{base}.mailto.txt", fmt, "text/plain", note=note)
    return Export(webform.checklist_text(out).encode("utf-8"), f"{base}.checklist.txt", fmt, "text/plain")


def webform_values(conn: sqlite3.Connection, request_id: int) -> dict[str, Any]:
    """The web-form checklist as data: ``{"url", "fields": [{"label", "value"}], "steps"}``."""
    from exposure.rights.channels.webform import checklist

    return checklist(outgoing(conn, request_id))


def preview(conn: sqlite3.Connection, request_id: int, *, now: datetime | None = None) -> dict[str, Any]:
    """What would go out, as the user should see it before anything happens.

    ``{"channel", "text", "problems": [...]}``; ``text`` is the email (headers and body) for
    email-like channels, the checklist for a web form, the letter for a letter.
    """
    from exposure.rights.channels import letter, message, webform

    at = _now(now)
    out = outgoing(conn, request_id)
    row = _row(conn, request_id)
    problems: list[str] = []
    try:
        check_outgoing(out)
    except ValidationError as exc:
        problems.append(str(exc))
    channel = row["channel"]
    text = ""
    try:
        if channel == "web_form":
            text = webform.checklist_text(out)
        elif channel == "letter":
            text = letter.letter_text(out, _local_day(at))
        else:
            msg = message.build_message(
                out, message_id=row["message_id"] or message.new_message_id(out.from_addr or ""), date=at
            )
            text = readable_message(msg)
    except ExposureError as exc:
        if str(exc) not in problems:
            problems.append(str(exc))
        text = f"Subject: {out.subject}\n\n{out.body}"
    return {"id": request_id, "channel": channel, "text": text, "problems": problems}


def readable_message(msg: Any) -> str:
    """An email as a person reads it: decoded headers, then the body."""
    lines = [
        f"{name}: {msg[name]}"
        for name in ("From", "To", "Subject", "Date", "Message-ID", "In-Reply-To")
        if msg[name]
    ]
    return "\n".join(lines) + "\n\n" + str(msg.get_content()).rstrip("\n") + "\n"


# --------------------------------------------------------------------------- tracking


def _due_for(conn: sqlite3.Connection, row: sqlite3.Row, sent: date, extended: bool) -> date | None:
    from exposure.rights.deadlines import due_date
    from exposure.rights.laws import REGIMES, deadline_for

    if row["kind"] != "request":
        return None
    regime = REGIMES.get(row["law"]) if row["law"] else None
    return due_date(sent, deadline_for(regime, row["right"]), extended)


def _record_sent(
    conn: sqlite3.Connection,
    row: sqlite3.Row,
    at: datetime,
    *,
    message_id: str | None,
    how: str,
    note: str | None,
) -> None:
    """Mark a draft sent (inside a transaction): due date, and what it means for its parent."""
    due = _due_for(conn, row, _local_day(at), bool(row["extended"]))
    conn.execute(
        "UPDATE request SET status = 'sent', sent_at = ?, due_at = ?, message_id = COALESCE(?, message_id), "
        "last_error = NULL, updated_at = ? WHERE id = ?",
        (_stamp(at), due.isoformat() if due else None, message_id, _stamp(at), row["id"]),
    )
    _event(
        conn,
        row["id"],
        "sent",
        at,
        note,
        how=how,
        message_id=message_id,
        due=due.isoformat() if due else None,
    )
    parent = row["parent_id"]
    if parent is None:
        return
    if row["kind"] == "follow_up":
        conn.execute(
            "UPDATE request SET reminder_sent_at = ?, updated_at = ? WHERE id = ?",
            (_stamp(at), _stamp(at), parent),
        )
        _event(conn, parent, "reminder", at, f"follow-up #{row['id']} sent", request=row["id"])
    elif row["kind"] == "complaint":
        conn.execute(
            "UPDATE request SET status = 'escalated', escalated_at = ?, updated_at = ? WHERE id = ?",
            (_stamp(at), _stamp(at), parent),
        )
        _event(
            conn, parent, "complaint", at, f"complaint #{row['id']} to {row['regulator'] or 'the regulator'}",
            request=row["id"],
        )  # fmt: skip


def mark_status(
    conn: sqlite3.Connection,
    request_id: int,
    status: str,
    *,
    note: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Record a status the user saw (a reply, a refusal, a form sent by hand)."""
    at = _now(now)
    if status not in STATUSES:
        hint = (
            "overdue is worked out from the due date"
            if status == "overdue"
            else "one of " + ", ".join(STATUSES)
        )
        raise ValidationError(f"cannot mark a request {status!r}", hint=hint)
    note = clean_text(note, "note", max_length=2000) if note else None
    row = _row(conn, request_id)
    current = row["status"]
    if status == current:
        raise ValidationError(f"request {request_id} is already {status}")
    if status not in TRANSITIONS.get(current, ()):
        allowed = ", ".join(TRANSITIONS.get(current, ())) or "nothing"
        raise ValidationError(f"request {request_id} is {current}: it can become {allowed}, not {status}")
    with transaction(conn):
        if status == "sent":
            check_outgoing(outgoing(conn, request_id))
            _record_sent(conn, row, at, message_id=None, how="by hand", note=note)
        else:
            extra = ", escalated_at = COALESCE(escalated_at, ?)" if status == "escalated" else ""
            params: list[Any] = [status, _stamp(at)]
            if extra:
                params.append(_stamp(at))
            conn.execute(
                f"UPDATE request SET status = ?, updated_at = ?{extra} WHERE id = ?", (*params, request_id)
            )
            _event(conn, request_id, "status", at, note, old=current, new=status)
    return get_request(conn, request_id, now=at)


def record_reply(
    conn: sqlite3.Connection,
    request_id: int,
    *,
    note: str | None = None,
    status: str | None = None,
    extension: bool = False,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Record the organization's answer; ``extension``: it invoked the law's extension."""
    at = _now(now)
    note = clean_text(note, "note", max_length=2000) if note else None
    row = _row(conn, request_id)
    if row["status"] == "draft":
        raise ValidationError(f"request {request_id} has not been sent yet")
    new_due = None
    if extension:
        if row["extended"]:
            raise ValidationError(f"an extension is already recorded for request {request_id}")
        sent = _day_of(row["sent_at"])
        assert sent is not None
        new_due = _due_for(conn, row, sent, True)
        if new_due is None or new_due.isoformat() == row["due_at"]:
            raise ValidationError(f"the law of request {request_id} allows no extension")
    with transaction(conn):
        _event(conn, request_id, "reply", at, note, extension=extension)
        if new_due is not None:
            conn.execute(
                "UPDATE request SET extended = 1, extended_at = ?, due_at = ?, updated_at = ? WHERE id = ?",
                (_stamp(at), new_due.isoformat(), _stamp(at), request_id),
            )
            _event(conn, request_id, "extension", at, None, old_due=row["due_at"], due=new_due.isoformat())
        if status is not None and status != row["status"]:
            mark_status(conn, request_id, status, note=None, now=at)
        elif status is None and row["status"] == "sent" and not extension:
            mark_status(conn, request_id, "acknowledged", now=at)
        elif extension and row["status"] == "sent":
            mark_status(conn, request_id, "acknowledged", now=at)
    return get_request(conn, request_id, now=at)


def _history(conn: sqlite3.Connection, row: sqlite3.Row) -> str:
    """The request's history for a complaint: dated events, then the original text."""
    from exposure.rights.channels.letter import format_date

    lang = row["language"]
    lines: list[str] = []
    ids = [
        row["id"],
        *(r[0] for r in conn.execute("SELECT id FROM request WHERE parent_id = ?", (row["id"],))),
    ]
    events = sorted((e for evs in _events(conn, ids).values() for e in evs), key=lambda e: e["at"])
    for ev in events:
        if ev["kind"] in {"drafted", "edited", "send_failed", "exported"}:
            continue
        day = _day_of(ev["at"])
        when = format_date(day, lang) if day else ev["at"]
        what = {
            "sent": "request sent"
            + (f" (Message-ID {ev['data']['message_id']})" if ev["data"].get("message_id") else ""),
            "reminder": "reminder sent",
            "reply": "reply received",
            "extension": f"extension announced (new due date {ev['data'].get('due')})",
            "status": f"status: {ev['data'].get('new')}",
            "complaint": "complaint",
        }.get(ev["kind"], ev["kind"])
        if ev["kind"] == "sent" and ev["data"].get("due"):
            what += f"; answer due by {ev['data']['due']}"
        lines.append(f"- {when}: {what}" + (f" ({ev['note']})" if ev["note"] else ""))
    if row["due_at"] and row["status"] in WAITING:
        lines.append(f"- {row['due_at']}: due date passed without a complete answer")
    original = "\n".join(
        "> " + line if line else ">" for line in f"Subject: {row['subject']}\n\n{row['body']}".splitlines()
    )
    return "\n".join(lines) + "\n\n" + original


def _about_request(conn: sqlite3.Connection, row: sqlite3.Row, lang: str, today: date) -> dict[str, str]:
    """What a reminder or a complaint says about the request it follows (template fields)."""
    from exposure.rights.channels.letter import format_date

    sent = _day_of(row["sent_at"])
    return {
        "original_date": format_date(sent, lang) if sent else "",
        "original_subject": row["subject"],
        "request_id": str(row["id"]),
        "right": row["right"],
        "due_date": format_date(_day_of(row["due_at"]) or today, lang),
        "history": _history(conn, row),
    }


def _child(conn: sqlite3.Connection, parent: int, kind: str) -> sqlite3.Row | None:
    return conn.execute(  # type: ignore[no-any-return]
        "SELECT id, status FROM request WHERE parent_id = ? AND kind = ? ORDER BY id DESC LIMIT 1",
        (parent, kind),
    ).fetchone()


def _parent_for(conn: sqlite3.Connection, request_id: int) -> sqlite3.Row:
    row = _row(conn, request_id)
    if row["kind"] != "request":
        raise ValidationError(
            f"request {request_id} is a {row['kind'].replace('_', '-')}; use the request it is about (#{row['parent_id']})"
        )
    return row


def follow_up(
    conn: sqlite3.Connection,
    request_id: int,
    *,
    force: bool = False,
    channel: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Draft a reminder for an overdue request (sent to the same address, in the same thread)."""
    from exposure.rights import draft as drafting
    from exposure.rights.laws import REGIMES
    from exposure.services.catalog import get_organization
    from exposure.services.profile import get_profile

    at = _now(now)
    today = _local_day(at)
    row = _parent_for(conn, request_id)
    info = request_dict(conn, row, today)
    existing = _child(conn, row["id"], "follow_up")
    if existing is not None and existing["status"] == "draft":
        raise ValidationError(f"a reminder for request {request_id} is already drafted (#{existing['id']})")
    if not force:
        if row["status"] not in WAITING:
            raise ValidationError(
                f"request {request_id} is {row['status']}: a reminder is for a request waiting for an answer"
            )
        if not info["overdue"]:
            raise ValidationError(
                f"request {request_id} is not overdue (due {info['due']})",
                hint="use --force to remind anyway",
            )
        if row["reminder_sent_at"]:
            raise ValidationError(
                f"a reminder was already sent on {row['reminder_sent_at'][:10]}",
                hint=f"next: `exposure request complain {request_id}` from {info['complaint_after']}",
            )
    profile = get_profile(conn)
    org = get_organization(conn, row["org_id"])
    regime = REGIMES.get(row["law"]) if row["law"] else None
    lang = row["language"]
    extra = _about_request(conn, row, lang, today)
    result = drafting.draft(
        "follow_up", profile=profile, org=org, regime=regime, language=lang,
        identifiers=_values(_identifiers(row)), extra=extra, today=today,
    )  # fmt: skip
    with transaction(conn):
        child = _insert(
            conn, org_id=row["org_id"], kind="follow_up", parent=row["id"], right=row["right"], law=row["law"],
            language=lang, channel=channel or row["channel"], to=row["to_addr"], subject=result.subject,
            body=result.body, identifiers=_identifiers(row), at=at,
        )  # fmt: skip
        _event(conn, child, "drafted", at, f"reminder for request #{row['id']}")
        _event(conn, row["id"], "follow_up_drafted", at, None, request=child)
    return get_request(conn, child, now=at)


def complain(
    conn: sqlite3.Connection,
    request_id: int,
    *,
    force: bool = False,
    channel: str | None = None,
    language: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Draft a complaint to the regulator, with the request's history attached.

    Offered after a refusal, or once the reminder window (``requests.reminder_days`` after the
    reminder) has passed on an overdue request; ``force`` skips the wait.
    """
    from exposure.rights import draft as drafting
    from exposure.rights.laws import REGIMES, regulator_for
    from exposure.services.catalog import get_organization
    from exposure.services.profile import get_profile

    at = _now(now)
    today = _local_day(at)
    row = _parent_for(conn, request_id)
    info = request_dict(conn, row, today)
    regime = REGIMES.get(row["law"]) if row["law"] else None
    if regime is None:
        raise ValidationError(
            f"request {request_id} cites no law, so there is no regulator to complain to",
            hint="draft a new request with --law if one applies to you",
        )
    existing = _child(conn, row["id"], "complaint")
    if existing is not None:
        raise ValidationError(
            f"a complaint about request {request_id} already exists (#{existing['id']}, {existing['status']})"
        )
    if not force and row["status"] != "refused":
        if row["status"] not in WAITING or not info["overdue"]:
            raise ValidationError(
                f"request {request_id} is {row['status']}"
                + ("" if info["overdue"] else f", due {info['due']}")
                + ": a complaint is for a refused request, or an overdue one after a reminder",
                hint="use --force to complain anyway",
            )
        if not row["reminder_sent_at"]:
            raise ValidationError(
                f"send a reminder first: `exposure request remind {request_id}`", hint="or use --force"
            )
        if info["complaint_after"] and today < date.fromisoformat(info["complaint_after"]):
            raise ValidationError(
                f"the reminder went out on {row['reminder_sent_at'][:10]}; give them until {info['complaint_after']}",
                hint="or use --force",
            )
    profile = get_profile(conn)
    org = get_organization(conn, row["org_id"])
    regulator = _with_contacts(
        conn, regulator_for(regime, profile.country, profile.region, org_country=org.get("country"))
    )
    if regulator is None:
        raise ValidationError(
            f"no {regime.short} regulator is known for your residence ({profile.region or profile.country or 'not set'})",
            hint="set your country and region: `exposure profile set --country CC --region RR`",
        )
    lang = _check_language(language or row["language"], profile)
    extra = {**_about_request(conn, row, lang, today), "regulator_name": regulator.name}
    result = drafting.draft(
        "complaint", profile=profile, org=org, regime=regime, language=lang,
        identifiers=_values(_identifiers(row)), extra=extra, today=today,
    )  # fmt: skip
    if channel is None:
        channel = "web_form" if regulator.complaint_url else "email" if regulator.email else "letter"
    with transaction(conn):
        child = _insert(
            conn, org_id=row["org_id"], kind="complaint", parent=row["id"], right=row["right"], law=row["law"],
            language=lang, channel=channel, to=regulator.email, subject=result.subject, body=result.body,
            identifiers=_identifiers(row), at=at, regulator=regulator.name,
        )  # fmt: skip
        _event(conn, child, "drafted", at, f"complaint about request #{row['id']} to {regulator.name}")
        _event(conn, row["id"], "complaint_drafted", at, None, request=child, regulator=regulator.name)
    return get_request(conn, child, now=at)


# --------------------------------------------------------------------------- sending


def smtp_config(conn: sqlite3.Connection, *, context: Any = None, with_secret: bool = True) -> Any:
    """The SMTP settings and credentials (from the keyring) for sending."""
    from exposure.net.smtp import DEFAULT_PORTS, SmtpConfig
    from exposure.secrets import get_secret

    host = _setting(conn, "smtp.host")
    if not host:
        raise ValidationError(
            "no SMTP server is set for sending",
            hint="run `exposure settings set smtp.host smtp.example.com` (and smtp.user, then `exposure secrets set smtp`)",
        )
    security = _setting(conn, "smtp.security") or "starttls"
    stored_port = conn.execute("SELECT value FROM setting WHERE key = 'smtp.port'").fetchone()
    port = int(stored_port[0]) if stored_port else DEFAULT_PORTS.get(security, 587)
    user = _setting(conn, "smtp.user")
    token = password = None
    if with_secret:
        token = get_secret("smtp_token")
        password = None if token else get_secret("smtp")
        if user is None and (token or password):
            user = from_address(conn)
        if user and not token and not password:
            from exposure.secrets import require_secret

            require_secret("smtp")
    return SmtpConfig(
        host=host, port=port, security=security, user=user, password=password, token=token, context=context
    )


def _budget(conn: sqlite3.Connection, at: datetime) -> tuple[int, int]:
    """(sends in the last 24 hours, the daily cap). Attempts that may have gone out count."""
    since = _stamp(at - timedelta(hours=24))
    used = conn.execute(
        "SELECT COUNT(*) FROM send_attempt WHERE state IN ('accepted', 'unknown', 'sending') AND started_at > ?",
        (since,),
    ).fetchone()[0]
    return int(used), _int_setting(conn, "smtp.daily_cap")


def _cooldown_until(conn: sqlite3.Connection, row: sqlite3.Row, at: datetime) -> datetime | None:
    """When this organization may get another message, if it got one too recently."""
    hours = _int_setting(conn, "smtp.cooldown_hours")
    if hours <= 0 or row["kind"] == "complaint":
        return None
    last = conn.execute(
        "SELECT MAX(a.started_at) FROM send_attempt a JOIN request r ON r.id = a.request_id "
        "WHERE a.org_id = ? AND a.request_id != ? AND a.state IN ('accepted', 'unknown') AND r.kind != 'complaint'",
        (row["org_id"], row["id"]),
    ).fetchone()[0]
    if not last:
        return None
    until = datetime.fromisoformat(last) + timedelta(hours=hours)
    return until if until > at else None


def _pending_attempt(conn: sqlite3.Connection, request_id: int, at: datetime) -> sqlite3.Row | None:
    """The last attempt that may have delivered this request (its Message-ID is reused)."""
    row = conn.execute(
        "SELECT * FROM send_attempt WHERE request_id = ? ORDER BY id DESC LIMIT 1", (request_id,)
    ).fetchone()
    if row is None or row["state"] not in ("unknown", "sending"):
        return None
    if row["state"] == "sending" and datetime.fromisoformat(row["started_at"]) > at - STALE_SENDING:
        raise ValidationError(f"request {request_id} is being sent right now (started {row['started_at']})")
    return row  # type: ignore[no-any-return]


@dataclass
class SendPlan:
    request_id: int
    organization: str
    outgoing: Outgoing
    message_id: str
    data: bytes
    text: str
    resend: bool  #: an earlier attempt may have gone out: same Message-ID
    sent_today: int
    daily_cap: int


def _plan(conn: sqlite3.Connection, request_id: int, at: datetime) -> SendPlan:
    from exposure.rights.channels import message

    row = _row(conn, request_id)
    if row["status"] != "draft":
        raise ValidationError(
            f"request {request_id} was already sent on {(row['sent_at'] or '')[:10]}"
            if row["sent_at"] else f"request {request_id} is {row['status']}, not a draft"
        )  # fmt: skip
    out = outgoing(conn, request_id)
    if not out.to:
        raise ValidationError(
            f"request {request_id} ({row['org_name']}) has no email address to send to",
            hint=f"export it (`exposure request export {request_id} --format pdf` or webform), "
            f"or set an address with `exposure request edit {request_id} --to ADDRESS`",
        )
    pending = _pending_attempt(conn, request_id, at)
    message_id = pending["message_id"] if pending else message.new_message_id(out.from_addr or "")
    msg = message.build_message(out, message_id=message_id, date=at)
    used, cap = _budget(conn, at)
    if used >= cap:
        raise ValidationError(
            f"the daily cap is reached: {used} of smtp.daily_cap={cap} messages sent in the last 24 hours",
            hint="try again later, or raise smtp.daily_cap",
        )
    until = _cooldown_until(conn, row, at)
    if until is not None:
        raise ValidationError(
            f"{row['org_name']} got a message from you less than smtp.cooldown_hours ago; "
            f"next one from {until.astimezone().strftime('%Y-%m-%d %H:%M')}",
        )
    return SendPlan(
        request_id=request_id, organization=row["org_name"], outgoing=out, message_id=message_id,
        data=message.message_bytes(msg), text=readable_message(msg), resend=pending is not None,
        sent_today=used, daily_cap=cap,
    )  # fmt: skip


def send_requests(
    conn: sqlite3.Connection,
    request_ids: Sequence[int],
    *,
    dry_run: bool = False,
    now: datetime | None = None,
    config: Any = None,
    on_progress: Any = None,
) -> dict[str, Any]:
    """Send drafts by SMTP from the user's mailbox, each exactly once; or show what would go out.

    Returns ``{"server", "sent": [...], "failed": [{"id", "error", "in_doubt"}], "dry_run": [...]}``.
    A failure that concerns the server (login, TLS, connection) stops the batch; the rest is
    reported as not attempted.
    """
    from exposure.net import smtp

    at = _now(now)
    server = None
    try:
        if config is None:
            config = smtp_config(conn, with_secret=not dry_run)
        smtp.check_config(config)
        server = config.describe()
    except ExposureError as exc:
        if not dry_run:
            raise
        server = f"(no usable SMTP server: {exc})"
    result: dict[str, Any] = {"server": server, "sent": [], "failed": [], "dry_run": []}
    stop: str | None = None
    for request_id in request_ids:
        if stop is not None:
            result["failed"].append({"id": request_id, "error": f"not attempted: {stop}", "in_doubt": False})
            continue
        try:
            plan = _plan(conn, request_id, at)
        except ExposureError as exc:
            result["failed"].append({"id": request_id, "error": str(exc), "in_doubt": False})
            continue
        if dry_run:
            result["dry_run"].append({
                "id": request_id, "organization": plan.organization, "to": plan.outgoing.to,
                "from": plan.outgoing.from_addr, "message_id": plan.message_id, "resend": plan.resend,
                "message": plan.text, "raw": plan.data.decode("ascii", "replace"),
                "sent_last_24h": plan.sent_today, "daily_cap": plan.daily_cap,
            })  # fmt: skip
            continue
        if on_progress is not None:
            on_progress(request_id, plan)
        outcome = _send_one(conn, plan, config, at)
        if outcome.get("error"):
            result["failed"].append(outcome)
            if outcome.get("server_problem"):
                stop = outcome["error"]
        else:
            result["sent"].append(outcome)
    return result


def _send_one(conn: sqlite3.Connection, plan: SendPlan, config: Any, at: datetime) -> dict[str, Any]:
    from exposure.net import smtp

    row = _row(conn, plan.request_id)
    assert plan.outgoing.from_addr and plan.outgoing.to
    # 1. Record the attempt, with its Message-ID, before anything is sent (committed now). The
    #    checks are repeated inside the write transaction (BEGIN IMMEDIATE: one writer at a time),
    #    so two processes sending the same draft cannot both go ahead.
    with transaction(conn):
        status = conn.execute("SELECT status FROM request WHERE id = ?", (plan.request_id,)).fetchone()
        busy = conn.execute(
            "SELECT started_at FROM send_attempt WHERE request_id = ? AND state = 'sending' AND started_at > ?",
            (plan.request_id, _stamp(at - STALE_SENDING)),
        ).fetchone()
        if status is None or status[0] != "draft" or busy is not None:
            why = "is being sent right now" if busy is not None else "was sent meanwhile"
            return {"id": plan.request_id, "error": f"request {plan.request_id} {why}", "in_doubt": False}
        conn.execute(
            "UPDATE send_attempt SET state = 'unknown', finished_at = COALESCE(finished_at, ?) "
            "WHERE request_id = ? AND state = 'sending'",
            (_stamp(at), plan.request_id),
        )
        attempt = conn.execute(
            "INSERT INTO send_attempt (request_id, org_id, message_id, recipient, host, state, started_at) "
            "VALUES (?, ?, ?, ?, ?, 'sending', ?)",
            (plan.request_id, row["org_id"], plan.message_id, plan.outgoing.to, config.host, _stamp(at)),
        ).lastrowid
    # 2. Send (no transaction held while talking to the server).
    try:
        receipt = smtp.send(config, plan.outgoing.from_addr, [plan.outgoing.to], plan.data)
    except ExposureError as exc:
        in_doubt = bool(getattr(exc, "in_doubt", False))
        with transaction(conn):
            conn.execute(
                "UPDATE send_attempt SET state = ?, finished_at = ?, error = ? WHERE id = ?",
                ("unknown" if in_doubt else "failed", _stamp(clock()), str(exc), attempt),
            )
            conn.execute(
                "UPDATE request SET last_error = ?, updated_at = ? WHERE id = ?",
                (str(exc), _stamp(at), plan.request_id),
            )
            _event(
                conn,
                plan.request_id,
                "send_failed",
                at,
                str(exc),
                in_doubt=in_doubt,
                message_id=plan.message_id,
            )
        server_problem = isinstance(exc, smtp.SmtpError) and not exc.per_message and not in_doubt
        return {
            "id": plan.request_id,
            "error": str(exc),
            "in_doubt": in_doubt,
            "server_problem": server_problem,
        }
    # 3. Accepted: one transaction marks the attempt and the request.
    with transaction(conn):
        conn.execute(
            "UPDATE send_attempt SET state = 'accepted', finished_at = ?, error = NULL WHERE id = ?",
            (_stamp(clock()), attempt),
        )
        conn.execute(
            "UPDATE request SET channel = 'email', to_addr = ? WHERE id = ?",
            (plan.outgoing.to, plan.request_id),
        )
        _record_sent(
            conn, _row(conn, plan.request_id), at, message_id=plan.message_id, how=f"smtp {receipt.host}",
            note=f"{receipt.code} {receipt.reply}"[:300],
        )  # fmt: skip
    done = _row(conn, plan.request_id)
    return {
        "id": plan.request_id, "organization": plan.organization, "to": plan.outgoing.to,
        "message_id": plan.message_id, "sent_at": done["sent_at"], "due": done["due_at"], "resend": plan.resend,
    }  # fmt: skip
