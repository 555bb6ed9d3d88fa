"""inventory_rows gives what the straightforward per-organization query gives."""

from __future__ import annotations

import random
import sqlite3

import pytest

from exposure.core.models import Finding
from exposure.services.inventory import ingest, inventory_rows, set_state

# The first version of the query (joins findings organization by organization): the reference.
REFERENCE = """
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

#: What is compared, row by row (lists as inventory_rows gives them: sorted, distinct).
COMPARED = (
    "id",
    "state",
    "finding_count",
    "first_seen",
    "last_seen",
    "confidence",
    "sources",
    "identifiers",
    "domains",
)


def _reference(
    conn: sqlite3.Connection, category: str | None, search: str | None, hidden: bool
) -> list[tuple]:  # type: ignore[type-arg]
    where, params = [], []
    if category:
        where.append("AND o.category = ?")
        params.append(category)
    if search:
        where.append(
            "AND (o.name LIKE ? OR o.slug LIKE ? OR EXISTS (SELECT 1 FROM org_domain d "
            "WHERE d.org_id = o.id AND d.domain LIKE ?) OR f.identifier LIKE ?)"
        )
        params += [f"%{search}%"] * 4
    if not hidden:
        where.append("AND COALESCE(s.state, 'active') = 'active'")
    rows = conn.execute(REFERENCE.format(where=" ".join(where)), params).fetchall()
    split = lambda v: sorted(set(v.split(","))) if v else []  # noqa: E731
    lists = ("sources", "identifiers", "domains")
    return [tuple(split(r[k]) if k in lists else r[k] for k in COMPARED) for r in rows]


@pytest.fixture
def filled(conn: sqlite3.Connection) -> sqlite3.Connection:
    rng = random.Random(3)
    catalog = ["spokeo.com", "netflix.com", "amazon.com", "facebook.com", "acxiom.com"]
    findings = []
    for i in range(3000):
        domain = rng.choice(catalog) if i % 4 == 0 else f"shop{rng.randrange(300)}-example.com"
        dated = i % 3 != 0
        findings.append(
            Finding(
                source=rng.choice(["chrome_csv", "mbox", "hibp"]),
                domain=domain,
                identifier=rng.choice(["ada@example.com", "ada.l@example.org", None, "ada77"]),
                evidence={"n": i},
                first_seen=f"2020-0{1 + i % 9}-1{i % 10}" if dated else None,
                last_seen=f"2024-0{1 + i % 9}-2{i % 10}" if dated and i % 2 else None,
                confidence=rng.choice([0.5, 0.8, 0.95]),
                key=f"k{i}",
            )
        )
    ingest(conn, findings)
    ids = [row[0] for row in conn.execute("SELECT DISTINCT org_id FROM finding ORDER BY org_id")]
    for org_id in ids[::7]:
        set_state(conn, org_id, "not_mine")
    for org_id in ids[3::11]:
        set_state(conn, org_id, "ignored")
    return conn


@pytest.mark.parametrize(
    ("category", "search", "hidden"),
    [
        (None, None, False),
        (None, None, True),
        ("unknown", None, False),
        ("people_search", None, True),
        (None, "shop1", False),  # by domain and name
        (None, "ada.l", False),  # by identifier: only those findings count
        (None, "ada77", True),
        ("unknown", "example.org", False),
        (None, "no-such-thing", False),
    ],
)
def test_rows_match_the_reference_query(
    filled: sqlite3.Connection, category: str | None, search: str | None, hidden: bool
) -> None:
    expected = _reference(filled, category, search, hidden)
    got = [
        tuple(r[k] for k in COMPARED)
        for r in inventory_rows(filled, category=category, search=search, include_hidden=hidden)
    ]
    assert got == expected
    if search != "no-such-thing":
        assert got  # the case selects something
