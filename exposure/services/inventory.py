"""Findings in, inventory out.

:func:`ingest` is the one way findings reach the store: every source (imports, mail scans,
breach checks, manual entries) hands its :class:`Finding` records here. Each is matched to an
organization (catalog first; an unknown domain becomes an organization named after it) and
stored idempotently: the same finding (source kind + key) is never stored twice.
"""

from __future__ import annotations

import hashlib
import json
import json.encoder
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any, cast

from exposure.catalog.match import Matcher, domain_of_host, registrable_domain
from exposure.core.errors import NotFound, ValidationError
from exposure.core.models import Finding
from exposure.core.progress import CancelToken, NullProgress, Progress
from exposure.core.validate import clean_text
from exposure.store.db import now, transaction

#: Findings per transaction. Each commit writes every page it changed to the WAL, and the
#: finding indexes' pages change in every batch: 10,000 rather than 5,000 writes a third less
#: WAL for a large import (less to sync at the checkpoint), holding the write lock ~0.3 s.
BATCH = 10_000
#: Page cache (KiB) while an ingest writes more than one batch (SQLite's default is 2 MiB): the
#: finding indexes get random inserts, and a cache that holds them saves re-reading pages.
BULK_CACHE_KIB = 32 * 1024
#: WAL pages before an automatic checkpoint while an ingest writes more than one batch (the
#: default is 1000, about every batch). Each checkpoint syncs the WAL and the database file and
#: rewrites the same index pages again; the ingest checkpoints once at its end instead. Commits,
#: WAL mode and ``synchronous`` stay as they are.
BULK_AUTOCHECKPOINT = 32 * 1024


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
        #: finding domain -> organization id, for domains resolved before (matched or created)
        self.domains: dict[str, int] = {}

    def by_slug(self, slug: str) -> int | None:
        if slug not in self.slugs:
            row = self.conn.execute("SELECT id FROM organization WHERE slug = ?", (slug,)).fetchone()
            if row is None:
                return None
            self.slugs[slug] = int(row[0])
        return self.slugs[slug]

    def resolve(self, finding: Finding) -> int | None:
        hints = {0: finding.org_hint} if finding.org_hint else {}
        return self.resolve_all([finding.domain], hints)[0]

    def resolve_all(self, domains: list[str | None], hints: dict[int, str]) -> list[int | None]:
        """The organization id for each finding's domain, or for its organization hint (by
        position) when that names an organization; None: no usable domain or organization.

        Unknown domains become placeholder organizations, created together (in order of first
        appearance, so ids are as if created one by one) inside the caller's transaction.
        """
        known = self.domains
        out: list[int | None] = []
        append = out.append
        unknown: dict[str, list[int]] = {}  # placeholder base domain -> positions in ``out``
        for position, domain in enumerate(domains):
            if hints and position in hints:
                found = self.by_slug(hints[position])
                if found is not None:
                    append(found)
                    continue
            if not domain:
                append(None)
                continue
            org_id = known.get(domain)
            if org_id is None:
                org_id = self.matcher.match_domain(domain)
                if org_id is None:
                    base = domain_of_host(domain) or domain
                    unknown.setdefault(base, []).append(position)
                    append(None)
                    continue
                known[domain] = org_id
            append(org_id)
        if unknown:
            created = self._create(list(unknown))
            for base, positions in unknown.items():
                org_id = created[base]
                for position in positions:
                    out[position] = org_id
                    known.setdefault(domains[position] or base, org_id)
        return out

    def _create(self, bases: list[str]) -> dict[str, int]:
        """Placeholder organizations (and their domain) for these base domains: {base: id}."""
        conn = self.conn
        conn.executemany(
            "INSERT INTO organization (slug, name, category, source) VALUES (?, ?, 'unknown', 'finding') "
            "ON CONFLICT(slug) DO NOTHING",
            [(f"domain:{base}", base) for base in bases],
        )
        by_slug: dict[str, int] = {}
        for start in range(0, len(bases), _IN_CHUNK):
            chunk = [f"domain:{base}" for base in bases[start : start + _IN_CHUNK]]
            marks = ",".join("?" * len(chunk))
            by_slug.update(conn.execute(f"SELECT slug, id FROM organization WHERE slug IN ({marks})", chunk))
        created = {base: int(by_slug[f"domain:{base}"]) for base in bases}
        conn.executemany(
            "INSERT OR IGNORE INTO org_domain (domain, org_id) VALUES (?, ?)", list(created.items())
        )
        for base, org_id in created.items():
            self.matcher.add(base, org_id)
        return created


#: Parameters per ``IN (...)`` look-up (below SQLite's oldest variable limit, 999).
_IN_CHUNK = 500


