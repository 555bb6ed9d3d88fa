"""The law table: complete, consistent, and the right law chosen for the right person."""

from __future__ import annotations

from datetime import date

import pytest

from exposure.core.errors import ValidationError
from exposure.rights.laws import (
    DROP_URL,
    EU_COUNTRIES,
    LAWS_MD,
    PUBLIC,
    REGIMES,
    RIGHTS,
    applicable_regimes,
    choose_regime,
    deadline_for,
    drop_notice,
    normalize_residence,
    regulator_for,
)

#: Every regime laws.md lists, by id. A regime dropped from the table fails here.
EXPECTED_REGIMES = {
    "gdpr", "uk_gdpr", "ccpa", "vcdpa", "cpa", "ctdpa", "ucpa", "tdpsa", "ocpa", "mcdpa", "icdpa",
    "dpdpa", "ndpa", "nhpa", "njdpa", "tipa", "mcdpa_mn", "modpa", "icdpa_in", "kcdpa", "ridtppa",
    "pipeda", "quebec_law25", "lgpd",
}  # fmt: skip

#: The US state each state law protects (laws.md's list).
US_STATES = {
    "ccpa": "US-CA", "vcdpa": "US-VA", "cpa": "US-CO", "ctdpa": "US-CT", "ucpa": "US-UT", "tdpsa": "US-TX",
    "ocpa": "US-OR", "mcdpa": "US-MT", "icdpa": "US-IA", "dpdpa": "US-DE", "ndpa": "US-NE", "nhpa": "US-NH",
    "njdpa": "US-NJ", "tipa": "US-TN", "mcdpa_mn": "US-MN", "modpa": "US-MD", "icdpa_in": "US-IN",
    "kcdpa": "US-KY", "ridtppa": "US-RI",
}  # fmt: skip

ON = date(2026, 11, 1)


def test_every_regime_of_laws_md_is_in_the_table() -> None:
    assert set(REGIMES) == EXPECTED_REGIMES


@pytest.mark.parametrize("regime_id", sorted(REGIMES))
def test_regime_is_complete(regime_id: str) -> None:
    regime = REGIMES[regime_id]
    assert regime.id == regime_id
    assert regime.name and regime.short and regime.scope
    assert regime.verification and regime.agent_rules
    assert regime.sources, "every regime names where its facts come from"
    assert regime.regulators, "every regime names somewhere to complain"
    assert "erasure" in regime.rights and "access" in regime.rights
    for right, rule in regime.rights.items():
        assert right in RIGHTS and rule.right == right
        assert rule.citation.strip()
        d = rule.deadline
        assert (d.months > 0) != (d.days > 0), "a deadline is in days or in months, not both"
        assert d.note
        assert d.citation
    for reg in regime.regulators:
        assert reg.name and (reg.url or reg.complaint_url or reg.email or reg.postal)


@pytest.mark.parametrize(("regime_id", "region"), sorted(US_STATES.items()))
def test_us_state_laws_cover_their_residents_only(regime_id: str, region: str) -> None:
    assert REGIMES[regime_id].scope == (region,)
    found = [r.id for r in applicable_regimes("US", region, "US", on=ON)]
    assert found == [regime_id]


@pytest.mark.parametrize(
    ("regime_id", "right", "citation_part"),
    [
        ("gdpr", "erasure", "Art. 17"),
        ("gdpr", "access", "Art. 15"),
        ("gdpr", "objection", "Art. 21"),
        ("uk_gdpr", "erasure", "Art. 17"),
        ("ccpa", "erasure", "1798.105"),
        ("ccpa", "access", "1798.110"),
        ("ccpa", "opt_out", "1798.120"),
        ("ccpa", "correction", "1798.106"),
        ("ccpa", "limit_sensitive", "1798.121"),
        ("vcdpa", "erasure", "59.1-577(A)(3)"),
        ("vcdpa", "opt_out", "59.1-577(A)(5)"),
        ("cpa", "erasure", "6-1-1306"),
        ("ctdpa", "erasure", "42-518"),
        ("ucpa", "erasure", "13-61-201"),
        ("tdpsa", "erasure", "541.051(b)"),
        ("ocpa", "erasure", "646A.574"),
        ("icdpa", "erasure", "715D.3"),
        ("tipa", "erasure", "47-18-3304"),
        ("ridtppa", "erasure", "6-48.1-6"),
        ("pipeda", "access", "4.9"),
        ("quebec_law25", "access", "s. 27"),
        ("quebec_law25", "erasure", "28.1"),
        ("lgpd", "erasure", "Art. 18"),
    ],
)
def test_citations_follow_laws_md(regime_id: str, right: str, citation_part: str) -> None:
    assert citation_part in REGIMES[regime_id].rights[right].citation


