"""Merge the records of every catalog source into one catalog of organizations.

Order of trust (most trusted first), used field by field:

1. ``bundled``: the curated catalog shipped with exposure (checked by hand, always wins);
2. ``datarequests``: datarequests.org, curated with cited sources and a verification level;
3. ``duckduckgo``: DuckDuckGo's broker definitions, tested opt-out flows (opt-out URLs, mirrors);
4. ``eraser``: Eraser's broker list, with dated bounce reports;
5. ``california``: the state registry, as the brokers declared it (unchecked, often stale);
6. ``justdeleteme``: account-deletion links, community-maintained, lightest checking.

Records join one organization when they share a website host, or a registrable domain that one
of them has as its own site. One organization takes at most one record of each source (two
records of one source are two organizations: the 20 federal agencies under bund.de stay 20).
A registrable domain is owned by one organization: the first (most trusted) record whose site
it is; when several organizations only have subdomain sites under it (``bsi.bund.de``,
``bmi.bund.de``) nobody owns it and each keeps its own host. Mirror sites and extra domains
join as aliases when no one else owns them; a mirror that is an organization of its own, and a
``parent`` link, make the operator its parent.

Organization ids are kept across merges (a record keeps the organization it had), so findings,
requests and decisions stay attached; a placeholder organization made from a finding is
adopted (its findings, requests and state move) once the catalog knows its domain.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from exposure.catalog.importers.base import FIELDS, TRUST_ORDER, CatalogRecord, slugify
from exposure.store.orgs import is_referenced, move_references, referencing_columns

__all__ = [
    "TRUST_ORDER",
    "CatalogRecord",
    "Cluster",
    "MergeStats",
    "bad_contacts",
    "choose",
    "cluster",
    "rebuild",
]
from exposure.store.db import now, transaction

_RANK = {source: index for index, source in enumerate(TRUST_ORDER)}
#: organization.source values that are not catalog organizations.
NON_CATALOG = ("finding", "manual")
#: record field -> contact kind (contact_status.kind).
CONTACT_KINDS = {
    "privacy_email": "email",
    "web_form": "web_form",
    "opt_out_url": "opt_out_url",
    "postal_address": "postal",
}
FACT_FIELDS: tuple[str, ...] = (*FIELDS, "domains", "aliases", "extra")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")


@dataclass
class Cluster:
    records: list[CatalogRecord] = field(default_factory=list)
    sources: set[str] = field(default_factory=set)
    domains: list[str] = field(default_factory=list)  #: org_domain rows, main first
    org_id: int | None = None
    slug: str | None = None
    parent_slug: str | None = None
    chosen: dict[str, Any] = field(default_factory=dict)

    def add(self, record: CatalogRecord) -> None:
        self.records.append(record)
        self.sources.add(record.source)

    @property
    def top(self) -> CatalogRecord:
        return self.records[0]


@dataclass
class MergeStats:
    records: int = 0
    organizations: int = 0
    new_organizations: int = 0
    removed_organizations: int = 0
    adopted_placeholders: int = 0
    by_source: dict[str, int] = field(default_factory=dict)  #: organizations each source contributes to

    def as_json(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "organizations": self.organizations,
            "new_organizations": self.new_organizations,
            "removed_organizations": self.removed_organizations,
            "adopted_placeholders": self.adopted_placeholders,
            "by_source": self.by_source,
        }


# --- records --------------------------------------------------------------------------------


def bundled_records() -> list[CatalogRecord]:
    """The curated catalog as records of source ``bundled``."""
    from exposure.catalog import bundled

    records = []
    for entry in bundled.load().entries:
        domains = [d.lower() for d in entry["domains"]]
        record = CatalogRecord(
            source="bundled",
            source_id=entry["slug"],
            name=entry["name"],
            domains=domains,
            site=domains[0],
            category=entry["category"],
            country=entry.get("country"),
            privacy_email=entry.get("privacy_email"),
            web_form=entry.get("web_form"),
            opt_out_url=entry.get("opt_out_url"),
            postal_address=entry.get("postal_address"),
            relisting_days=entry.get("relisting_days"),
            opt_out_steps=list(entry.get("opt_out_steps", [])),
            requires=list(entry.get("requires", [])),
            source_url=entry.get("source_url"),
            source_date=entry.get("source_date"),
        )
        if entry.get("parent"):
            record.extra["parent_slug"] = entry["parent"]
        records.append(record)
    return records


def stored_records(conn: sqlite3.Connection, exclude: Iterable[str] = ()) -> list[CatalogRecord]:
    skip = set(exclude)
    return [
        CatalogRecord.from_json(json.loads(row[1]))
        for row in conn.execute("SELECT source, data FROM catalog_record ORDER BY source, source_id")
        if row[0] not in skip
    ]


def _order_key(record: CatalogRecord) -> tuple[int, int, int, str]:
    # Within a source, the record that looks like the domain's own (slug or name = its label)
    # comes first, so it owns the domain: "generali" before "generali-deutschland-...".
    label = record.domains[0].split(".", 1)[0] if record.domains else ""
    own = label and (
        _NOT_ALNUM.sub("", record.source_id.lower()) == label
        or _NOT_ALNUM.sub("", record.name.lower()) == label
    )
    return (_RANK.get(record.source, len(_RANK)), 0 if own else 1, len(record.name), record.source_id)


# --- clustering -----------------------------------------------------------------------------


def cluster(records: Iterable[CatalogRecord]) -> list[Cluster]:
    """Group records into organizations and decide which domains each one owns."""
    ordered = sorted(records, key=_order_key)
    clusters: list[Cluster] = []
    by_site: dict[str, Cluster] = {}
    by_domain: dict[str, Cluster] = {}
    for record in ordered:
        main = record.domains[0] if record.domains else None
        target = by_site.get(record.site) if record.site else None
        if target is None and main is not None:
            target = by_domain.get(main)
        if target is None or record.source in target.sources:
            target = Cluster()
            clusters.append(target)
        target.add(record)
        if record.site:
            by_site.setdefault(record.site, target)
        if main is not None and (record.site is None or record.site == main):
            by_domain.setdefault(main, target)
    _assign_domains(clusters, by_domain)
    return clusters


def _assign_domains(clusters: list[Cluster], owner_of_site_domain: dict[str, Cluster]) -> None:
    owner: dict[str, Cluster] = dict(owner_of_site_domain)
    # Registrable domains only seen under subdomain sites: owned when one organization has them.
    under: dict[str, list[Cluster]] = {}
    for item in clusters:
        for record in item.records:
            main = record.domains[0] if record.domains else None
            if main and main not in owner and record.site and record.site != main:
                holders = under.setdefault(main, [])
                if item not in holders:
                    holders.append(item)
    for domain, holders in under.items():
        if len(holders) == 1:
            owner[domain] = holders[0]
    # Aliases (extra domains, mirror sites): the most trusted claim wins.
    for item in clusters:
        for record in item.records:
            for domain in record.domains[1:]:
                owner.setdefault(domain, item)
    hosts_taken: set[str] = set(owner)
    for item in clusters:
        wanted: list[str] = []
        for record in item.records:
            main = record.domains[0] if record.domains else None
            if main and owner.get(main) is item:
                wanted.append(main)
            elif record.site and record.site not in hosts_taken and main is not None:
                wanted.append(record.site)  # a host of its own under a shared domain
                hosts_taken.add(record.site)
            for domain in record.domains[1:]:
                if owner.get(domain) is item:
                    wanted.append(domain)
        seen: set[str] = set()
        item.domains = [d for d in wanted if not (d in seen or seen.add(d))]  # type: ignore[func-returns-value]


# --- choosing values ------------------------------------------------------------------------


def normalize(field_name: str, value: Any) -> Any:
    """A comparable form: case, scheme, ``www.`` and trailing slashes do not make two values differ."""
    if isinstance(value, str):
        lowered = value.strip().lower()
        if field_name in ("web_form", "opt_out_url", "deletion_url", "search_url"):
            lowered = re.sub(r"^https?://(www\.)?", "", lowered).rstrip("/")
        elif field_name in ("postal_address", "name", "notes"):
            lowered = " ".join(re.sub(r"[,.;]", " ", lowered).split())
        elif field_name == "phone":
            lowered = re.sub(r"[^0-9+]", "", lowered)
        return lowered
    if isinstance(value, list):
        return sorted(normalize(field_name, v) for v in value)
    return value


def _field(record: CatalogRecord, name: str) -> Any:
    if name == "parent" and record.source == "bundled":
        return record.extra.get("parent_slug")  # the curated catalog names its parent by slug
    return getattr(record, name)


def choose(
    item: Cluster, bad: dict[tuple[str, str], str] | None = None
) -> dict[str, tuple[CatalogRecord, Any]]:
    """Field -> (record, value): the most trusted value, skipping contacts known to be bad.

    A contact field whose every value is known bad stays empty (the facts keep the values).
    """
    chosen: dict[str, tuple[CatalogRecord, Any]] = {}
    records = item.records
    for name in FIELDS:
        kind = CONTACT_KINDS.get(name) if bad else None
        for record in records:
            value = _field(record, name)
            if not value:  # None, "", [] or {} (no field uses 0)
                continue
            if kind is not None and (kind, value) in bad:  # type: ignore[operator]
                continue
            chosen[name] = (record, value)
            break
    return chosen


# --- writing --------------------------------------------------------------------------------


_OWN_TABLES = frozenset({"org_domain", "catalog_fact", "org_alias", "catalog_record", "contact_status"})


def bad_contacts(
    conn: sqlite3.Connection, reported: list[tuple[str, str, str, str, str]] | None = None
) -> dict[tuple[str, str], str]:
    """(kind, value) -> status, for contacts whose effective status is bounced or dead.

    The user's own mark wins over what a catalog source reported. ``reported`` (kind, value,
    source, status, date) replaces the sources' stored reports (a merge in progress).
    """
    query = "SELECT kind, value, source, status, at FROM contact_status"
    if reported is not None:
        query += " WHERE source = 'user'"
    rows = [tuple(row) for row in conn.execute(query)] + list(reported or [])
    effective: dict[tuple[str, str], tuple[int, str, str]] = {}
    for kind, value, source, status, at in rows:
        key = (kind, value)
        priority = 1 if source == "user" else 0
        current = effective.get(key)
        if current is None or (priority, at) > (current[0], current[1]):
            effective[key] = (priority, at, status)
    return {key: status for key, (_p, _at, status) in effective.items() if status != "ok"}


def rebuild(
    conn: sqlite3.Connection,
    replace: dict[str, list[CatalogRecord]] | None = None,
    fetched: dict[str, str] | None = None,
) -> MergeStats:
    """Replace the records of the sources in ``replace`` and merge every source again.

    Runs in one transaction: on any error nothing changes. ``fetched`` gives, per source, when
    its records were accepted (defaults to the stored catalog_source.fetched_at).
    """
    replace = replace or {}
    with transaction(conn):
        previous = {
            (row[0], row[1]): row[2]
            for row in conn.execute("SELECT source, source_id, org_id FROM catalog_record")
            if row[2] is not None
        }
        for source, records in replace.items():
            conn.execute("DELETE FROM catalog_record WHERE source = ?", (source,))
            conn.executemany(
                "INSERT INTO catalog_record (source, source_id, name, data) VALUES (?, ?, ?, ?)",
                [
                    (
                        r.source,
                        r.source_id,
                        r.name,
                        json.dumps(r.as_json(), ensure_ascii=False, separators=(",", ":")),
                    )
                    for r in records
                ],
            )
        records = [*bundled_records(), *stored_records(conn, exclude=replace), *_flatten(replace)]
        stamps = {row[0]: row[1] for row in conn.execute("SELECT source, fetched_at FROM catalog_source")}
        stamps.update(fetched or {})
        return _write(conn, cluster(records), previous, stamps)


def _flatten(replace: dict[str, list[CatalogRecord]]) -> list[CatalogRecord]:
    return [record for records in replace.values() for record in records]


def _write(
    conn: sqlite3.Connection,
    clusters: list[Cluster],
    previous: dict[tuple[str, str], int],
    stamps: dict[str, str],
) -> MergeStats:
    stamp = now()
    stats = MergeStats(records=sum(len(c.records) for c in clusters), organizations=len(clusters))
    orgs = {
        int(row[0]): (str(row[1]), str(row[2]))
        for row in conn.execute("SELECT id, slug, source FROM organization")
    }
    by_slug = {slug: org_id for org_id, (slug, _source) in orgs.items()}
    slugs = set(by_slug)
    reported = [
        row for item in clusters for record in item.records for row in reported_by(record, stamps, stamp)
    ]
    bad = bad_contacts(conn, reported)
    taken: set[int] = set()

    # 1. Identity: keep each organization's id (bundled slug, then the id its records had).
    for item in clusters:
        candidates: list[int] = []
        if item.top.source == "bundled" and item.top.source_id in by_slug:
            candidates.append(by_slug[item.top.source_id])
        candidates += [
            previous[(r.source, r.source_id)] for r in item.records if (r.source, r.source_id) in previous
        ]
        for candidate in candidates:
            if candidate in orgs and candidate not in taken and orgs[candidate][1] not in NON_CATALOG:
                if orgs[candidate][1] == "bundled" and item.top.source != "bundled":
                    continue  # a bundled organization belongs to its own entry
                item.org_id = candidate
                item.slug = orgs[candidate][0]
                taken.add(candidate)
                break
    for item in clusters:
        if item.org_id is None:
            item.slug = _new_slug(item, slugs)
            slugs.add(item.slug)

    # 2. Values, then organization rows.
    chosen_by_cluster = []
    for item in clusters:
        chosen = choose(item, bad)
        chosen_by_cluster.append(chosen)
        item.chosen = {name: value for name, (_record, value) in chosen.items()}
    slug_of_domain: dict[str, str] = {}
    for item in clusters:
        for domain in item.domains:
            if item.slug:
                slug_of_domain.setdefault(domain, item.slug)
    _link_parents(clusters, chosen_by_cluster, slug_of_domain)
    next_id = int(conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM organization").fetchone()[0])
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    for item in clusters:
        row = _org_row(item, stamps)
        if item.org_id is None:
            item.org_id = next_id
            next_id += 1
            inserts.append((item.org_id, item.slug, *row))
        else:
            updates.append((*row, item.org_id))
    conn.executemany(
        f"INSERT INTO organization (id, slug, {', '.join(_ORG_COLUMNS)}) "
        f"VALUES (?, ?, {', '.join('?' * len(_ORG_COLUMNS))})",
        inserts,
    )
    conn.executemany(
        f"UPDATE organization SET {', '.join(f'{c} = ?' for c in _ORG_COLUMNS)} WHERE id = ?", updates
    )
    stats.new_organizations = len(inserts)

    # 3. Domains: catalog rows are rebuilt; placeholders lose theirs to the catalog and are adopted.
    placeholder_of = {
        str(row[0]): int(row[1])
        for row in conn.execute(
            "SELECT d.domain, d.org_id FROM org_domain d JOIN organization o ON o.id = d.org_id "
            "WHERE o.source = 'finding'"
        )
    }
    manual = {
        str(row[0])
        for row in conn.execute(
            "SELECT d.domain FROM org_domain d JOIN organization o ON o.id = d.org_id WHERE o.source = 'manual'"
        )
    }
    before = conn.execute(
        "SELECT d.domain, d.org_id, d.alias FROM org_domain d JOIN organization o ON o.id = d.org_id "
        "WHERE o.source NOT IN ('finding', 'manual')"
    ).fetchall()
    conn.execute(
        "DELETE FROM org_domain WHERE org_id IN (SELECT id FROM organization WHERE source NOT IN ('finding', 'manual'))"
    )
    rows = []
    adopt: dict[int, int] = {}
    for item in clusters:
        assert item.org_id is not None
        for index, domain in enumerate(item.domains):
            if domain in manual:
                continue
            rows.append((domain, item.org_id, 1 if index else 0))
            if domain in placeholder_of:
                adopt.setdefault(placeholder_of[domain], item.org_id)
    conn.executemany("INSERT OR REPLACE INTO org_domain (domain, org_id, alias) VALUES (?, ?, ?)", rows)

    columns = referencing_columns(conn)
    for placeholder, target in adopt.items():
        move_references(conn, columns, placeholder, target, skip=_OWN_TABLES)
        left = conn.execute("SELECT 1 FROM org_domain WHERE org_id = ? LIMIT 1", (placeholder,)).fetchone()
        if left is None:
            conn.execute("DELETE FROM organization WHERE id = ?", (placeholder,))
            stats.adopted_placeholders += 1

    # 4. Organizations no source has any more: removed, unless something refers to them (then
    #    they keep their last values and the domains nobody else took).
    assigned = {item.org_id for item in clusters}
    kept: set[int] = set()
    for org_id, (_slug, source) in orgs.items():
        if org_id in assigned or source in NON_CATALOG:
            continue
        if source == "bundled" or is_referenced(conn, columns, org_id, skip=_OWN_TABLES):
            kept.add(org_id)
        else:
            conn.execute("DELETE FROM organization WHERE id = ?", (org_id,))
            stats.removed_organizations += 1
    conn.executemany(
        "INSERT OR IGNORE INTO org_domain (domain, org_id, alias) VALUES (?, ?, ?)",
        [(row[0], row[1], row[2]) for row in before if row[1] in kept],
    )

    # 5. Provenance: facts, aliases, record -> organization, statuses the sources report.
    if kept:
        conn.execute(f"DELETE FROM catalog_fact WHERE org_id NOT IN ({','.join(map(str, kept))})")
        conn.execute(f"DELETE FROM org_alias WHERE org_id NOT IN ({','.join(map(str, kept))})")
    else:
        conn.execute("DELETE FROM catalog_fact")
        conn.execute("DELETE FROM org_alias")
    facts: list[tuple[Any, ...]] = []
    aliases: list[tuple[int, str]] = []
    links: list[tuple[int, str, str]] = []
    for item, chosen in zip(clusters, chosen_by_cluster, strict=True):
        assert item.org_id is not None
        org = item.org_id
        facts += _facts(item, chosen, stamps, stamp)
        names = {item.chosen.get("name")}
        for record in item.records:
            if record.source != "bundled":
                links.append((org, record.source, record.source_id))
            stats.by_source[record.source] = stats.by_source.get(record.source, 0) + 1
            for alias in [record.name, *record.aliases]:
                if alias and alias not in names:
                    names.add(alias)
                    aliases.append((org, alias))
    conn.executemany(
        "INSERT OR REPLACE INTO catalog_fact (org_id, source, source_id, fields, chosen, agrees, source_url, "
        "source_date, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        facts,
    )
    conn.executemany("INSERT OR IGNORE INTO org_alias (org_id, name) VALUES (?, ?)", aliases)
    conn.executemany("UPDATE catalog_record SET org_id = ? WHERE source = ? AND source_id = ?", links)
    conn.execute("DELETE FROM contact_status WHERE source != 'user'")
    org_of_record = {(r.source, r.source_id): item.org_id for item in clusters for r in item.records}
    conn.executemany(
        "INSERT OR REPLACE INTO contact_status (kind, value, source, status, at, org_id) VALUES (?, ?, ?, ?, ?, ?)",
        [
            (*row, org_of_record.get((record.source, record.source_id)))
            for item in clusters
            for record in item.records
            for row in reported_by(record, stamps, stamp)
        ],
    )
    from exposure.catalog import bundled

    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('catalog_merged_bundled_digest', ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (bundled.load().digest,),
    )
    return stats


def reported_by(
    record: CatalogRecord, stamps: dict[str, str], stamp: str
) -> list[tuple[str, str, str, str, str]]:
    """(kind, value, source, status, date) of each contact the record's source reports bad."""
    return [
        (
            str(entry.get("kind") or "email"),
            str(entry["value"]),
            record.source,
            str(entry.get("status") or "bounced"),
            str(entry.get("date") or (stamps.get(record.source) or stamp)[:10]),
        )
        for entry in record.bounced
        if entry.get("value")
    ]


