"""Searching and describing the catalog of organizations.

With imported public catalogs (``exposure catalog update``) each organization also knows where
each of its facts comes from (``organization_sources``), which of its contacts bounced
(``contacts``, ``preferred_contact``), and supervisory authorities can be looked up by country
(``authorities``).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from exposure.catalog.importers.merge import normalize
from exposure.core.models import CATEGORIES

# Fields shown from the facts (the organization row has no column for them).
_EXTRA_FIELDS = ("deletion_url", "difficulty", "phone", "search_url", "transport", "notes")
_TRUST = ("bundled", "datarequests", "duckduckgo", "eraser", "california", "justdeleteme")
_CHANNELS = (
    ("email", "privacy_email"),
    ("web_form", "web_form"),
    ("opt_out_url", "opt_out_url"),
    ("postal", "postal_address"),
)
SOURCE_LABELS = {
    "bundled": "exposure's curated catalog",
    "datarequests": "datarequests.org",
    "duckduckgo": "DuckDuckGo's broker definitions",
    "eraser": "Eraser's broker list",
    "california": "the California data broker registry",
    "justdeleteme": "JustDeleteMe",
    "finding": "your own data (a domain seen in your findings)",
    "manual": "added by you",
}


def _org_dict(conn: sqlite3.Connection, row: sqlite3.Row) -> dict[str, Any]:
    return _org_dicts(conn, [row])[0]


def _org_dicts(conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[dict[str, Any]]:
    """Organization rows as dicts; three queries for all of them (search returns up to 50)."""
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    marks = ",".join("?" * len(ids))
    domains: dict[int, list[str]] = {i: [] for i in ids}
    for org_id, domain in conn.execute(
        f"SELECT org_id, domain FROM org_domain WHERE org_id IN ({marks}) ORDER BY org_id, alias, domain", ids
    ):
        domains[org_id].append(domain)
    facts: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for fact in conn.execute(
        "SELECT org_id, source, source_id, fields, chosen, agrees, source_url, source_date, fetched_at "
        f"FROM catalog_fact WHERE org_id IN ({marks})",
        ids,
    ):
        facts[fact["org_id"]].append(_parsed(fact))
    statuses: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for r in conn.execute(
        f"SELECT org_id, kind, value, status, at, source, note FROM contact_status WHERE org_id IN ({marks}) "
        "ORDER BY at DESC, kind, value",
        ids,
    ):
        statuses[r[0]].append(
            {"kind": r[1], "value": r[2], "status": r[3], "date": r[4], "source": r[5], "note": r[6]}
        )
    result = []
    for row in rows:
        own = sorted(facts[row["id"]], key=_trust_key)
        extra = _chosen_extra(own)
        result.append(
            {
                "id": row["id"],
                "slug": row["slug"],
                "name": row["name"],
                "domains": domains[row["id"]],
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
                "deletion_url": extra.get("deletion_url"),
                "difficulty": extra.get("difficulty"),
                "phone": extra.get("phone"),
                "search_url": extra.get("search_url"),
                "sources": organization_sources(conn, row, own),
                "contact_status": statuses[row["id"]],
            }
        )
    return result


def _trust_key(fact: dict[str, Any]) -> tuple[int, str]:
    return (_TRUST.index(fact["source"]) if fact["source"] in _TRUST else 99, fact["source_id"])


def _parsed(row: sqlite3.Row) -> dict[str, Any]:
    """A catalog_fact row with its JSON parsed (once)."""
    return {
        "source": row["source"],
        "source_id": row["source_id"],
        "fields": json.loads(row["fields"]),
        "chosen": json.loads(row["chosen"]),
        "agrees": json.loads(row["agrees"]),
        "source_url": row["source_url"],
        "source_date": row["source_date"],
        "fetched_at": row["fetched_at"],
    }


def _facts(conn: sqlite3.Connection, org_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT source, source_id, fields, chosen, agrees, source_url, source_date, fetched_at "
        "FROM catalog_fact WHERE org_id = ?",
        (org_id,),
    ).fetchall()
    return sorted((_parsed(row) for row in rows), key=_trust_key)


def _chosen_extra(facts: list[dict[str, Any]]) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    for fact in facts:
        values = fact["fields"]
        for name in _EXTRA_FIELDS:
            if name not in extra and values.get(name) not in (None, ""):
                extra[name] = values[name]
    return extra


def organization_sources(
    conn: sqlite3.Connection, row: sqlite3.Row, facts: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Where an organization's facts come from, most trusted first.

    Each item has ``source``, ``url`` and ``date`` (when the source knew it). For a merged
    catalog also ``id`` (the record in that source), ``name`` (what the source calls the
    organization), ``fetched_at``, ``fields`` (what the source says), ``chosen`` (the fields the
    organization takes from it) and ``agrees`` (the fields where its value is the one used: the
    sources that agree on the opt-out URL all have ``opt_out_url`` in ``agrees``).
    """
    if facts is None:
        facts = _facts(conn, row["id"])
    if not facts:
        return [{"source": row["source"], "url": row["source_url"], "date": row["source_date"]}]
    result = []
    for fact in facts:
        values = fact["fields"]
        result.append(
            {
                "source": fact["source"],
                "id": fact["source_id"],
                "name": values.get("name"),
                "url": fact["source_url"],
                "date": fact["source_date"],
                "fetched_at": fact["fetched_at"],
                "fields": sorted(k for k in values if k not in ("name", "aliases", "extra")),
                "chosen": fact["chosen"],
                "agrees": fact["agrees"],
            }
        )
    return result


