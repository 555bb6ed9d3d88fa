"""Import export files into the inventory: detect, parse, match, store.

One call per file does: detection (or the ``format`` given), streaming parse, ingest in batches
(:func:`exposure.services.inventory.ingest`), and a ``scan`` row (kind ``import``) saying what was
read, when and how much. Bad records are reported with where they are; a refused or unreadable
file gives one error saying what to do. Nothing here logs or reports record content.
"""

from __future__ import annotations

import gc
import json
import re
import sqlite3
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from exposure.core.errors import Cancelled, ExposureError, SourceError
from exposure.core.models import Finding
from exposure.core.progress import CancelToken, NullProgress, Progress
from exposure.services.inventory import ingest
from exposure.sources.base import NAME_KEY, Input, Record, RecordError
from exposure.store.db import now, transaction

#: At most this many errors are listed per file (``error_count`` has them all).
MAX_ERRORS = 1000


def import_paths(
    conn: sqlite3.Connection,
    paths: Iterable[str | Path],
    format: str | None = None,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> list[dict[str, Any]]:
    """Import each path; one result dict per file (the ``import --json`` ``files`` items).

    A cancelled import keeps what was stored and stops before the next file.
    """
    results = []
    for path in paths:
        result = import_path(conn, Path(path), format=format, progress=progress, cancel=cancel)
        results.append(result)
        if result["cancelled"]:
            break
    return results


def summarize(results: list[dict[str, Any]]) -> dict[str, int]:
    """Totals over several files' results."""
    keys = ("records", "imported", "skipped", "findings", "new_findings", "new_organizations", "error_count")
    total = {k: sum(int(r.get(k) or 0) for r in results) for k in keys}
    total["files"] = len(results)
    total["refused"] = sum(1 for r in results if r["refused"])
    return total


def failed(result: dict[str, Any]) -> bool:
    """A file that gave nothing: refused, unreadable, or every record bad."""
    return bool(result["refused"] or (result["errors"] and not result["records"] - result["error_count"]))


def import_path(
    conn: sqlite3.Connection,
    path: Path,
    format: str | None = None,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
) -> dict[str, Any]:
    from exposure.sources.detect import detect, importer_for

    progress = progress or NullProgress()
    path = path.expanduser()
    result: dict[str, Any] = {
        "path": str(path),
        "format": format,
        "label": None,
        "records": 0,
        "imported": 0,
        "skipped": 0,
        "errors": [],
        "error_count": 0,
        "skipped_reasons": {},
        "findings": 0,
        "new_findings": 0,
        "organizations": 0,
        "new_organizations": 0,
        "matched": 0,
        "unknown": 0,
        "refused": False,
        "cancelled": False,
    }
    scan_id = _start_scan(conn, path)
    src = Input(path)
    try:
        try:
            importer = importer_for(format) if format else detect(src)
        except SourceError as exc:
            result["format"] = exc.format
            result["refused"] = True
            _error(result, str(path), _message(exc))
            return result
        result["format"] = importer.format
        result["label"] = importer.label
        total = importer.work_size(src)
        progress.start(f"Importing {path.name}", total)
        run = _Run(result, src, progress, cancel)
        names: list[Finding] = []
        with _gc_paused():
            stats = ingest(conn, run.findings(importer.parse(src, progress, cancel), names))
        if names and not result["cancelled"]:
            _resolve_names(conn, names)
            stats.merge(ingest(conn, names))
        result.update({k: v for k, v in stats.as_json().items() if k not in ("skipped",)})
        if run.fatal is not None and not result["records"]:
            result["refused"] = True  # nothing could be read from it
        if total:
            progress.advance(max(0, total - run.reported))
        progress.done()
        if not result["cancelled"]:
            _scan_mailboxes(conn, importer, src, result, run.reasons, progress, cancel)
        result["skipped_reasons"] = dict(run.reasons.most_common())
        return result
    finally:
        _finish_scan(conn, scan_id, result)


_gc_lock = threading.Lock()
_gc_holds = 0  # imports running now
_gc_resume = False  # whether the collector was on when the first of them started


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Python's cycle collector paused while records stream in (process-wide; imports running
    at the same time share one pause, and the collector's state before is restored).

    Parsing and storing make no reference cycles (checked on every fixture and the benchmark
    files: nothing is left for the collector), so nothing waits for the pause to end; while on,
    the collector walks the batch being built and the URL caches over and over (0.06-0.1 s of a
    50,000-row import). Cycles other threads make meanwhile are collected once it ends.
    """
    global _gc_holds, _gc_resume
    with _gc_lock:
        if _gc_holds == 0:
            _gc_resume = gc.isenabled()
            gc.disable()
        _gc_holds += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_holds -= 1
            if _gc_holds == 0 and _gc_resume:
                gc.enable()


class _Run:
    """Counts records while passing their findings on to ingest; ends cleanly on a fatal error."""

    def __init__(
        self, result: dict[str, Any], src: Input, progress: Progress, cancel: CancelToken | None
    ) -> None:
        self.result = result
        self.src = src
        self.progress = progress
        self.cancel = cancel
        self.reasons: Counter[str] = Counter()
        self.reported = 0
        self.fatal: SourceError | None = None

    def _tick(self) -> None:
        done = self.src.bytes_read
        if done > self.reported:
            self.progress.advance(done - self.reported)
            self.reported = done

    def findings(self, items: Iterator[Record | RecordError], names: list[Finding]) -> Iterator[Finding]:
        result = self.result
        cancel = self.cancel
        # Runs per record (exports have many thousands): the counts are kept in locals and
        # written to ``result`` when the records end, however they end.
        base_records, base_imported = result["records"], result["imported"]
        n = imported = 0
        try:
            for item in items:
                n += 1
                if not n & 255:
                    self._tick()
                    if cancel is not None and cancel.cancelled:
                        n -= 1  # this record is not counted
                        raise Cancelled()
                if isinstance(item, RecordError):
                    _error(result, item.where, item.message)
                    continue
                findings = item.findings
                if not findings:
                    result["skipped"] += 1
                    self.reasons[item.skipped or "nothing to import"] += 1
                    continue
                imported += 1
                for finding in findings:
                    if finding.domain is None and finding.org_hint is None and NAME_KEY in finding.evidence:
                        names.append(finding)
                    else:
                        yield finding
        except Cancelled:
            result["cancelled"] = True
            _error(result, self.src.name, "cancelled: the records read before were kept")
        except SourceError as exc:
            # The file broke off (truncated, corrupt): keep what was read before.
            self.fatal = exc
            _error(result, exc.where or self.src.name, _message(exc))
        finally:
            result["records"] = base_records + n
            result["imported"] = base_imported + imported
        self._tick()


def _scan_mailboxes(
    conn: sqlite3.Connection,
    importer: Any,
    src: Input,
    result: dict[str, Any],
    reasons: Counter[str],
    progress: Progress,
    cancel: CancelToken | None,
) -> None:
    """A Google Takeout's Gmail mbox goes to the mail scanner (headers only), when it exists."""
    mailboxes = getattr(importer, "mailboxes", None)
    if mailboxes is None or not mailboxes(src):
        return
    try:
        from exposure.services.scan_mail import scan_paths
    except ImportError:
        return  # the mbox stays reported as skipped, with how to scan it
    from exposure.sources.takeout import MBOX_SKIPPED

    mail = scan_paths(conn, [src.path], progress=progress, cancel=cancel)
    count = reasons.pop(MBOX_SKIPPED, 0)
    if count:
        reasons["Gmail mailbox: scanned for senders (headers only)"] = count
    result["mail"] = {k: mail.get(k) for k in ("messages", "findings", "new_findings", "organizations")}
    result["mail"]["new_organizations"] = mail.get("new_organizations")
    for error in mail.get("errors", []):
        _error(result, f"mail: {error.get('where')}", str(error.get("message")))
    result["cancelled"] = bool(mail.get("cancelled"))


def _message(exc: ExposureError) -> str:
    reason = getattr(exc, "reason", None) or exc.message
    return f"{reason} ({exc.hint})" if exc.hint else reason


def _error(result: dict[str, Any], where: str, message: str) -> None:
    result["error_count"] += 1
    if len(result["errors"]) < MAX_ERRORS:
        result["errors"].append({"where": where, "message": message})


# -- company names (Meta, Takeout) -> organizations -------------------------------------------

_PARENS = re.compile(r"\s*\([^)]*\)")


def slugify(name: str) -> str:
    value = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    value = re.sub(r"[^a-z0-9]+", "-", value).strip("-")
    return value[:80] or "unnamed"


def _resolve_names(conn: sqlite3.Connection, findings: list[Finding]) -> None:
    """Give each name-only finding an ``org_hint``: a catalog organization with that name (or
    slug), else an organization named after the company (category unknown), created here."""
    by_name: dict[str, str] = {}
    slugs: set[str] = set()
    for row in conn.execute("SELECT slug, name, source FROM organization"):
        slugs.add(row["slug"])
        if row["source"] == "finding" and not row["slug"].startswith("name:"):
            continue
        for variant in (row["name"], _PARENS.sub("", row["name"])):
            by_name.setdefault(variant.casefold().strip(), row["slug"])
    # "Argos" names the organization of argos.co.uk when that is the only domain so labelled.
    by_label: dict[str, set[str]] = {}
    for row in conn.execute(
        "SELECT d.domain, o.slug FROM org_domain d JOIN organization o ON o.id = d.org_id"
    ):
        by_label.setdefault(row["domain"].split(".", 1)[0], set()).add(row["slug"])
    wanted: dict[str, str] = {}
    for finding in findings:
        name = str(finding.evidence[NAME_KEY])
        key = name.casefold().strip()
        slug = slugify(name)
        label_match = by_label.get(slug.replace("-", ""), set())
        if key in by_name:
            wanted[name] = by_name[key]
        elif slug in slugs:
            wanted[name] = slug
        elif len(label_match) == 1:
            wanted[name] = next(iter(label_match))
        else:
            wanted[name] = f"name:{slug}"
    with transaction(conn):
        for name, slug in wanted.items():
            if slug.startswith("name:") and slug not in slugs:
                conn.execute(
                    "INSERT INTO organization (slug, name, category, source) VALUES (?, ?, 'unknown', 'finding') "
                    "ON CONFLICT(slug) DO NOTHING",
                    (slug, name),
                )
                slugs.add(slug)
    for i, finding in enumerate(findings):
        findings[i] = replace(finding, org_hint=wanted[str(finding.evidence[NAME_KEY])])


# -- the scan table ---------------------------------------------------------------------------


def _start_scan(conn: sqlite3.Connection, path: Path) -> int:
    with transaction(conn):
        row = conn.execute(
            "INSERT INTO scan (kind, location, started_at) VALUES ('import', ?, ?) RETURNING id",
            (str(path.resolve() if path.exists() else path), now()),
        ).fetchone()
    return int(row[0])


def _finish_scan(conn: sqlite3.Connection, scan_id: int, result: dict[str, Any]) -> None:
    stats = {k: v for k, v in result.items() if k not in ("path", "errors", "skipped_reasons", "mail")}
    stats["errors"] = result["error_count"]
    with transaction(conn):
        conn.execute(
            "UPDATE scan SET finished_at = ?, stats = ? WHERE id = ?",
            (now(), json.dumps(stats, ensure_ascii=False, sort_keys=True), scan_id),
        )


def recent_imports(conn: sqlite3.Connection, limit: int = 50) -> list[dict[str, Any]]:
    """The latest import scans: [{location, started_at, finished_at, stats}]."""
    return [
        {
            "location": row["location"],
            "started_at": row["started_at"],
            "finished_at": row["finished_at"],
            "stats": json.loads(row["stats"]),
        }
        for row in conn.execute("SELECT * FROM scan WHERE kind = 'import' ORDER BY id DESC LIMIT ?", (limit,))
    ]
