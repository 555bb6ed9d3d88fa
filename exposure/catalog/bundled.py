"""The curated catalog shipped in the package (``catalog/data/*.json``).

Each file holds a JSON array of entries::

    {
      "slug": "spokeo",                       # unique, lower-case [a-z0-9-]
      "name": "Spokeo",
      "domains": ["spokeo.com"],              # registrable domains; the first is the main one
      "category": "people_search",            # one of core.models.CATEGORIES (not "unknown")
      "country": "US",                        # jurisdiction, ISO 3166-1 alpha-2
      "privacy_email": "privacy@spokeo.com",  # or null
      "web_form": "https://...",              # privacy request form, or null
      "postal_address": "...",                # or null
      "opt_out_url": "https://...",           # or null
      "opt_out_steps": ["..."],               # short imperative steps, may be empty
      "requires": ["email"],                  # subset of REQUIREMENTS
      "relisting_days": 90,                   # how often it re-lists people, or null
      "parent": "slug-of-owner",              # optional: the operator that owns this brand
      "source_url": "https://.../privacy",    # where the facts come from
      "source_date": "2025-06"                # when they were known (YYYY-MM or YYYY-MM-DD)
    }
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from exposure.core.errors import ExposureError
from exposure.core.models import CATEGORIES

REQUIREMENTS = frozenset(
    {"email", "phone", "id_document", "profile_url", "name", "address", "date_of_birth", "account_login"}
)
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[a-z0-9.-]+\.[a-z]{2,63}$")
_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
_FIELDS = {
    "slug", "name", "domains", "category", "country", "privacy_email", "web_form", "postal_address",
    "opt_out_url", "opt_out_steps", "requires", "relisting_days", "parent", "source_url", "source_date",
}  # fmt: skip


@dataclass(frozen=True)
class BundledCatalog:
    entries: tuple[dict[str, Any], ...]
    digest: str


def validate_entry(entry: Any) -> list[str]:
    """Return the problems with one catalog entry (empty when it is valid)."""
    if not isinstance(entry, dict):
        return ["entry is not an object"]
    problems: list[str] = []
    unknown = set(entry) - _FIELDS
    if unknown:
        problems.append(f"unknown fields {sorted(unknown)}")
    for key in ("slug", "name", "category", "source_url", "source_date"):
        if not isinstance(entry.get(key), str) or not entry.get(key):
            problems.append(f"{key} missing")
    if isinstance(entry.get("slug"), str) and not _SLUG.match(entry["slug"]):
        problems.append(f"bad slug {entry['slug']!r}")
    if entry.get("category") not in CATEGORIES or entry.get("category") == "unknown":
        problems.append(f"bad category {entry.get('category')!r}")
    domains = entry.get("domains")
    if not isinstance(domains, list) or not domains:
        problems.append("domains missing")
    else:
        problems += [f"bad domain {d!r}" for d in domains if not isinstance(d, str) or not _DOMAIN.match(d)]
    country = entry.get("country")
    if country is not None and not (isinstance(country, str) and re.fullmatch(r"[A-Z]{2}", country)):
        problems.append(f"bad country {country!r}")
    email = entry.get("privacy_email")
    if email is not None and not (isinstance(email, str) and _EMAIL.match(email)):
        problems.append(f"bad privacy_email {email!r}")
    for key in ("web_form", "opt_out_url", "source_url"):
        value = entry.get(key)
        if value is not None and not (isinstance(value, str) and value.startswith("https://")):
            problems.append(f"{key} must be an https URL")
    if not any(entry.get(k) for k in ("privacy_email", "web_form", "opt_out_url", "postal_address")):
        problems.append("no privacy contact (email, web form, opt-out URL or postal address)")
    steps = entry.get("opt_out_steps", [])
    if not isinstance(steps, list) or not all(isinstance(s, str) and s for s in steps):
        problems.append("opt_out_steps must be a list of strings")
    requires = entry.get("requires", [])
    if not isinstance(requires, list) or not set(requires) <= REQUIREMENTS:
        problems.append(f"requires must be a subset of {sorted(REQUIREMENTS)}")
    days = entry.get("relisting_days")
    if days is not None and not (isinstance(days, int) and days > 0):
        problems.append("relisting_days must be a positive integer or null")
    if isinstance(entry.get("source_date"), str) and not _DATE.match(entry["source_date"]):
        problems.append("source_date must be YYYY-MM or YYYY-MM-DD")
    return problems


@lru_cache(maxsize=1)
def load() -> BundledCatalog:
    """Read and validate every bundled catalog file."""
    folder = resources.files("exposure.catalog.data")
    entries: list[dict[str, Any]] = []
    digest = hashlib.sha256()
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if not item.name.endswith(".json"):
            continue
        raw = item.read_bytes()
        digest.update(item.name.encode() + b"\0" + raw)
        data = json.loads(raw)
        for index, entry in enumerate(data):
            problems = validate_entry(entry)
            if problems:
                raise ExposureError(f"bundled catalog {item.name} entry {index}: {'; '.join(problems)}")
            entries.append(entry)
    return BundledCatalog(tuple(entries), digest.hexdigest())
