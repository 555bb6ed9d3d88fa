"""scan_paths and `exposure scan mail`: findings in the inventory, rescans, people, errors."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from exposure.core.progress import CancelToken
from exposure.services.inventory import inventory
from exposure.services.scan_mail import scan_paths
from tests.cli.helpers import run
from tests.mail.helpers import mbox, message

FIXTURE = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "exports" / "takeout_mail.mbox"


def archive(tmp_path: Path, *messages: bytes, name: str = "All mail.mbox") -> Path:
    path = tmp_path / name
    path.write_bytes(mbox(*messages))
    return path


def sample(tmp_path: Path) -> Path:
    return archive(
        tmp_path,
        message("Spotify <no-reply@spotify.com>", "Your Spotify receipt", "Thu, 02 Nov 2023 18:05:00 +0000"),
        message("Spotify <no-reply@spotify.com>", "Welcome to Spotify", "Mon, 01 Jan 2018 10:00:00 +0000"),
        message("Shop News <news@e.shop.example.co.uk>", "Deals", extra=["List-Unsubscribe: <mailto:x@y>"]),
        message("A Friend <friend@gmail.com>", "Dinner?"),
        message("", "no sender at all"),
    )


def test_scan_fills_the_inventory_with_evidence(conn: sqlite3.Connection, tmp_path: Path) -> None:
    result = scan_paths(conn, [sample(tmp_path)], workers=1)
    assert (result["messages"], result["skipped"], result["errors"]) == (5, 1, [])
    senders = {s["domain"]: s for s in result["senders"]}
    assert set(senders) == {"spotify.com", "example.co.uk", "gmail.com"}
    assert senders["gmail.com"]["organization"] is None  # free mail: a person
    assert senders["spotify.com"]["organization"] == "Spotify"  # the catalog's name
    assert senders["spotify.com"]["messages"] == 2
    assert senders["spotify.com"]["first_seen"] == "2018-01-01T10:00:00+00:00"
    assert senders["spotify.com"]["last_seen"] == "2023-11-02T18:05:00+00:00"
    rows = {r["name"]: r for r in inventory(conn)}
    assert set(rows) == {"Spotify", "example.co.uk"}  # gmail.com is not an inventory row
    finding = rows["Spotify"]["findings"][0]
    assert finding["source"] == "mbox"
    assert finding["confidence"] == 0.95
    assert finding["evidence"]["messages"] == 2
    assert set(finding["evidence"]["kinds"]) == {"account", "purchase"}
    assert {s["subject"] for s in finding["evidence"]["subjects"]} == {
        "Your Spotify receipt",
        "Welcome to Spotify",
    }
    assert "body" not in json.dumps(finding["evidence"]).lower()
    scans = conn.execute("SELECT kind, location, stats FROM scan WHERE kind = 'mbox'").fetchall()
    assert len(scans) == 1 and json.loads(scans[0]["stats"])["messages"] == 5


def test_rescanning_the_same_archive_adds_nothing_twice(conn: sqlite3.Connection, tmp_path: Path) -> None:
    path = sample(tmp_path)
    first = scan_paths(conn, [path], workers=1)
    before = conn.execute("SELECT COUNT(*) FROM finding").fetchone()[0]
    second = scan_paths(conn, [path], workers=1)
    assert first["new_findings"] == 2 and second["new_findings"] == 0
    assert conn.execute("SELECT COUNT(*) FROM finding").fetchone()[0] == before
    spotify = next(r for r in inventory(conn) if r["name"] == "Spotify")
    assert [f["evidence"]["messages"] for f in spotify["findings"]] == [2]  # replaced, not added


def test_a_grown_or_shrunk_archive_replaces_its_counts(conn: sqlite3.Connection, tmp_path: Path) -> None:
    path = sample(tmp_path)
    scan_paths(conn, [path], workers=1)
    archive(tmp_path, message("Spotify <no-reply@spotify.com>", "Receipt"))  # same path, new content
    scan_paths(conn, [path], workers=1)
    rows = {r["name"]: r for r in inventory(conn)}
    assert set(rows) == {"Spotify"}  # the domain gone from the archive lost its finding
    assert rows["Spotify"]["findings"][0]["evidence"]["messages"] == 1


def test_profile_addresses_are_the_user(conn: sqlite3.Connection, tmp_path: Path) -> None:
    from exposure.services.profile import update_profile

    update_profile(conn, emails=["alice@alice.dev"])
    path = archive(
        tmp_path,
        message("Alice <alice@alice.dev>", "Please delete my data", to="privacy@broker.example"),
        message("Cousin <bob@alice.dev>", "hi"),
    )
    result = scan_paths(conn, [path], workers=1)
    senders = {s["domain"]: s for s in result["senders"]}
    assert senders["alice.dev"]["organization"] is None
    assert senders["broker.example"]["sent"] == 1 and senders["broker.example"]["messages"] == 0
    names = {r["name"] for r in inventory(conn)}
    assert names == {"broker.example"}


def test_cancel_keeps_what_was_read(conn: sqlite3.Connection, tmp_path: Path) -> None:
    first = archive(tmp_path, message("a@one.example"), name="a.mbox")
    second = archive(tmp_path, message("b@two.example"), name="b.mbox")
    token = CancelToken()

    class CancelAfterFirst:
        def start(self, description: str, total: float | None = None) -> None: ...
        def advance(self, amount: float = 1) -> None:
            token.cancel()

        def message(self, text: str) -> None: ...
        def done(self) -> None: ...

    result = scan_paths(conn, [first, second], progress=CancelAfterFirst(), cancel=token, workers=1)
    assert result["cancelled"] is True
    assert result["errors"][-1]["message"].startswith("cancelled")
    assert 1 <= result["messages"] <= 2
    assert {r["name"] for r in inventory(conn)} >= {"one.example"}


def test_takeout_fixture(conn: sqlite3.Connection) -> None:
    if not FIXTURE.exists():
        pytest.skip("shared fixtures not present")
    result = scan_paths(conn, [FIXTURE], workers=1)
    orgs = sorted(s["domain"] for s in result["senders"] if s["organization"])
    assert orgs == ["argos.co.uk", "spotify.com"]  # own mail (Sent) excluded
    assert result["sent"] == 1


def test_cli_json_shape(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    result = run(capsys, "scan", "mail", str(sample(tmp_path)), "--json", "--workers", "1")
    assert result.code == 0, result.err
    doc = result.json()
    assert {"messages", "skipped", "senders", "errors"} <= set(doc)
    assert {"domain", "organization", "messages", "first_seen", "last_seen"} <= set(doc["senders"][0])
    assert result.err == ""


def test_cli_human_output_and_failure(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ok = run(capsys, "scan", "mail", str(sample(tmp_path)), "--workers", "1")
    assert ok.code == 0 and "Spotify" in ok.out and "5 messages read" in ok.err
    bad = tmp_path / "garbage.bin"
    bad.write_bytes(bytes(range(256)) * 100)
    failed = run(capsys, "scan", "mail", str(bad), str(tmp_path / "missing"))
    assert failed.code == 1
    assert "not a mail file" in failed.err and "no such file or folder" in failed.err
    assert "Traceback" not in failed.err


def test_an_empty_folder_is_a_clear_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "nothing").mkdir()
    result = run(capsys, "scan", "mail", str(tmp_path / "nothing"), "--json")
    assert result.code == 1
    assert result.json()["errors"] == [
        {"where": str(tmp_path / "nothing"), "message": "no mail found (no mbox, Maildir or .eml files)"}
    ]
    shutil.rmtree(tmp_path / "nothing")
