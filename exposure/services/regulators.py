"""Use case: a regulator's complaint contacts, from the catalog the user imported.

The law table (:mod:`exposure.rights.laws`) names each regulator with its website only. Its
email, postal address and complaint form come from the supervisory authorities of the imported
public catalog (``exposure catalog update datarequests`` makes them organizations of category
``authority``), so they are as fresh as that catalog and follow its contact health (a bounced
address is no longer the organization's). Without an imported catalog, or when no authority
matches safely, the regulator is returned as it is.

Matching, most certain first, always within the regulator's country:

1. the website host (``www.`` aside) is one of the authority's sites or domains;
2. the registrable domain of the website is the authority's (``lda.bayern.de`` ~ ``bayern.de``),
   when exactly one authority has it;
3. position: the only general authority of the regulator's German Land (``DE-BY``), or the only
   national / federal authority of its country.

By domain or position a regional regulator (``US-CA``, ``DE-BY``) never takes a national
authority's contacts, and an authority of another region is never used.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from exposure.catalog.match import registrable_domain
from exposure.rights.laws import Regulator

#: Scopes of an authority competent for complaints about companies (importer vocabulary).
_REGIONAL_SCOPES = ("general", "private sector")
_NATIONAL_SCOPES = ("national", "federal")


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url if "://" in url else "https://" + url).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def _candidates(conn: sqlite3.Connection, country: str, region: str | None) -> list[dict[str, Any]]:
    """The imported authorities of ``country`` (services.catalog.authorities), with their hosts."""
    from exposure.services import catalog

    lookup = getattr(catalog, "authorities", None)
    if lookup is None:  # the catalog-at-scale service is not there: nothing to enrich from
        return []
    try:
        found: list[dict[str, Any]] = lookup(conn, country, region)
    except sqlite3.OperationalError:  # a store without the catalog tables
        return []
    for item in found:
        hosts = {
            str(r[0]) for r in conn.execute("SELECT domain FROM org_domain WHERE org_id = ?", (item["id"],))
        }
        hosts |= {
            str(r[0]).lower()
            for r in conn.execute(
                "SELECT json_extract(data, '$.site') FROM catalog_record WHERE org_id = ?", (item["id"],)
            )
            if r[0]
        }
        item["_hosts"] = hosts
        item["_domains"] = {d for d in (registrable_domain(h) for h in hosts) if d}
    return found


def authority_for(conn: sqlite3.Connection, regulator: Regulator) -> dict[str, Any] | None:
    """The imported catalog authority that is ``regulator``, or None when none matches safely.

    The item is one of :func:`exposure.services.catalog.authorities`, plus ``matched_by``
    (``host``, ``domain``, ``region`` or ``country``).
    """
    code = (regulator.country or "").upper()
    if not code:
        return None
    country, _, sub = code.partition("-")
    region = code if sub else None
    found = _candidates(conn, country, region)
    if not found:
        return None
    host = _host(regulator.url)
    domain = registrable_domain(regulator.url) if regulator.url else None

    def pick(items: list[dict[str, Any]], how: str) -> dict[str, Any] | None:
        if len(items) != 1:
            return None
        chosen = {k: v for k, v in items[0].items() if not k.startswith("_")}
        chosen["matched_by"] = how
        return chosen

    if host:
        # An authority of another region never fits (nor a Land authority a national regulator).
        by_host = [a for a in found if host in a["_hosts"] and a.get("region") in (None, region)]
        if by_host:
            return pick(by_host[:1], "host")
    if domain:
        by_domain = [
            a for a in found
            if domain in a["_domains"] and (a.get("region") == region if region else a.get("region") is None)
        ]  # fmt: skip
        if by_domain:
            return pick(by_domain, "domain")
    if region:
        return pick(
            [a for a in found if a.get("region") == region and a.get("scope") in _REGIONAL_SCOPES], "region"
        )
    return pick(
        [a for a in found if a.get("region") is None and a.get("scope", "national") in _NATIONAL_SCOPES],
        "country",
    )


def _provenance(item: dict[str, Any]) -> str:
    sources = [s for s in item.get("sources") or [] if s.get("source") not in ("bundled", None)]
    if not sources:
        return "contacts: the catalog"
    first = sources[0]
    label = str(first["source"])
    try:
        from exposure.services.catalog import SOURCE_LABELS

        label = SOURCE_LABELS.get(label, label)
    except ImportError:  # pragma: no cover - the labels are optional
        pass
    return f"contacts: {label}" + (f" ({first['date']})" if first.get("date") else "")


def regulator_contact(conn: sqlite3.Connection, regulator: Regulator) -> Regulator:
    """``regulator`` with its email, postal address and complaint form from the imported catalog.

    Only missing values are filled (a complaint page the law table names stays); ``source``
    then also says where the contacts come from. Returns ``regulator`` unchanged when no
    imported authority matches it.
    """
    item = authority_for(conn, regulator)
    if item is None:
        return regulator
    email = regulator.email or item.get("privacy_email")
    postal = regulator.postal or item.get("postal_address")
    complaint_url = regulator.complaint_url or item.get("web_form")
    language = regulator.language or item.get("language")
    if (email, postal, complaint_url, language) == (
        regulator.email,
        regulator.postal,
        regulator.complaint_url,
        regulator.language,
    ):
        return regulator
    source = "; ".join(s for s in (regulator.source, _provenance(item)) if s)
    return replace(
        regulator, email=email, postal=postal, complaint_url=complaint_url, language=language, source=source
    )