_ORG_COLUMNS = (
    "name", "category", "country", "privacy_email", "web_form", "postal_address", "opt_out_url",
    "opt_out_steps", "requires", "relisting_days", "parent_slug", "source", "source_url", "source_date",
)  # fmt: skip


def _org_row(item: Cluster, stamps: dict[str, str]) -> tuple[Any, ...]:
    c = item.chosen
    top = item.top
    date = top.source_date or (stamps.get(top.source) or now())[:10]
    return (
        c.get("name") or top.name,
        c.get("category") or "other",
        c.get("country"),
        c.get("privacy_email"),
        c.get("web_form"),
        c.get("postal_address"),
        c.get("opt_out_url"),
        json.dumps(c.get("opt_out_steps") or []),
        json.dumps(c.get("requires") or []),
        c.get("relisting_days"),
        item.parent_slug,
        top.source,
        top.source_url,
        date,
    )


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


def _facts(
    item: Cluster, chosen: dict[str, tuple[CatalogRecord, Any]], stamps: dict[str, str], stamp: str
) -> list[tuple[Any, ...]]:
    """One row per record: its values, the fields taken from it, the fields where it agrees."""
    rows: list[tuple[Any, ...]] = []
    single = len(item.records) == 1
    targets = {} if single else {name: normalize(name, value) for name, (_r, value) in chosen.items()}
    for record in item.records:
        fetched = stamps.get(record.source) or stamp
        values: dict[str, Any] = {}
        taken: list[str] = []
        agrees: list[str] = []
        for name in FACT_FIELDS:
            value = _field(record, name)
            if not value:
                continue
            values[name] = value
            picked = chosen.get(name)
            if picked is not None and picked[0] is record:
                taken.append(name)
                agrees.append(name)
            elif not single and name in targets and normalize(name, value) == targets[name]:
                agrees.append(name)
        rows.append(
            (
                item.org_id,
                record.source,
                record.source_id,
                _dumps(values),
                _dumps(taken),
                _dumps(agrees),
                record.source_url,
                record.source_date or fetched[:10],
                fetched,
            )
        )
    return rows


