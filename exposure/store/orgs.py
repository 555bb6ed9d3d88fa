"""Moving everything that refers to one organization onto another (adoption, merges)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable


def referencing_columns(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(table, column) of every foreign key to organization, in any table of any feature."""
    found = []
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
        for row in conn.execute(f'PRAGMA foreign_key_list("{table}")').fetchall():
            if row[2] == "organization":
                found.append((str(table), str(row[3])))
    return found


def move_references(
    conn: sqlite3.Connection, columns: list[tuple[str, str]], old: int, new: int, skip: Iterable[str] = ()
) -> None:
    """Point everything that refers to organization ``old`` at ``new`` (unique clashes stay behind)."""
    skipped = set(skip)
    for table, column in columns:
        if table in skipped:
            continue
        conn.execute(f'UPDATE OR IGNORE "{table}" SET "{column}" = ? WHERE "{column}" = ?', (new, old))


def is_referenced(
    conn: sqlite3.Connection, columns: list[tuple[str, str]], org_id: int, skip: Iterable[str] = ()
) -> bool:
    skipped = set(skip)
    for table, column in columns:
        if table in skipped:
            continue
        if conn.execute(f'SELECT 1 FROM "{table}" WHERE "{column}" = ? LIMIT 1', (org_id,)).fetchone():
            return True
    return False
