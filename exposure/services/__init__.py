"""Use cases: the only API that ``cli`` and ``tui`` call.

Each function takes an open connection (from :func:`open_store`) and plain values, does one
unit of work in one transaction, and returns plain data. Nothing here imports textual or rich.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def open_store(path: Path | None = None, *, check_same_thread: bool = True) -> sqlite3.Connection:
    """Open the database (creating and migrating it) with the bundled catalog loaded."""
    from exposure.catalog.sync import ensure_bundled
    from exposure.store.db import connect

    conn = connect(path, check_same_thread=check_same_thread)
    if ensure_bundled(conn):
        # The curated catalog changed: merge it again with the catalogs imported before.
        from exposure.services.update_catalog import remerge_if_bundled_changed

        remerge_if_bundled_changed(conn)
    return conn
