"""Regulator contacts come from the imported catalog at run time, never from the law table.

The synthetic dump below is in the datarequests.org offline format; every contact in it is
invented (``.example`` addresses). The last test reads the real upstream dump in place when it
is there.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from exposure.rights.laws import PUBLIC, REGIMES, Regulator, regulator_for

pytest.importorskip(
    "exposure.catalog.importers.datarequests", reason="the catalog importers (issue 5) are not there"
)
update_catalog = pytest.importorskip(
    "exposure.services.update_catalog", reason="catalog import service missing"
)
catalog = pytest.importorskip("exposure.services.catalog")
if not hasattr(catalog, "authorities"):
    pytest.skip("services.catalog.authorities (issue 5) is not there yet", allow_module_level=True)

from exposure.services.regulators import authority_for, regulator_contact  # noqa: E402

UPSTREAM = Path(__file__).resolve().parents[3] / "shared" / "upstream" / "datarequests-offline-data.json"

GDPR = REGIMES["gdpr"]


def _authority(slug: str, country: str, web: str, **contacts: str) -> dict[str, Any]:
    return {"slug": slug, "relevant-countries": [country], "name": contacts.pop("name", slug), "web": web,
            "sources": [web], **contacts}  # fmt: skip


#: Invented authorities. Hosts that match a table regulator use its public website; the
#: contacts do not exist.
AUTHORITIES = [
    # Berlin: matched by its website host.
    _authority("deberlbdi", "de", "https://www.datenschutz-berlin.de/", name="Berlin DPA (test)",
               email="beschwerde@berlin-dpa.example", address="Teststraße 1\n10115 Berlin",
               webform="https://forms.berlin-dpa.example/complaint", **{"complaint-language": "de"}),
    # Bavaria: the private-sector authority under another host (matched by Land), and the
    # public-sector one, which must never be chosen for complaints about companies.
    _authority("debaylda", "de", "https://lda-test.example/", name="Bavaria private sector (test)",
               email="private@bavaria-dpa.example"),
    _authority("debayldb", "de", "https://public-bavaria.example/", name="Bavaria public sector (test)",
               email="public@bavaria-dpa.example"),
    # The federal authority, under another host: matched as the only federal authority.
    _authority("debfdi", "de", "https://federal-dpa.example/", name="Federal DPA (test)",
               email="federal@federal-dpa.example"),
    # A church authority with no Land: never a national fallback.
    _authority("dekathdsz", "de", "https://church-dpa.example/", name="Church DPA (test)",
               email="church@church-dpa.example"),
    # France: a complaint page the table already knows stays the table's.
    _authority("frcnil", "fr", "https://www.cnil.fr/", name="CNIL (test)", email="plaintes@cnil-test.example",
               webform="https://cnil-test.example/form", address="1 rue d'Essai\n75000 Paris"),
    # Austria: a national authority under another host, matched by country.
    _authority("atdsb", "at", "https://dsb-test.example/", name="Austrian DPA (test)", email="dsb@dsb-test.example"),
    # The Netherlands: two national authorities, neither with the table's host: ambiguous by
    # country (example.org / example.net are reserved names with a registrable domain).
    _authority("nlone", "nl", "https://www.example.org/", name="NL one (test)", email="one@nl-one.example"),
    _authority("nltwo", "nl", "https://www.example.net/", name="NL two (test)", email="two@nl-two.example"),
]  # fmt: skip


def _dump(path: Path, authorities: list[dict[str, Any]]) -> Path:
    company = {"slug": "testco", "relevant-countries": ["de"], "name": "TestCo GmbH", "address": "Weg 1\n12345 Ort",
               "web": "https://testco.example/", "email": "privacy@testco.example", "sources": [], "quality": "verified"}  # fmt: skip
    path.write_text(
        json.dumps(
            {
                "date": "2026-01-02",
                "dump-format": 1,
                "companies": json.dumps([company]),
                "supervisory-authorities": json.dumps(authorities),
                "company-packs": "[]",
            }
        ),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def imported(conn: sqlite3.Connection, tmp_path: Path) -> sqlite3.Connection:
    result = update_catalog.import_catalog(
        conn, _dump(tmp_path / "offline-data.json", AUTHORITIES), "datarequests"
    )
    [source] = result.sources
    assert source.status == "updated", source.message
    assert source.counts.get("authorities") == len(AUTHORITIES)
    return conn


def _table(country: str, region: str | None = None) -> Regulator:
    reg = regulator_for(GDPR, country, region)
    assert reg is not None
    return reg


def test_without_an_imported_catalog_the_regulator_is_unchanged(conn: sqlite3.Connection) -> None:
    berlin = _table("DE", "DE-BE")
    assert regulator_contact(conn, berlin) is berlin
    assert authority_for(conn, berlin) is None


def test_contacts_come_from_the_matching_catalog_authority(imported: sqlite3.Connection) -> None:
    berlin = _table("DE", "DE-BE")
    assert berlin.email is None and berlin.postal is None and berlin.complaint_url is None
    found = regulator_contact(imported, berlin)
    assert found.email == "beschwerde@berlin-dpa.example"
    assert found.postal == "Teststraße 1\n10115 Berlin"
    assert found.complaint_url == "https://forms.berlin-dpa.example/complaint"
    # What the table says stays; the provenance says where the contacts come from.
    assert (found.name, found.country, found.url, found.language) == (
        berlin.name, berlin.country, berlin.url, berlin.language,
    )  # fmt: skip
    assert found.source.startswith(PUBLIC) and "datarequests" in found.source and "2026-01-02" in found.source
    match = authority_for(imported, berlin)
    assert match is not None and match["matched_by"] == "host" and match["region"] == "DE-BE"


def test_a_value_the_table_has_is_kept(imported: sqlite3.Connection) -> None:
    cnil = _table("FR")
    assert cnil.complaint_url == "https://www.cnil.fr/fr/plaintes"
    found = regulator_contact(imported, cnil)
    assert found.complaint_url == "https://www.cnil.fr/fr/plaintes"
    assert found.email == "plaintes@cnil-test.example" and found.postal == "1 rue d'Essai\n75000 Paris"


def test_a_land_authority_under_another_host_is_found_by_its_land(imported: sqlite3.Connection) -> None:
    bavaria = _table("DE", "DE-BY")
    match = authority_for(imported, bavaria)
    assert match is not None and match["matched_by"] == "region" and match["scope"] == "private sector"
    assert regulator_contact(imported, bavaria).email == "private@bavaria-dpa.example"


def test_the_federal_authority_is_the_only_national_one_not_the_church(imported: sqlite3.Connection) -> None:
    federal = _table("DE")
    match = authority_for(imported, federal)
    assert match is not None and match["matched_by"] == "country"
    assert regulator_contact(imported, federal).email == "federal@federal-dpa.example"


def test_a_national_authority_under_another_host_is_found_by_country(imported: sqlite3.Connection) -> None:
    austria = _table("AT")
    match = authority_for(imported, austria)
    assert match is not None and match["matched_by"] == "country"
    assert regulator_contact(imported, austria).email == "dsb@dsb-test.example"


def test_ambiguous_or_missing_authorities_give_no_contacts(imported: sqlite3.Connection) -> None:
    netherlands = _table("NL")  # two national candidates, neither at the table's host
    assert authority_for(imported, netherlands) is None
    assert regulator_contact(imported, netherlands) is netherlands
    # Bremen has no authority in this catalog: it never takes the federal (or another Land's) contacts.
    bremen = _table("DE", "DE-HB")
    assert regulator_contact(imported, bremen) is bremen
    # US regulators: no imported authority, whatever the catalog holds for Europe.
    for regulator in REGIMES["ccpa"].regulators:
        assert regulator_contact(imported, regulator) is regulator


def test_a_subdomain_of_the_authoritys_site_is_matched_by_registrable_domain(
    imported: sqlite3.Connection,
) -> None:
    netherlands = replace(_table("NL"), url="https://klachten.example.net/")
    match = authority_for(imported, netherlands)
    assert match is not None and match["matched_by"] == "domain"
    assert regulator_contact(imported, netherlands).email == "two@nl-two.example"


def test_a_regulator_of_another_land_at_the_same_host_is_not_matched(imported: sqlite3.Connection) -> None:
    # A Hamburg regulator pointing (wrongly) at Berlin's website must not take Berlin's contacts.
    hamburg = replace(_table("DE", "DE-HH"), url="https://www.datenschutz-berlin.de/")
    assert regulator_contact(imported, hamburg) is hamburg


def test_a_bounced_email_is_not_offered(imported: sqlite3.Connection) -> None:
    berlin = _table("DE", "DE-BE")
    match = authority_for(imported, berlin)
    assert match is not None
    update_catalog.mark_contact(imported, str(match["id"]), "email", "bounced")
    found = regulator_contact(imported, berlin)
    assert found.email is None, "a bounced address is not the authority's any more"
    assert found.complaint_url == "https://forms.berlin-dpa.example/complaint"


@pytest.mark.skipif(
    not UPSTREAM.exists(), reason="the upstream datarequests.org dump is not in ../shared/upstream"
)
def test_every_european_regulator_gets_contacts_from_the_real_dump(conn: sqlite3.Connection) -> None:
    """Read in place at run time (never copied): each EU/EEA/UK regulator of the table matches
    exactly the authority of its own country and Land, and gets a way to file a complaint."""
    result = update_catalog.import_catalog(conn, UPSTREAM, "datarequests")
    [source] = result.sources
    assert source.status == "updated", source.message
    assert source.counts.get("authorities", 0) >= 50
    regulators = [*GDPR.regulators, *REGIMES["uk_gdpr"].regulators]
    matched_ids = set()
    for regulator in regulators:
        assert regulator.email is None and regulator.postal is None  # nothing copied into the table
        match = authority_for(conn, regulator)
        assert match is not None, f"no catalog authority for {regulator.name}"
        assert match["country"] == (regulator.country or "")[:2], regulator.name
        expected_region = regulator.country if regulator.country and "-" in regulator.country else None
        assert match["region"] == expected_region, regulator.name
        matched_ids.add(match["id"])
        found = regulator_contact(conn, regulator)
        assert found.email or found.complaint_url, f"no way to complain to {regulator.name}"
        assert found.postal, f"no postal address for {regulator.name}"
        assert "datarequests" in found.source
    assert len(matched_ids) == len(regulators), "two regulators took the same authority"
