"""Acceptance on the real public files in ../shared/upstream (skipped when they are absent):
the record counts of each source, the merged catalog, and `catalog search spokeo --json`."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from exposure.catalog.importers import parse_path
from exposure.services import open_store
from exposure.services.catalog import authorities, search, stats
from exposure.services.update_catalog import import_catalogs
from tests.catalog.conftest import REAL, real
from tests.cli.helpers import run


@pytest.mark.parametrize(
    ("source", "counts"),
    [
        ("datarequests", {"companies": 3069, "authorities": 57}),
        ("justdeleteme", {"sites": 2591}),
        ("eraser", {"brokers": 763}),
        ("duckduckgo", {"definitions": 66}),
    ],
)
def test_every_upstream_record_is_read(source: str, counts: dict[str, int]) -> None:
    result = parse_path(source, real(source))
    assert result.counts == counts
    assert result.skipped == 0, result.errors[:5]
    assert len(result.records) == sum(counts.values())
    assert len({r.source_id for r in result.records}) == len(result.records)


@pytest.fixture(scope="module")
def merged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    for source in REAL:
        real(source)
    conn = open_store(tmp_path_factory.mktemp("upstream") / "exposure.db")
    result = import_catalogs(conn, [(path, source) for source, path in REAL.items()])
    assert result.ok, result.as_json()
    yield conn
    conn.close()


def test_the_merged_catalog_counts_every_source_once(merged: sqlite3.Connection) -> None:
    data = stats(merged)
    sources = data["sources"]
    assert sources["datarequests"]["counts"] == {"companies": 3069, "authorities": 57}
    assert sources["justdeleteme"]["records"] == 2591
    assert sources["eraser"]["records"] == 763
    assert sources["duckduckgo"]["records"] == 66
    imported = 3126 + 2591 + 763 + 66
    bundled = sources["bundled"]["organizations"]
    assert data["records"] == imported + bundled
    # Duplicates across sources are merged: fewer organizations than records ...
    assert data["organizations"] == data["records"] - data["merged_duplicates"]
    assert data["merged_duplicates"] >= 300
    # ... and every source still contributes each of its records to some organization.
    assert sources["eraser"]["organizations"] == 763
    assert sources["duckduckgo"]["organizations"] == 66
    assert data["by_category"]["authority"] == 57
    assert sum(data["by_source"].values()) == data["organizations"]


def test_spokeo_is_found_with_its_opt_out_url_and_the_sources_that_agree(
    merged: sqlite3.Connection, capsys: pytest.CaptureFixture[str], exposure_home: Path
) -> None:
    exposure_home.mkdir(parents=True, exist_ok=True)
    merged.execute("VACUUM INTO ?", (str(exposure_home / "exposure.db"),))
    result = run(capsys, "catalog", "search", "spokeo", "--json")
    assert result.code == 0, result.err
    spokeo = result.json()["organizations"][0]
    assert spokeo["name"] == "Spokeo"
    assert spokeo["opt_out_url"] and "spokeo.com/optout" in spokeo["opt_out_url"]
    agree = [s["source"] for s in spokeo["sources"] if "opt_out_url" in s["agrees"]]
    assert {"duckduckgo", "eraser"} <= set(agree)
    assert "callersmart.com" in spokeo["domains"]  # a mirror site joins its operator


def test_german_authorities_from_datarequests(merged: sqlite3.Connection) -> None:
    found = authorities(merged, "DE", "DE-BY")
    assert found[0]["name"] == "Bayerisches Landesamt für Datenschutzaufsicht (BayLDA)"
    assert found[0]["privacy_email"] == "poststelle@lda.bayern.de"
    assert len(authorities(merged, "FR")) == 1


def test_search_on_the_merged_catalog(merged: sqlite3.Connection) -> None:
    (first, *_rest) = search(merged, "GMX Mail")  # a brand datarequests lists under its operator
    assert "gmx" in first["name"].lower() or "1&1" in first["name"]
    assert search(merged, "peoplewhiz.net")[0]["parent"] == search(merged, "peoplewhiz.com")[0]["slug"]
