"""Use cases: import and update the public catalogs, merge them, and mark contact health.

``update_catalog`` downloads each source from its URL (setting ``catalog.url.<source>``), names
every host before contacting it, sends conditional requests (ETag / Last-Modified stored per
source), refuses oversized bodies, HTML pages and unexpected content types, retries with
backoff, then parses and validates the download. Only then, in one transaction, the records of
the sources that changed replace the old ones and everything is merged again: a failed update
leaves the previous catalog exactly as it was. ``import_catalog`` does the same from a file
(or a folder of DuckDuckGo definitions).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from exposure.catalog.importers import SOURCES, ParseResult, RecordError, importer, parse_path
from exposure.catalog.importers import merge as merge_module
from exposure.core.errors import (
    Cancelled,
    ExposureError,
    NetworkError,
    NotFound,
    SourceError,
    ValidationError,
)
from exposure.core.progress import CancelToken, NullProgress, Progress
from exposure.store.db import now, transaction

if TYPE_CHECKING:
    import httpx

#: Largest download accepted for one catalog file.
MAX_BYTES = 32 * 1024 * 1024
#: A new download with fewer than this share of the records the source had is refused (a
#: truncated or emptied file), unless forced.
MIN_SHARE = 0.5
CONTACT_KINDS = ("email", "web_form", "opt_out_url", "postal")
CONTACT_STATUSES = ("ok", "bounced", "dead")
_COLUMN_OF_KIND = {
    "email": "privacy_email",
    "web_form": "web_form",
    "opt_out_url": "opt_out_url",
    "postal": "postal_address",
}


@dataclass
class SourceUpdate:
    """What happened to one source in an update or import."""

    source: str
    location: str
    status: str = "failed"  #: updated, unchanged, failed
    records: int = 0
    skipped: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[RecordError] = field(default_factory=list)
    message: str | None = None  #: why it failed, or what else to know
    etag: str | None = None
    last_modified: str | None = None
    digest: str | None = None
    date: str | None = None
    parsed: ParseResult | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "location": self.location,
            "status": self.status,
            "records": self.records,
            "skipped": self.skipped,
            "counts": self.counts,
            "message": self.message,
            "errors": [e.as_json() for e in self.errors[:200]],
            "more_errors": max(0, len(self.errors) - 200),
        }


@dataclass
class CatalogUpdate:
    sources: list[SourceUpdate] = field(default_factory=list)
    merge: merge_module.MergeStats | None = None

    @property
    def ok(self) -> bool:
        return all(s.status != "failed" for s in self.sources)

    def as_json(self) -> dict[str, Any]:
        return {
            "sources": [s.as_json() for s in self.sources],
            "merge": self.merge.as_json() if self.merge else None,
        }


# --- settings and state ---------------------------------------------------------------------


def source_url(conn: sqlite3.Connection, source: str) -> str:
    from exposure.services.settings import SETTINGS, get_setting

    importer(source)
    key = f"catalog.url.{source}"
    value = get_setting(conn, key) if key in SETTINGS else None
    return value or str(importer(source).DEFAULT_URL)


def _state(conn: sqlite3.Connection, source: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM catalog_source WHERE source = ?", (source,)
    ).fetchone()
    return row


def catalog_sources(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Each source: where its records came from, when, how many, and its URL for updates."""
    rows = {row["source"]: row for row in conn.execute("SELECT * FROM catalog_source")}
    contributes = dict(
        conn.execute(
            "SELECT source, COUNT(DISTINCT org_id) FROM catalog_record WHERE org_id IS NOT NULL GROUP BY source"
        ).fetchall()
    )
    result = []
    for source in SOURCES:
        row = rows.get(source)
        result.append(
            {
                "source": source,
                "label": importer(source).LABEL,
                "url": source_url(conn, source),
                "location": row["location"] if row else None,
                "fetched_at": row["fetched_at"] if row else None,
                "checked_at": row["checked_at"] if row else None,
                "source_date": row["source_date"] if row else None,
                "records": row["records"] if row else 0,
                "skipped": row["skipped"] if row else 0,
                "counts": json.loads(row["counts"]) if row else {},
                "organizations": contributes.get(source, 0),
            }
        )
    return result


