"""``exposure report`` in its four formats."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import stat
from html.parser import HTMLParser
from pathlib import Path

import pytest

from exposure.core.models import Finding
from exposure.services import requests as rq
from exposure.services.inventory import ingest
from tests.cli.helpers import run
from tests.requests.conftest import Clock


@pytest.fixture
def data(conn: sqlite3.Connection, ca_profile: None, orgs: dict[str, int], clock: Clock) -> None:
    ingest(conn, [
        Finding(source="manual", domain="peoplefinder.example", identifier="Ada Example", key="p1"),
        Finding(source="manual", domain="shop.example", identifier="=cmd|' /C calc'!A0", key="s1"),
    ])  # fmt: skip
    ids = [
        r["id"] for r in rq.draft_requests(conn, ["peoplefinder-test", "shop-test"], "erasure")["requests"]
    ]
    rq.mark_status(conn, ids[0], "sent")
    clock.advance(days=60)


@pytest.mark.usefixtures("data")
def test_json_report(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "report", "--format", "json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["profile"]["name"] == "Ada Example"
    assert report["summary"]["overdue"] == 1 and report["summary"]["organizations"] == 2
    assert {r["organization"] for r in report["requests"]} == {"PeopleFinder Test", "Shop Test GmbH"}
    assert any(r["overdue"] and r["next_action"] == "remind" for r in report["requests"])


@pytest.mark.usefixtures("data")
def test_markdown_report(capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "report").out
    assert out.startswith("# Exposure report for Ada Example")
    assert "| PeopleFinder Test | people_search |" in out
    assert "sent (overdue)" in out and "Cal. Civ. Code § 1798.105" in out


@pytest.mark.usefixtures("data")
def test_html_report_is_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "report", "--format", "html").out
    HTMLParser().feed(out)
    assert "<h1>Exposure report for Ada Example</h1>" in out and "Shop Test GmbH" in out
    assert "&#x27; /C calc&#x27;" in out


@pytest.mark.usefixtures("data")
def test_csv_report_defuses_formulas(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    result = run(capsys, "report", "--format", "csv", "-o", str(target))
    assert result.code == 0 and "2 organizations" in result.err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    by_name = {r["organization"]: r for r in rows}
    assert (
        by_name["PeopleFinder Test"]["status"] == "sent" and by_name["PeopleFinder Test"]["overdue"] == "yes"
    )
    assert by_name["Shop Test GmbH"]["identifiers"].startswith("'=cmd")


def test_report_of_an_empty_home(capsys: pytest.CaptureFixture[str]) -> None:
    assert "No requests yet." in run(capsys, "report").out
    bad = run(capsys, "report", "--format", "pdf")
    assert bad.code == 1 and "unknown report format" in bad.err
