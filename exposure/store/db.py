"""Opening the database: WAL, foreign keys, 0600 files, named migrations.

Migrations are the ``NNNN_name.sql`` files in ``store/migrations/``, applied in name order,
each in its own transaction and recorded in the ``migration`` table. Never edit one that has
shipped; add a new file instead.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from exposure.core.errors import ExposureError

MIGRATIONS_PACKAGE = "exposure.store.migrations"


def now() -> str:
    """The current UTC time as ISO-8601 with seconds (the store's one time format)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def available_migrations() -> list[tuple[str, str]]:
    """(name, sql) of every bundled migration, in apply order."""
    folder = resources.files(MIGRATIONS_PACKAGE)
    items = [
        (entry.name.removesuffix(".sql"), entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".sql")
    ]
    return sorted(items)


def applied_migrations(conn: sqlite3.Connection) -> list[str]:
    conn.execute("CREATE TABLE IF NOT EXISTS migration (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    return [row[0] for row in conn.execute("SELECT name FROM migration ORDER BY name")]


def migrate(conn: sqlite3.Connection, migrations: list[tuple[str, str]] | None = None) -> list[str]:
    """Apply pending migrations; returns the names applied. Each runs in one transaction."""
    done = set(applied_migrations(conn))
    applied: list[str] = []
    for name, sql in migrations if migrations is not None else available_migrations():
        if name in done:
            continue
        # executescript() commits first; wrap the script in an explicit transaction so a
        # failing migration leaves nothing behind.
        try:
            conn.executescript(
                "BEGIN IMMEDIATE;\n"
                + sql
                + f"\n;INSERT INTO migration (name, applied_at) VALUES ('{name}', '{now()}');\nCOMMIT;"
            )
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise ExposureError(f"database migration {name} failed: {exc}") from exc
        applied.append(name)
    return applied


def _tighten(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        candidate = Path(f"{path}{suffix}")
        if candidate.exists() and candidate.stat().st_mode & 0o077:
            candidate.chmod(0o600)


def connect(path: Path | None = None, *, check_same_thread: bool = True) -> sqlite3.Connection:
    """Open (creating and migrating if needed) the exposure database.

    The connection is in autocommit mode; group writes with :func:`transaction`.
    """
    if path is None:
        from exposure import paths

        path = paths.db_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    old_umask = os.umask(0o077)  # the WAL and SHM files sqlite creates get 0600 too
    try:
        if not path.exists():
            from exposure.paths import private_file

            private_file(path)
        try:
            conn = sqlite3.connect(
                path, isolation_level=None, check_same_thread=check_same_thread, timeout=30
            )
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            migrate(conn)
        except sqlite3.DatabaseError as exc:
            raise ExposureError(
                f"cannot open the database {path}: {exc}",
                hint="is it an exposure database? move it away to start fresh",
            ) from exc
    finally:
        os.umask(old_umask)
    _tighten(path)
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One unit of work: BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception."""
    if conn.in_transaction:  # nested use joins the outer unit of work
        yield conn
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