def hosts_to_contact(conn: sqlite3.Connection, sources: Sequence[str] | None = None) -> list[str]:
    """The hosts an update of these sources contacts first (DuckDuckGo then names its file host)."""
    from exposure.net.http import describe_host

    hosts: list[str] = []
    for source in _check_sources(sources):
        host = describe_host(source_url(conn, source))
        if host not in hosts:
            hosts.append(host)
    return hosts


def _check_sources(sources: Sequence[str] | None) -> list[str]:
    if not sources:
        return list(SOURCES)
    chosen: list[str] = []
    for source in sources:
        importer(source)  # raises ValidationError for an unknown name
        if source not in chosen:
            chosen.append(source)
    return chosen


# --- downloading ----------------------------------------------------------------------------


class _Final(NetworkError):
    """A download failure that another try will not fix (HTTP 404, a body over the limit)."""


@dataclass
class _Download:
    status: int
    body: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None


def _download(
    client: httpx.Client,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    max_bytes: int = MAX_BYTES,
    retries: int = 2,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    cancel: CancelToken | None = None,
) -> _Download:
    """GET with a size limit, retrying timeouts, broken connections, 429 and 5xx with backoff."""
    from exposure.net.http import describe_host, limited_stream, retry_after_seconds

    host = describe_host(url)
    attempt = 0
    while True:
        if cancel is not None:
            cancel.check()
        delay = backoff * 2**attempt
        try:
            with limited_stream(client, url, max_bytes=max_bytes, headers=headers) as (response, read):
                status = response.status_code
                if status == 304:
                    return _Download(304)
                if status == 429 or 500 <= status < 600:
                    if attempt >= retries:
                        raise _Final(f"{host} answered HTTP {status} ({retries + 1} tries); try again later")
                    if status == 429:
                        delay = retry_after_seconds(response, default=delay)
                elif status != 200:
                    raise _Final(f"{host} answered HTTP {status} for {url}")
                else:
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > max_bytes:
                        raise _Final(
                            f"{host} offers {int(declared) // (1024 * 1024)} MB; refused "
                            f"(limit {max_bytes // (1024 * 1024)} MB)"
                        )
                    body = read()
                    return _Download(
                        200,
                        body,
                        response.headers.get("content-type", ""),
                        response.headers.get("etag"),
                        response.headers.get("last-modified"),
                    )
        except _Final:
            raise
        except NetworkError as exc:
            if attempt >= retries or "refused" in str(exc):  # limited_stream's size refusal
                raise
        sleep(delay)
        attempt += 1


def _check_type(module: Any, download: _Download, url: str) -> None:
    from exposure.net.http import describe_host

    content_type = download.content_type.split(";", 1)[0].strip().lower()
    if content_type and content_type not in module.CONTENT_TYPES:
        raise SourceError(
            f"{describe_host(url)} sent {content_type}, not {module.EXPECTS}; refused",
            where=url,
            hint="check the source URL in `exposure settings show` (catalog.url.*)",
        )


def _fetch_source(
    conn: sqlite3.Connection,
    client: httpx.Client,
    source: str,
    announce: Callable[[str], None],
    options: dict[str, Any],
) -> SourceUpdate:
    from exposure.net.http import describe_host

    module = importer(source)
    url = source_url(conn, source)
    result = SourceUpdate(source, url)
    state = _state(conn, source)
    headers: dict[str, str] = {"accept": ", ".join(module.CONTENT_TYPES[:2]) + ", */*;q=0.1"}
    if state is not None and state["records"] and not options.get("force"):
        if state["etag"]:
            headers["if-none-match"] = state["etag"]
        if state["last_modified"]:
            headers["if-modified-since"] = state["last_modified"]
    announce(f"Contacting {describe_host(url)} for the {module.LABEL} ...")
    download = _download(client, url, headers=headers, **_net_options(options))
    if download.status == 304:
        result.status = "unchanged"
        result.message = "not modified since the last update"
        result.records = state["records"] if state is not None else 0
        return result
    _check_type(module, download, url)
    result.etag, result.last_modified = download.etag, download.last_modified
    if source == "duckduckgo":
        files = module.parse_listing(download.body, url)
        hosts = sorted({describe_host(link) for _name, link in files} - {describe_host(url)})
        if hosts:
            announce(f"Contacting {', '.join(hosts)} for {len(files)} broker definitions ...")
        documents = []
        digest = hashlib.sha256()
        for name, link in files:
            item = _download(client, link, **_net_options(options))
            if item.status != 200:
                raise NetworkError(f"{describe_host(link)} answered HTTP {item.status} for {name}")
            _check_type(module, item, link)
            digest.update(name.encode() + b"\0" + item.body)
            documents.append((name, item.body))
        result.digest = digest.hexdigest()
        result.parsed = module.parse_documents(documents, url)
    else:
        result.digest = hashlib.sha256(download.body).hexdigest()
        result.parsed = module.parse(download.body, url)
    return result