def get_organization(conn: sqlite3.Connection, org_id: int) -> dict[str, Any]:
    row = conn.execute("SELECT * FROM organization WHERE id = ?", (org_id,)).fetchone()
    if row is None:
        from exposure.core.errors import NotFound

        raise NotFound(f"no organization with id {org_id}")
    return _org_dict(conn, row)


def search(
    conn: sqlite3.Connection,
    text: str,
    *,
    category: str | None = None,
    limit: int = 50,
    source: str | None = None,
) -> list[dict[str, Any]]:
    """Organizations whose name, other names, slug or domain contains ``text``; best matches first.

    ``source`` keeps only the organizations that source contributes to (``bundled`` for the
    curated catalog, or a catalog source name such as ``eraser``).
    """
    text = " ".join(text.split())
    like = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    params: dict[str, Any] = {
        "exact": text.lower(), "like": f"%{like}%", "prefix": f"{like}%", "category": category, "source": source,
    }  # fmt: skip
    filters = ""
    if category is not None:
        filters += " AND o.category = :category"
    if source is not None:
        filters += (
            " AND (o.source = :source OR o.id IN (SELECT org_id FROM catalog_fact WHERE source = :source))"
        )
    # LIKE is case-insensitive (ASCII) already; other names, brands and domains in one subquery.
    rows = conn.execute(
        f"""
        SELECT o.*, (CASE WHEN o.name = :exact COLLATE NOCASE OR o.slug = :exact THEN 0
                          WHEN o.name LIKE :prefix ESCAPE '\\' THEN 1 ELSE 2 END) AS rank
        FROM organization o
        WHERE o.source != 'finding'{filters}
          AND (o.name LIKE :like ESCAPE '\\' OR o.slug LIKE :like ESCAPE '\\'
               OR o.id IN (SELECT org_id FROM org_domain WHERE domain LIKE :like ESCAPE '\\'
                           UNION SELECT org_id FROM org_alias WHERE name LIKE :like ESCAPE '\\'))
        ORDER BY rank, length(o.name), o.name COLLATE NOCASE
        LIMIT {int(limit)}
        """,
        params,
    ).fetchall()
    return _org_dicts(conn, rows)


