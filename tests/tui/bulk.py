"""A big inventory, fast: N findings over M organizations through services.inventory.ingest.

Used by the TUI tests and by bench/bench_tui_start.py.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta

from exposure.core.models import Finding
from exposure.services.inventory import ingest

KINDS = ("bitwarden_csv", "mbox", "imap", "hibp", "chrome_csv")


def bulk_findings(findings: int, organizations: int, seed: int = 42) -> Iterator[Finding]:
    """Findings spread over ``organizations`` invented domains (every domain gets at least one)."""
    rng = random.Random(seed)
    base = date(2025, 6, 1)
    emails = [f"person{i}@example.com" for i in range(5)]
    for index in range(findings):
        org = index if index < organizations else rng.randrange(organizations)
        kind = KINDS[index % len(KINDS)]
        seen = (base - timedelta(days=rng.randrange(3000))).isoformat()
        yield Finding(
            source=kind,
            domain=f"org{org:05d}-example.com",
            identifier=emails[index % len(emails)],
            location=f"bulk/{kind}",
            evidence={"title": f"Entry {index}"} if kind.endswith("csv") else {"messages": 1 + index % 50},
            first_seen=seen,
            last_seen=seen,
            confidence=0.5 + (index % 50) / 100,
            key=f"bulk-{index}",
        )


def fill_inventory(conn: sqlite3.Connection, findings: int = 50_000, organizations: int = 3_000) -> None:
    stats = ingest(conn, bulk_findings(findings, organizations))
    assert stats.new_findings == findings
