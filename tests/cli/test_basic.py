from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.helpers import run


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "--help")
    assert result.code == 0
    for command in ("demo", "profile", "inventory", "catalog", "settings", "secrets", "forget"):
        assert command in result.out


def test_bad_usage_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "inventory", "--bogus")
    assert result.code == 2 and "exposure: error:" in result.err


def test_header_injection_in_profile_is_refused_with_one_line(exposure_home: Path) -> None:
    # The acceptance check, as a real process: exit 1, one line on stderr, nothing stored.
    env = {**os.environ, "EXPOSURE_HOME": str(exposure_home)}
    proc = subprocess.run(
        [sys.executable, "-m", "exposure", "profile", "set", "--name", "A\r\nBcc: x@y"],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "control characters" in lines[0]
    assert "Traceback" not in proc.stderr
    # a fresh home is 0700 with a 0600 database
    assert stat.S_IMODE(exposure_home.stat().st_mode) == 0o700
    assert stat.S_IMODE((exposure_home / "exposure.db").stat().st_mode) == 0o600


def test_profile_set_and_show_json(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(
        capsys, "profile", "set", "--name", "Ada", "--email", "ada@example.com", "--country", "DE", "--json"
    )
    assert result.code == 0, result.err
    shown = run(capsys, "profile", "show", "--json").json()
    assert shown["names"] == ["Ada"] and shown["country"] == "DE" and shown["emails"] == ["ada@example.com"]


def test_profile_set_without_options_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "profile", "set")
    assert result.code == 1 and "nothing to change" in result.err


def test_catalog_stats_and_search_json(capsys: pytest.CaptureFixture[str]) -> None:
    stats = run(capsys, "catalog", "stats", "--json").json()
    assert stats["organizations"] >= 150
    assert set(stats) >= {"organizations", "by_category", "by_source"}
    found = run(capsys, "catalog", "search", "spokeo", "--json").json()["organizations"]
    assert found[0]["name"] == "Spokeo"
    assert set(found[0]) >= {"id", "name", "domains", "category", "privacy_email", "opt_out_url", "sources"}


def test_inventory_add_then_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "inventory", "add", "spokeo.com", "--identifier", "ada@example.com").code == 0
    assert run(capsys, "inventory", "add", "unheard-of-example.com").code == 0
    data = run(capsys, "inventory", "--json").json()["organizations"]
    names = {o["name"]: o for o in data}
    assert names["Spokeo"]["identifiers"] == ["ada@example.com"]
    assert names["unheard-of-example.com"]["category"] == "unknown"
    only = run(capsys, "inventory", "--json", "--category", "people_search").json()["organizations"]
    assert [o["name"] for o in only] == ["Spokeo"]
    assert run(capsys, "inventory", "--category", "nonsense").code == 1


def test_inventory_add_unknown_name_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "inventory", "add", "No Such Company")
    assert result.code == 1 and "catalog search" in result.err


def test_settings_round_trip_and_validation(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "settings", "set", "smtp.port", "465").code == 0
    assert run(capsys, "settings", "show", "--json").json()["smtp.port"] == "465"
    assert run(capsys, "settings", "set", "smtp.port", "ninety").code == 1
    assert run(capsys, "settings", "set", "no.such", "1").code == 1


def test_secrets_go_to_the_keyring_only(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: object,
    exposure_home: Path,
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-value\n"))
    assert run(capsys, "secrets", "set", "smtp", "--stdin").code == 0
    assert memory_keyring.store[("exposure", "smtp")] == "s3cret-value"  # type: ignore[attr-defined]
    for file in exposure_home.rglob("*"):
        if file.is_file():
            assert b"s3cret-value" not in file.read_bytes()
    assert run(capsys, "secrets", "delete", "smtp").code == 0
    assert ("exposure", "smtp") not in memory_keyring.store  # type: ignore[attr-defined]


def test_no_keyring_backend_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    monkeypatch.setattr("sys.stdin", io.StringIO("x\n"))
    result = run(capsys, "secrets", "set", "imap", "--stdin")
    assert result.code == 1 and "no keyring backend" in result.err


def test_forget_deletes_everything(capsys: pytest.CaptureFixture[str], exposure_home: Path) -> None:
    run(capsys, "inventory", "add", "spokeo.com")
    assert (exposure_home / "exposure.db").exists()
    assert run(capsys, "forget", "--yes").code == 0
    assert list(exposure_home.iterdir()) == []