def _link_parents(
    clusters: list[Cluster],
    chosen: list[dict[str, tuple[CatalogRecord, Any]]],
    slug_of_domain: dict[str, str],
) -> None:
    """Parent slugs: the bundled one, else the operator a record names, else a mirror's owner."""
    by_slug = {item.slug: item for item in clusters}
    for item, picked in zip(clusters, chosen, strict=True):
        if "parent" not in picked:
            continue
        record, value = picked["parent"]
        slug = str(value) if record.source == "bundled" else slug_of_domain.get(str(value))
        if slug and slug != item.slug:
            item.parent_slug = slug
    for item in clusters:
        for record in item.records:
            for mirror in record.mirrors:
                other = by_slug.get(slug_of_domain.get(mirror.get("domain") or ""))
                if other is not None and other is not item and other.parent_slug is None:
                    other.parent_slug = item.slug


def _new_slug(item: Cluster, taken: set[str]) -> str:
    top = item.top
    if top.source in ("datarequests", "eraser"):
        base = slugify(top.source_id)
    else:
        base = slugify(top.name)
    main = item.domains[0] if item.domains else None
    base = base or (slugify(main) if main else "") or "organization"
    if base not in taken:
        return base
    if main:
        candidate = f"{base}-{slugify(main)}"
        if candidate not in taken:
            return candidate
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"
