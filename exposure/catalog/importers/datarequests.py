"""datarequests.org offline dump (``offline-data.json``, ``dump-format`` 1).

The dump is one JSON object: ``date``, ``dump-format``, and ``companies``,
``supervisory-authorities``, ``company-packs``, each a JSON *string* holding an array (or
object). Companies follow datenanfragen/data ``schema.json`` (required: slug,
relevant-countries, name, address, sources, quality). Supervisory authorities become
organizations of category ``authority`` with their complaint contacts.
"""

from __future__ import annotations

import json
from typing import Any

from exposure.catalog.importers import base
from exposure.catalog.importers.base import CatalogRecord, ParseResult
from exposure.core.errors import SourceError

NAME = "datarequests"
LABEL = "datarequests.org company and authority database"
DEFAULT_URL = "https://www.datarequests.org/offline-data.json"
CONTENT_TYPES = ("application/json", "text/plain", "application/octet-stream", "text/json")
EXPECTS = "JSON"

#: datarequests category -> exposure category, most specific first.
_CATEGORY_RANK: tuple[tuple[str, str], ...] = (
    ("credit agency", "credit"),
    ("addresses", "data_broker"),
    ("ads", "ads"),
    ("social media", "social"),
    ("telecommunication", "telecom"),
    ("collection agency", "finance"),
    ("finance", "finance"),
    ("insurance", "finance"),
    ("health", "health"),
    ("travel", "travel"),
    ("entertainment", "media"),
    ("commerce", "retailer"),
    ("utility", "other"),
    ("public body", "other"),
    ("school", "other"),
    ("church", "other"),
    ("political party", "other"),
    ("nonprofit", "other"),
)
_REQUIRES = {"name": "name", "email": "email", "address": "address", "birthdate": "date_of_birth"}
_TRANSPORT = {"email": "email", "webform": "web_form", "letter": "letter", "fax": "fax"}

#: German authorities: which Land (ISO 3166-2) they supervise, and special scopes.
_DE_AUTHORITIES: dict[str, tuple[str | None, str]] = {
    "debfdi": (None, "federal"),
    "debawueldb": ("DE-BW", "general"),
    "debaylda": ("DE-BY", "private sector"),
    "debayldb": ("DE-BY", "public sector"),
    "deberlbdi": ("DE-BE", "general"),
    "debralda": ("DE-BB", "general"),
    "debrelfdi": ("DE-HB", "general"),
    "dehessbdi": ("DE-HE", "general"),
    "dehmbbfdi": ("DE-HH", "general"),
    "demvldi": ("DE-MV", "general"),
    "dendslfd": ("DE-NI", "general"),
    "denrwldi": ("DE-NW", "general"),
    "derlpbdi": ("DE-RP", "general"),
    "desaarudz": ("DE-SL", "general"),
    "desaechsdsb": ("DE-SN", "general"),
    "desalbd": ("DE-ST", "general"),
    "deshuld": ("DE-SH", "general"),
    "detlfdi": ("DE-TH", "general"),
    "deekdbfd": (None, "church"),
    "dekathbayddsb": ("DE-BY", "church"),
    "dekathdsz": (None, "church"),
    "dekathffdsz": (None, "church"),
    "dekathnordddsb": (None, "church"),
    "dekathostddsb": (None, "church"),
    "derf": (None, "broadcasting"),
    "derfdw": (None, "broadcasting"),
}


def category_of(categories: Any) -> str | None:
    if not isinstance(categories, list):
        return None
    given = {c for c in categories if isinstance(c, str)}
    for name, category in _CATEGORY_RANK:
        if name in given:
            return category
    return None


def _array(dump: dict[str, Any], key: str, where: str) -> list[Any]:
    value = dump.get(key)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise SourceError(f"{key!r} is not valid JSON ({exc})", where=where, format=NAME) from None
    if not isinstance(value, list):
        raise SourceError(f"{key!r} is missing or not a list", where=where, format=NAME)
    return value