def stats(conn: sqlite3.Connection) -> dict[str, Any]:
    """Counts of catalog organizations by category and by source.

    ``by_source`` counts each organization once, under its most trusted source. ``sources``
    gives, per catalog source, its records and the organizations it contributes to (an
    organization several sources agree on counts for each of them) and when it was fetched;
    ``records`` and ``merged_duplicates`` show how many records were merged away.
    """
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
    contributes = dict(
        conn.execute("SELECT source, COUNT(DISTINCT org_id) FROM catalog_fact GROUP BY source").fetchall()
    )
    sources: dict[str, Any] = {}
    if "bundled" in contributes:
        sources["bundled"] = {"organizations": contributes["bundled"]}
    for row in conn.execute(
        "SELECT source, records, skipped, counts, fetched_at, location FROM catalog_source ORDER BY source"
    ):
        sources[row[0]] = {
            "records": row[1],
            "skipped": row[2],
            "counts": json.loads(row[3]),
            "organizations": contributes.get(row[0], 0),
            "fetched_at": row[4],
            "location": row[5],
        }
    records, merged_into = conn.execute(
        "SELECT COUNT(*), COUNT(DISTINCT org_id) FROM catalog_fact"
    ).fetchone()
    return {
        "organizations": sum(by_category.values()),
        "by_category": ordered,
        "by_source": by_source,
        "sources": sources,
        "records": records,
        "merged_duplicates": records - merged_into,
    }


# --- contact health -------------------------------------------------------------------------


def contact_status(conn: sqlite3.Connection, org_id: int) -> list[dict[str, Any]]:
    """This organization's contacts marked bounced, dead (or ok again): date, and who said so."""
    rows = conn.execute(
        "SELECT kind, value, status, at, source, note FROM contact_status WHERE org_id = ? "
        "ORDER BY at DESC, kind, value",
        (org_id,),
    ).fetchall()
    return [
        {"kind": r[0], "value": r[1], "status": r[2], "date": r[3], "source": r[4], "note": r[5]}
        for r in rows
    ]


def _effective_statuses(
    conn: sqlite3.Connection, values: set[tuple[str, str]]
) -> dict[tuple[str, str], tuple[str, str, str]]:
    """(kind, value) -> (status, date, source): the user's mark wins, else the latest report."""
    best: dict[tuple[str, str], tuple[int, str, str, str]] = {}
    for kind, value in values:
        for status, at, source in conn.execute(
            "SELECT status, at, source FROM contact_status WHERE kind = ? AND value = ?", (kind, value)
        ):
            rank = (1 if source == "user" else 0, at)
            current = best.get((kind, value))
            if current is None or rank > (current[0], current[1]):
                best[(kind, value)] = (rank[0], at, status, source)
    return {key: (status, at, source) for key, (_r, at, status, source) in best.items()}


def contacts(conn: sqlite3.Connection, org_id: int) -> list[dict[str, Any]]:
    """Every way to reach the organization, in the order the catalog prefers them.

    The channel a source suggests (datarequests' suggested transport medium) comes first, then
    email, web form, opt-out page, postal address; within a channel the organization's own value,
    then other sources' values in order of trust; working contacts before bounced or dead ones.
    Each item: ``kind``, ``value``, ``status`` (ok, bounced, dead), ``date`` of that status,
    ``marked_by`` (user or a source) and ``sources`` (which catalogs give this contact).
    """
    row = conn.execute("SELECT * FROM organization WHERE id = ?", (org_id,)).fetchone()
    if row is None:
        from exposure.core.errors import NotFound

        raise NotFound(f"no organization with id {org_id}")
    facts = _facts(conn, org_id)
    transport = _chosen_extra(facts).get("transport")
    order = sorted(_CHANNELS, key=lambda c: 0 if c[0] == transport else 1)
    marked = {
        (r[0], r[1])
        for r in conn.execute("SELECT kind, value FROM contact_status WHERE org_id = ?", (org_id,))
    }
    listed: list[tuple[str, str, list[str]]] = []
    for kind, column in order:
        # One entry per contact: "https://www.x.com/optout/" and "https://x.com/optout" are one.
        values: dict[Any, tuple[str, list[str]]] = {}

        def add(
            value: str, source: str | None, column: str = column, values: dict[Any, Any] = values
        ) -> None:
            entry = values.setdefault(normalize(column, value), (value, []))
            if source and source not in entry[1]:
                entry[1].append(source)

        if row[column]:
            add(row[column], None)
        for fact in facts:
            value = fact["fields"].get(column)
            if isinstance(value, str) and value:
                add(value, fact["source"])
        for marked_kind, value in sorted(marked):
            if marked_kind == kind:
                add(value, None)
        for value, sources in values.values():
            listed.append((kind, value, sources or ([row["source"]] if value == row[column] else [])))
    statuses = _effective_statuses(conn, {(kind, value) for kind, value, _s in listed})
    found = []
    for kind, value, sources in listed:
        status, date, by = statuses.get((kind, value), ("ok", None, None))
        found.append(
            {
                "kind": kind,
                "value": value,
                "status": status,
                "date": date,
                "marked_by": by,
                "sources": sources,
            }
        )
    found.sort(key=lambda c: 0 if c["status"] == "ok" else 1)  # stable: keeps the channel order
    return found