def _net_options(options: dict[str, Any]) -> dict[str, Any]:
    return {k: options[k] for k in ("retries", "backoff", "sleep", "cancel", "max_bytes") if k in options}


# --- validating and applying ----------------------------------------------------------------


def _validate(conn: sqlite3.Connection, update: SourceUpdate, force: bool) -> None:
    parsed = update.parsed
    assert parsed is not None
    update.records, update.skipped = len(parsed.records), parsed.skipped
    update.counts, update.errors, update.date = parsed.counts, parsed.errors, parsed.date
    if not parsed.records:
        raise SourceError(
            f"no usable records ({parsed.skipped} skipped); the catalog was not changed",
            where=update.location,
        )
    state = _state(conn, update.source)
    if state is not None and state["digest"] and state["digest"] == update.digest and not force:
        update.status = "unchanged"
        update.message = "same content as the last update"
        return
    previous = int(state["records"]) if state is not None else 0
    if not force and previous >= 20 and len(parsed.records) < previous * MIN_SHARE:
        raise SourceError(
            f"has {len(parsed.records)} records where the catalog has {previous} from {update.source}: "
            "a truncated or emptied file? the catalog was not changed",
            where=update.location,
            hint="use --force to accept it anyway",
        )
    update.status = "updated"


def _apply(
    conn: sqlite3.Connection, updates: list[SourceUpdate], progress: Progress
) -> merge_module.MergeStats | None:
    """One transaction: store the new records and source states, merge everything again."""
    stamp = now()
    changed = [u for u in updates if u.status == "updated"]
    with transaction(conn):
        for update in updates:
            if update.status == "failed":
                continue
            conn.execute(
                "INSERT INTO catalog_source (source, checked_at) VALUES (?, ?) "
                "ON CONFLICT(source) DO UPDATE SET checked_at = excluded.checked_at",
                (update.source, stamp),
            )
        for update in changed:
            conn.execute(
                "UPDATE catalog_source SET location = ?, etag = ?, last_modified = ?, digest = ?, source_date = ?, "
                "fetched_at = ?, records = ?, skipped = ?, counts = ? WHERE source = ?",
                (
                    update.location,
                    update.etag,
                    update.last_modified,
                    update.digest,
                    update.date,
                    stamp,
                    update.records,
                    update.skipped,
                    json.dumps(update.counts),
                    update.source,
                ),
            )
        if not changed:
            return None
        progress.message("Merging the catalogs")
        replace = {u.source: u.parsed.records for u in changed if u.parsed is not None}
        return merge_module.rebuild(conn, replace, {u.source: stamp for u in changed})


