from __future__ import annotations

import sqlite3

import pytest

from exposure.catalog import bundled
from exposure.catalog.match import Matcher, android_package_domain, registrable_domain
from exposure.services.catalog import search, stats


def test_every_bundled_entry_is_valid() -> None:
    catalog = bundled.load()
    for entry in catalog.entries:
        assert bundled.validate_entry(entry) == [], entry.get("slug")


def test_bundled_catalog_is_large_and_unique() -> None:
    entries = bundled.load().entries
    assert len(entries) >= 150
    slugs = [e["slug"] for e in entries]
    domains = [d for e in entries for d in e["domains"]]
    assert len(slugs) == len(set(slugs))
    assert len(domains) == len(set(domains))
    categories = {e["category"] for e in entries}
    assert {
        "people_search",
        "data_broker",
        "credit",
        "social",
        "retailer",
        "streaming",
        "telecom",
    } <= categories


def test_parents_name_existing_entries() -> None:
    entries = bundled.load().entries
    slugs = {e["slug"] for e in entries}
    assert {e["parent"] for e in entries if e.get("parent")} <= slugs


@pytest.mark.parametrize(
    "entry_change",
    [
        {"category": "unknown"},
        {"domains": ["Not A Domain"]},
        {"privacy_email": "nobody"},
        {"opt_out_url": "http://insecure.example.com"},
        {"requires": ["blood_sample"]},
        {"source_date": "last year"},
        {"surprise": 1},
    ],
)
def test_validator_catches_bad_entries(entry_change: dict[str, object]) -> None:
    good = {
        "slug": "acme", "name": "Acme", "domains": ["acme.com"], "category": "data_broker",
        "privacy_email": "privacy@acme.com", "source_url": "https://acme.com/privacy", "source_date": "2025-06",
    }  # fmt: skip
    assert bundled.validate_entry(good) == []
    assert bundled.validate_entry({**good, **entry_change})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://news.mail.shop.co.uk/path?q=1", "shop.co.uk"),
        ("m.facebook.com/login", "facebook.com"),
        ("accounts.google.com", "google.com"),
        ("alice@Mail.Example.ORG", "example.org"),
        ("http://192.168.1.10:8080/admin", "192.168.1.10"),
        ("https://[2001:db8::1]/", "2001:db8::1"),
        ("androidapp://com.spotify.music", "spotify.com"),
        ("android://hash123@com.twitter.android/", "twitter.com"),
        ("https://bücher.de/", "xn--bcher-kva.de"),
        ("user.github.io", "user.github.io"),
        ("", None),
        ("http://", None),
        ("chrome://settings", None),
        ("htt:/x", None),
        ("localhost", None),
        ("mailto:someone@example.com", None),
    ],
)
def test_registrable_domain(value: str, expected: str | None) -> None:
    assert registrable_domain(value) == expected


def test_android_package_heuristic() -> None:
    assert android_package_domain("com.spotify.music") == "spotify.com"
    assert android_package_domain("single") is None


def test_matcher_uses_catalog_domains_and_aliases(conn: sqlite3.Connection) -> None:
    matcher = Matcher(conn)
    entries = bundled.load().entries
    with_alias = next(e for e in entries if len(e["domains"]) > 1)
    main_id = matcher.match(with_alias["domains"][0])
    assert main_id is not None
    assert matcher.match(f"https://www.{with_alias['domains'][1]}/account") == main_id
    assert matcher.match("https://nobody-knows-this-domain-example.com") is None


def test_catalog_search_and_stats(conn: sqlite3.Connection) -> None:
    found = search(conn, "spokeo")
    assert found and found[0]["name"].lower().startswith("spokeo")
    assert "spokeo.com" in found[0]["domains"]
    data = stats(conn)
    assert data["organizations"] >= 150
    assert data["by_source"]["bundled"] >= 150
    assert sum(data["by_category"].values()) == data["organizations"]


def test_matching_touches_no_network() -> None:
    # pytest-socket blocks every socket in this test: loading the Public Suffix List and
    # matching must not need one.
    from exposure.catalog import match

    match._psl = None
    match.domain_of_host.cache_clear()
    assert registrable_domain("https://a.b.example.co.jp/") == "example.co.jp"
