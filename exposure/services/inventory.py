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
import queue
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from typing import Any, cast

from exposure.catalog.match import Matcher, domain_of_host, registrable_domain
from exposure.core.errors import NotFound, ValidationError
from exposure.core.models import Finding
from exposure.core.progress import CancelToken, NullProgress, Progress
from exposure.core.validate import clean_text
from exposure.store.db import now, transaction

#: Most findings per transaction. Each commit writes every page it changed to the WAL, and
#: the finding indexes' pages change in every batch: 10,000 rather than 5,000 writes a third
#: less WAL for a large import (less to sync at the checkpoint), holding the write lock ~0.3 s.
#: A multiple of _MAX_ROWS_PER_STATEMENT, as is MIN_HANDOFF: batches of whole statements.
BATCH = 12_000
#: With the threaded writer (:class:`_ThreadedWriter`), a batch of at least this many findings
#: is handed over as soon as the writer is idle, so that it starts early and the last batch,
#: written after the reading ends, is short.
MIN_HANDOFF = 4_000
#: How often (in findings) the reader looks whether the threaded writer is idle: a multiple
#: of it goes over then (see _statements).
HANDOFF_STEP = 500
#: With so many findings read, the threaded writer starts (opens its connection and prepares
#: its statement) while the rest of the first batch is read.
WRITER_START = 1_024
#: The interpreter's thread-switch interval (seconds) while a threaded writer runs. sqlite3
#: takes the GIL back after each statement; with the default (5 ms) the writer would wait that
#: long each time for the reader, which runs Python without pause.
WRITER_SWITCH_INTERVAL = 0.0002
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

    def merge(self, other: IngestStats) -> None:
        """Add another ingest's counts to these (e.g. a second pass over the same file)."""
        self.findings += other.findings
        self.new_findings += other.new_findings
        self.skipped += other.skipped
        self.organizations |= other.organizations
        self.new_organizations |= other.new_organizations
        self.matched |= other.matched
        self.unknown |= other.unknown

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
    """Domain / slug -> organization, in the thread that reads the findings (no writes).

    A domain that matches nothing gives its base domain (a ``str``) instead of an id: the
    batch writer turns it into a placeholder organization (:class:`_BatchWriter`).
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.matcher = Matcher(conn)
        self.slugs: dict[str, int] = {}
        #: finding domain -> organization id, or the base domain of a placeholder to be made
        self.domains: dict[str, int | str] = {}
        self.bases: set[str] = set()  #: base domains given out for placeholders
        self.new_bases: list[str] = []  #: ... of them since the last batch was handed over

    def by_slug(self, slug: str) -> int | None:
        if slug not in self.slugs:
            row = self.conn.execute("SELECT id FROM organization WHERE slug = ?", (slug,)).fetchone()
            if row is None:
                return None
            self.slugs[slug] = int(row[0])
        return self.slugs[slug]

    def resolve(self, domain: str) -> int | str:
        """A domain's organization id, or the base domain of a placeholder to be made (the
        first time a base is given out, it is also added to ``new_bases``)."""
        ref: int | str | None = self.matcher.match_domain(domain)
        if ref is None:
            base = domain_of_host(domain) or domain
            if base not in self.bases:
                self.bases.add(base)
                self.new_bases.append(base)
            ref = base
        self.domains[domain] = ref
        return ref


@dataclass
class _Batch:
    """Findings to store, as the flat parameter list of their INSERT rows (in order)."""

    params: list[Any]  #: row after row: each finding's own parameters (see _ROW_SHAPES)
    #: (row width, row count, parameters the rows share) of consecutive rows, in order
    runs: list[tuple[int, int, list[Any]]]
    new_bases: list[str]  #: placeholder organizations to make first (base domains), in order
    skipped: int  #: findings without a usable domain or organization (not in ``params``)
    count: int  #: findings handed in


class _BatchWriter:
    """Writes batches of findings, one transaction each, on one connection (in one thread).

    Makes the placeholder organizations a batch needs (in order of first appearance, so ids
    are as if created one by one) in the batch's transaction, puts their ids in place of their
    base domains, and keeps the ingest's counts.
    """

    def __init__(self, conn: sqlite3.Connection, stats: IngestStats, before: set[int]) -> None:
        self.conn = conn
        self.stats = stats
        self.before = before
        # One row back: each row fetched is a round trip through the GIL (see _execute_rows).
        ids, top = conn.execute(
            "SELECT group_concat(CASE WHEN source != 'finding' THEN id END), COALESCE(MAX(id), 0) "
            "FROM organization"
        ).fetchone()
        self.catalog_ids = {int(i) for i in ids.split(",")} if ids else set()
        #: No organization made by this ingest has an id at or below this (others may).
        self.top: int = top
        self.placeholders: dict[str, int] = {}  # base domain -> organization id
        self.json_each = _has_json_each(conn)
        #: whether SQLite gives each new placeholder its domain (_PLACEHOLDER_DOMAIN_TRIGGER)
        self.domain_trigger = (
            conn.execute(
                "SELECT COUNT(*) FROM sqlite_temp_master WHERE type = 'trigger' AND name = ?",
                ("exposure_placeholder_domain",),
            ).fetchone()[0]
            > 0
        )

    def write(self, batch: _Batch) -> None:
        conn = self.conn
        if conn.isolation_level is None:  # the caller's connection: its unit of work
            with transaction(conn):
                self._write(batch)
        else:  # _bulk_connection: its first INSERT began the transaction
            try:
                self._write(batch)
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
        self.stats.findings += batch.count

    def _write(self, batch: _Batch) -> None:
        conn, stats, params = self.conn, self.stats, batch.params
        if batch.new_bases:
            self._create(batch.new_bases)
        get = self.placeholders.get
        touched: set[int] = set()
        start = 0
        for width, count, shared in batch.runs:
            end = start + width * count
            # The organization is each row's last parameter: ids for the base domains.
            orgs = [get(ref, ref) for ref in params[start + width - 1 : end : width]]
            params[start + width - 1 : end : width] = orgs
            touched.update(orgs)
            _execute_upserts(conn, width, shared, params, start, count)
            start = end
        stats.skipped += batch.skipped
        stats.organizations |= touched
        stats.matched |= touched & self.catalog_ids
        stats.unknown |= touched - self.catalog_ids
        stats.new_organizations |= touched - self.before

    def _create(self, bases: list[str]) -> None:
        """Placeholder organizations (and their domain) for these base domains."""
        conn = self.conn
        slugs = [f"domain:{base}" for base in bases]
        if self.json_each:
            # One statement, whatever their number (each statement is a round trip through the
            # GIL, and each new size of a many-row statement is prepared anew).
            made = conn.execute(_PLACEHOLDERS_JSON, (json.dumps(bases),))
            if made.rowcount == len(bases) and made.lastrowid is not None:
                # All new, in order: SQLite gives a new row the highest id + 1 (this writer
                # holds the lock), so their ids follow one another up to the last one.
                first = made.lastrowid - len(bases) + 1
                created = dict(zip(bases, range(first, first + len(bases)), strict=True))
                self._made(created, domains=not self.domain_trigger)
                return
        else:
            _execute_rows(
                conn,
                _PLACEHOLDER,
                list(chain.from_iterable(zip(slugs, bases, strict=True))),
                0,
                len(bases),
                2,
            )
        # The organizations just made (all above ``top``; others made since are there too), in
        # one row rather than one row each (see _execute_rows); a slug that was there already
        # (no new row) is looked up by itself.
        (pairs,) = conn.execute(
            "SELECT group_concat(slug || char(31) || id, char(30)) FROM organization WHERE id > ?",
            (self.top,),
        ).fetchone()
        by_slug = dict(pair.split("\x1f") for pair in pairs.split("\x1e")) if pairs else {}
        for slug in slugs:
            if slug not in by_slug:
                row = conn.execute("SELECT id FROM organization WHERE slug = ?", (slug,)).fetchone()
                by_slug[slug] = row[0]
        self._made({base: int(by_slug[slug]) for slug, base in zip(slugs, bases, strict=True)})

    def _made(self, created: dict[str, int], domains: bool = True) -> None:
        """The placeholders' domains (unless ``domains`` is false: they have them), for these
        new organizations (base domain -> id)."""
        conn = self.conn
        self.top = max(self.top, *created.values())
        self.placeholders.update(created)
        if domains and self.json_each:
            conn.execute(_PLACEHOLDER_DOMAINS_JSON, (json.dumps(list(created.items())),))
        elif domains:
            pairs_flat = list(chain.from_iterable(created.items()))
            _execute_rows(conn, _PLACEHOLDER_DOMAIN, pairs_flat, 0, len(created), 2)


class _ThreadedWriter:
    """A :class:`_BatchWriter` on a connection of its own, in a thread of its own.

    While it writes one batch, the caller reads and matches the next: SQLite releases the GIL
    while it runs a statement, so on a machine with two cores the writing (index updates,
    page writes) overlaps the parsing; a :class:`_Checkpointer` copies each committed batch into
    the database file meanwhile, and the writer copies what is left at the end. Batches are
    written in order, each in its own transaction; at most one waits in the queue (memory
    stays bounded). An error in the writer is raised in the caller at its next hand-off or at
    :meth:`close`; batches handed over after an error are dropped.
    """

    def __init__(self, path: str, stats: IngestStats, before: set[int], width: int = 0) -> None:
        self.path = path
        self.args = (stats, before)
        self.width = width  #: of the rows expected (their statement is prepared first)
        self.queue: queue.Queue[_Batch | None] = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.idle = False  #: waiting for a batch
        self.thread = threading.Thread(target=self._run, name="exposure-ingest-writer", daemon=True)
        _fast_switching(True)
        self.thread.start()

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        checkpointer: _Checkpointer | None = None
        try:
            # The caller's connection opened (and migrated) this database: only its settings here.
            conn = _bulk_connection(self.path)
            writer = _BatchWriter(conn, *self.args)
            checkpointer = _Checkpointer(self.path)
            if self.width in _ROW_SHAPES:
                _prepare(conn, self.width)
        except BaseException as exc:  # reported to the caller
            self.error = exc
        try:
            while True:
                self.idle = True
                batch = self.queue.get()
                self.idle = False
                if batch is None:
                    break
                if self.error is None:
                    try:
                        writer.write(batch)
                        if checkpointer is not None:
                            checkpointer.wake()
                    except BaseException as exc:  # reported to the caller
                        self.error = exc
            if checkpointer is not None:
                checkpointer.stop()  # waits for the one running, if any
                checkpointer = None
            if conn is not None and self.error is None:
                # What the last batches added: the ingest ends with its writes in the database.
                _checkpoint(conn)
        except BaseException as exc:  # reported to the caller
            self.error = self.error or exc
        finally:
            if checkpointer is not None:
                checkpointer.stop()
            if conn is not None:
                conn.close()

    def put(self, batch: _Batch) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(batch)

    def close(self, *, raise_error: bool = True) -> None:
        """Write what was handed over, then stop; raises the writer's error, if any."""
        self.queue.put(None)
        self.thread.join()
        _fast_switching(False)
        if raise_error and self.error is not None:
            raise self.error