def update_catalog(
    conn: sqlite3.Connection,
    sources: Sequence[str] | None = None,
    *,
    announce: Callable[[str], None] = lambda message: None,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    force: bool = False,
    client: httpx.Client | None = None,
    timeout: float = 30.0,
    retries: int = 2,
    backoff: float = 1.0,
    sleep: Callable[[float], None] | None = None,
    max_bytes: int = MAX_BYTES,
) -> CatalogUpdate:
    """Download the named sources (all when none), validate them, then swap them in at once.

    Each source fails on its own: a failed one keeps its previous records, the others go in.
    """
    from exposure.net.http import make_client

    chosen = _check_sources(sources)
    progress = progress or NullProgress()
    progress.start("Updating the catalog", total=len(chosen))
    options = {"force": force, "retries": retries, "backoff": backoff, "sleep": sleep or time.sleep, "cancel": cancel,
               "max_bytes": max_bytes}  # fmt: skip
    own_client = client is None
    http = client or make_client(timeout=timeout)
    result = CatalogUpdate()
    try:
        for source in chosen:
            if cancel is not None:
                cancel.check()
            try:
                update = _fetch_source(conn, http, source, announce, options)
                if update.status != "unchanged":
                    _validate(conn, update, force)
            except ExposureError as exc:
                if isinstance(exc, ValidationError | Cancelled):
                    raise
                update = SourceUpdate(source, source_url(conn, source), message=str(exc))
            result.sources.append(update)
            progress.advance(1)
    finally:
        if own_client:
            http.close()
    result.merge = _apply(conn, result.sources, progress)
    progress.done()
    return result


