"""``exposure import``: the CLI contract, and no secret from any fixture anywhere afterwards."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.helpers import run
from tests.sources.helpers import EXPECTED, EXPORTS

ALL = sorted(str(p) for p in EXPORTS.iterdir() if p.name != "EXPECTED.json")

# -- the contract -----------------------------------------------------------------------------


def test_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "import", str(EXPORTS / "chrome.csv"), str(EXPORTS / "safari.csv"), "--json")
    assert result.code == 0
    files = result.json()["files"]
    assert [f["format"] for f in files] == ["chrome_csv", "apple_passwords_csv"]
    for f in files:
        assert {"path", "format", "records", "imported", "skipped", "errors"} <= set(f)
        assert f["errors"] == []
    assert files[0]["records"] == 8 and files[0]["imported"] == 7 and files[0]["skipped"] == 1


@pytest.mark.parametrize("name", sorted(EXPECTED["_must_refuse"]))
def test_refused_file_exits_1_with_what_to_do(capsys: pytest.CaptureFixture[str], name: str) -> None:
    result = run(capsys, "import", str(EXPORTS / name), "--json")
    assert result.code == 1
    (f,) = result.json()["files"]
    assert f["format"] in ("bitwarden_encrypted_json", "protonpass_pgp")
    assert f["imported"] == 0
    assert len(f["errors"]) == 1
    assert {"where", "message"} == set(f["errors"][0])
    assert "export again" in f["errors"][0]["message"]


def test_refused_file_in_human_mode(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "import", str(EXPORTS / "chrome.csv"), str(EXPORTS / "bitwarden_encrypted.json"))
    assert result.code == 1
    assert "chrome.csv" in result.out and "refused" in result.out
    assert "refused" in result.err and "export again as .json or .csv" in result.err
    assert "Traceback" not in result.err


def test_inventory_lists_what_was_imported(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "import", str(EXPORTS / "bitwarden.json")).code == 0
    orgs = run(capsys, "inventory", "--json").json()["organizations"]
    by_domain = {d: o for o in orgs for d in o["domains"]}
    instagram = by_domain["instagram.com"]
    assert instagram["identifiers"] == ["alice.example"]
    (finding,) = instagram["findings"]
    assert finding["evidence"]["android_package"] == "com.instagram.android"
    assert finding["evidence"]["title"] == "Instagram (Android)"
    assert finding["source"] == "bitwarden_json"


def test_unknown_format_and_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = run(capsys, "import", "x.csv", "--format", "nope")
    assert bad.code == 1 and "unknown format 'nope'" in bad.err
    missing = run(capsys, "import", str(tmp_path / "nope.csv"), "--json")
    assert missing.code == 1
    assert "no such file" in missing.json()["files"][0]["errors"][0]["message"]


def test_not_an_export_names_the_supported_formats(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello\n")
    result = run(capsys, "import", str(path))
    assert result.code == 1 and "KeePass 2 XML" in result.err and "RoboForm CSV" in result.err


def test_half_bad_file_exits_0_and_reports_rows(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "half.csv"
    path.write_text("name,url,username,password\nA,https://a.com/,u,p\nB,https://b.com/,u,p,x,y\n")
    result = run(capsys, "import", str(path), "--json")
    assert result.code == 0
    (f,) = result.json()["files"]
    assert f["imported"] == 1 and f["errors"][0]["where"] == "row 3"


# -- secrets never kept -----------------------------------------------------------------------

SECRET_COLUMNS = {
    "password", "login_password", "pwd", "totp", "login_totp", "otpauth", "otpsecret", "otpurl",
    "notes", "note", "extra", "fields", "custom_fields", "cardnumber", "cvc", "pin", "rffieldsv2",
}  # fmt: skip
SECRET_KEYS = {"password", "totp", "totpUri", "notes", "note", "notesPlain", "number", "code", "salt"}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _secrets_in_json(doc: Any) -> Iterator[str]:
    if isinstance(doc, dict):
        for key, value in doc.items():
            if key in SECRET_KEYS or key in ("passwordHistory", "extraFields", "card"):
                yield from _strings(value)
            else:
                yield from _secrets_in_json(value)
        custom_field = "linkedId" in doc  # a Bitwarden custom field
        secret_field = doc.get("designation") == "password" or doc.get("sensitive") == 1
        if custom_field or secret_field or doc.get("type") in ("password", "totp"):
            yield from _strings(doc.get("value"))
    elif isinstance(doc, list):
        for item in doc:
            yield from _secrets_in_json(item)


def _secrets_in_csv(data: bytes) -> Iterator[str]:
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = [h.strip().lower() for h in rows[0]]
    for row in rows[1:]:
        for i, value in enumerate(row):
            if i >= len(header) or header[i] in SECRET_COLUMNS:
                yield value


def fixture_secrets() -> set[str]:
    """Every password, TOTP, note, card and custom-field value in the fixtures."""
    found: list[str] = []
    for path in map(Path, ALL):
        data = path.read_bytes()
        if path.suffix == ".csv":
            found += _secrets_in_csv(data)
        elif path.suffix == ".json":
            found += _secrets_in_json(json.loads(data))
        elif path.suffix == ".xml":
            for string in ET.fromstring(data).iter("String"):
                if string.findtext("Key") in ("Password", "Notes"):
                    found.append(string.findtext("Value") or "")
        elif path.suffix in (".zip", ".1pux"):
            with zipfile.ZipFile(path) as z:
                for name in z.namelist():
                    if name.endswith(".csv"):
                        found += _secrets_in_csv(z.read(name))
                    elif name.endswith((".json", ".data")) and "facebook" not in path.name:
                        found += _secrets_in_json(json.loads(z.read(name)))
    identifiers = {p[1] for key, pairs in EXPECTED.items() if not key.startswith("_") for p in pairs}
    secrets: set[str] = set()
    for value in found:
        for line in value.splitlines():
            line = line.strip()
            if len(line) >= 6 and line not in identifiers:
                secrets.add(line)
    return secrets


def test_the_secret_list_is_not_empty() -> None:
    secrets = fixture_secrets()
    for known in ("hunter2", "correct horse battery staple", "P@ssw0rd-2024", "tr0ub4dor&3", "espresso",
                  "hunter22", "JBSWY3DPEHPK3PXP", "4111111111111111", "Family plan, shared with Bob",
                  "Tenant: work.example", "Family, 6 seats"):  # fmt: skip
        assert any(known in s for s in secrets), known
    assert len(secrets) > 30


def _data_files(home: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in home.rglob("*") if p.is_file()}


def test_no_secret_reaches_the_database_wal_logs_or_output(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, exposure_home: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    first = run(capsys, "import", *ALL, "--json")
    second = run(capsys, "import", *ALL)  # human output too, and re-import
    assert first.code == second.code == 1  # the must-refuse files
    assert first.json()["total"]["findings"] > 100
    files = _data_files(exposure_home)
    assert "exposure.db" in files and "exposure.db-wal" in files
    haystacks = {
        **files,
        "stdout": (first.out + second.out).encode(),
        "stderr": (first.err + second.err).encode(),
    }
    haystacks["log"] = caplog.text.encode()
    secrets = fixture_secrets()
    for name, blob in haystacks.items():
        for secret in secrets:
            assert secret.encode("utf-8") not in blob, f"{secret!r} found in {name}"


def test_no_secret_in_a_real_process(exposure_home: Path) -> None:
    env = {**os.environ, "EXPOSURE_HOME": str(exposure_home)}
    proc = subprocess.run(
        [sys.executable, "-m", "exposure", "import", *ALL], capture_output=True, env=env, timeout=120
    )
    assert proc.returncode == 1 and b"Traceback" not in proc.stderr
    blobs = {**_data_files(exposure_home), "stdout": proc.stdout, "stderr": proc.stderr}
    secrets = fixture_secrets()
    for name, blob in blobs.items():
        for secret in secrets:
            assert secret.encode("utf-8") not in blob, f"{secret!r} found in {name}"
