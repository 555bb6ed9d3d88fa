"""Eraser ``data/brokers.yaml``: data brokers with email, website and opt-out URL.

``brokers:`` is a list of mappings: ``id``, ``name``, ``email`` (may be ""), ``website``,
``opt_out_url``, ``region`` (us, eu, global), ``category`` (people-search, background-check,
marketing, device-id-only, financial-b2b) and ``notes``. The notes are dated reports such as
"privacy@x.com bounced; ... Updated 2026-08-20": a named address that bounced is kept as a
bounced contact with its date, so it is never used again.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from exposure.catalog.importers import base
from exposure.catalog.importers.base import CatalogRecord, ParseResult
from exposure.core.errors import SourceError

NAME = "eraser"
LABEL = "Eraser data-broker list"
DEFAULT_URL = "https://raw.githubusercontent.com/drumandbytes/eraser/main/data/brokers.yaml"
CONTENT_TYPES = (
    "text/plain", "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml",
    "application/octet-stream",
)  # fmt: skip
EXPECTS = "YAML"

_CATEGORIES = {
    "people-search": "people_search",
    "background-check": "people_search",
    "marketing": "data_broker",
    "financial-b2b": "data_broker",
    "device-id-only": "ads",
}
_REGIONS = {"us": "US"}
_DATE = re.compile(r"\b(20\d\d-\d\d-\d\d)\b")
_BOUNCED = re.compile(r"\bbounced\b|\bno longer (?:in use|used|operational)\b|\bbounce\b", re.I)

try:  # libyaml is ten times faster when the wheel has it
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader


def parse(data: bytes, where: str = "brokers.yaml") -> ParseResult:
    base.refuse_html(data, where, "the Eraser brokers.yaml")
    try:
        document = yaml.load(base.decode(data, where), Loader=_Loader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise SourceError(
            f"not valid YAML ({getattr(exc, 'problem', exc)})", where=f"{where}{line}"
        ) from None
    brokers = document.get("brokers") if isinstance(document, dict) else document
    if not isinstance(brokers, list):
        raise SourceError("not an Eraser brokers file (no 'brokers:' list)", where=where, format=NAME)
    result = ParseResult(NAME)
    for index, raw in enumerate(brokers):
        here = f"{where}: brokers[{index}]"
        record = _broker(raw, here, result)
        if record is not None:
            result.keep(record, here, "id")
    result.counts["brokers"] = len(result.records)
    return result


def _broker(raw: Any, where: str, result: ParseResult) -> CatalogRecord | None:
    identified = result.identified(raw, where, "id", "not a mapping")
    if identified is None:
        return None
    raw, broker_id, name = identified
    where = f"{where} (id {broker_id})"
    website = base.url(raw.get("website"))
    opt_out = result.url_of(raw, "opt_out_url", where)
    address = result.email_of(raw, "email", where)
    main = base.domain(website) or base.domain(opt_out)
    notes = base.text(raw.get("notes"), max_length=1000)
    category = base.text(raw.get("category"))
    region = base.text(raw.get("region"))
    record = CatalogRecord(
        source=NAME,
        source_id=broker_id,
        name=name,
        domains=[main] if main else [],
        site=base.site_of(website) if website else None,
        category=_CATEGORIES.get(category or "", "data_broker"),
        country=_REGIONS.get((region or "").lower()),
        privacy_email=address,
        opt_out_url=opt_out,
        notes=notes,
        source_url="https://github.com/drumandbytes/eraser/blob/main/data/brokers.yaml",
    )
    if category:
        record.extra["category"] = category
    if region:
        record.extra["region"] = region
    if notes:
        dates = _DATE.findall(notes)
        if dates:
            record.source_date = max(dates)
        record.bounced = _bounced(notes, address, record.source_date)
    return record


def _bounced(notes: str, current: str | None, date: str | None) -> list[dict[str, str | None]]:
    """Addresses the note says bounced (never the address the entry now gives)."""
    found: list[dict[str, str | None]] = []
    for address in base.emails_in(notes):
        if address == current:
            continue
        position = base.deobfuscate_email(notes).lower().find(address.split("@")[0].lower() + "@")
        window = notes[position : position + len(address) + 60] if position >= 0 else ""
        if _BOUNCED.search(window):
            found.append({"kind": "email", "value": address, "status": "bounced", "date": date})
    return found
