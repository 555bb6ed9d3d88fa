"""California (CPPA) data broker registry CSV, in every header variant published so far.

- ``registry.csv`` (2025-2026): ``Data broker name:`` (sometimes with a no-break space),
  ``Doing Business As (DBA), if applicable:``, ``Data broker primary website:``,
  ``Data broker primary contact email address:``, ``Data broker primary phone number: [optional]``,
  ``Data broker primary street address:``, ``Data broker city:``, ``Data broker state:``,
  ``Data broker zip code:``, ... and the URL of the page on exercising CCPA rights. The 2025 file
  has a metadata row above the header row and a byte-order mark.
- ``registry2024.csv``: ``Business name``, ``Doing Business As (DBA), if applicable [optional]``,
  ``Business primary website``, ``Business primary contact email address``,
  ``Business primary phone number [optional]``, ``Business primary street address``,
  ``Business city``, ``Business state abbreviation `` (trailing space) ...
- ``complete-reg-data-brokers.csv`` (2020-2023): ``Data Broker Name``, ``Website URL``,
  ``Email Address``, ``Physical Address``, ``How a consumer may opt out of sale or submit
  requests under the CCPA`` (free text with URLs and addresses).

Emails are sometimes obfuscated (``privacy [at] example.com``): they are de-obfuscated.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from functools import lru_cache

from exposure.catalog.importers import base
from exposure.catalog.importers.base import CatalogRecord, ParseResult
from exposure.core.errors import SourceError

NAME = "california"
LABEL = "California (CPPA) data broker registry"
DEFAULT_URL = "https://cppa.ca.gov/data_broker_registry/registry.csv"
CONTENT_TYPES = (
    "text/csv", "text/plain", "application/csv", "application/octet-stream", "application/vnd.ms-excel",
    "text/comma-separated-values", "application/x-csv",
)  # fmt: skip
EXPECTS = "CSV"
HEADER_SCAN_ROWS = 10
_OPTIONAL = re.compile(r"\[optional\]|\(optional\)|,? if applicable", re.I)


def normalize_header(value: str) -> str:
    value = value.replace("\ufeff", "").replace("\xa0", " ")
    value = _OPTIONAL.sub(" ", value)
    value = " ".join(value.lower().split())
    return value.rstrip(":").strip()


def _is_name(h: str) -> bool:
    if "doing business" in h or "dba" in h.split():
        return False
    return h in ("data broker name", "business name", "legal name", "name", "company name") or (
        "name" in h and ("data broker" in h or "business" in h) and len(h) < 40
    )


def _is_website(h: str) -> bool:
    if any(word in h for word in ("exercise", "rights", "details", "opt", "request", "privacy")):
        return False
    return "primary website" in h or h in ("website url", "website", "web site", "url", "website address")


def _is_rights_url(h: str) -> bool:
    return "exercise" in h or ("rights" in h and ("website" in h or "url" in h or "page" in h))


def _is_opt_out_text(h: str) -> bool:
    return "opt out" in h or "opt-out" in h or "submit requests" in h


def _is_state(h: str) -> bool:
    return ("state" in h.split() or h.endswith("state abbreviation")) and "statement" not in h


_ROLES: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("name", _is_name),
    ("dba", lambda h: "doing business as" in h or h.startswith("dba")),
    ("website", _is_website),
    ("email", lambda h: "email" in h),
    ("phone", lambda h: "phone" in h),
    ("street", lambda h: "street address" in h or "physical address" in h or h.endswith("address line 1")),
    ("city", lambda h: h.endswith("city") or h == "city"),
    ("state", _is_state),
    ("zip", lambda h: "zip" in h or "postal code" in h),
    ("country", lambda h: "country" in h),
    ("rights_url", _is_rights_url),
    ("opt_out", _is_opt_out_text),
)


def map_columns(headers: list[str]) -> dict[str, int]:
    """Role (name, website, email, ...) -> column index, for any known header variant."""
    normalized = [normalize_header(h) for h in headers]
    roles: dict[str, int] = {}
    for role, test in _ROLES:
        for index, header in enumerate(normalized):
            if index in roles.values() or not header:
                continue
            if test(header):
                roles[role] = index
                break
    return roles


@lru_cache(maxsize=256)
def _country_code(value: str) -> str | None:
    upper = value.strip().upper()
    if upper in ("US", "USA", "U.S.", "U.S.A.", "UNITED STATES", "UNITED STATES OF AMERICA"):
        return "US"
    if len(upper) == 2 and upper.isalpha():
        return upper
    try:
        import pycountry

        found = pycountry.countries.lookup(value.strip())
        return str(found.alpha_2)
    except (LookupError, ImportError):
        return None


def parse(data: bytes, where: str = "registry.csv") -> ParseResult:
    base.refuse_html(data, where, "the California registry CSV")
    content = base.decode(data, where)
    try:
        rows = list(csv.reader(io.StringIO(content, newline="")))
    except csv.Error as exc:
        raise SourceError(f"not a readable CSV file ({exc})", where=where, format=NAME) from None
    header_index, roles = -1, {}
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        candidate = map_columns(row)
        if "name" in candidate and ("website" in candidate or "email" in candidate):
            header_index, roles = index, candidate
            break
    if header_index < 0:
        raise SourceError(
            "no registry header row (a 'Data broker name' / 'Business name' column with a website or "
            "email column) in the first rows",
            where=where,
            format=NAME,
        )
    result = ParseResult(NAME)
    for number, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        if not any(cell.strip() for cell in row):
            continue
        record = _row(row, roles, f"{where}: line {number}", result)
        if record is not None:
            result.keep_renamed(record, _twin_suffix)
    result.counts["brokers"] = len(result.records)
    return result


def _twin_suffix(record: CatalogRecord, count: int) -> object:
    """What tells apart a broker whose name is registered again: its domain, else a number."""
    return record.domains[0] if record.domains else count + 1


def _row(row: list[str], roles: dict[str, int], where: str, result: ParseResult) -> CatalogRecord | None:
    def cell(role: str) -> str | None:
        index = roles.get(role)
        if index is None or index >= len(row):
            return None
        return base.text(row[index], multiline=role in ("street", "opt_out"), max_length=2000)

    name = cell("name")
    if not name:
        result.skip(where, "no data broker name")
        return None
    where = f"{where} ({name})"
    website = base.url(cell("website"))
    opt_out_text = cell("opt_out")
    rights_url = base.url(cell("rights_url"))
    text_urls = base.urls_in(opt_out_text)
    raw_email = cell("email")
    address = base.email(raw_email) if raw_email else None
    if raw_email and address is None:
        found = base.emails_in(raw_email)
        address = found[0] if found else None
        if address is None:
            result.warn(where, f"email {raw_email!r} is not an email address (dropped)")
    if address is None:
        in_text = base.emails_in(opt_out_text)
        address = in_text[0] if in_text else None
    main = base.domain(website)
    if main is None and cell("website"):
        result.warn(where, f"website {cell('website')!r} has no usable host (dropped)")
    opt_out_url = rights_url or (text_urls[0] if text_urls else None)
    country_value = cell("country")
    record = CatalogRecord(
        source=NAME,
        source_id=base.slugify(name) or (main or name),
        name=name,
        domains=[main] if main else [],
        site=base.site_of(website) if website else None,
        category="data_broker",
        country=_country_code(country_value) if country_value else None,
        privacy_email=address,
        opt_out_url=opt_out_url,
        postal_address=_postal(cell("street"), cell("city"), cell("state"), cell("zip"), country_value),
        phone=base.text(cell("phone"), max_length=60),
        source_url="https://cppa.ca.gov/data_broker_registry/",
    )
    dba = cell("dba")
    if dba and dba.lower() not in ("n/a", "na", "none", "-", name.lower()):
        record.aliases = [dba]
    if opt_out_text and not rights_url:
        record.notes = opt_out_text[:1000]
    return record


def _postal(
    street: str | None, city: str | None, state: str | None, zip_code: str | None, country: str | None
) -> str | None:
    line2 = " ".join(p for p in (f"{city}," if city and (state or zip_code) else city, state, zip_code) if p)
    lines = [p for p in (street, line2, country) if p]
    return "\n".join(lines) if lines else None