def test_rights_laws_md_says_are_missing_are_missing() -> None:
    assert "correction" not in REGIMES["ucpa"].rights  # Utah: no right to correct
    assert "correction" not in REGIMES["icdpa"].rights  # Iowa: no right to correct
    assert "limit_sensitive" not in REGIMES["gdpr"].rights
    assert "objection" not in REGIMES["ccpa"].rights


@pytest.mark.parametrize(
    ("regime_id", "right", "days", "business", "extension_days", "months", "extension_months"),
    [
        ("gdpr", "erasure", 0, False, 0, 1, 2),
        ("uk_gdpr", "access", 0, False, 0, 1, 2),
        ("ccpa", "erasure", 45, False, 45, 0, 0),
        ("ccpa", "opt_out", 15, True, 0, 0, 0),
        ("ccpa", "limit_sensitive", 15, True, 0, 0, 0),
        ("vcdpa", "erasure", 45, False, 45, 0, 0),
        ("icdpa", "erasure", 90, False, 45, 0, 0),
        ("mcdpa", "erasure", 45, False, 0, 0, 0),
        ("pipeda", "access", 30, False, 30, 0, 0),
        ("quebec_law25", "access", 30, False, 0, 0, 0),
        ("lgpd", "access", 15, False, 0, 0, 0),
    ],
)
def test_deadlines_follow_laws_md(
    regime_id: str,
    right: str,
    days: int,
    business: bool,
    extension_days: int,
    months: int,
    extension_months: int,
) -> None:
    d = REGIMES[regime_id].rights[right].deadline
    assert (d.days, d.business, d.extension_days, d.months, d.extension_months) == (
        days, business, extension_days, months, extension_months,
    )  # fmt: skip


def test_ccpa_confirmation_and_verification() -> None:
    ccpa = REGIMES["ccpa"]
    confirm = ccpa.rights["erasure"].confirm
    assert confirm is not None and confirm.days == 10 and confirm.business
    assert ccpa.rights["erasure"].verification
    assert not ccpa.rights["opt_out"].verification  # none for opt-out
    assert "7063" in ccpa.agent_rules


def test_gdpr_has_a_regulator_for_every_member_state_and_german_land() -> None:
    gdpr = REGIMES["gdpr"]
    countries = {r.country for r in gdpr.regulators}
    assert set(EU_COUNTRIES) <= countries
    lander = {c for c in countries if c and c.startswith("DE-")}
    assert len(lander) == 16
    by_country = {r.country: r for r in gdpr.regulators}
    assert "CNIL" in by_country["FR"].name
    assert "AEPD" in by_country["ES"].name
    assert "DPC" in by_country["IE"].name
    assert "Autoriteit Persoonsgegevens" in by_country["NL"].name
    assert "Garante" in by_country["IT"].name
    assert "DSB" in by_country["AT"].name
    assert "IMY" in by_country["SE"].name
    assert "UODO" in by_country["PL"].name
    assert "BfDI" in by_country["DE"].name


@pytest.mark.parametrize("regime_id", sorted(REGIMES))
def test_regulators_say_where_they_come_from_and_hold_no_copied_contacts(regime_id: str) -> None:
    """Names and websites only (laws.md or public knowledge); emails and postal addresses come
    from the user's imported catalog at run time (services.regulators.regulator_contact)."""
    regime = REGIMES[regime_id]
    for reg in regime.regulators:
        assert reg.source in (LAWS_MD, PUBLIC), reg.name
        assert reg.email is None and reg.postal is None, reg.name
        assert reg.url and reg.url.startswith("https://"), reg.name
    assert not any("datarequests" in s.lower() for s in regime.sources)


def test_regulators_named_by_laws_md_say_so() -> None:
    by_id = {rid: {r.source for r in REGIMES[rid].regulators} for rid in REGIMES}
    for rid in ("uk_gdpr", "ccpa", "pipeda", "quebec_law25", "lgpd", "vcdpa", "tdpsa"):
        assert by_id[rid] == {LAWS_MD}, rid
    assert by_id["gdpr"] == {PUBLIC}  # laws.md says "DPA (Art. 77)" without naming them


