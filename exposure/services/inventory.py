"""Findings in, inventory out.

:func:`ingest` is the one way findings reach the store: every source (imports, mail scans,
breach checks, manual entries) hands its :class:`Finding` records here. Each is matched to an
organization (catalog first; an unknown domain becomes an organization named after it) and
stored idempotently: the same finding (source kind + key) is never stored twice.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from exposure.catalog.match import Matcher, domain_of_host, registrable_domain
from exposure.core.errors import NotFound, ValidationError
from exposure.core.models import Finding
from exposure.core.progress import CancelToken, NullProgress, Progress
from exposure.core.validate import clean_text
from exposure.store.db import now, transaction

BATCH = 5000


@dataclass
class IngestStats:
    findings: int = 0  #: findings handed in
    new_findings: int = 0  #: findings not seen before
    organizations: set[int] = field(default_factory=set)  #: organizations touched
    new_organizations: set[int] = field(default_factory=set)  #: organizations not in the inventory before
    matched: set[int] = field(default_factory=set)  #: organizations matched to the catalog
    unknown: set[int] = field(default_factory=set)  #: organizations created from an unknown domain
    skipped: int = 0  #: findings without a usable domain or organization

    def as_json(self) -> dict[str, int]:
        return {
            "findings": self.findings,
            "new_findings": self.new_findings,
            "organizations": len(self.organizations),
            "new_organizations": len(self.new_organizations),
            "matched": len(self.matched),
            "unknown": len(self.unknown),
            "skipped": self.skipped,
        }


def finding_key(finding: Finding) -> str:
    """The idempotency key of a finding: its own, or a digest of what identifies it."""
    if finding.key:
        return finding.key
    basis = json.dumps(
        [finding.domain, finding.identifier, finding.org_hint, finding.evidence.get("title")],
        ensure_ascii=False,
    )
    return hashlib.sha1(basis.encode("utf-8")).hexdigest()


class _Resolver:
    """Domain / slug -> organization id, creating placeholder organizations for unknown domains."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.matcher = Matcher(conn)
        self.catalog_ids = {
            row[0] for row in conn.execute("SELECT id FROM organization WHERE source != 'finding'")
        }
        self.slugs: dict[str, int] = {}

    def by_slug(self, slug: str) -> int | None:
        if slug not in self.slugs:
            row = self.conn.execute("SELECT id FROM organization WHERE slug = ?", (slug,)).fetchone()
            if row is None:
                return None
            self.slugs[slug] = int(row[0])
        return self.slugs[slug]

    def resolve(self, finding: Finding) -> int | None:
        if finding.org_hint:
            found = self.by_slug(finding.org_hint)
            if found is not None:
                return found
        domain = finding.domain
        if not domain:
            return None
        org_id = self.matcher.match_domain(domain)
        if org_id is not None:
            return org_id
        base = domain_of_host(domain) or domain
        cur = self.conn.execute(
            "INSERT INTO organization (slug, name, category, source) VALUES (?, ?, 'unknown', 'finding') "
            "ON CONFLICT(slug) DO UPDATE SET slug = excluded.slug RETURNING id",
            (f"domain:{base}", base),
        )
        org_id = int(cur.fetchone()[0])
        self.conn.execute("INSERT OR IGNORE INTO org_domain (domain, org_id) VALUES (?, ?)", (base, org_id))
        self.matcher.add(base, org_id)
        return org_id


def _inventory_ids(conn: sqlite3.Connection) -> set[int]:
    return {row[0] for row in conn.execute("SELECT DISTINCT org_id FROM finding")}