def parse(data: bytes, where: str = "offline-data.json") -> ParseResult:
    """Parse the offline dump; one :class:`CatalogRecord` per company and per authority."""
    dump = base.read_json(data, where, format=NAME, expected="the datarequests.org JSON dump")
    if not isinstance(dump, dict) or "companies" not in dump:
        raise SourceError(
            "not a datarequests.org offline dump (no 'companies' key)",
            where=where,
            format=NAME,
            hint="download https://www.datarequests.org/offline-data.json",
        )
    if dump.get("dump-format", 1) != 1:
        raise SourceError(f"unsupported dump-format {dump.get('dump-format')!r} (1 is known)", where=where)
    result = ParseResult(NAME, date=base.date_of(dump.get("date")))
    companies = _array(dump, "companies", where)
    authorities = _array(dump, "supervisory-authorities", where) if "supervisory-authorities" in dump else []
    for key, entries, read, counted in (
        ("companies", companies, _company, "companies"),
        ("supervisory-authorities", authorities, _authority, "authorities"),
    ):
        for index, raw in enumerate(entries):
            here = f"{where}: {key}[{index}]"
            identified = result.identified(raw, here, "slug", "not an object")
            if identified is None:
                continue
            record = read(*identified, here, result)
            if result.keep(record, here, "slug"):
                result.counts[counted] = result.counts.get(counted, 0) + 1
    return result


def _contacts(record: CatalogRecord, raw: dict[str, Any], where: str, result: ParseResult) -> None:
    record.postal_address = base.text(raw.get("address"), multiline=True, max_length=500)
    record.phone = base.text(raw.get("phone"), max_length=60)
    record.privacy_email = result.email_of(raw, "email", where)
    if raw.get("webform"):
        record.web_form = result.url_of(raw, "webform", where)
    if raw.get("web"):
        record.site = base.site_of(raw.get("web"))
        main = base.domain(raw.get("web"))
        if main:
            record.domains = [main]
        else:
            result.warn(where, f"web {raw.get('web')!r} has no usable host (dropped)")
    transport = raw.get("suggested-transport-medium")
    record.transport = _TRANSPORT.get(transport) if isinstance(transport, str) else None
    countries = [c for c in raw.get("relevant-countries") or [] if isinstance(c, str)]
    if len(countries) == 1 and countries[0] != "all":
        record.country = base.country(countries[0])
    if countries:
        record.extra["relevant_countries"] = countries
    sources = [s for s in (base.url(s) for s in raw.get("sources") or []) if s]
    if sources:
        record.extra["sources"] = sources[:10]
    for key in ("pgp-fingerprint", "pgp-url", "fax"):
        value = base.text(raw.get(key), max_length=300)
        if value:
            record.extra[key.replace("-", "_")] = value
    comments = [c for c in (base.text(c, max_length=500) for c in raw.get("comments") or []) if c]
    if comments:
        record.extra["comments"] = comments


def _company(raw: dict[str, Any], slug: str, name: str, where: str, result: ParseResult) -> CatalogRecord:
    record = CatalogRecord(
        source=NAME,
        source_id=slug,
        name=name,
        category=category_of(raw.get("categories")),
        source_url=f"https://www.datarequests.org/company/{slug}",
        source_date=result.date,
    )
    _contacts(record, raw, where, result)
    record.aliases = base.unique([base.text(r, max_length=200) for r in raw.get("runs") or []])
    requires = base.unique(
        [_REQUIRES.get(str(e.get("type"))) for e in raw.get("required-elements") or [] if isinstance(e, dict)]
    )
    if raw.get("needs-id-document") is True:
        requires.append("id_document")
    record.requires = requires
    for key in ("quality", "request-language"):
        value = base.text(raw.get(key), max_length=40)
        if value:
            record.extra[key.replace("-", "_")] = value
    if isinstance(raw.get("categories"), list):
        record.extra["categories"] = [c for c in raw["categories"] if isinstance(c, str)]
    if raw.get("nsfw") is True:
        record.extra["nsfw"] = True
    return record


def _authority(raw: dict[str, Any], slug: str, name: str, where: str, result: ParseResult) -> CatalogRecord:
    record = CatalogRecord(
        source=NAME,
        source_id=f"authority/{slug}",
        name=name,
        category="authority",
        source_url=(base.url((raw.get("sources") or [None])[0]) or base.url(raw.get("web"))),
        source_date=result.date,
    )
    _contacts(record, raw, where, result)
    record.extra["authority"] = True
    language = base.text(raw.get("complaint-language"), max_length=10)
    if language:
        record.extra["complaint_language"] = language
    region, scope = _DE_AUTHORITIES.get(slug, (None, "national"))
    if region:
        record.extra["region"] = region
    record.extra["scope"] = scope
    return record