def _prepare(conn: sqlite3.Connection, width: int) -> None:
    """Compile the full-size statement of _execute_upserts into sqlite3's statement cache
    without running it (about 35 ms for 4,000 rows), while the caller still reads the first
    batch.

    sqlite3 prepares (and caches) a statement before it binds the parameters; with none given
    it then refuses to run it. Where it would not cache, the first batch prepares it instead.
    """
    try:
        conn.execute(_upsert_rows(width, _rows_per_statement(conn, width)), ())
    except sqlite3.ProgrammingError:  # the parameters: nothing was run
        pass
    if conn.in_transaction and conn.isolation_level is not None:
        conn.rollback()  # sqlite3 began one for the INSERT: nothing in it


def _checkpoint(conn: sqlite3.Connection) -> None:
    """A PASSIVE checkpoint (copy what is committed in the WAL into the database file).

    As a script: sqlite3 runs it in one round trip through the GIL, where ``execute()`` and
    fetching its row make nine (each lets a thread that runs Python, the ingest's reader,
    wait for the GIL). executescript() commits first: call it outside a transaction.
    """
    conn.executescript("PRAGMA wal_checkpoint(PASSIVE)")


def _bulk_connection(path: str) -> sqlite3.Connection:
    """A connection of an ingest's own thread, with the settings of an ingest of many batches."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"PRAGMA cache_size = {-BULK_CACHE_KIB}")
        conn.execute(f"PRAGMA wal_autocheckpoint = {BULK_AUTOCHECKPOINT}")
        # Each many-row upsert keeps a statement journal (the pages it changed, to undo that
        # statement alone): in memory, not ~25 MB of temporary-file writes for 50,000 rows.
        conn.execute("PRAGMA temp_store = MEMORY")
        # A new placeholder organization gets its domain from SQLite, not from another
        # statement (a round trip through the GIL each batch); only this connection has it.
        conn.execute(_PLACEHOLDER_DOMAIN_TRIGGER)
    except BaseException:
        conn.close()
        raise
    # sqlite3 begins a transaction itself before the first INSERT of a batch, and commit()
    # ends it: each in one round trip through the GIL, where ``execute("BEGIN")`` and
    # ``execute("COMMIT")`` make five each (see _BatchWriter.write).
    conn.isolation_level = "IMMEDIATE"
    return conn


class _Checkpointer:
    """Copies committed WAL pages into the database file from a thread of its own, while the
    writer writes the next batch.

    A PASSIVE checkpoint runs beside a writer (it copies what was committed when it started),
    and most of its time is spent where the GIL is not held: writing pages and waiting for the
    disk to sync. On the writer's thread, each took 50-70 ms between batches of a large import.
    A failed checkpoint loses nothing (the pages stay in the WAL): the next one, or the
    writer's last one, copies them.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.pending = threading.Event()
        self.done = False
        self.thread = threading.Thread(target=self._run, name="exposure-ingest-checkpoint", daemon=True)
        self.thread.start()

    def wake(self) -> None:
        self.pending.set()

    def stop(self) -> None:
        self.done = True
        self.pending.set()
        self.thread.join()

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        except sqlite3.Error:
            return
        try:
            while True:
                self.pending.wait()
                self.pending.clear()
                if self.done:
                    break
                try:
                    _checkpoint(conn)
                except sqlite3.Error:
                    pass  # nothing lost: the writer's last checkpoint copies these pages
        finally:
            conn.close()