def preferred_contact(conn: sqlite3.Connection, org_id: int) -> dict[str, Any] | None:
    """The contact to use for a request: the first of :func:`contacts` not bounced or dead.

    None when the catalog knows no working contact.
    """
    for contact in contacts(conn, org_id):
        if contact["status"] == "ok":
            return contact
    return None


# --- authorities and provenance -------------------------------------------------------------


def authorities(conn: sqlite3.Connection, country: str, region: str | None = None) -> list[dict[str, Any]]:
    """Supervisory authorities of a country (ISO 3166-1 alpha-2), the competent ones first.

    For Germany, the Land authority of ``region`` (ISO 3166-2, e.g. ``DE-BY``) comes first,
    then the federal one, then the other Länder; church and broadcasting authorities last.
    Each item carries the complaint contacts: ``privacy_email``, ``web_form``,
    ``postal_address``, ``phone``, and the complaint ``language``.
    """
    rows = conn.execute(
        "SELECT * FROM organization WHERE category = 'authority' AND country = ? ORDER BY name",
        (country.upper(),),
    ).fetchall()
    found = []
    for row in rows:
        facts = _facts(conn, row["id"])
        extra: dict[str, Any] = {}
        for fact in facts:
            for key, value in (fact["fields"].get("extra") or {}).items():
                extra.setdefault(key, value)
        scope = extra.get("scope", "national")
        own_region = extra.get("region")
        if region and own_region == region.upper() and scope in ("general", "private sector"):
            rank = 0
        elif own_region is None and scope in ("national", "federal", "general"):
            rank = 1
        elif scope in ("general", "private sector"):
            rank = 2
        else:
            rank = 3
        item = {
            "id": row["id"],
            "slug": row["slug"],
            "name": row["name"],
            "country": row["country"],
            "region": own_region,
            "scope": scope,
            "language": extra.get("complaint_language"),
            "privacy_email": row["privacy_email"],
            "web_form": row["web_form"],
            "postal_address": row["postal_address"],
            "phone": _chosen_extra(facts).get("phone"),
            "sources": organization_sources(conn, row, facts),
        }
        found.append((rank, item))
    found.sort(key=lambda pair: pair[0])
    return [item for _rank, item in found]


def explain(conn: sqlite3.Connection, org_id: int) -> list[str]:
    """Why an organization is in the catalog: one line per source, with its date."""
    row = conn.execute("SELECT * FROM organization WHERE id = ?", (org_id,)).fetchone()
    if row is None:
        from exposure.core.errors import NotFound

        raise NotFound(f"no organization with id {org_id}")
    lines = []
    hidden = ("name", "domains", "aliases", "extra")
    for item in organization_sources(conn, row):
        label = SOURCE_LABELS.get(item["source"], item["source"])
        if "fields" not in item:
            lines.append(label + (f" ({item['date']})" if item.get("date") else ""))
            continue
        says = [f.replace("_", " ") for f in item["fields"] if f not in hidden]
        line = f"{label} lists it as {item['name']!r} ({item['date']})"
        if says:
            line += f": {', '.join(says)}"
        used = [f.replace("_", " ") for f in item["chosen"] if f not in hidden]
        agreed = [f.replace("_", " ") for f in item["agrees"] if f not in item["chosen"] and f not in hidden]
        if used:
            line += f"; used here: {', '.join(used)}"
        if agreed:
            line += f"; agrees on {', '.join(agreed)}"
        lines.append(line)
    if row["parent_slug"]:
        lines.append(f"Operated by {row['parent_slug']}")
    return lines