@pytest.mark.parametrize(
    ("regime_id", "country", "region", "expected"),
    [
        ("gdpr", "DE", "DE-BY", "BayLDA"),
        ("gdpr", "DE", "BY", "BayLDA"),  # a bare Land code is completed with the country
        ("gdpr", "DE", None, "BfDI"),  # federal fallback
        ("gdpr", "FR", None, "CNIL"),
        ("gdpr", "ES", "ES-MD", "AEPD"),
        ("uk_gdpr", "GB", "GB-ENG", "ICO"),
        ("uk_gdpr", "UK", None, "ICO"),
        ("ccpa", "US", "US-CA", "CPPA"),
        ("pipeda", "CA", "CA-ON", "OPC"),
        ("quebec_law25", "CA", "CA-QC", "CAI"),
        ("lgpd", "BR", None, "ANPD"),
        ("tdpsa", "US", "US-TX", "Texas Attorney General"),
    ],
)
def test_regulator_for(regime_id: str, country: str, region: str | None, expected: str) -> None:
    reg = regulator_for(REGIMES[regime_id], country, region)
    assert reg is not None and expected in reg.name


def test_regulator_for_a_non_resident_falls_back_to_the_organizations_country() -> None:
    gdpr = REGIMES["gdpr"]
    assert regulator_for(gdpr, "US", "US-TX") is None
    reg = regulator_for(gdpr, "US", "US-TX", org_country="IE")
    assert reg is not None and "DPC" in reg.name


@pytest.mark.parametrize(
    ("country", "region", "org_country", "right", "expected"),
    [
        ("US", "US-CA", "US", "erasure", "ccpa"),
        ("US", "CA", "US", "erasure", "ccpa"),
        ("DE", "DE-BE", "US", "erasure", "gdpr"),
        ("DE", None, None, "access", "gdpr"),
        ("GB", None, "US", "erasure", "uk_gdpr"),
        ("CA", "CA-QC", "US", "erasure", "quebec_law25"),  # stronger than PIPEDA here
        ("CA", "CA-ON", "US", "access", "pipeda"),
        ("BR", None, "US", "erasure", "lgpd"),
        ("US", "US-IA", "US", "erasure", "icdpa"),
        ("US", "US-TX", "US", "objection", None),  # no state law gives a general objection right
        ("US", "US-TX", "FR", "objection", "gdpr"),  # an EU-established organization: Art. 3(1)
        ("US", "US-CA", "DE", "erasure", "gdpr"),  # strongest applicable wins
        ("US", "US-CA", "US", "limit_sensitive", "ccpa"),
        ("JP", None, "JP", "erasure", None),  # no law in the table: a plain request
        (None, None, None, "erasure", None),
    ],
)
def test_choose_regime(
    country: str | None, region: str | None, org_country: str | None, right: str, expected: str | None
) -> None:
    regime = choose_regime(country, region, org_country, right, on=ON)
    assert (regime.id if regime else None) == expected


def test_applicable_regimes_strongest_first() -> None:
    found = applicable_regimes("CA", "CA-QC", "FR", on=ON)
    assert [r.id for r in found] == ["gdpr", "quebec_law25", "pipeda"]
    strengths = [r.strength for r in found]
    assert strengths == sorted(strengths, reverse=True)


def test_laws_not_yet_in_force_are_left_out() -> None:
    assert [r.id for r in applicable_regimes("US", "US-IN", None, on=date(2025, 6, 1))] == []
    assert [r.id for r in applicable_regimes("US", "US-IN", None, on=date(2026, 1, 1))] == ["icdpa_in"]


def test_override() -> None:
    assert choose_regime("US", "US-TX", "US", "erasure", override="gdpr") is REGIMES["gdpr"]
    assert choose_regime("US", "US-CA", "US", "erasure", override="none") is None
    assert choose_regime("US", "US-CA", "US", "erasure", override=" CCPA ") is REGIMES["ccpa"]
    with pytest.raises(ValidationError, match="unknown law 'atlantis'"):
        choose_regime("US", "US-CA", "US", "erasure", override="atlantis")
    with pytest.raises(ValidationError, match="CCPA gives no objection right"):
        choose_regime("US", "US-CA", "US", "objection", override="ccpa")
    with pytest.raises(ValidationError, match="unknown right"):
        choose_regime("US", "US-CA", "US", "teleport")


def test_deadline_for_plain_requests() -> None:
    assert deadline_for(None, "erasure").days == 30
    assert deadline_for(REGIMES["gdpr"], "erasure").months == 1


def test_normalize_residence() -> None:
    assert normalize_residence("us", "ca") == ("US", "US-CA")
    assert normalize_residence(None, "us-ca") == ("US", "US-CA")
    assert normalize_residence("uk", None) == ("GB", None)
    assert normalize_residence(" ", "") == (None, None)


def test_drop_notice_only_for_california_residents() -> None:
    notice = drop_notice("US", "US-CA")
    assert notice is not None and DROP_URL in notice and "1798.99.86" in notice
    assert drop_notice("US", "CA") == notice
    assert drop_notice("US", "US-TX") is None
    assert drop_notice("CA", "CA-QC") is None  # Canada is not California
    assert drop_notice(None, None) is None