_switching = threading.Lock()
_switching_users = 0
_switching_saved = 0.0


def _fast_switching(on: bool) -> None:
    """Use WRITER_SWITCH_INTERVAL while any threaded writer runs; restore the interval after."""
    global _switching_users, _switching_saved
    with _switching:
        if on:
            if _switching_users == 0:
                _switching_saved = sys.getswitchinterval()
                sys.setswitchinterval(min(_switching_saved, WRITER_SWITCH_INTERVAL))
            _switching_users += 1
        else:
            _switching_users -= 1
            if _switching_users == 0:
                sys.setswitchinterval(_switching_saved)


def _database_file(conn: sqlite3.Connection) -> str | None:
    """The main database's file, or None for an in-memory or temporary one."""
    for row in conn.execute("PRAGMA database_list"):
        if row[1] == "main":
            return str(row[2]) or None
    return None


#: Most rows per INSERT statement (SQLite's variable limit may allow fewer: 4,000 rows of
#: eight parameters fit in its usual limit, 32,766). Each statement is a few round trips
#: through the GIL; preparing one costs about 9 us per row, once per size and connection.
_MAX_ROWS_PER_STATEMENT = 4000
#: Parameters an upsert's rows share (see _ROW_SHAPES).
_SHARED = 3
_PLACEHOLDER = (
    "INSERT INTO organization (slug, name, category, source) VALUES (?, ?, 'unknown', 'finding') "
    "ON CONFLICT(slug) DO NOTHING"
)
_PLACEHOLDER_DOMAIN = "INSERT OR IGNORE INTO org_domain (domain, org_id) VALUES (?, ?)"
# The same for a JSON array of base domains, and one of [domain, organization id] pairs.
_PLACEHOLDERS_JSON = (
    "INSERT INTO organization (slug, name, category, source) "
    "SELECT 'domain:' || value, value, 'unknown', 'finding' FROM json_each(?) ORDER BY key "
    "ON CONFLICT(slug) DO NOTHING"
)
_PLACEHOLDER_DOMAINS_JSON = (
    "INSERT OR IGNORE INTO org_domain (domain, org_id) "
    "SELECT value ->> 0, value ->> 1 FROM json_each(?) ORDER BY key"
)