def import_catalog(
    conn: sqlite3.Connection,
    path: Path,
    source: str,
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> CatalogUpdate:
    """Import a catalog file already downloaded (a folder for duckduckgo); same checks as update."""
    return import_catalogs(conn, [(path, source)], force=force, progress=progress)


def import_catalogs(
    conn: sqlite3.Connection,
    items: Sequence[tuple[Path, str]],
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> CatalogUpdate:
    """Import several catalog files, then merge once; a file that fails keeps its source's records."""
    progress = progress or NullProgress()
    progress.start("Importing catalogs", total=len(items))
    result = CatalogUpdate()
    for path, source in items:
        importer(source)
        update = SourceUpdate(source, str(path))
        try:
            update.parsed = parse_path(source, path)
            update.digest = _digest_of(path)
            _validate(conn, update, force)
        except SourceError as exc:
            update.status, update.message = "failed", str(exc)
        result.sources.append(update)
        progress.advance(1)
    result.merge = _apply(conn, result.sources, progress)
    progress.done()
    return result


def _digest_of(path: Path) -> str:
    digest = hashlib.sha256()
    if path.is_dir():
        for item in sorted(path.iterdir()):
            if item.is_file() and item.name.endswith(".json"):
                digest.update(item.name.encode() + b"\0" + item.read_bytes())
    else:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def remerge(conn: sqlite3.Connection) -> merge_module.MergeStats:
    """Merge the stored records again (after the bundled catalog changed, for example)."""
    return merge_module.rebuild(conn)


def remerge_if_bundled_changed(conn: sqlite3.Connection) -> bool:
    """Re-merge when imported records exist and the bundled catalog is not the one merged with.

    ``ensure_bundled`` rewrites bundled organizations from the curated catalog alone; this puts
    the imported facts back. Call it after ``ensure_bundled`` synced. True if it merged.
    """
    from exposure.catalog import bundled

    if conn.execute("SELECT 1 FROM catalog_record LIMIT 1").fetchone() is None:
        return False
    row = conn.execute("SELECT value FROM meta WHERE key = 'catalog_merged_bundled_digest'").fetchone()
    if row is not None and row[0] == bundled.load().digest:
        return False
    merge_module.rebuild(conn)
    return True


# --- contact health -------------------------------------------------------------------------


def mark_contact(
    conn: sqlite3.Connection,
    ref: str,
    kind: str,
    status: str,
    *,
    date: str | None = None,
    note: str | None = None,
    value: str | None = None,
) -> dict[str, Any]:
    """Mark an organization's contact bounced, dead or ok (again); the catalog then prefers the next.

    ``value`` defaults to the contact the catalog currently gives for that kind (for ``ok``: the
    last one marked bad). Returns the organization's contact list after the change.
    """
    from exposure.core.validate import clean_text
    from exposure.services.catalog import contacts
    from exposure.services.inventory import resolve_organization

    if kind not in CONTACT_KINDS:
        raise ValidationError(f"unknown contact kind {kind!r}: use one of {', '.join(CONTACT_KINDS)}")
    if status not in CONTACT_STATUSES:
        raise ValidationError(f"unknown contact status {status!r}: use one of {', '.join(CONTACT_STATUSES)}")
    day = _day(date)
    note = clean_text(note, "note", max_length=500) if note else None
    row = resolve_organization(conn, ref)
    org_id = int(row["id"])
    if value is None:
        value = _current_contact(conn, org_id, kind, status)
    else:
        value = clean_text(value, "contact", max_length=1000)
    with transaction(conn):
        conn.execute(
            "INSERT INTO contact_status (kind, value, source, status, at, org_id, note) "
            "VALUES (?, ?, 'user', ?, ?, ?, ?) ON CONFLICT(kind, value, source) DO UPDATE SET "
            "status = excluded.status, at = excluded.at, org_id = excluded.org_id, note = excluded.note",
            (kind, value, status, day, org_id, note),
        )
        refresh_contacts(conn)
    return {"organization": row["name"], "id": org_id, "kind": kind, "value": value, "status": status,
            "date": day, "contacts": contacts(conn, org_id)}  # fmt: skip


def _day(date: str | None) -> str:
    if not date:
        return datetime.now(UTC).date().isoformat()
    try:
        return datetime.strptime(date.strip(), "%Y-%m-%d").date().isoformat()
    except ValueError:
        raise ValidationError(f"date {date!r}: use YYYY-MM-DD") from None


def _current_contact(conn: sqlite3.Connection, org_id: int, kind: str, status: str) -> str:
    from exposure.services.catalog import contacts

    listed = [c for c in contacts(conn, org_id) if c["kind"] == kind]
    if status == "ok":
        bad = [c for c in listed if c["status"] != "ok"]
        if bad:
            return str(bad[0]["value"])
    else:
        good = [c for c in listed if c["status"] == "ok"]
        if good:
            return str(good[0]["value"])
    name = conn.execute("SELECT name FROM organization WHERE id = ?", (org_id,)).fetchone()[0]
    raise NotFound(f"{name} has no {kind.replace('_', ' ')} contact to mark {status} (give it with --value)")


def refresh_contacts(conn: sqlite3.Connection) -> int:
    """Re-choose every organization's contact fields after a status change; returns rows changed.

    Facts (and, for the curated catalog, its entries) give the candidates in order of trust; a
    candidate known bounced or dead is passed over, and the field is left empty when every
    candidate is bad. Organizations without facts fall back to their own current value.
    """
    bad = merge_module.bad_contacts(conn)
    touched = {int(r[0]) for r in conn.execute("SELECT org_id FROM contact_status WHERE org_id IS NOT NULL")}
    if not touched:
        return 0
    from exposure.catalog import bundled

    curated = {e["slug"]: e for e in bundled.load().entries}
    rank = {s: i for i, s in enumerate(merge_module.TRUST_ORDER)}
    changed = 0
    for org_id in touched:
        org = conn.execute("SELECT * FROM organization WHERE id = ?", (org_id,)).fetchone()
        if org is None:
            continue
        facts = sorted(
            conn.execute("SELECT source, fields FROM catalog_fact WHERE org_id = ?", (org_id,)).fetchall(),
            key=lambda r: rank.get(r[0], 99),
        )
        candidates: dict[str, list[str]] = {}
        for column in merge_module.CONTACT_KINDS:
            values: list[str] = []
            for _source, fields in facts:
                value = json.loads(fields).get(column)
                if isinstance(value, str) and value not in values:
                    values.append(value)
            if not facts:
                entry = curated.get(org["slug"]) if org["source"] == "bundled" else None
                original = entry.get(column) if entry else org[column]
                if isinstance(original, str):
                    values.append(original)
            candidates[column] = values
        updates = {}
        for column, kind in merge_module.CONTACT_KINDS.items():
            good = [v for v in candidates[column] if (kind, v) not in bad]
            best = good[0] if good else None
            if best != org[column]:
                updates[column] = best
        if updates:
            conn.execute(
                f"UPDATE organization SET {', '.join(f'{c} = ?' for c in updates)} WHERE id = ?",
                (*updates.values(), org_id),
            )
            changed += 1
    return changed
