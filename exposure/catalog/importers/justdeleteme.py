"""JustDeleteMe ``_data/sites.json``: services with their account-deletion link and difficulty.

A JSON array of objects: ``name``, ``url`` (the deletion page), ``difficulty`` (easy, medium,
hard, limited, impossible), ``domains``, optional ``notes`` (and ``notes_xx`` translations),
``email`` (where deletion requests go) and ``email_subject`` / ``email_body`` (templates full of
``XXXXXX`` placeholders: never kept, no placeholder may reach a company).
"""

from __future__ import annotations

from typing import Any

from exposure.catalog.importers import base
from exposure.catalog.importers.base import CatalogRecord, ParseResult
from exposure.core.errors import SourceError

NAME = "justdeleteme"
LABEL = "JustDeleteMe account-deletion directory"
DEFAULT_URL = "https://raw.githubusercontent.com/jdm-contrib/jdm/master/_data/sites.json"
CONTENT_TYPES = ("application/json", "text/plain", "application/octet-stream", "text/json")
EXPECTS = "JSON"
DIFFICULTIES = ("easy", "medium", "hard", "limited", "impossible")


def parse(data: bytes, where: str = "sites.json") -> ParseResult:
    sites = base.read_json(data, where, format=NAME, expected="the JustDeleteMe sites.json")
    if isinstance(sites, dict) and isinstance(sites.get("sites"), list):
        sites = sites["sites"]
    if not isinstance(sites, list):
        raise SourceError("not a JustDeleteMe sites list (expected a JSON array)", where=where, format=NAME)
    result = ParseResult(NAME)
    for index, raw in enumerate(sites):
        record = _site(raw, f"{where}: [{index}]", result)
        if record is not None:
            result.keep_renamed(record)
    result.counts["sites"] = len(result.records)
    return result


def _site(raw: Any, where: str, result: ParseResult) -> CatalogRecord | None:
    if not isinstance(raw, dict):
        result.skip(where, "not an object")
        return None
    name = base.text(raw.get("name"), max_length=300)
    if not name:
        result.skip(where, "no name")
        return None
    where = f"{where} ({name})"
    domains = raw.get("domains") or []
    if not isinstance(domains, list):
        domains = []
    hosts = [h for h in (base.site_of(d) for d in domains if isinstance(d, str)) if h]
    registrable = base.unique([base.domain(h) for h in hosts])
    deletion_url = result.url_of(raw, "url", where)
    if not registrable:
        fallback = base.domain(deletion_url)
        if fallback is None:
            result.skip(where, "no usable domain and no deletion URL")
            return None
        registrable = [fallback]
        hosts = [base.site_of(deletion_url) or fallback]
    # The main domain: the one the deletion page is on, else the first that is a site of its own.
    main = base.domain(deletion_url) if deletion_url else None
    if main not in registrable:
        main = next((h for h in hosts if h in registrable), registrable[0])
    domains_out = [main, *[d for d in registrable if d != main]]
    site = main if main in hosts else next((h for h in hosts if base.domain(h) == main), main)
    difficulty = base.text(raw.get("difficulty"))
    difficulty = difficulty.lower() if difficulty else None
    if difficulty not in DIFFICULTIES:
        if difficulty:
            result.warn(where, f"unknown difficulty {difficulty!r} (dropped)")
        difficulty = None
    record = CatalogRecord(
        source=NAME,
        source_id=base.slugify(name) or main,
        name=name,
        domains=domains_out,
        site=site,
        category="app",
        deletion_url=deletion_url,
        difficulty=difficulty,
        notes=base.text(raw.get("notes"), max_length=1000),
        source_url="https://justdeleteme.xyz/",
    )
    record.privacy_email = result.email_of(raw, "email", where)
    if raw.get("meta") == "popular":
        record.extra["popular"] = True
    localized = {
        key[4:]: base.url(value)
        for key, value in raw.items()
        if isinstance(key, str) and key.startswith("url_") and base.url(value)
    }
    if localized:
        record.extra["deletion_url_by_language"] = localized
    return record
