"""Each importer on a small synthetic file in its upstream format: records, fields, and the bad
records it skips and reports (which file, which record)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from exposure.catalog.importers import (
    ParseResult,
    base,
    california,
    datarequests,
    duckduckgo,
    eraser,
    importer,
    justdeleteme,
    parse_path,
)
from exposure.core.errors import SourceError, ValidationError
from tests.catalog.conftest import DATA, SYNTHETIC


def by_id(result: ParseResult) -> dict[str, base.CatalogRecord]:
    return {r.source_id: r for r in result.records}


def problems(result: ParseResult) -> list[str]:
    return [
        f"{Path(e.where.split(':')[0]).name}:{e.where.split(':', 1)[1] if ':' in e.where else ''} {e.message}"
        for e in result.errors
    ]


# --- shared cleaners --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("privacy [at] example.com", "privacy@example.com"),
        ("privacy(at)example(dot)com", "privacy@example.com"),
        ("Privacy {at} Example.COM", "Privacy@example.com"),
        ("privacy at example.com", "privacy@example.com"),
        ("mailto:dpo@example.org?subject=x", "dpo@example.org"),
        ("<dpo@example.org>", "dpo@example.org"),
        ("datenschutz@günstiger-reisen.de", "datenschutz@xn--gnstiger-reisen-zvb.de"),
        ("not an email", None),
        ("", None),
        ("a@b", None),
    ],
)
def test_email_is_cleaned_and_deobfuscated(raw: str, expected: str | None) -> None:
    assert base.email(raw) == expected


def test_free_text_never_turns_words_into_addresses() -> None:
    text = "Look at the page. Write to privacy [at] example.com or legal@example.org; at example.com too"
    assert base.emails_in(text) == ["privacy@example.com", "legal@example.org"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://example.com/a", "https://example.com/a"),
        ("example.com/optout", "https://example.com/optout"),
        ("HTTP://Example.com", "http://Example.com"),
        ("javascript:alert(1)", None),
        ("mailto:x@example.com", None),
        ("https.//example.com", None),
        ("https://bearblog.dev/x", "https://bearblog.dev/x"),
        ("https://exa mple.com", None),
    ],
)
def test_only_web_urls_are_kept(raw: str, expected: str | None) -> None:
    assert base.url(raw) == expected


def test_text_drops_control_characters() -> None:
    assert base.text(" a\u200bb\x00c  d ") == "abc d"
    assert base.text("line one\r\nline two", multiline=True) == "line one\nline two"
    assert base.text("line one\nline two") == "line one line two"


def test_unknown_source_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="unknown catalog source 'nope'"):
        importer("nope")


# --- datarequests -----------------------------------------------------------------------------


def test_datarequests_companies_and_authorities() -> None:
    result = parse_path("datarequests", SYNTHETIC["datarequests"])
    assert result.counts == {"companies": 6, "authorities": 4}
    assert result.date == "2026-07-21"
    records = by_id(result)
    acme = records["acme-people"]
    assert acme.name == "Acme People Search Inc."
    assert acme.domains == ["acmepeople.example"] and acme.site == "acmepeople.example"
    assert acme.category == "data_broker"  # "addresses" dealers are data brokers
    assert acme.privacy_email == "privacy@acmepeople.example"
    assert acme.postal_address == "1 Main St\nSpringfield\nUnited States of America"
    assert acme.aliases == ["PeopleFinderX"]
    assert acme.requires == ["name", "address"]
    assert acme.transport == "email"
    assert acme.country is None  # relevant everywhere
    assert acme.source_url == "https://www.datarequests.org/company/acme-people"
    shop = records["shopco"]
    assert shop.web_form == "https://shopco.example/privacy-form" and shop.transport == "web_form"
    assert shop.country == "DE" and shop.category == "retailer"
    assert records["bund-a"].site == "a.bund.de" and records["bund-a"].domains == ["bund.de"]
    cnil = records["authority/frcnil"]
    assert cnil.category == "authority" and cnil.country == "FR"
    assert cnil.web_form == "https://www.french-dpa.example/plaintes"
    assert cnil.extra["complaint_language"] == "fr" and cnil.extra["scope"] == "national"
    assert records["authority/debaylda"].extra["region"] == "DE-BY"
    assert records["authority/derf"].extra["scope"] == "broadcasting"


def test_datarequests_reports_bad_records_with_their_place() -> None:
    result = parse_path("datarequests", SYNTHETIC["datarequests"])
    assert result.skipped == 2
    messages = problems(result)
    assert any(
        "companies[5]" in m and "'not an email' is not an email address (dropped)" in m for m in messages
    )
    assert any("companies[6]" in m and "no slug or no name" in m for m in messages)
    assert any("companies[7]" in m and "not an object" in m for m in messages)
    assert by_id(result)["bad-email-co"].privacy_email is None  # kept, without the bad value


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"date": "x"}', "not a datarequests.org offline dump"),
        (b'{"companies": "[1, 2"}', "'companies' is not valid JSON"),
        (b'{"companies": 5}', "'companies' is missing or not a list"),
        (b'{"companies": "[]", "dump-format": 2}', "unsupported dump-format 2"),
        (b"<!DOCTYPE html><html><body>Moved</body></html>", "HTML page"),
    ],
)
def test_datarequests_unreadable_files_raise_one_line(content: bytes, message: str) -> None:
    with pytest.raises(SourceError, match=message) as caught:
        datarequests.parse(content, "dump.json")
    assert str(caught.value).startswith("dump.json: ")
    assert "\n" not in str(caught.value)


# --- JustDeleteMe -----------------------------------------------------------------------------


def test_justdeleteme_sites() -> None:
    result = parse_path("justdeleteme", SYNTHETIC["justdeleteme"])
    assert result.counts == {"sites": 4}
    records = by_id(result)
    acme = records["acme-people"]
    assert acme.deletion_url == "https://acmepeople.example/account/delete"
    assert acme.difficulty == "medium" and acme.category == "app"
    assert acme.notes == "Settings, then Delete account."
    chat = records["chatapp"]
    assert chat.domains == ["chatapp.example", "chat.app"]
    assert chat.privacy_email == "support@chatapp.example"
    assert "XXXXXX" not in json.dumps(chat.as_json())  # the placeholder template is never kept
    assert records["blogsite"].domains == ["bearblog.dev"]  # a service on its own private suffix
    assert records["weird-difficulty"].difficulty is None


def test_justdeleteme_reports_bad_sites() -> None:
    result = parse_path("justdeleteme", SYNTHETIC["justdeleteme"])
    assert result.skipped == 2
    messages = problems(result)
    assert any("[3] (Weird difficulty)" in m and "unknown difficulty 'sometimes'" in m for m in messages)
    assert any("[4] (Nowhere)" in m and "no usable domain" in m for m in messages)
    assert any("[5]" in m and "no name" in m for m in messages)


def test_justdeleteme_refuses_a_non_list() -> None:
    with pytest.raises(SourceError, match="expected a JSON array"):
        justdeleteme.parse(b'{"a": 1}', "sites.json")


# --- Eraser -----------------------------------------------------------------------------------


def test_eraser_brokers_with_dated_bounces() -> None:
    result = parse_path("eraser", SYNTHETIC["eraser"])
    assert result.counts == {"brokers": 4}
    records = by_id(result)
    acme = records["acmepeople"]
    assert acme.category == "people_search" and acme.country == "US"
    assert acme.opt_out_url == "https://acmepeople.example/optout/"
    hoard = records["datahoard"]
    assert hoard.privacy_email is None and hoard.category == "data_broker"
    assert hoard.bounced == [
        {"kind": "email", "value": "privacy@datahoard.example", "status": "bounced", "date": "2026-08-20"}
    ]
    assert hoard.source_date == "2026-08-20"
    gone = records["gone-broker"]  # nothing usable but its bounce: still counted and kept
    assert gone.domains == [] and gone.bounced[0]["value"] == "privacy@gone.example"
    assert records["bad-url"].opt_out_url is None and records["bad-url"].category == "ads"


def test_eraser_reports_bad_brokers_and_broken_yaml() -> None:
    result = parse_path("eraser", SYNTHETIC["eraser"])
    assert result.skipped == 2
    messages = problems(result)
    assert any("brokers[3] (id bad-url)" in m and "not an http(s) URL (dropped)" in m for m in messages)
    assert any("brokers[4]" in m and "no id or no name" in m for m in messages)
    assert any("brokers[5]" in m and "not a mapping" in m for m in messages)
    with pytest.raises(SourceError, match=r"brokers.yaml line 3: not valid YAML"):
        eraser.parse(b"brokers:\n  - id: [unclosed\n", "brokers.yaml")
    with pytest.raises(SourceError, match="no 'brokers:' list"):
        eraser.parse(b"something: else\n", "brokers.yaml")


# --- DuckDuckGo -------------------------------------------------------------------------------


def test_duckduckgo_definitions_folder() -> None:
    result = parse_path("duckduckgo", SYNTHETIC["duckduckgo"])
    assert result.counts == {"definitions": 2}  # the fake-* test fixture is skipped
    records = by_id(result)
    acme = records["acmepeople.example"]
    assert acme.opt_out_url == "https://acmepeople.example/optout"
    assert acme.search_url == "https://www.acmepeople.example/${firstName}-${lastName}/${state}"
    assert acme.domains == ["acmepeople.example", "acmemirror.example"]  # removed mirrors left out
    assert acme.mirrors == [
        {
            "name": "Acme Mirror",
            "domain": "acmemirror.example",
            "opt_out_url": "https://acmepeople.example/optout",
        }
    ]
    assert acme.relisting_days == 5 and acme.extra["schedule_hours"]["confirmOptOutScan"] == 72
    assert acme.requires == ["email", "profile_url"]
    assert acme.opt_out_steps == [
        "Open https://acmepeople.example/optout",
        "Fill in your email, the URL of your listing",
        "Solve the CAPTCHA",
        "Submit the form",
        "Open the confirmation link in the email they send",
    ]
    assert acme.source_date == "2023-08-20"
    child = records["childsite.example"]
    assert child.parent == "acmepeople.example" and child.relisting_days == 10
    assert child.opt_out_steps == [
        "Opt out on the operator's site (acmepeople.example); that removes this site too."
    ]
    assert any("broken.json" in e.where and "not valid JSON" in e.message for e in result.errors)


def test_duckduckgo_single_file_and_listing(tmp_path: Path) -> None:
    single = duckduckgo.parse(
        (DATA / "ddg" / "childsite.example.json").read_bytes(), "childsite.example.json"
    )
    assert [r.source_id for r in single.records] == ["childsite.example"]
    listing = json.dumps(
        [
            {"name": "a.json", "type": "file", "download_url": "https://raw.example/a.json"},
            {"name": "fake-x.json", "type": "file", "download_url": "https://raw.example/fake-x.json"},
            {"name": "sub", "type": "dir", "download_url": None},
            {"name": "b.json", "type": "file", "download_url": "javascript:x"},
        ]
    ).encode()
    assert duckduckgo.parse_listing(listing, "listing") == [("a.json", "https://raw.example/a.json")]
    with pytest.raises(SourceError, match="names no broker definition"):
        duckduckgo.parse_listing(b"[]", "listing")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SourceError, match="no broker definitions"):
        parse_path("duckduckgo", empty)


# --- California -------------------------------------------------------------------------------


def test_california_2026_header_with_metadata_row_bom_and_no_break_space() -> None:
    result = parse_path("california", DATA / "california-2026.csv")
    assert result.counts == {"brokers": 3}
    records = by_id(result)
    acme = records["acme-people-search-inc"]
    assert acme.privacy_email == "privacy@acmepeople.example"  # was "privacy [at] ..."
    assert acme.domains == ["acmepeople.example"] and acme.aliases == ["Acme People"]
    assert acme.opt_out_url == "https://acmepeople.example/ccpa"
    assert acme.postal_address == "1 Main St\nSpringfield, IL 62701\nUNITED STATES"
    assert acme.phone == "(555) 010-0000" and acme.country == "US"
    assert records["registry-only-llc"].privacy_email == "legal@registryonly.example"  # "(at)"
    assert records["registry-only-llc"].aliases == []  # "N/A" is no other name
    assert records["maple-data-ltd"].country == "CA"
    assert result.skipped == 1 and "line 6" in result.errors[0].where


def test_california_2024_header() -> None:
    result = parse_path("california", DATA / "california-2024.csv")
    records = by_id(result)
    assert records["datahoard-corp"].privacy_email == "privacy@datahoard.example"  # "[at]" and "[dot]"
    assert records["datahoard-corp"].aliases == ["DataHoard"]
    assert records["acme-people-search-inc"].postal_address == "1 Main St\nSpringfield, IL 62701"


def test_california_2020_header_with_free_text_opt_out() -> None:
    result = parse_path("california", DATA / "california-2020.csv")
    records = by_id(result)
    old = records["old-broker-inc"]
    assert old.domains == ["oldbroker.example"] and old.privacy_email == "optout@oldbroker.example"
    assert old.opt_out_url == "https://oldbroker.example/optout"
    assert old.postal_address == "5 Old Rd, Fresno, CA 93650"
    assert records["text-only-co"].privacy_email == "requests@textonly.example"


@pytest.mark.parametrize(
    ("headers", "roles"),
    [
        (["Data broker\u00a0name:", "Data broker primary website:", "Data broker primary contact email address:"],
         {"name": 0, "website": 1, "email": 2}),
        (["Business name", "Business primary website", "Business state abbreviation "], {"name": 0, "website": 1, "state": 2}),
        (["Data Broker Name", "Website URL", "Email Address", "Physical Address"],
         {"name": 0, "website": 1, "email": 2, "street": 3}),
    ],
)  # fmt: skip
def test_california_header_variants_map_to_roles(headers: list[str], roles: dict[str, int]) -> None:
    assert california.map_columns(headers) == roles


def test_california_refuses_a_file_without_a_registry_header() -> None:
    with pytest.raises(SourceError, match="no registry header row"):
        california.parse(b"a,b,c\r\n1,2,3\r\n", "registry.csv")
    with pytest.raises(SourceError, match="HTML page"):
        california.parse(b"<html><body>Service unavailable</body></html>", "registry.csv")


def test_every_importer_has_what_updates_need() -> None:
    for module in (datarequests, justdeleteme, eraser, duckduckgo, california):
        assert module.DEFAULT_URL.startswith("https://")
        assert module.CONTENT_TYPES and module.EXPECTS and module.LABEL
