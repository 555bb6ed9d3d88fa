"""Searching and describing the catalog of organizations."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from exposure.core.models import CATEGORIES


def _org_dict(conn: sqlite3.Connection, row: sqlite3.Row) -> dict[str, Any]:
    domains = [r[0] for r in conn.execute(
        "SELECT domain FROM org_domain WHERE org_id = ? ORDER BY alias, domain", (row["id"],)
    )]  # fmt: skip
    return {
        "id": row["id"],
        "slug": row["slug"],
        "name": row["name"],
        "domains": domains,
        "category": row["category"],
        "country": row["country"],
        "privacy_email": row["privacy_email"],
        "web_form": row["web_form"],
        "postal_address": row["postal_address"],
        "opt_out_url": row["opt_out_url"],
        "opt_out_steps": json.loads(row["opt_out_steps"]),
        "requires": json.loads(row["requires"]),
        "relisting_days": row["relisting_days"],
        "parent": row["parent_slug"],
        "sources": organization_sources(conn, row),
    }


def organization_sources(conn: sqlite3.Connection, row: sqlite3.Row) -> list[dict[str, Any]]:
    """Where an organization's facts come from: [{source, url, date}]."""
    return [{"source": row["source"], "url": row["source_url"], "date": row["source_date"]}]


def get_organization(conn: sqlite3.Connection, org_id: int) -> dict[str, Any]:
    row = conn.execute("SELECT * FROM organization WHERE id = ?", (org_id,)).fetchone()
    if row is None:
        from exposure.core.errors import NotFound

        raise NotFound(f"no organization with id {org_id}")
    return _org_dict(conn, row)


def search(
    conn: sqlite3.Connection, text: str, *, category: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Organizations whose name, slug or domain contains ``text``; best matches first."""
    text = " ".join(text.split()).lower()
    params: dict[str, Any] = {"exact": text, "like": f"%{text}%", "prefix": f"{text}%", "category": category}
    rows = conn.execute(
        f"""
        SELECT o.*, (CASE WHEN lower(o.name) = :exact OR o.slug = :exact THEN 0
                          WHEN lower(o.name) LIKE :prefix THEN 1 ELSE 2 END) AS rank
        FROM organization o
        WHERE o.source != 'finding'
          AND (:category IS NULL OR o.category = :category)
          AND (lower(o.name) LIKE :like OR o.slug LIKE :like
               OR o.id IN (SELECT org_id FROM org_domain WHERE domain LIKE :like))
        ORDER BY rank, length(o.name), o.name COLLATE NOCASE
        LIMIT {int(limit)}
        """,
        params,
    ).fetchall()
    return [_org_dict(conn, row) for row in rows]


def stats(conn: sqlite3.Connection) -> dict[str, Any]:
    """Counts of catalog organizations by category and by source."""
    by_category = {
        row[0]: row[1]
        for row in conn.execute(
            "SELECT category, COUNT(*) FROM organization WHERE source != 'finding' GROUP BY category"
        )
    }
    by_source = {
        row[0]: row[1]
        for row in conn.execute(
            "SELECT source, COUNT(*) FROM organization WHERE source != 'finding' GROUP BY source"
        )
    }
    ordered = {c: by_category[c] for c in CATEGORIES if c in by_category}
    ordered.update({c: n for c, n in by_category.items() if c not in ordered})
    return {"organizations": sum(by_category.values()), "by_category": ordered, "by_source": by_source}
