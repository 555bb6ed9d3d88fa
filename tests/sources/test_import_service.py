"""services.import_file: detection -> parse -> ingest, per-file results, scan rows, idempotence."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from exposure.core.progress import CancelToken
from exposure.services.import_file import failed, import_paths, recent_imports, summarize
from exposure.services.inventory import inventory
from tests.sources.helpers import EXPECTED, EXPORTS, write

ALL = sorted(p for p in EXPORTS.iterdir() if p.name != "EXPECTED.json")


class Recorder:
    def __init__(self, cancel_after: int | None = None, token: CancelToken | None = None) -> None:
        self.calls: list[tuple[str, object]] = []
        self.cancel_after = cancel_after
        self.token = token

    def start(self, description: str, total: float | None = None) -> None:
        self.calls.append(("start", (description, total)))

    def advance(self, amount: float = 1) -> None:
        self.calls.append(("advance", amount))
        if self.token is not None and self.cancel_after is not None:
            self.cancel_after -= 1
            if self.cancel_after <= 0:
                self.token.cancel()

    def message(self, text: str) -> None:
        self.calls.append(("message", text))

    def done(self) -> None:
        self.calls.append(("done", None))


def _count(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def test_every_fixture_imports_or_is_refused(conn: sqlite3.Connection) -> None:
    results = {Path(r["path"]).name: r for r in import_paths(conn, ALL)}
    for name, fmt in EXPECTED["_formats"].items():
        r = results[name]
        assert r["format"] == fmt and not r["refused"] and r["errors"] == []
        assert r["imported"] + r["skipped"] == r["records"] > 0
    for name in EXPECTED["_must_refuse"]:
        r = results[name]
        assert r["refused"] and r["imported"] == 0 and failed(r)
        assert len(r["errors"]) == 1 and "export again" in r["errors"][0]["message"]
    assert results["takeout_mail.mbox"]["format"] == "mbox"
    # one finished scan row per file
    scans = recent_imports(conn)
    assert len(scans) == len(ALL)
    assert all(s["finished_at"] and "records" in s["stats"] for s in scans)


def test_reimport_adds_nothing_and_different_files_merge(conn: sqlite3.Connection) -> None:
    first = import_paths(conn, [EXPORTS / "chrome.csv"])[0]
    assert first["new_findings"] == first["findings"] == 7
    findings, orgs = _count(conn, "finding"), _count(conn, "organization")
    again = import_paths(conn, [EXPORTS / "chrome.csv", EXPORTS / "edge.csv"])
    assert [r["new_findings"] for r in again] == [0, 0]
    assert [r["new_organizations"] for r in again] == [0, 0]
    assert (_count(conn, "finding"), _count(conn, "organization")) == (findings, orgs)
    # another format naming the same sites joins the same organizations
    bitwarden = import_paths(conn, [EXPORTS / "bitwarden.csv"])[0]
    assert bitwarden["new_findings"] == 8 and bitwarden["new_organizations"] == 1  # office.com
    spotify = [o for o in inventory(conn) if "spotify.com" in o["domains"]]
    assert len(spotify) == 1
    assert set(spotify[0]["sources"]) == {"chrome_csv", "bitwarden_csv"}


def test_half_bad_file_imports_good_rows_and_lists_bad_ones(conn: sqlite3.Connection, tmp_path: Path) -> None:
    text = "name,url,username,password\n" + "".join(
        f"s{i},https://s{i}.example.org/,u{i},pw\n" if i % 10 else f"bad{i},https://x.com/,u,p,w,extra\n"
        for i in range(1, 41)
    )
    result = import_paths(conn, [write(tmp_path, "half.csv", text)])[0]
    assert result["records"] == 40 and result["imported"] == 36 and result["error_count"] == 4
    assert [e["where"] for e in result["errors"]] == ["row 11", "row 21", "row 31", "row 41"]
    assert not failed(result)
    assert _count(conn, "finding") == 36


def test_all_bad_file_fails(conn: sqlite3.Connection, tmp_path: Path) -> None:
    result = import_paths(conn, [write(tmp_path, "bad.csv", "name,url,username,password\na,b,c,d,e,f\n")])[0]
    assert failed(result) and result["imported"] == 0


def test_forced_format(conn: sqlite3.Connection) -> None:
    result = import_paths(conn, [EXPORTS / "edge.csv"], format="chrome_csv")[0]
    assert result["format"] == "chrome_csv" and result["imported"] == 7
    wrong = import_paths(conn, [EXPORTS / "edge.csv"], format="firefox_csv")[0]
    assert wrong["refused"] and "expected the columns" in wrong["errors"][0]["message"]


def test_progress_in_bytes_and_cancel_keeps_what_was_read(conn: sqlite3.Connection, tmp_path: Path) -> None:
    rows = "".join(f"s{i},https://s{i}.example.org/,u{i},pw\n" for i in range(20000))
    path = write(tmp_path, "big.csv", "name,url,username,password\n" + rows)
    recorder = Recorder()
    import_paths(conn, [path], progress=recorder)
    start = recorder.calls[0]
    assert start == ("start", ("Importing big.csv", path.stat().st_size))
    assert sum(a for k, a in recorder.calls if k == "advance") == path.stat().st_size  # type: ignore[misc]
    assert recorder.calls[-1] == ("done", None)

    token = CancelToken()
    other = write(
        tmp_path, "big2.csv", "name,url,username,password\n" + rows.replace("example.org", "example.net")
    )
    results = import_paths(conn, [other, EXPORTS / "chrome.csv"], progress=Recorder(2, token), cancel=token)
    assert len(results) == 1 and results[0]["cancelled"]
    assert "cancelled" in results[0]["errors"][-1]["message"]
    kept = conn.execute("SELECT COUNT(*) FROM finding WHERE domain = 'example.net'").fetchone()[0]
    assert 0 < kept < 20000 and kept == results[0]["findings"]


def test_company_names_become_organizations(conn: sqlite3.Connection) -> None:
    import_paths(conn, [EXPORTS / "bitwarden.json"])  # argos.co.uk, spotify.com, ...
    result = import_paths(conn, [EXPORTS / "facebook_dyi.zip"])[0]
    assert result["imported"] == 6
    rows = {
        (r["name"], r["slug"], r["category"])
        for r in conn.execute(
            "SELECT DISTINCT o.name, o.slug, o.category FROM finding f JOIN organization o ON o.id = f.org_id "
            "WHERE f.source = 'meta_dyi'"
        )
    }
    assert ("Spotify", "spotify", "streaming") in rows  # catalog match by name
    assert ("Müller Drogerie", "name:muller-drogerie", "unknown") in rows
    assert ("Deezer Café Edition", "name:deezer-cafe-edition", "unknown") in rows
    # "Argos" joins the organization of argos.co.uk from the vault
    argos = conn.execute(
        "SELECT DISTINCT o.slug FROM finding f JOIN organization o ON o.id = f.org_id "
        'WHERE f.evidence LIKE \'%"organization_name": "Argos"%\''
    ).fetchall()
    assert [r[0] for r in argos] == ["domain:argos.co.uk"]
    orgs = _count(conn, "organization")
    assert import_paths(conn, [EXPORTS / "facebook_dyi.zip"])[0]["new_findings"] == 0
    assert _count(conn, "organization") == orgs


def test_inventory_lists_identifiers_and_evidence(conn: sqlite3.Connection) -> None:
    import_paths(conn, [EXPORTS / "keepassxc.xml"])
    orgs = {o["name"]: o for o in inventory(conn)}
    google = next(o for o in orgs.values() if "google.com" in o["domains"])
    assert google["identifiers"] == ["alice.example@gmail.com"]
    finding = google["findings"][0]
    assert finding["evidence"]["title"] == "Google" and finding["source"] == "keepass2_xml"
    assert finding["first_seen"] == "2019-07-01T08:00:00+00:00"
    unknown = next(o for o in orgs.values() if o["domains"] == ["192.168.1.1"])
    assert unknown["category"] == "unknown"


def test_summary_totals(conn: sqlite3.Connection) -> None:
    results = import_paths(conn, [EXPORTS / "chrome.csv", EXPORTS / "protonpass_encrypted.pgp"])
    total = summarize(results)
    assert total["files"] == 2 and total["refused"] == 1 and total["imported"] == 7
    assert json.loads(json.dumps(results))  # plain data


def test_takeout_mailbox_goes_to_the_mail_scanner(conn: sqlite3.Connection, tmp_path: Path) -> None:
    from tests.sources.test_platform import _write_takeout

    result = import_paths(conn, [_write_takeout(tmp_path, as_zip=True)])[0]
    assert result["format"] == "google_takeout" and result["imported"] == 5
    assert result["mail"]["messages"] == 3  # the Sent message is read, but is the user's own
    assert "Gmail mailbox: scanned for senders (headers only)" in result["skipped_reasons"]
    senders = EXPECTED["_account_exports"]["takeout_mail.mbox"]["sender_domains"]
    mail_domains = {
        r[0] for r in conn.execute("SELECT domain FROM finding WHERE source NOT IN ('google_takeout')")
    }
    assert set(senders) <= mail_domains
    assert "gmail.com" not in mail_domains  # own mail excluded