_PLACEHOLDER_DOMAIN_TRIGGER = (
    "CREATE TEMP TRIGGER exposure_placeholder_domain AFTER INSERT ON main.organization "
    "WHEN NEW.source = 'finding' AND NEW.slug = 'domain:' || NEW.name BEGIN "
    "INSERT OR IGNORE INTO org_domain (domain, org_id) VALUES (NEW.name, NEW.id); END"
)


def _has_json_each(conn: sqlite3.Connection) -> bool:
    """Whether this SQLite has JSON functions (built in since 3.38, an option before) and the
    ``->>`` operator (3.38)."""
    try:
        conn.execute("SELECT value ->> 0 FROM json_each('[[1]]')").fetchone()
    except sqlite3.OperationalError:
        return False
    return True


@lru_cache(maxsize=64)
def _many_rows(sql: str, count: int) -> str:
    """A one-row ``INSERT ... VALUES (...) ...`` statement made to take ``count`` rows."""
    head, rest = sql.split("VALUES ", 1)
    values, tail = rest.split(")", 1)
    return head + "VALUES " + ",".join([values + ")"] * count) + tail


def _rows_per_statement(conn: sqlite3.Connection, width: int, shared: int = _SHARED) -> int:
    limit = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) - shared
    return max(1, min(_MAX_ROWS_PER_STATEMENT, limit // width))


def _execute_rows(
    conn: sqlite3.Connection, sql: str, params: list[Any], start: int, count: int, width: int
) -> None:
    """``conn.executemany(sql, rows)`` for a one-row INSERT of ``width`` parameters, on the
    ``count`` rows whose parameters follow one another in ``params`` from ``start``: in order,
    with many rows per statement.

    sqlite3 releases the GIL while SQLite runs a statement and takes it back after: with
    ``executemany`` after every row, and each time another thread that runs Python (the
    ingest's reader) waits for it. A statement of _MAX_ROWS_PER_STATEMENT rows binds them at
    once and then runs without the GIL. The rows left over go in statements of powers of two:
    preparing a statement costs about 8 us per row, so only a few sizes are made (sqlite3
    keeps them in its statement cache), and ingest hands over batches of whole statements.
    """
    per = _rows_per_statement(conn, width, 0)
    for at, rows in _statements(start, count, width, per):
        conn.execute(_many_rows(sql, rows), params[at : at + rows * width])


def _execute_upserts(
    conn: sqlite3.Connection, width: int, shared: list[Any], params: list[Any], start: int, count: int
) -> None:
    """Upsert the ``count`` findings whose parameters follow one another in ``params`` from
    ``start`` (``width`` each), with the parameters they share (see _ROW_SHAPES): as
    _execute_rows, with the shared ones bound once per statement."""
    per = _rows_per_statement(conn, width)
    for at, rows in _statements(start, count, width, per):
        conn.execute(_upsert_rows(width, rows), shared + params[at : at + rows * width])


def _statements(start: int, count: int, width: int, per: int) -> Iterator[tuple[int, int]]:
    """(first parameter, rows) of each statement for ``count`` rows: ``per`` rows, then what
    is left in halves of it (a batch of HANDOFF_STEP multiples takes at most three more), then
    in powers of two: few statements, of few sizes to prepare."""
    done = 0
    size = per
    while done < count:
        left = count - done
        while size > left and size > HANDOFF_STEP // 2:
            size //= 2
        rows = size if left >= size else 1 << (left.bit_length() - 1)
        yield start + done * width, rows
        done += rows


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

    A cancelled ingest keeps the batches already written. From WRITER_START findings on, if
    the database is a file and the caller is not inside a transaction, batches are written on
    a second connection in a thread of its own while the next is read (:class:`_ThreadedWriter`),
    and a third copies them from the WAL into the database file (:class:`_Checkpointer`).
    """
    progress = progress or NullProgress()
    stats = IngestStats()
    before = _inventory_ids(conn)
    last_id = conn.execute("SELECT COALESCE(MAX(id), 0) FROM finding").fetchone()[0]
    resolver = _Resolver(conn)
    writer: _BatchWriter | _ThreadedWriter | None = None
    stamp = now()
    # Each finding becomes its INSERT row's parameters as it arrives, appended to one flat list
    # (what the statements bind, in slices): a batch holds plain values rather than findings
    # and their evidence dicts, and the writer's thread builds nothing per row (the Python it
    # runs holds the GIL the reader needs).
    params: list[Any] = []
    runs: list[tuple[int, int, list[Any]]] = []  # finished runs of rows: see _Batch.runs
    run_width = 0  # width of the rows in the current run
    run_start = 0  # where it starts in ``params``
    run_source: str | None = None  # the parameters its rows share (see _ROW_SHAPES)
    run_location: str | None = None
    count = 0  # findings in the batch
    skipped = 0  # ... of them not stored (no usable domain or organization)

    # A second connection in a thread of its own writes, if the database is a file and the
    # caller is not inside a transaction (its writes would hold the lock the writer needs).
    threadable = _database_file(conn) if not conn.in_transaction else None
    handoff = min(MIN_HANDOFF, BATCH) if threadable else BATCH  # findings that make a batch

    def flush(more: bool) -> None:
        nonlocal writer, params, runs, run_start, count, skipped, handoff
        if len(params) > run_start:
            runs.append(
                (run_width, (len(params) - run_start) // run_width, [run_source, run_location, stamp])
            )
        batch = _Batch(params, runs, resolver.new_bases, skipped, count)
        resolver.new_bases = []
        if writer is None:
            if more and threadable:
                writer = _ThreadedWriter(threadable, stats, before, run_width)
            else:
                writer = _BatchWriter(conn, stats, before)
        if isinstance(writer, _ThreadedWriter):
            handoff = BATCH
            writer.put(batch)
        else:
            if more:
                bulk.start()  # settings for many batches
            writer.write(batch)
        progress.advance(count)
        params, runs, run_start, count, skipped = [], [], 0, 0, 0

    bulk = _BulkWrite(conn)
    known = resolver.domains
    resolve = resolver.resolve
    add = params.__iadd__
    last_evidence: object = None
    evidence_json: str | None = None
    failed = True
    try:
        for finding in findings:
            if cancel is not None:
                cancel.check()
            count += 1
            domain = finding.domain
            ref: int | str | None = None
            if finding.org_hint:
                ref = resolver.by_slug(finding.org_hint)
            if ref is None and domain:
                ref = known.get(domain) or resolve(domain)
            if ref is None:
                skipped += 1
            else:
                evidence = finding.evidence
                if evidence is not last_evidence:  # a record's findings share one evidence dict
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
                key = finding.key or finding_key(finding)
                if first_seen is None and last_seen is None:  # written with NULL in the statement
                    width = 6
                    row: tuple[Any, ...] = (
                        key, domain, finding.identifier, evidence_json, confidence, ref,
                    )  # fmt: skip
                else:
                    width = 8
                    row = (
                        key, domain, finding.identifier, evidence_json, first_seen, last_seen,
                        confidence, ref,
                    )  # fmt: skip
                source, location = finding.source, finding.location
                if width != run_width or source != run_source or location != run_location:
                    size = len(params)
                    if size > run_start:
                        shared = [run_source, run_location, stamp]
                        runs.append((run_width, (size - run_start) // run_width, shared))
                    run_width, run_start, run_source, run_location = width, size, source, location
                add(row)
            if count == WRITER_START and threadable and writer is None:
                writer = _ThreadedWriter(threadable, stats, before, run_width)
            if count >= handoff or (
                # every HANDOFF_STEP findings: an idle threaded writer takes what there is
                # (batches of a few statements: see _statements)
                not count % HANDOFF_STEP
                and count >= MIN_HANDOFF
                and writer.__class__ is _ThreadedWriter
                and writer.idle  # type: ignore[union-attr]
            ):
                flush(more=True)
                add = params.__iadd__
        if count:
            flush(more=False)
        failed = False
    finally:
        if isinstance(writer, _ThreadedWriter):
            writer.close(raise_error=not failed)
        bulk.end()
    # New findings got ids above every id there was (SQLite gives a new row the highest id + 1).
    (stats.new_findings,) = conn.execute("SELECT COUNT(*) FROM finding WHERE id > ?", (last_id,)).fetchone()
    return stats


#: The finding columns ingest writes, in the order of its statement's rows: first the three
#: the rows of a statement share, then each finding's own (see _ROW_SHAPES).
_COLUMNS = "source, location, created_at, key, domain, identifier, evidence, first_seen, last_seen, confidence, org_id"
_UPSERT_TAIL = """
ON CONFLICT(source, key) DO UPDATE SET
    first_seen = CASE WHEN excluded.first_seen IS NOT NULL
        AND (first_seen IS NULL OR excluded.first_seen < first_seen)
        THEN excluded.first_seen ELSE first_seen END,
    last_seen = CASE WHEN excluded.last_seen IS NOT NULL
        AND (last_seen IS NULL OR excluded.last_seen > last_seen)
        THEN excluded.last_seen ELSE last_seen END,
    evidence = excluded.evidence,
    confidence = MAX(confidence, excluded.confidence)
"""
#: A row of the upsert by the number of the finding's own parameters: key, domain, identifier,
#: evidence[, first_seen, last_seen], confidence and the organization, last. ?1 (source), ?2
#: (location) and ?3 (created_at) belong to the statement, shared by its rows: a file's
#: findings bind them once, not once each. They come first in the first row, so each plain
#: ``?`` after them takes the next number (SQLite numbers it one past the highest so far;
#: numbering every parameter ``?NNN`` would make preparing the statement quadratic). A
#: finding without dates (most logins) has NULLs in the text.
_ROW_SHAPES = {
    6: "(?1, ?2, ?3, ?, ?, ?, ?, NULL, NULL, ?, ?)",
    8: "(?1, ?2, ?3, ?, ?, ?, ?, ?, ?, ?, ?)",
}


@lru_cache(maxsize=64)
def _upsert_rows(width: int, count: int) -> str:
    """The upsert of ``count`` findings of ``width`` parameters each (see _ROW_SHAPES)."""
    rows = ",".join([_ROW_SHAPES[width]] * count)
    return f"INSERT INTO finding ({_COLUMNS}) VALUES {rows}{_UPSERT_TAIL}"


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


# Findings are aggregated per organization in one pass over the table (NOT INDEXED): going
# organization by organization through finding_org would fetch each finding's row by id, in
# random order, which takes two to three times as long with 50,000 findings.
_ROWS_SQL = """
SELECT o.id, o.slug, o.name, o.category, o.privacy_email, o.web_form, o.opt_out_url,
       COALESCE(s.state, 'active') AS state,
       a.finding_count, a.first_seen, a.last_seen, a.confidence, a.sources, a.identifiers,
       (SELECT GROUP_CONCAT(d.domain) FROM (SELECT domain FROM org_domain WHERE org_id = o.id
                                            ORDER BY alias, domain) d) AS domains
FROM (
    SELECT f.org_id,
           COUNT(f.id) AS finding_count,
           MIN(COALESCE(f.first_seen, f.last_seen)) AS first_seen,
           MAX(COALESCE(f.last_seen, f.first_seen)) AS last_seen,
           MAX(f.confidence) AS confidence,
           GROUP_CONCAT(DISTINCT f.source) AS sources,
           GROUP_CONCAT(DISTINCT f.identifier) AS identifiers
    FROM finding f NOT INDEXED {join}
    WHERE 1 = 1 {where}
    GROUP BY f.org_id
) a
JOIN organization o ON o.id = a.org_id
LEFT JOIN inventory_state s ON s.org_id = o.id
WHERE 1 = 1 {state}
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
        # Per finding: an organization found by its name, slug or a domain brings all its
        # findings; one found by an identifier only the findings with that identifier.
        where.append(
            "AND (o.name LIKE ? OR o.slug LIKE ? OR EXISTS (SELECT 1 FROM org_domain d "
            "WHERE d.org_id = o.id AND d.domain LIKE ?) OR f.identifier LIKE ?)"
        )
        like = f"%{search}%"
        params += [like, like, like, like]
    sql = _ROWS_SQL.format(
        join="JOIN organization o ON o.id = f.org_id" if where else "",
        where=" ".join(where),
        state="" if include_hidden else "AND COALESCE(s.state, 'active') = 'active'",
    )
    rows = conn.execute(sql, params).fetchall()
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
