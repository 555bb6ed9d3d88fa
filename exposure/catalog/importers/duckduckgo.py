"""DuckDuckGo Personal Information Removal broker definitions (one JSON file per broker).

Each file: ``name``, ``url`` (bare host), ``version``, ``addedDatetime`` (ms), ``optOutUrl``,
optional ``parent`` (the operator's site; opt-out happens there), ``mirrorSites`` (other sites
showing the same data: ``name``, ``url``, ``optOutUrl``, ``removedAt``), ``steps`` (a ``scan``
step whose first ``navigate`` URL is the search-URL template, an ``optOut`` step of scripted
actions) and ``schedulingConfig`` (hours: ``retryError``, ``confirmOptOutScan``,
``maintenanceScan``). Files whose name starts with ``fake`` are upstream test fixtures: skipped.

Updates read a GitHub "contents" listing of the folder (``download_url`` per file).
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from exposure.catalog.importers import base
from exposure.catalog.importers.base import CatalogRecord, ParseResult
from exposure.core.errors import SourceError

NAME = "duckduckgo"
LABEL = "DuckDuckGo people-search broker definitions"
DEFAULT_URL = (
    "https://api.github.com/repos/duckduckgo/apple-browsers/contents/SharedPackages/"
    "DataBrokerProtectionCore/Sources/DataBrokerProtectionCore/Resources/JSON?ref=main"
)
CONTENT_TYPES = ("application/json", "text/plain", "application/octet-stream", "text/json")
EXPECTS = "JSON"
MAX_FILES = 1000

_REQUIRES = {
    "email": "email",
    "profileUrl": "profile_url",
    "fullName": "name",
    "firstName": "name",
    "lastName": "name",
    "name": "name",
    "middleName": "name",
    "city": "address",
    "state": "address",
    "address": "address",
    "addressCityState": "address",
    "addressFull": "address",
    "street": "address",
    "zipCode": "address",
    "phone": "phone",
    "phoneNumber": "phone",
    "age": "date_of_birth",
    "birthYear": "date_of_birth",
}
_FIELD_LABELS = {"profileUrl": "the URL of your listing", "fullName": "your full name"}


def is_definition_name(name: str) -> bool:
    return name.endswith(".json") and not name.lower().startswith("fake")


def parse_folder(folder: Path) -> ParseResult:
    """Parse every broker definition in a folder (``*.json``, test fixtures skipped)."""
    if not folder.is_dir():
        raise SourceError("not a folder of DuckDuckGo broker definitions", where=str(folder), format=NAME)
    documents: list[tuple[str, bytes]] = []
    for path in sorted(folder.iterdir()):
        if path.is_file() and is_definition_name(path.name):
            try:
                documents.append((path.name, path.read_bytes()))
            except OSError as exc:
                raise SourceError(f"cannot read ({exc.strerror})", where=str(path)) from None
    if not documents:
        raise SourceError("no broker definitions (*.json) in this folder", where=str(folder), format=NAME)
    return parse_documents(documents, str(folder))


def parse(data: bytes, where: str = "broker.json") -> ParseResult:
    """One definition file, or a JSON array of definitions."""
    value = base.read_json(data, where, format=NAME, expected="a DuckDuckGo broker definition")
    result = ParseResult(NAME)
    items = value if isinstance(value, list) else [value]
    stem = Path(where).name.removesuffix(".json")
    for index, item in enumerate(items):
        label = f"{where}: [{index}]" if isinstance(value, list) else where
        _add(result, item, label, stem if not isinstance(value, list) else None)
    result.counts["definitions"] = len(result.records)
    return result


def parse_documents(documents: list[tuple[str, bytes]], where: str) -> ParseResult:
    """Several definition files given as (file name, bytes); bad files are skipped and reported."""
    result = ParseResult(NAME)
    for name, data in documents:
        label = f"{where}/{name}" if where else name
        try:
            item = json.loads(base.decode(data, label))
        except (ValueError, SourceError) as exc:
            result.skip(label, f"not valid JSON ({exc})")
            continue
        _add(result, item, label, name.removesuffix(".json"))
    result.counts["definitions"] = len(result.records)
    return result


def parse_listing(data: bytes, where: str) -> list[tuple[str, str]]:
    """(file name, download URL) of each definition in a GitHub contents listing."""
    listing = base.read_json(data, where, format=NAME, expected="a GitHub contents listing")
    if not isinstance(listing, list):
        raise SourceError(
            "not a folder listing (expected a JSON array of files with 'download_url')", where=where
        )
    files: list[tuple[str, str]] = []
    for item in listing:
        if not isinstance(item, dict) or item.get("type", "file") != "file":
            continue
        name, link = item.get("name"), _download_url(item.get("download_url"))
        if isinstance(name, str) and link and is_definition_name(name) and "/" not in name:
            files.append((name, link))
    if not files:
        raise SourceError("the listing names no broker definition (*.json)", where=where, format=NAME)
    if len(files) > MAX_FILES:
        raise SourceError(f"the listing names {len(files)} files; refused (at most {MAX_FILES})", where=where)
    return files


def _download_url(value: Any) -> str | None:
    """An http(s) URL with a host (any host: a mirror or a local server may serve the files)."""
    if not isinstance(value, str) or not value.lower().startswith(("https://", "http://")):
        return None
    try:
        host = urlsplit(value).hostname
    except ValueError:
        return None
    return value if host and " " not in value else None


def _add(result: ParseResult, item: Any, where: str, stem: str | None) -> None:
    record = _definition(item, where, result, stem)
    if record is not None:
        result.keep(record, where, "definition")


def _definition(raw: Any, where: str, result: ParseResult, stem: str | None) -> CatalogRecord | None:
    if not isinstance(raw, dict):
        result.skip(where, "not a JSON object")
        return None
    name = base.text(raw.get("name"), max_length=300)
    steps: list[Any] = raw["steps"] if isinstance(raw.get("steps"), list) else []
    scan = next((s for s in steps if isinstance(s, dict) and s.get("stepType") == "scan"), {})
    # Old definitions (v0.1) have no "url": the name is the host, or the search URL's host is.
    host_value = raw.get("url") or (name if name and "." in name and " " not in name else None)
    host_value = host_value or _search_url(scan)
    site = base.site_of(host_value)
    main = base.domain(host_value)
    if not name or not site or not main:
        result.skip(where, "no name or no usable url")
        return None
    opt_out = next((s for s in steps if isinstance(s, dict) and s.get("stepType") == "optOut"), {})
    parent = base.domain(raw.get("parent")) if raw.get("parent") else None
    record = CatalogRecord(
        source=NAME,
        source_id=stem or site,
        name=name,
        domains=[main],
        site=site,
        category="people_search",
        country="US",
        opt_out_url=base.url(raw.get("optOutUrl")),
        search_url=_search_url(scan),
        parent=parent,
        source_url=(
            "https://github.com/duckduckgo/apple-browsers/blob/main/SharedPackages/DataBrokerProtectionCore/"
            f"Sources/DataBrokerProtectionCore/Resources/JSON/{stem or site}.json"
        ),
        source_date=_date(raw.get("addedDatetime")),
    )
    record.opt_out_steps, record.requires = _opt_out(opt_out, parent)
    schedule = raw.get("schedulingConfig")
    if isinstance(schedule, dict):
        hours = {k: v for k, v in schedule.items() if isinstance(v, int) and not isinstance(v, bool)}
        record.extra["schedule_hours"] = hours
        maintenance = hours.get("maintenanceScan")
        if maintenance and maintenance > 0:
            record.relisting_days = max(1, math.ceil(maintenance / 24))
    version = base.text(raw.get("version"), max_length=20)
    if version:
        record.extra["version"] = version
    if isinstance(opt_out, dict) and opt_out.get("optOutType"):
        record.extra["opt_out_type"] = base.text(opt_out.get("optOutType"))
    for mirror in raw.get("mirrorSites") or []:
        if not isinstance(mirror, dict) or mirror.get("removedAt"):
            continue
        mirror_domain = base.domain(mirror.get("url"))
        if not mirror_domain:
            result.warn(where, f"mirror site {mirror.get('url')!r} has no usable host (dropped)")
            continue
        mirror_name = base.text(mirror.get("name"), max_length=200) or mirror_domain
        record.mirrors.append(
            {"name": mirror_name, "domain": mirror_domain, "opt_out_url": base.url(mirror.get("optOutUrl"))}
        )
        if mirror_domain not in record.domains:
            record.domains.append(mirror_domain)
        if mirror_name not in record.aliases:
            record.aliases.append(mirror_name)
    return record


def _date(value: Any) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        try:
            return datetime.fromtimestamp(value / 1000, UTC).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    return None


def _search_url(scan: Any) -> str | None:
    if not isinstance(scan, dict):
        return None
    for action in scan.get("actions") or []:
        if isinstance(action, dict) and action.get("actionType") == "navigate":
            value = base.text(action.get("url"), max_length=1000)
            if value and value.startswith(("https://", "http://")):
                return value
    return None


def _opt_out(step: Any, parent: str | None) -> tuple[list[str], list[str]]:
    """Short imperative steps and the facts the form asks for, from the scripted opt-out."""
    if not isinstance(step, dict):
        return [], []
    if step.get("optOutType") == "parentSiteOptOut":
        return (
            [f"Opt out on the operator's site ({parent}); that removes this site too."] if parent else []
        ), []
    steps: list[str] = []
    requires: list[str] = []
    captcha = False
    for action in step.get("actions") or []:
        if not isinstance(action, dict):
            continue
        kind = action.get("actionType")
        if kind == "navigate":
            target = base.url(action.get("url"))
            if target and "${" not in target:
                steps.append(f"Open {target}")
            else:
                steps.append("Open the opt-out page")
        elif kind == "fillForm":
            types = [e.get("type") for e in action.get("elements") or [] if isinstance(e, dict)]
            labels = base.unique([_FIELD_LABELS.get(t, _humanize(t)) for t in types if isinstance(t, str)])
            requires.extend(_REQUIRES[t] for t in types if isinstance(t, str) and t in _REQUIRES)
            if labels:
                steps.append(f"Fill in {', '.join(labels)}")
        elif kind in ("getCaptchaInfo", "solveCaptcha"):
            if not captcha:
                steps.append("Solve the CAPTCHA")
                captcha = True
        elif kind == "click":
            steps.append("Submit the form")
        elif kind == "emailConfirmation":
            steps.append("Open the confirmation link in the email they send")
    collapsed: list[str] = []
    for item in steps:
        if not collapsed or collapsed[-1] != item:
            collapsed.append(item)
    return collapsed, base.unique(list(requires))


def _humanize(value: str) -> str:
    words: list[str] = []
    current = ""
    for ch in value:
        if ch.isupper() and current:
            words.append(current)
            current = ch.lower()
        else:
            current += ch
    words.append(current)
    return "your " + " ".join(words)
