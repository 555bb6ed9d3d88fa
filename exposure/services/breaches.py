"""Breach exposure from Have I Been Pwned.

Two paths, both started only by an explicit user action:

- With an API key (``exposure secrets set hibp``): :func:`check_breaches` looks up each email
  (the profile's by default), stores the breaches and their links to the email, and turns each
  (email, breach) into a finding on the breached organization through :func:`ingest`.
- Without a key: :func:`download_breach_list` fetches the free list of every breach and keeps it
  in the ``breach`` table with its date; :func:`match_breach_list_to_inventory` then says, offline,
  which organizations of the inventory were breached, when, and what leaked.

Optionally (setting ``hibp.check_passwords``, off by default) a password import can ask
:func:`password_checker` for a :class:`PasswordChecker` that checks each password with the
k-anonymity range API in memory and records only how often it appeared in breaches.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from exposure.catalog.match import Matcher, registrable_domain
from exposure.core.errors import NetworkError, SecretError, ValidationError
from exposure.core.models import Finding
from exposure.core.progress import CancelToken, NullProgress, Progress
from exposure.core.validate import clean_email
from exposure.net import hibp as hibp_net
from exposure.net.hibp import (
    API_KEY_URL,
    Breach,
    Clock,
    HibpClient,
    PwnedPasswordsClient,
    missing_key_message,
    pwned_count,
)
from exposure.net.http import describe_host
from exposure.services.inventory import IngestStats, ingest
from exposure.services.settings import get_setting
from exposure.store.db import now, transaction

if TYPE_CHECKING:
    import httpx

SOURCE = "hibp"
LIST_DATE_KEY = "hibp.breach_list_date"


# --- settings and key --------------------------------------------------------------------------


def api_url(conn: sqlite3.Connection) -> str:
    return str(get_setting(conn, "hibp.api_url"))


def passwords_url(conn: sqlite3.Connection) -> str:
    return str(get_setting(conn, "hibp.passwords_url"))


def api_host(conn: sqlite3.Connection) -> str:
    """The host an account lookup or list download contacts (to name it before contacting it)."""
    return describe_host(api_url(conn))


def passwords_host(conn: sqlite3.Connection) -> str:
    return describe_host(passwords_url(conn))


def get_api_key() -> str | None:
    """The HIBP API key from the keyring, or None. Raises SecretError if there is no keyring."""
    from exposure.secrets import get_secret

    return get_secret("hibp")


def no_key_advice() -> str:
    return (
        f"No Have I Been Pwned API key is stored. Checking your email addresses needs one: get it at "
        f"{API_KEY_URL}, then run `exposure secrets set hibp`. Without a key, exposure can still "
        "download the free list of known breaches and tell which organizations in your inventory were breached."
    )


def profile_emails(conn: sqlite3.Connection) -> list[str]:
    from exposure.services.profile import get_profile

    return list(get_profile(conn).emails)


def _clean_emails(emails: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for value in emails:
        email = clean_email(value)
        seen.setdefault(email.casefold(), email)
    return list(seen.values())


# --- findings ----------------------------------------------------------------------------------


def breach_evidence(breach: Breach) -> dict[str, Any]:
    evidence: dict[str, Any] = {
        "breach": breach.name,
        "breach_title": breach.title,
        "date": breach.breach_date,
        "data_classes": list(breach.data_classes),
    }
    if breach.pwn_count is not None:
        evidence["pwn_count"] = breach.pwn_count
    for flag in ("fabricated", "spam_list", "sensitive", "retired", "malware"):
        if breach.flags.get(flag):
            evidence[flag] = True
    if "verified" in breach.flags and not breach.flags["verified"]:
        evidence["unverified"] = True
    return evidence


def breach_findings(email: str, breaches: Iterable[Breach], location: str) -> list[Finding]:
    """One finding per breach of ``email`` on the breached organization (by the breach's domain).

    A breach without a domain (a spam list, a combination list) has no organization; its finding
    is skipped by :func:`ingest` and it is shown only in the breaches view. A breach HIBP marks as
    fabricated is kept with confidence 0.5: the data may never have come from that organization.
    """
    return [
        Finding(
            source=SOURCE,
            domain=registrable_domain(breach.domain) if breach.domain else None,
            identifier=email,
            location=location,
            evidence=breach_evidence(breach),
            first_seen=breach.breach_date,
            last_seen=breach.breach_date,
            confidence=0.5 if breach.fabricated else 1.0,
            key=f"{breach.name}|{email.casefold()}",
        )
        for breach in breaches
    ]


# --- storage -----------------------------------------------------------------------------------

_UPSERT_BREACH = """
INSERT INTO breach (name, title, domain, breach_date, added_date, modified_date, data_classes, pwn_count,
                    description_text, flags, in_list, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(name) DO UPDATE SET
    title = excluded.title, domain = excluded.domain, breach_date = excluded.breach_date,
    added_date = excluded.added_date, modified_date = excluded.modified_date,
    data_classes = excluded.data_classes, pwn_count = excluded.pwn_count,
    description_text = excluded.description_text, flags = excluded.flags,
    in_list = MAX(in_list, excluded.in_list), updated_at = excluded.updated_at
"""


def _store_breaches(
    conn: sqlite3.Connection, breaches: Iterable[Breach], *, in_list: bool, stamp: str
) -> int:
    count = 0
    for b in breaches:
        conn.execute(
            _UPSERT_BREACH,
            (
                b.name,
                b.title,
                b.domain,
                b.breach_date,
                b.added_date,
                b.modified_date,
                json.dumps(list(b.data_classes), ensure_ascii=False),
                b.pwn_count,
                b.description_text,
                json.dumps(b.flags, sort_keys=True),
                1 if in_list else 0,
                stamp,
            ),
        )
        count += 1
    return count


def _store_account(conn: sqlite3.Connection, email: str, breaches: Sequence[Breach]) -> None:
    """The breaches of one email, replacing what an earlier check said about it."""
    stamp = now()
    with transaction(conn):
        _store_breaches(conn, breaches, in_list=False, stamp=stamp)
        conn.execute("DELETE FROM breach_identifier WHERE identifier = ? COLLATE NOCASE", (email,))
        conn.executemany(
            "INSERT OR IGNORE INTO breach_identifier (breach_name, identifier, checked_at) VALUES (?, ?, ?)",
            [(b.name, email, stamp) for b in breaches],
        )
        conn.execute("DELETE FROM breach_check WHERE identifier = ? COLLATE NOCASE", (email,))
        conn.execute(
            "INSERT INTO breach_check (identifier, checked_at, breaches) VALUES (?, ?, ?)",
            (email, stamp, len(breaches)),
        )


class _Orgs:
    """Breach domain -> inventory organization (id, name, category), cached."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.matcher = Matcher(conn)
        self._rows: dict[int, dict[str, Any]] = {}

    def for_domain(self, domain: str | None) -> dict[str, Any] | None:
        if not domain:
            return None
        base = registrable_domain(domain) or domain
        org_id = self.matcher.match_domain(base)
        if org_id is None:
            return None
        if org_id not in self._rows:
            row = self.conn.execute(
                "SELECT id, slug, name, category FROM organization WHERE id = ?", (org_id,)
            ).fetchone()
            if row is None:
                return None
            self._rows[org_id] = {k: row[k] for k in ("id", "slug", "name", "category")}
        return self._rows[org_id]


def _breach_row(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "name": row["name"],
        "title": row["title"],
        "domain": row["domain"] or None,
        "date": row["breach_date"],
        "added": row["added_date"],
        "data_classes": json.loads(row["data_classes"]),
        "pwn_count": row["pwn_count"],
        "description": row["description_text"],
        "flags": json.loads(row["flags"]),
    }


# --- the keyed path: check emails ----------------------------------------------------------------


class _CancellableClock(Clock):
    """Sleeps in short steps and stops at a cancel request (a rate-limit pause can be 6 s)."""

    STEP = 0.25

    def __init__(self, base: Clock, cancel: CancelToken) -> None:
        self.base = base
        self.cancel = cancel

    def now(self) -> float:
        return self.base.now()

    def sleep(self, seconds: float) -> None:
        end = self.base.now() + seconds
        while True:
            self.cancel.check()
            remaining = end - self.base.now()
            if remaining <= 0:
                return
            self.base.sleep(min(remaining, self.STEP))


@dataclass
class BreachCheck:
    """What :func:`check_breaches` found."""

    emails: list[dict[str, Any]] = field(default_factory=list)  #: the ``breaches --json`` shape
    rpm: int = 0  #: requests per minute the key allows (paced accordingly)
    slept: float = 0.0  #: seconds spent waiting for the rate limit
    ingest: IngestStats = field(default_factory=IngestStats)
    unattributed: int = 0  #: breaches without a domain (shown, but not in the inventory)

    def as_json(self) -> dict[str, Any]:
        return {"emails": self.emails, "rpm": self.rpm, "inventory": self.ingest.as_json()}


def check_breaches(
    conn: sqlite3.Connection,
    emails: Iterable[str] | None = None,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    clock: Clock | None = None,
    *,
    api_key: str | None = None,
    http: httpx.Client | None = None,
) -> BreachCheck:
    """Look up each email on Have I Been Pwned and store what it says.

    ``emails`` defaults to the profile's. Needs the API key (keyring ``hibp``); raises
    :class:`SecretError` saying how to get one when there is none. Requests are paced to the
    key's rate limit. Each email is stored in its own transaction, so a cancelled or failed
    check keeps the emails already done.
    """
    progress = progress or NullProgress()
    wanted = _clean_emails(emails if emails is not None else profile_emails(conn))
    if not wanted:
        raise ValidationError(
            "no email address to check: give --email E, or add one with `exposure profile set --email E`"
        )
    key = api_key or get_api_key()
    if not key:
        raise SecretError(missing_key_message())
    result = BreachCheck()
    if cancel is not None:
        clock = _CancellableClock(clock or hibp_net.default_clock(), cancel)
    url = api_url(conn)
    location = describe_host(url)
    progress.start("Checking breaches", total=len(wanted))
    with HibpClient(url, key, clock=clock, http=http) as client:
        progress.message(f"Contacting {client.host}…")
        result.rpm = client.subscription_rpm()
        try:
            for email in wanted:
                if cancel is not None:
                    cancel.check()
                progress.message(f"Checking {email} on {client.host}")
                breaches = client.breached_account(email)
                _store_account(conn, email, breaches)
                stats = ingest(conn, breach_findings(email, breaches, location))
                result.ingest.merge(stats)
                orgs = _Orgs(conn)
                items = []
                for b in sorted(breaches, key=lambda b: (b.breach_date or "", b.name), reverse=True):
                    org = orgs.for_domain(b.domain)
                    if org is None:
                        result.unattributed += 1
                    items.append(
                        {
                            "name": b.name,
                            "title": b.title,
                            "domain": b.domain or None,
                            "date": b.breach_date,
                            "data_classes": list(b.data_classes),
                            "organization": org["name"] if org else None,
                            "organization_id": org["id"] if org else None,
                            "pwn_count": b.pwn_count,
                            "description": b.description_text,
                            "flags": b.flags,
                        }
                    )
                result.emails.append({"email": email, "breaches": items})
                progress.advance(1)
        finally:
            result.slept = client.slept
            progress.done()
    return result


def stored_breaches(conn: sqlite3.Connection, emails: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """What the last checks found, per email (offline): the ``breaches --json`` shape, plus
    ``checked_at``. Emails never checked are left out."""
    orgs = _Orgs(conn)
    checks = conn.execute("SELECT identifier, checked_at FROM breach_check ORDER BY identifier").fetchall()
    wanted = {e.casefold() for e in emails} if emails is not None else None
    out: list[dict[str, Any]] = []
    for check in checks:
        email = check["identifier"]
        if wanted is not None and email.casefold() not in wanted:
            continue
        rows = conn.execute(
            "SELECT b.* FROM breach_identifier i JOIN breach b ON b.name = i.breach_name "
            "WHERE i.identifier = ? ORDER BY b.breach_date DESC, b.name",
            (email,),
        ).fetchall()
        items = []
        for row in rows:
            item = _breach_row(row)
            org = orgs.for_domain(row["domain"])
            item["organization"] = org["name"] if org else None
            item["organization_id"] = org["id"] if org else None
            items.append(item)
        out.append({"email": email, "checked_at": check["checked_at"], "breaches": items})
    return out


# --- the keyless path: the free breach list ------------------------------------------------------


def breach_list_status(conn: sqlite3.Connection) -> dict[str, Any]:
    """When the free breach list was last downloaded, and how many breaches it had."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (LIST_DATE_KEY,)).fetchone()
    count = conn.execute("SELECT COUNT(*) FROM breach WHERE in_list = 1").fetchone()[0]
    return {"downloaded_at": row[0] if row else None, "breaches": int(count)}


def download_breach_list(
    conn: sqlite3.Connection,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    clock: Clock | None = None,
    *,
    http: httpx.Client | None = None,
) -> dict[str, Any]:
    """Download the free list of every breach (no key needed) and keep it with its date."""
    progress = progress or NullProgress()
    url = api_url(conn)
    with HibpClient(url, None, clock=clock, http=http) as client:
        progress.start("Downloading the breach list", total=None)
        progress.message(f"Contacting {client.host}…")
        breaches = client.all_breaches()
    if cancel is not None:
        cancel.check()
    if not breaches:
        raise NetworkError(f"{describe_host(url)} sent an empty breach list; the cached one is kept")
    stamp = now()
    with transaction(conn):
        conn.execute("UPDATE breach SET in_list = 0")
        count = _store_breaches(conn, breaches, in_list=True, stamp=stamp)
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (LIST_DATE_KEY, stamp),
        )
    progress.done()
    return {"downloaded_at": stamp, "breaches": count}


def match_breach_list_to_inventory(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Organizations in the inventory that had a breach, by domain (offline).

    Uses every breach known locally: the downloaded list and those found by account lookups.
    Each breach says which of the user's emails were confirmed in it (``confirmed``; empty when
    only the domain matched: "a service you have an account with was breached").
    """
    active = {
        row[0]
        for row in conn.execute(
            "SELECT DISTINCT f.org_id FROM finding f LEFT JOIN inventory_state s ON s.org_id = f.org_id "
            "WHERE COALESCE(s.state, 'active') = 'active'"
        )
    }
    if not active:
        return []
    confirmed: dict[str, list[str]] = {}
    for row in conn.execute("SELECT breach_name, identifier FROM breach_identifier ORDER BY identifier"):
        confirmed.setdefault(row[0], []).append(row[1])
    orgs = _Orgs(conn)
    by_org: dict[int, dict[str, Any]] = {}
    for row in conn.execute("SELECT * FROM breach WHERE domain != '' ORDER BY breach_date DESC, name"):
        org = orgs.for_domain(row["domain"])
        if org is None or org["id"] not in active:
            continue
        entry = by_org.setdefault(org["id"], {**org, "breaches": []})
        item = _breach_row(row)
        item["confirmed"] = confirmed.get(row["name"], [])
        entry["breaches"].append(item)
    for entry in by_org.values():
        entry["domains"] = [
            r[0]
            for r in conn.execute(
                "SELECT domain FROM org_domain WHERE org_id = ? ORDER BY alias, domain", (entry["id"],)
            )
        ]
    return sorted(by_org.values(), key=lambda e: (e["name"].casefold(), e["id"]))


def organization_detail(conn: sqlite3.Connection, org_id: int, *, max_findings: int = 50) -> dict[str, Any]:
    """An organization's inventory row for the breaches view: the organization, its findings
    (newest first, at most ``max_findings``) and its row state and latest request."""
    from exposure.services.catalog import get_organization
    from exposure.services.inventory import findings_for, latest_requests

    state = conn.execute("SELECT state FROM inventory_state WHERE org_id = ?", (org_id,)).fetchone()
    return {
        "organization": get_organization(conn, org_id),
        "findings": findings_for(conn, org_id)[:max_findings],
        "row": {"state": state[0] if state else "active", "request": latest_requests(conn).get(org_id)},
    }


def describe_match(entry: dict[str, Any]) -> str:
    """One sentence for a breached organization: 'Adobe was breached in 2013: Email addresses, ...'."""
    parts = []
    for b in entry["breaches"]:
        year = (b["date"] or "")[:4] or "an unknown year"
        classes = ", ".join(b["data_classes"]) or "unknown data"
        mine = " (your email was in it)" if b.get("confirmed") else ""
        parts.append(f"in {year}: {classes}{mine}")
    return f"{entry['name']} was breached " + "; ".join(parts)


# --- Pwned Passwords hook for password imports ----------------------------------------------------


class PasswordChecker:
    """Checks passwords against Pwned Passwords while an export is parsed (in memory only).

    Only the first 5 hex characters of each password's SHA-1 are sent; nothing about the
    password is stored except ``evidence["password_pwned_count"]``: how often it appears in
    known breaches. After the first network failure it stops checking (``error`` says why) so an
    import never fails because of it.
    """

    EVIDENCE_KEY = "password_pwned_count"

    def __init__(self, client: PwnedPasswordsClient, on_contact: Callable[[str], None] | None = None) -> None:
        self.client = client
        self.host = client.host
        self._on_contact = on_contact
        self._contacted = False
        self.checked = 0
        self.pwned = 0
        self.error: str | None = None

    def count(self, password: str | None) -> int | None:
        """Times the password appears in breaches; None when it was not checked."""
        if not password or self.error is not None:
            return None
        if not self._contacted:
            self._contacted = True
            if self._on_contact is not None:
                self._on_contact(f"Contacting {self.host}…")
        try:
            n = pwned_count(self.client, password)
        except NetworkError as exc:
            self.error = str(exc)
            return None
        self.checked += 1
        if n:
            self.pwned += 1
        return n

    def __call__(self, password: str | None) -> int | None:
        return self.count(password)

    def annotate(self, finding: Finding, password: str | None) -> Finding:
        """The finding with ``password_pwned_count`` in its evidence (unchanged if not checked)."""
        n = self.count(password)
        if n is None:
            return finding
        return replace(finding, evidence={**finding.evidence, self.EVIDENCE_KEY: n})

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> PasswordChecker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def password_checker(
    conn: sqlite3.Connection,
    *,
    on_contact: Callable[[str], None] | None = None,
    http: httpx.Client | None = None,
    clock: Clock | None = None,
    force: bool = False,
) -> PasswordChecker | None:
    """A :class:`PasswordChecker` when the setting ``hibp.check_passwords`` is on (or ``force``),
    else None. Close it when the import is done."""
    if not force and get_setting(conn, "hibp.check_passwords") != "true":
        return None
    return PasswordChecker(PwnedPasswordsClient(passwords_url(conn), http=http, clock=clock), on_contact)
