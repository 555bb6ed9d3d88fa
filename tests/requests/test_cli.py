"""``exposure request ...`` end to end (in-process CLI), including the issue's acceptance checks."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from exposure.rights.draft import unfilled_placeholders
from exposure.services.profile import update_profile
from tests.cli.helpers import Result, run
from tests.requests.conftest import Clock

SHOW_FIELDS = {"id", "organization", "right", "law", "language", "channel", "status", "sent_at", "due", "to",
               "subject", "body", "events"}  # fmt: skip
DRAFT_FIELDS = {"id", "organization", "right", "law", "language", "channel", "to", "subject", "body", "due"}


def ok(result: Result) -> Result:
    assert result.code == 0, result.err
    return result


@pytest.fixture(autouse=True)
def _orgs_and_clock(orgs: dict[str, int], clock: Clock) -> None:
    """Every test here has the test organizations and a clock at 2026-03-02 12:00 UTC."""


def test_california_acceptance(capsys: pytest.CaptureFixture[str], ca_profile: None, clock: Clock) -> None:
    drafted = ok(run(capsys, "request", "draft", "peoplefinder-test", "--right", "erasure", "--json")).json()
    [item] = drafted["requests"]
    assert DRAFT_FIELDS <= set(item)
    assert item["law"] == "ccpa" and "1798.105" in item["body"] and item["due"] is None
    assert unfilled_placeholders(item["subject"] + item["body"]) == []
    assert "DROP" in drafted["notices"][0]
    marked = ok(run(capsys, "request", "mark", str(item["id"]), "sent", "--json")).json()
    assert marked["status"] == "sent" and marked["due"] == "2026-04-16"  # 45 days after sending
    shown = ok(run(capsys, "request", "show", str(item["id"]), "--json")).json()
    assert SHOW_FIELDS <= set(shown) and shown["due"] == "2026-04-16"
    assert [e["kind"] for e in shown["events"]] == ["drafted", "sent"]


def test_germany_acceptance(capsys: pytest.CaptureFixture[str], de_profile: None) -> None:
    [item] = ok(run(capsys, "request", "draft", "shop-test", "--right", "erasure", "--json")).json()[
        "requests"
    ]
    assert item["law"] == "gdpr" and "Art. 17" in item["body"]
    marked = ok(run(capsys, "request", "mark", str(item["id"]), "sent", "--json")).json()
    assert marked["due"] == "2026-04-02"  # one month
    [german] = ok(
        run(capsys, "request", "draft", "shop-test", "--right", "access", "--language", "de", "--json")
    ).json()["requests"]
    assert german["language"] == "de" and "DSGVO" in german["body"] and "Art. 15" in german["body"]
    assert unfilled_placeholders(german["subject"] + german["body"]) == []


@pytest.mark.usefixtures("ca_profile")
def test_no_draft_has_an_unfilled_placeholder(capsys: pytest.CaptureFixture[str]) -> None:
    for language in ("en", "de", "fr", "es"):
        for right in ("erasure", "access", "opt_out", "objection", "limit_sensitive"):
            out = ok(run(capsys, "request", "draft", "peoplefinder-test", "formonly-test", "letteronly-test",
                         "--right", right, "--language", language, "--json")).json()  # fmt: skip
            for item in out["requests"]:
                assert unfilled_placeholders(item["subject"] + "\n" + item["body"]) == [], (language, right)
            for item in out["requests"]:
                ok(run(capsys, "request", "discard", str(item["id"])))


@pytest.mark.usefixtures("ca_profile")
def test_injection_is_refused_with_a_clear_message(capsys: pytest.CaptureFixture[str]) -> None:
    [item] = ok(run(capsys, "request", "draft", "peoplefinder-test", "--right", "erasure", "--json")).json()[
        "requests"
    ]
    for args in (
        ("request", "edit", str(item["id"]), "--subject", "Hi\r\nBcc: victim@example.com"),
        ("request", "edit", str(item["id"]), "--to", "p@peoplefinder.example\nBcc: victim@example.com"),
        (
            "request",
            "draft",
            "shop-test",
            "--right",
            "erasure",
            "--add",
            "profile_url=x\r\nBcc: v@example.com",
        ),
        ("request", "draft", "shop\r\nBcc: v@example.com", "--right", "erasure"),
    ):
        result = run(capsys, *args)
        assert result.code == 1 and result.out == ""
        lines = result.err.strip().splitlines()
        assert (
            len(lines) == 1 and lines[0].startswith("exposure: error: ") and "control characters" in lines[0]
        )
        assert "\r" not in result.err and "Bcc: victim" not in result.err.replace(
            "Bcc: victim@example.com'", ""
        )


def test_injection_as_a_real_process(exposure_home: Path, conn: sqlite3.Connection) -> None:
    update_profile(conn, names=["Ada"], emails=["ada@example.com"], country="US", region="US-CA")
    env = {**os.environ, "EXPOSURE_HOME": str(exposure_home)}
    draft = subprocess.run(
        [sys.executable, "-m", "exposure", "request", "draft", "peoplefinder-test", "--right", "erasure", "--json"],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert draft.returncode == 0, draft.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "exposure", "request", "edit", "1", "--subject", "x\r\nBcc: v@example.com"],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert proc.returncode == 1 and proc.stdout == "" and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and "control characters" in proc.stderr


@pytest.mark.usefixtures("ca_profile")
def test_list_due_and_overdue(capsys: pytest.CaptureFixture[str], clock: Clock) -> None:
    ids = [i["id"] for i in ok(run(capsys, "request", "draft", "peoplefinder-test", "shop-test", "--right", "erasure",
                                   "--json")).json()["requests"]]  # fmt: skip
    ok(run(capsys, "request", "mark", str(ids[0]), "sent"))
    assert ok(run(capsys, "request", "list", "--json")).json()["requests"][0]["id"] == ids[1]  # newest first
    due = ok(run(capsys, "request", "list", "--due", "--json")).json()["requests"]
    assert [r["id"] for r in due] == [ids[0]] and all(SHOW_FIELDS <= set(r) for r in due)
    assert ok(run(capsys, "request", "list", "--status", "overdue", "--json")).json()["requests"] == []
    clock.advance(days=50)
    overdue = ok(run(capsys, "request", "list", "--status", "overdue", "--json")).json()["requests"]
    assert [r["id"] for r in overdue] == [ids[0]] and overdue[0]["next_action"] == "remind"
    table = ok(run(capsys, "request", "list", "--due"))
    assert "overdue 5d" in table.out and "remind" in table.out
    shown = ok(run(capsys, "request", "show", str(ids[0])))
    assert "OVERDUE" in shown.out and f"exposure request remind {ids[0]}" in shown.out
    bad = run(capsys, "request", "list", "--status", "lost")
    assert bad.code == 1 and "unknown status" in bad.err


@pytest.mark.usefixtures("ca_profile")
def test_remind_then_complain(capsys: pytest.CaptureFixture[str], clock: Clock) -> None:
    [item] = ok(run(capsys, "request", "draft", "peoplefinder-test", "--right", "erasure", "--json")).json()[
        "requests"
    ]
    ok(run(capsys, "request", "mark", str(item["id"]), "sent"))
    early = run(capsys, "request", "remind", str(item["id"]))
    assert early.code == 1 and "not overdue" in early.err
    clock.advance(days=46)
    reminder = ok(run(capsys, "request", "remind", str(item["id"]), "--json")).json()
    assert reminder["kind"] == "follow_up"
    ok(run(capsys, "request", "mark", str(reminder["id"]), "sent"))
    clock.advance(days=14)
    complaint = ok(run(capsys, "request", "complain", str(item["id"]), "--json")).json()
    assert complaint["kind"] == "complaint" and complaint["regulator"]
    form = ok(run(capsys, "request", "export", str(complaint["id"]), "--format", "webform"))
    assert "http" in form.out and "request sent" in form.out


@pytest.mark.usefixtures("ca_profile")
def test_reply_with_extension(capsys: pytest.CaptureFixture[str]) -> None:
    [item] = ok(run(capsys, "request", "draft", "peoplefinder-test", "--right", "erasure", "--json")).json()[
        "requests"
    ]
    ok(run(capsys, "request", "mark", str(item["id"]), "sent"))
    replied = ok(
        run(capsys, "request", "reply", str(item["id"]), "--extension", "--note", "45 more days", "--json")
    ).json()
    assert replied["due"] == "2026-05-31" and replied["extended"] and replied["status"] == "acknowledged"


@pytest.mark.usefixtures("ca_profile")
def test_export_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    [item] = ok(run(capsys, "request", "draft", "peoplefinder-test", "--right", "erasure", "--json")).json()[
        "requests"
    ]
    rid = str(item["id"])
    pdf = tmp_path / "letter.pdf"
    result = ok(run(capsys, "request", "export", rid, "--format", "pdf", "-o", str(pdf)))
    assert pdf.read_bytes().startswith(b"%PDF") and "font:" in result.err
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o600, "it holds personal data"
    monkeypatch.chdir(tmp_path)
    ok(run(capsys, "request", "export", rid, "--format", "eml"))
    eml = tmp_path / f"request-{rid}-peoplefinder-test.eml"
    msg = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert msg["Subject"] == item["subject"]
    txt = ok(run(capsys, "request", "export", rid, "--format", "txt"))
    assert item["body"].strip() in txt.out and "Nothing was sent" in txt.err
    link = ok(run(capsys, "request", "export", rid, "--format", "mailto"))
    assert link.out.startswith("mailto:privacy@peoplefinder.example?subject=")
    bad = run(capsys, "request", "export", rid, "--format", "docx")
    assert bad.code == 1 and "unknown export format" in bad.err


@pytest.mark.usefixtures("ca_profile")
def test_edit_from_a_file_and_placeholder_guard(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    [item] = ok(run(capsys, "request", "draft", "peoplefinder-test", "--right", "erasure", "--json")).json()[
        "requests"
    ]
    text = tmp_path / "body.txt"
    text.write_text("Please delete everything about me, {org_name}.\n", encoding="utf-8")
    ok(run(capsys, "request", "edit", str(item["id"]), "--body-file", str(text)))
    refused = run(
        capsys, "request", "export", str(item["id"]), "--format", "eml", "-o", str(tmp_path / "x.eml")
    )
    assert refused.code == 1 and "unfilled placeholders ({org_name})" in refused.err
    assert not (tmp_path / "x.eml").exists()
    dry = run(capsys, "request", "send", str(item["id"]), "--dry-run")
    assert dry.code == 1 and "unfilled placeholders" in dry.err
    missing = run(capsys, "request", "edit", str(item["id"]), "--body-file", str(tmp_path / "nope.txt"))
    assert missing.code == 1 and "nope.txt" in missing.err


@pytest.mark.usefixtures("ca_profile")
def test_send_without_settings_says_what_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    [item] = ok(run(capsys, "request", "draft", "peoplefinder-test", "--right", "erasure", "--json")).json()[
        "requests"
    ]
    result = run(capsys, "request", "send", str(item["id"]))
    assert result.code == 1 and "exposure settings set smtp.host" in result.err
    dry = ok(run(capsys, "request", "send", str(item["id"]), "--dry-run"))
    assert "Subject: " in dry.out and "nothing was sent" in dry.err


def test_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "request", "show", "abc").code == 2
    assert run(capsys, "request", "draft", "x").code == 2  # --right is required
    help_ = run(capsys, "--help")
    assert "request" in help_.out
    empty = ok(run(capsys, "request", "list"))
    assert "No requests yet" in empty.err
    missing = run(capsys, "request", "show", "42")
    assert missing.code == 1 and "no request 42" in missing.err


@pytest.mark.usefixtures("ca_profile")
def test_show_says_how_to_send_a_request_without_an_email(capsys: pytest.CaptureFixture[str]) -> None:
    [item] = ok(run(capsys, "request", "draft", "formonly-test", "--right", "erasure", "--json")).json()[
        "requests"
    ]
    shown = ok(run(capsys, "request", "show", str(item["id"]))).out
    assert f"exposure request export {item['id']} --format webform" in " ".join(shown.split())
    assert "Channel:   web_form" in shown