def ingest(
    conn: sqlite3.Connection,
    findings: Iterable[Finding],
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> IngestStats:
    """Store findings in batches, one transaction per batch; returns what changed.

    A cancelled ingest keeps the batches already written.
    """
    progress = progress or NullProgress()
    stats = IngestStats()
    before = _inventory_ids(conn)
    last_id = conn.execute("SELECT COALESCE(MAX(id), 0) FROM finding").fetchone()[0]
    resolver = _Resolver(conn)
    stamp = now()
    batch: list[Finding] = []

    def flush() -> None:
        nonlocal last_id
        # One transaction per batch: placeholder organizations are created with their findings.
        with transaction(conn):
            rows = []
            for finding in batch:
                org_id = resolver.resolve(finding)
                if org_id is None:
                    stats.skipped += 1
                    continue
                stats.organizations.add(org_id)
                (stats.matched if org_id in resolver.catalog_ids else stats.unknown).add(org_id)
                if org_id not in before:
                    stats.new_organizations.add(org_id)
                rows.append(
                    (
                        org_id,
                        finding.source,
                        finding_key(finding),
                        finding.domain,
                        finding.identifier,
                        finding.location,
                        _evidence_json(finding.evidence),
                        finding.first_seen,
                        finding.last_seen or finding.first_seen,
                        float(finding.confidence),
                        stamp,
                    )
                )
            conn.executemany(_UPSERT_MANY, rows)
            # New rows get ids above every id seen so far (one writer: BEGIN IMMEDIATE).
            count, top = conn.execute(
                "SELECT COUNT(*), COALESCE(MAX(id), ?) FROM finding WHERE id > ?", (last_id, last_id)
            ).fetchone()
            stats.new_findings += count
            last_id = top
        progress.advance(len(batch))
        batch.clear()

    for finding in findings:
        if cancel is not None:
            cancel.check()
        stats.findings += 1
        batch.append(finding)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    return stats


_UPSERT = """
INSERT INTO finding (org_id, source, key, domain, identifier, location, evidence,
                     first_seen, last_seen, confidence, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(source, key) DO UPDATE SET
    first_seen = CASE WHEN excluded.first_seen IS NOT NULL
        AND (first_seen IS NULL OR excluded.first_seen < first_seen)
        THEN excluded.first_seen ELSE first_seen END,
    last_seen = CASE WHEN excluded.last_seen IS NOT NULL
        AND (last_seen IS NULL OR excluded.last_seen > last_seen)
        THEN excluded.last_seen ELSE last_seen END,
    evidence = excluded.evidence,
    confidence = MAX(confidence, excluded.confidence)
RETURNING id
"""
_UPSERT_MANY = _UPSERT.rsplit("RETURNING", 1)[0]  # executemany: one call per batch
_evidence_json = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


def resolve_organization(conn: sqlite3.Connection, ref: str) -> sqlite3.Row:
    """Find an organization by id, slug, domain, URL, email or exact name."""
    ref = clean_text(ref, "organization", max_length=300)
    row = None
    if ref.isdigit():
        row = conn.execute("SELECT * FROM organization WHERE id = ?", (int(ref),)).fetchone()
    if row is None:
        row = conn.execute("SELECT * FROM organization WHERE slug = ?", (ref.lower(),)).fetchone()
    if row is None:
        org_id = Matcher(conn).match(ref)
        if org_id is not None:
            row = conn.execute("SELECT * FROM organization WHERE id = ?", (org_id,)).fetchone()
    if row is None:
        row = conn.execute("SELECT * FROM organization WHERE name = ? COLLATE NOCASE", (ref,)).fetchone()
    if row is None:
        raise NotFound(f"no organization {ref!r} in the catalog (try `exposure catalog search`)")
    return row  # type: ignore[no-any-return]


def add_manual(
    conn: sqlite3.Connection, ref: str, identifier: str | None = None, note: str | None = None
) -> dict[str, Any]:
    """Add an organization to the inventory by hand (name, slug, domain or URL).

    An organization that is not in the catalog but given as a domain becomes a new row.
    """
    identifier = clean_text(identifier, "identifier", max_length=254) if identifier else None
    note = clean_text(note, "note", max_length=1000) if note else None
    try:
        row = resolve_organization(conn, ref)
        domain = conn.execute(
            "SELECT domain FROM org_domain WHERE org_id = ? ORDER BY alias, domain LIMIT 1", (row["id"],)
        ).fetchone()
        finding = Finding(
            source="manual",
            domain=domain[0] if domain else None,
            identifier=identifier,
            evidence={"note": note} if note else {},
            first_seen=now(),
            confidence=1.0,
            key=f"{row['slug']}|{identifier or ''}",
            org_hint=row["slug"],
        )
    except NotFound:
        domain_value = registrable_domain(ref)
        if domain_value is None or "." not in ref:
            raise
        finding = Finding(
            source="manual",
            domain=domain_value,
            identifier=identifier,
            evidence={"note": note} if note else {},
            first_seen=now(),
            confidence=1.0,
            key=f"domain:{domain_value}|{identifier or ''}",
        )
    stats = ingest(conn, [finding])
    org_id = next(iter(stats.organizations))
    with transaction(conn):
        conn.execute(
            "INSERT INTO inventory_state (org_id, state, note, updated_at) VALUES (?, 'active', ?, ?) "
            "ON CONFLICT(org_id) DO UPDATE SET state = 'active', updated_at = excluded.updated_at",
            (org_id, note, now()),
        )
    return {"id": org_id, "new": bool(stats.new_organizations), **stats.as_json()}


def set_state(conn: sqlite3.Connection, org_id: int, state: str, note: str | None = None) -> None:
    """Mark an inventory row active, ``not_mine`` (a false finding) or ``ignored``."""
    if state not in {"active", "not_mine", "ignored"}:
        raise ValidationError(f"state must be active, not_mine or ignored, not {state!r}")
    with transaction(conn):
        conn.execute(
            "INSERT INTO inventory_state (org_id, state, note, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(org_id) DO UPDATE SET state = excluded.state, note = excluded.note, "
            "updated_at = excluded.updated_at",
            (org_id, state, note, now()),
        )


_ROWS_SQL = """
SELECT o.id, o.slug, o.name, o.category, o.privacy_email, o.web_form, o.opt_out_url,
       COALESCE(s.state, 'active') AS state,
       COUNT(f.id) AS finding_count,
       MIN(COALESCE(f.first_seen, f.last_seen)) AS first_seen,
       MAX(COALESCE(f.last_seen, f.first_seen)) AS last_seen,
       MAX(f.confidence) AS confidence,
       GROUP_CONCAT(DISTINCT f.source) AS sources,
       GROUP_CONCAT(DISTINCT f.identifier) AS identifiers,
       (SELECT GROUP_CONCAT(d.domain) FROM (SELECT domain FROM org_domain WHERE org_id = o.id
                                            ORDER BY alias, domain) d) AS domains
FROM finding f
JOIN organization o ON o.id = f.org_id
LEFT JOIN inventory_state s ON s.org_id = o.id
WHERE 1 = 1 {where}
GROUP BY o.id
ORDER BY o.name COLLATE NOCASE
"""


def _split(value: str | None) -> list[str]:
    return sorted(set(value.split(","))) if value else []


def inventory_rows(
    conn: sqlite3.Connection,
    *,
    category: str | None = None,
    search: str | None = None,
    include_hidden: bool = False,
) -> list[dict[str, Any]]:
    """One summary dict per organization in the inventory (no per-finding detail): fast."""
    where = []
    params: list[Any] = []
    if category:
        where.append("AND o.category = ?")
        params.append(category)
    if search:
        where.append(
            "AND (o.name LIKE ? OR o.slug LIKE ? OR EXISTS (SELECT 1 FROM org_domain d "
            "WHERE d.org_id = o.id AND d.domain LIKE ?) OR f.identifier LIKE ?)"
        )
        like = f"%{search}%"
        params += [like, like, like, like]
    if not include_hidden:
        where.append("AND COALESCE(s.state, 'active') = 'active'")
    rows = conn.execute(_ROWS_SQL.format(where=" ".join(where)), params).fetchall()
    requests = latest_requests(conn)
    return [
        {
            "id": row["id"],
            "slug": row["slug"],
            "name": row["name"],
            "domains": _split(row["domains"]) if row["domains"] else [],
            "category": row["category"],
            "state": row["state"],
            "sources": _split(row["sources"]),
            "identifiers": _split(row["identifiers"]),
            "first_seen": row["first_seen"],
            "last_seen": row["last_seen"],
            "confidence": row["confidence"],
            "finding_count": row["finding_count"],
            "privacy_email": row["privacy_email"],
            "opt_out_url": row["opt_out_url"] or row["web_form"],
            "request": requests.get(row["id"]),
        }
        for row in rows
    ]


def latest_requests(conn: sqlite3.Connection) -> dict[int, dict[str, Any]]:
    """The newest request per organization: {org_id: {id, status, due}}."""
    out: dict[int, dict[str, Any]] = {}
    for row in conn.execute("SELECT id, org_id, status, due_at FROM request ORDER BY id"):
        out[row["org_id"]] = {"id": row["id"], "status": row["status"], "due": row["due_at"]}
    return out


def findings_for(conn: sqlite3.Connection, org_id: int) -> list[dict[str, Any]]:
    return [
        {
            "domain": row["domain"],
            "identifier": row["identifier"],
            "source": row["source"],
            "location": row["location"],
            "evidence": json.loads(row["evidence"]),
            "first_seen": row["first_seen"],
            "last_seen": row["last_seen"],
            "confidence": row["confidence"],
        }
        for row in conn.execute(
            "SELECT * FROM finding WHERE org_id = ? ORDER BY COALESCE(last_seen, first_seen) DESC, id",
            (org_id,),
        )
    ]


def inventory(
    conn: sqlite3.Connection, *, category: str | None = None, search: str | None = None
) -> list[dict[str, Any]]:
    """The inventory with every finding: the ``inventory --json`` shape."""
    rows = inventory_rows(conn, category=category, search=search)
    by_org: dict[int, list[dict[str, Any]]] = {row["id"]: [] for row in rows}
    if by_org:
        for f in conn.execute(
            "SELECT * FROM finding ORDER BY org_id, COALESCE(last_seen, first_seen) DESC, id"
        ):
            if f["org_id"] in by_org:
                by_org[f["org_id"]].append(
                    {
                        "domain": f["domain"],
                        "identifier": f["identifier"],
                        "source": f["source"],
                        "location": f["location"],
                        "evidence": json.loads(f["evidence"]),
                        "first_seen": f["first_seen"],
                        "last_seen": f["last_seen"],
                        "confidence": f["confidence"],
                    }
                )
    keys = (
        "id",
        "name",
        "domains",
        "category",
        "sources",
        "identifiers",
        "first_seen",
        "last_seen",
        "request",
    )
    return [{**{k: row[k] for k in keys}, "findings": by_org[row["id"]]} for row in rows]