class _BulkWrite:
    """Connection settings for an ingest of many batches, restored (and checkpointed) after."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.saved: tuple[int, int] | None = None

    def start(self) -> None:
        if self.saved is not None:
            return
        conn = self.conn
        cache = int(conn.execute("PRAGMA cache_size").fetchone()[0])
        autocheckpoint = int(conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
        self.saved = (cache, autocheckpoint)
        if (cache < 0 and -cache < BULK_CACHE_KIB) or 0 <= cache < BULK_CACHE_KIB // 4:
            conn.execute(f"PRAGMA cache_size = {-BULK_CACHE_KIB}")
        if 0 < autocheckpoint < BULK_AUTOCHECKPOINT:
            conn.execute(f"PRAGMA wal_autocheckpoint = {BULK_AUTOCHECKPOINT}")

    def end(self) -> None:
        if self.saved is None:
            return
        conn = self.conn
        cache, autocheckpoint = self.saved
        self.saved = None
        conn.execute(f"PRAGMA cache_size = {cache}")
        conn.execute(f"PRAGMA wal_autocheckpoint = {autocheckpoint}")
        if autocheckpoint > 0 and not conn.in_transaction:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


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
    # Each finding becomes its row (all but the organization) as it arrives, so a batch holds
    # tuples of plain values rather than findings and their evidence dicts (a batch of those
    # is what the garbage collector would otherwise walk again and again).
    rows: list[tuple[Any, ...]] = []  # _COLUMNS but org_id (and the dates when both are None)
    hints: dict[int, str] = {}  # position in ``rows`` -> Finding.org_hint
    late: dict[int, dict[str, Any]] = {}  # position -> evidence, encoded if the finding is stored

    def flush() -> None:
        nonlocal last_id
        # One transaction per batch: placeholder organizations are created with their findings.
        with transaction(conn):
            org_ids = resolver.resolve_all([row[2] for row in rows], hints)
            found = set(org_ids)
            if None in found:
                found.discard(None)
                stats.skipped += org_ids.count(None)
            touched = cast("set[int]", found)
            stats.organizations |= touched
            stats.matched |= touched & resolver.catalog_ids
            stats.unknown |= touched - resolver.catalog_ids
            stats.new_organizations |= touched - before
            for position, evidence in late.items():
                if org_ids[position] is not None:
                    row = rows[position]
                    rows[position] = (*row[:5], _evidence_json(evidence), *row[6:])
            stored = [
                row + (org_id,) for row, org_id in zip(rows, org_ids, strict=True) if org_id is not None
            ]
            for width, group in groupby(stored, len):  # in order: ids follow the findings
                conn.executemany(_UPSERT_BY_WIDTH[width], group)
            # New rows get ids above every id seen so far (one writer: BEGIN IMMEDIATE).
            count, top = conn.execute(
                "SELECT COUNT(*), COALESCE(MAX(id), ?) FROM finding WHERE id > ?", (last_id, last_id)
            ).fetchone()
            stats.new_findings += count
            last_id = top
        progress.advance(len(rows))
        stats.findings += len(rows)
        rows.clear()
        hints.clear()
        late.clear()

    bulk = _BulkWrite(conn)
    append = rows.append
    last_evidence: object = None
    evidence_json: str | None = None
    try:
        for finding in findings:
            if cancel is not None:
                cancel.check()
            domain = finding.domain
            if finding.org_hint:
                hints[len(rows)] = finding.org_hint
            evidence = finding.evidence
            if not domain:  # stored only if its hint names an organization: encoded then
                late[len(rows)] = evidence
            elif evidence is not last_evidence:  # a record's findings share one evidence dict
                # A source may hand over evidence carrying its JSON already (JsonEvidence).
                evidence_json = (
                    _evidence_json(evidence)
                    if evidence.__class__ is dict
                    else getattr(evidence, "json", None) or _evidence_json(evidence)
                )
                last_evidence = evidence
            first_seen = finding.first_seen
            last_seen = finding.last_seen or first_seen
            confidence = finding.confidence
            if confidence.__class__ is not float:
                confidence = float(confidence)
            if first_seen is None and last_seen is None:  # written with NULL in the statement
                append(
                    (
                        finding.source,
                        finding.key or finding_key(finding),
                        domain,
                        finding.identifier,
                        finding.location,
                        evidence_json if domain else None,
                        confidence,
                        stamp,
                    )
                )
            else:
                append(
                    (
                        finding.source,
                        finding.key or finding_key(finding),
                        domain,
                        finding.identifier,
                        finding.location,
                        evidence_json if domain else None,
                        first_seen,
                        last_seen,
                        confidence,
                        stamp,
                    )
                )
            if len(rows) >= BATCH:
                bulk.start()  # more may follow: settings for many batches
                flush()
        if rows:
            flush()
    finally:
        bulk.end()
    return stats


#: The finding columns ingest writes, in the order of its rows.
_COLUMNS = "source, key, domain, identifier, location, evidence, first_seen, last_seen, confidence, created_at, org_id"
_UPSERT = f"""
INSERT INTO finding ({_COLUMNS})
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
# A finding without dates (most logins) binds two parameters fewer: the NULLs are in the text.
_UPSERT_UNDATED = _UPSERT_MANY.replace(
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?)"
)
#: The statement for a row of ingest's, by its length.
_UPSERT_BY_WIDTH = {11: _UPSERT_MANY, 9: _UPSERT_UNDATED}

# None binds as NULL with or without this. Without it, sqlite3 looks for an adapter for each
# None parameter by asking its protocol type for ``__adapt__``, which raises (and formats) an
# AttributeError that is then cleared: about a microsecond per NULL, and a finding row has a
# few. A registered adapter is found first; ``{}.get(None)`` returns None.
sqlite3.register_adapter(type(None), cast("Callable[[None], None]", {}.get))


def _json_encoder() -> Callable[[Any], str]:
    """``json.dumps(value, ensure_ascii=False, sort_keys=True)``, made once.

    ``JSONEncoder.encode`` builds a new C encoder on every call; this keeps one (without the
    circular-reference check: evidence is plain data a source built).
    """
    reference = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return reference.encode
    try:
        encode = make(
            None, reference.default, json.encoder.encode_basestring, None, ": ", ", ", True, False, True
        )
    except TypeError:  # another signature
        return reference.encode
    probe = {"b": [1, 2.5, None, True], "a": "é\n"}
    if "".join(encode(probe, 0)) != reference.encode(probe):
        return reference.encode

    def dumps(value: Any) -> str:
        return "".join(encode(value, 0))

    return dumps


_evidence_json = _json_encoder()


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
    for row in conn.execute(
        "SELECT id, org_id, status, due_at FROM request WHERE kind = 'request' ORDER BY id"
    ):
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
