"""Load the bundled curated catalog into the database when it changed."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from exposure.catalog import bundled
from exposure.store.db import transaction
from exposure.store.orgs import is_referenced, move_references, referencing_columns

_COLUMNS = (
    "name", "category", "country", "privacy_email", "web_form", "postal_address", "opt_out_url",
    "opt_out_steps", "requires", "relisting_days", "parent_slug", "source", "source_url", "source_date",
)  # fmt: skip


def _row(entry: dict[str, Any]) -> tuple[Any, ...]:
    return (
        entry["name"],
        entry["category"],
        entry.get("country"),
        entry.get("privacy_email"),
        entry.get("web_form"),
        entry.get("postal_address"),
        entry.get("opt_out_url"),
        json.dumps(entry.get("opt_out_steps", [])),
        json.dumps(entry.get("requires", [])),
        entry.get("relisting_days"),
        entry.get("parent"),
        "bundled",
        entry["source_url"],
        entry["source_date"],
    )


def upsert_organization(conn: sqlite3.Connection, slug: str, entry: dict[str, Any]) -> int:
    """Insert or update one organization by slug, with its domains; returns its id."""
    values = _row(entry)
    sets = ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS)
    cur = conn.execute(
        f"INSERT INTO organization (slug, {', '.join(_COLUMNS)}) VALUES (?, {', '.join('?' * len(_COLUMNS))}) "
        f"ON CONFLICT(slug) DO UPDATE SET {sets} RETURNING id",
        (slug, *values),
    )
    org_id = int(cur.fetchone()[0])
    for index, domain in enumerate(entry["domains"]):
        conn.execute(
            "INSERT INTO org_domain (domain, org_id, alias) VALUES (?, ?, ?) "
            "ON CONFLICT(domain) DO UPDATE SET org_id = excluded.org_id, alias = excluded.alias",
            (domain, org_id, 1 if index else 0),
        )
    return org_id


def _placeholders_by_domain(conn: sqlite3.Connection) -> dict[str, int]:
    return {
        row[0]: row[1]
        for row in conn.execute(
            "SELECT d.domain, d.org_id FROM org_domain d JOIN organization o ON o.id = d.org_id "
            "WHERE o.source = 'finding'"
        )
    }


def _adopt_placeholders(conn: sqlite3.Connection, placeholder_of: dict[str, int]) -> None:
    """A domain first seen as an unknown organization is now in the catalog: move its findings,
    requests and decisions to the catalog organization, then drop the empty placeholder."""
    columns = referencing_columns(conn)
    for domain, placeholder in placeholder_of.items():
        row = conn.execute("SELECT org_id FROM org_domain WHERE domain = ?", (domain,)).fetchone()
        if row is None or row[0] == placeholder:
            continue
        move_references(conn, columns, placeholder, int(row[0]), skip=("org_domain",))
        if not is_referenced(conn, columns, placeholder):
            conn.execute("DELETE FROM organization WHERE id = ?", (placeholder,))


def ensure_bundled(conn: sqlite3.Connection) -> bool:
    """Sync the bundled catalog into the store if it changed since last time. True if synced."""
    catalog = bundled.load()
    row = conn.execute("SELECT value FROM meta WHERE key = 'bundled_digest'").fetchone()
    if row is not None and row[0] == catalog.digest:
        return False
    with transaction(conn):
        placeholder_of = _placeholders_by_domain(conn)
        for entry in catalog.entries:
            upsert_organization(conn, entry["slug"], entry)
        _adopt_placeholders(conn, placeholder_of)
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('bundled_digest', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (catalog.digest,),
        )
    return True
