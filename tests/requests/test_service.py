"""The requests service: drafting, data minimization, channels, export and refusals."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from email import message_from_bytes, policy

import pytest

from exposure.core.errors import NotFound, ValidationError
from exposure.core.models import Finding
from exposure.services import requests as rq
from exposure.services.inventory import ingest, set_state
from exposure.store.db import transaction
from tests.requests.conftest import T0, Clock, Drafter
from tests.requests.pdftext import pdf_text


def kinds(item: dict) -> dict[str, str]:
    return {i["kind"]: i["value"] for i in item["identifiers"]}


@pytest.mark.usefixtures("ca_profile")
def test_california_erasure_to_people_search_cites_ccpa_and_is_due_in_45_days(
    conn: sqlite3.Connection, draft_one: Drafter, clock: Clock
) -> None:
    item = draft_one("peoplefinder-test")
    assert item["law"] == "ccpa" and "1798.105" in item["citation"]
    assert "1798.105" in item["body"] and "1798.105" in item["subject"]
    assert item["channel"] == "email" and item["to"] == "privacy@peoplefinder.example"
    assert item["status"] == "draft" and item["due"] is None
    assert rq.unfilled_placeholders_in(item) == []
    sent = rq.mark_status(conn, item["id"], "sent", note="sent from my phone")
    assert sent["sent_at"] == T0.isoformat()
    assert sent["due"] == "2026-04-16"  # 45 calendar days after 2026-03-02
    assert sent["days_left"] == 45 and not sent["overdue"]
    assert [e["kind"] for e in sent["events"]] == ["drafted", "sent"]


@pytest.mark.usefixtures("de_profile")
def test_germany_erasure_cites_gdpr_art_17_and_is_due_in_one_month(
    conn: sqlite3.Connection, draft_one: Drafter
) -> None:
    item = draft_one("shop-test")
    assert item["law"] == "gdpr" and item["citation"].startswith("Art. 17")
    assert "Art. 17" in item["body"]
    assert rq.mark_status(conn, item["id"], "sent")["due"] == "2026-04-02"


@pytest.mark.usefixtures("de_profile")
def test_language_de_gives_german_text(draft_one: Drafter) -> None:
    item = draft_one("shop-test", language="de")
    assert item["language"] == "de"
    assert "DSGVO" in item["citation"] and "DSGVO" in item["body"]
    assert "Mit freundlichen Grüßen" in item["body"] or "Sehr geehrte" in item["body"]
    assert rq.unfilled_placeholders_in(item) == []


@pytest.mark.usefixtures("ca_profile")
def test_law_override_and_plain_request(conn: sqlite3.Connection, draft_one: Drafter) -> None:
    assert draft_one("peoplefinder-test", law="gdpr")["law"] == "gdpr"
    plain = draft_one("shop-test", law="none")
    assert plain["law"] is None and plain["citation"] is None
    assert rq.mark_status(conn, plain["id"], "sent")["due"] == "2026-04-01"  # 30 days, tracked
    with pytest.raises(ValidationError, match="unknown law"):
        rq.draft_requests(conn, ["letteronly-test"], "erasure", law="nolaw")


@pytest.mark.usefixtures("ca_profile")
def test_data_minimization(conn: sqlite3.Connection, orgs: dict[str, int], draft_one: Drafter) -> None:
    ingest(conn, [
        Finding(source="manual", domain="shop.example", identifier="ada.shop@example.com", key="s1"),
        Finding(source="manual", domain="shop.example", identifier="adaexample", key="s2"),
    ])  # fmt: skip
    item = draft_one("shop-test")
    assert kinds(item) == {"email": "ada.shop@example.com", "username": "adaexample"}
    assert "1990" not in item["body"] and "+1415" not in item["body"] and "Springfield" not in item["body"]
    # the people-search site is asked with the name it files people under, and its required email
    broker = draft_one("peoplefinder-test")
    assert kinds(broker) == {"email": "ada@example.com", "name": "Ada Example"}
    assert "1990-01-02" not in broker["body"]


@pytest.mark.usefixtures("ca_profile")
def test_date_of_birth_only_when_added_to_that_request(conn: sqlite3.Connection, draft_one: Drafter) -> None:
    item = draft_one(
        "letteronly-test", add_identifiers=["date_of_birth", "profile_url=https://letteronly.example/p/ada"]
    )
    assert kinds(item)["date_of_birth"] == "1990-01-02"
    assert "1990-01-02" in item["body"] and "https://letteronly.example/p/ada" in item["body"]
    other = draft_one("formonly-test")
    assert "date_of_birth" not in kinds(other) and "1990-01-02" not in other["body"]
    with pytest.raises(ValidationError, match="cannot add 'passport'"):
        draft_one("shop-test", add_identifiers=["passport"])
    with pytest.raises(ValidationError, match="control characters"):
        draft_one("shop-test", add_identifiers=["profile_url=https://x.example/\r\nBcc: y@z.example"])


@pytest.mark.usefixtures("ca_profile")
def test_default_channels(draft_one: Drafter) -> None:
    assert draft_one("formonly-test")["channel"] == "web_form"
    assert draft_one("letteronly-test")["channel"] == "letter"
    assert draft_one("shop-test", channel="letter")["channel"] == "letter"
    with pytest.raises(ValidationError, match="unknown channel"):
        draft_one("peoplefinder-test", channel="pigeon")


@pytest.mark.usefixtures("ca_profile")
def test_open_request_is_not_drafted_twice(
    conn: sqlite3.Connection, orgs: dict[str, int], clock: Clock
) -> None:
    first = rq.draft_requests(conn, ["peoplefinder-test"], "erasure")
    again = rq.draft_requests(conn, ["peoplefinder-test", "shop-test"], "erasure")
    assert [r["organization"] for r in again["requests"]] == ["Shop Test GmbH"]
    assert again["skipped"][0]["id"] == first["requests"][0]["id"]
    assert "already has an open erasure request" in again["skipped"][0]["reason"]
    assert len(rq.draft_requests(conn, ["peoplefinder-test"], "access")["requests"]) == 1


@pytest.mark.usefixtures("ca_profile")
def test_all_brokers(conn: sqlite3.Connection, orgs: dict[str, int], clock: Clock) -> None:
    set_state(conn, orgs["formonly-test"], "not_mine")
    result = rq.draft_requests(conn, [], "erasure", all_brokers=True)
    names = {r["organization"] for r in result["requests"]}
    assert "PeopleFinder Test" in names and "FormOnly Test" not in names
    assert "Shop Test GmbH" not in names and "Letter Only Test" not in names  # not brokers
    assert all(r["category"] in ("people_search", "data_broker") for r in result["requests"])
    assert any("DROP" in n and "privacy.ca.gov/drop" in n for n in result["notices"])


@pytest.mark.usefixtures("de_profile")
def test_no_drop_notice_outside_california(
    conn: sqlite3.Connection, orgs: dict[str, int], clock: Clock
) -> None:
    assert rq.draft_requests(conn, ["peoplefinder-test"], "erasure")["notices"] == []


def test_profile_is_required(conn: sqlite3.Connection, orgs: dict[str, int]) -> None:
    with pytest.raises(ValidationError, match="profile needs a name and an email"):
        rq.draft_requests(conn, ["peoplefinder-test"], "erasure")


@pytest.mark.usefixtures("ca_profile")
def test_bad_arguments(conn: sqlite3.Connection, orgs: dict[str, int]) -> None:
    with pytest.raises(ValidationError, match="unknown right"):
        rq.draft_requests(conn, ["peoplefinder-test"], "forget_me")
    with pytest.raises(ValidationError, match="no templates in language"):
        rq.draft_requests(conn, ["peoplefinder-test"], "erasure", language="it")
    with pytest.raises(NotFound):
        rq.draft_requests(conn, ["no-such-org-anywhere"], "erasure")
    with pytest.raises(ValidationError, match="at least one organization"):
        rq.draft_requests(conn, [], "erasure")
    with pytest.raises(NotFound):
        rq.get_request(conn, 999)
    with pytest.raises(ValidationError, match="say what to correct"):
        rq.draft_requests(conn, ["peoplefinder-test"], "correction")


# --------------------------------------------------------------------------- injection


@pytest.mark.usefixtures("ca_profile")
def test_injection_in_catalog_data_is_refused(conn: sqlite3.Connection, orgs: dict[str, int]) -> None:
    with transaction(conn):
        conn.execute(
            "UPDATE organization SET name = 'Evil\r\nBcc: victim@example.com' WHERE slug = 'shop-test'"
        )
        conn.execute(
            "UPDATE organization SET privacy_email = 'p@x.example\r\nBcc: v@example.com' WHERE slug = 'letteronly-test'"
        )
    with pytest.raises(ValidationError, match="control characters"):
        rq.draft_requests(conn, ["shop-test"], "erasure")
    with pytest.raises(ValidationError, match="control characters"):
        rq.draft_requests(conn, ["letteronly-test"], "erasure")
    assert conn.execute("SELECT COUNT(*) FROM request").fetchone()[0] == 0, "nothing half-drafted"


@pytest.mark.usefixtures("ca_profile")
def test_injection_in_edits_is_refused(conn: sqlite3.Connection, draft_one: Drafter) -> None:
    item = draft_one()
    with pytest.raises(ValidationError, match="control characters"):
        rq.edit_request(conn, item["id"], subject="Hello\r\nBcc: victim@example.com")
    with pytest.raises(ValidationError, match="control characters"):
        rq.edit_request(conn, item["id"], to="privacy@peoplefinder.example\r\nBcc: victim@example.com")
    with pytest.raises(ValidationError, match="not a valid email"):
        rq.edit_request(conn, item["id"], to="privacy@peoplefinder.example, victim@example.com")
    with pytest.raises(ValidationError, match="control characters"):
        rq.edit_request(conn, item["id"], body="text\x00more")
    assert rq.get_request(conn, item["id"])["subject"] == item["subject"]


@pytest.mark.usefixtures("ca_profile")
def test_injection_stored_in_the_database_never_goes_out(
    conn: sqlite3.Connection, draft_one: Drafter
) -> None:
    # Even if a bad value got into the store (an older version, a hand edit), nothing goes out.
    item = draft_one()
    with transaction(conn):
        conn.execute("UPDATE request SET subject = 'x\r\nBcc: v@example.com' WHERE id = ?", (item["id"],))
    for fmt in rq.EXPORT_FORMATS:
        with pytest.raises(ValidationError, match="line break"):
            rq.export_request(conn, item["id"], fmt)
    result = rq.send_requests(conn, [item["id"]], dry_run=True)
    assert result["dry_run"] == [] and "line break" in result["failed"][0]["error"]
    with pytest.raises(ValidationError, match="line break"):
        rq.mark_status(conn, item["id"], "sent")


# --------------------------------------------------------------------------- placeholders


@pytest.mark.usefixtures("ca_profile")
def test_unfilled_placeholder_can_never_be_exported_or_sent(
    conn: sqlite3.Connection, draft_one: Drafter
) -> None:
    item = draft_one()
    rq.edit_request(conn, item["id"], body=item["body"] + "\nP.S. {account_number}\n")
    for fmt in rq.EXPORT_FORMATS:
        with pytest.raises(ValidationError, match=r"unfilled placeholders \(\{account_number\}\)"):
            rq.export_request(conn, item["id"], fmt)
    dry = rq.send_requests(conn, [item["id"]], dry_run=True)
    assert dry["dry_run"] == [] and "unfilled placeholders" in dry["failed"][0]["error"]
    with pytest.raises(ValidationError, match="unfilled placeholders"):
        rq.mark_status(conn, item["id"], "sent")
    assert rq.preview(conn, item["id"])["problems"]
    assert rq.get_request(conn, item["id"])["status"] == "draft"


@pytest.mark.usefixtures("ca_profile")
@pytest.mark.parametrize(
    "right", ["erasure", "access", "opt_out", "objection", "correction", "limit_sensitive"]
)
@pytest.mark.parametrize("language", ["en", "de", "fr", "es"])
def test_no_draft_contains_an_unfilled_placeholder(
    conn: sqlite3.Connection, orgs: dict[str, int], clock: Clock, right: str, language: str
) -> None:
    corrections = "My city is Springfield, not Shelbyville." if right == "correction" else None
    result = rq.draft_requests(
        conn, ["peoplefinder-test", "shop-test", "formonly-test", "letteronly-test"], right, language=language,
        corrections=corrections,
    )  # fmt: skip
    assert len(result["requests"]) == 4
    for item in result["requests"]:
        assert rq.unfilled_placeholders_in(item) == [], item["subject"]
        assert rq.preview(conn, item["id"])["problems"] == []


# --------------------------------------------------------------------------- export


@pytest.mark.usefixtures("ca_profile")
def test_exports(conn: sqlite3.Connection, draft_one: Drafter) -> None:
    item = draft_one()
    eml = rq.export_request(conn, item["id"], "eml")
    msg = message_from_bytes(eml.data, policy=policy.default)
    assert eml.filename == f"request-{item['id']}-peoplefinder-test.eml"
    assert msg["To"].addresses[0].addr_spec == "privacy@peoplefinder.example"  # type: ignore[attr-defined]
    assert msg["From"].addresses[0].display_name == "Ada Example"  # type: ignore[attr-defined]
    assert msg["Subject"] == item["subject"] and msg["X-Unsent"] == "1"

    pdf = rq.export_request(conn, item["id"], "pdf")
    assert pdf.data.startswith(b"%PDF") and pdf.note and "font" in pdf.note
    text = pdf_text(pdf.data)
    assert "1798.105" in text and "PeopleFinder Test" in text and "Ada Example" in text

    txt = rq.export_request(conn, item["id"], "txt").data.decode()
    assert "PeopleFinder Test\n1 Broker Way\nPasadena, CA 91101" in txt and item["body"].strip() in txt

    assert rq.export_request(conn, item["id"], "mailto").data.startswith(
        b"mailto:privacy@peoplefinder.example?subject="
    )

    form = rq.export_request(conn, item["id"], "webform").data.decode()
    assert "https://peoplefinder.example/optout" in form and "Search for your listing" in form
    assert "Email: ada@example.com" in form and "Name: Ada Example" in form
    assert rq.get_request(conn, item["id"])["status"] == "draft", "export sends nothing"
    with pytest.raises(ValidationError, match="unknown export format"):
        rq.export_request(conn, item["id"], "docx")


@pytest.mark.usefixtures("ca_profile")
def test_web_form_values_disclose_only_the_identifiers(conn: sqlite3.Connection, draft_one: Drafter) -> None:
    item = draft_one("formonly-test")
    values = rq.webform_values(conn, item["id"])
    assert values["url"] == "https://formonly.example/privacy-request"
    labels = {f["label"]: f["value"] for f in values["fields"]}
    assert labels["Email"] == "ada@example.com" and labels["Name"] == "Ada Example"
    assert "Phone" not in labels and "Date of birth" not in labels
    assert "1798.105" in labels["Request"]


@pytest.mark.usefixtures("ca_profile")
def test_letter_includes_the_address_only_when_disclosed(
    conn: sqlite3.Connection, draft_one: Drafter
) -> None:
    plain = rq.export_request(conn, draft_one("letteronly-test")["id"], "txt").data.decode()
    assert "Springfield" not in plain
    with_address = draft_one("letteronly-test", right="access", add_identifiers=["address"])
    assert "1 Example Street, Springfield" in rq.export_request(conn, with_address["id"], "txt").data.decode()


@pytest.mark.usefixtures("ca_profile")
def test_edit_and_discard(conn: sqlite3.Connection, draft_one: Drafter) -> None:
    item = draft_one("formonly-test")
    assert item["to"] is None
    edited = rq.edit_request(
        conn, item["id"], to="Privacy@FormOnly.example", channel="email", subject="Delete me"
    )
    assert edited["to"] == "Privacy@formonly.example" and edited["channel"] == "email"
    assert edited["events"][-1]["kind"] == "edited"
    rq.discard_request(conn, item["id"])
    with pytest.raises(NotFound):
        rq.get_request(conn, item["id"])
    sent = draft_one()
    rq.mark_status(conn, sent["id"], "sent")
    with pytest.raises(ValidationError, match="only drafts can be edited"):
        rq.edit_request(conn, sent["id"], subject="x")
    with pytest.raises(ValidationError, match="only drafts can be discarded"):
        rq.discard_request(conn, sent["id"])


def test_identifiers_stored_as_kind_and_value(
    conn: sqlite3.Connection, ca_profile: None, draft_one: Drafter
) -> None:
    item = draft_one()
    stored = json.loads(
        conn.execute("SELECT identifiers FROM request WHERE id = ?", (item["id"],)).fetchone()[0]
    )
    assert stored == [{"kind": "email", "value": "ada@example.com"}, {"kind": "name", "value": "Ada Example"}]
    assert date.fromisoformat(item["created_at"][:10]) == T0.date()
