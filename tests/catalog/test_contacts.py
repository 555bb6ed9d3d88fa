"""Contact health: a bounced or dead contact is shown with its date and the catalog prefers the
next one; sources' own bounce reports count too; the user's mark wins and survives merges."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from exposure.catalog import bundled
from exposure.catalog.importers.merge import rebuild
from exposure.core.errors import NotFound, ValidationError
from exposure.services.catalog import contacts, get_organization, preferred_contact
from exposure.services.inventory import resolve_organization
from exposure.services.update_catalog import import_catalog, mark_contact
from tests.catalog.conftest import DATA, SYNTHETIC
from tests.cli.helpers import run

ERASER = """brokers:
    - id: acmepeople
      name: Acme People Search
      email: optout@acmepeople.example
      website: https://acmepeople.example
      opt_out_url: https://acmepeople.example/optout
      region: us
      category: people-search
"""


@pytest.fixture
def acme(conn: sqlite3.Connection, tmp_path: Path) -> int:
    eraser = tmp_path / "brokers.yaml"
    eraser.write_text(ERASER)
    assert import_catalog(conn, SYNTHETIC["datarequests"], "datarequests").ok
    assert import_catalog(conn, eraser, "eraser").ok
    return int(resolve_organization(conn, "acmepeople.example")["id"])


def test_the_most_trusted_email_comes_first(conn: sqlite3.Connection, acme: int) -> None:
    listed = [(c["kind"], c["value"], c["sources"]) for c in contacts(conn, acme)]
    assert listed[0] == ("email", "privacy@acmepeople.example", ["datarequests"])
    assert listed[1] == ("email", "optout@acmepeople.example", ["eraser"])
    assert ("opt_out_url", "https://acmepeople.example/optout", ["eraser"]) in listed
    assert listed[-1][0] == "postal"
    preferred = preferred_contact(conn, acme)
    assert preferred is not None and preferred["value"] == "privacy@acmepeople.example"


def test_a_bounced_email_gives_way_to_the_next_and_shows_its_date(
    conn: sqlite3.Connection, acme: int
) -> None:
    result = mark_contact(
        conn, "acmepeople.example", "email", "bounced", date="2026-09-01", note="550 no such user"
    )
    assert result["value"] == "privacy@acmepeople.example"
    org = get_organization(conn, acme)
    assert org["privacy_email"] == "optout@acmepeople.example"
    assert org["contact_status"] == [
        {"kind": "email", "value": "privacy@acmepeople.example", "status": "bounced", "date": "2026-09-01",
         "source": "user", "note": "550 no such user"},
    ]  # fmt: skip
    preferred = preferred_contact(conn, acme)
    assert preferred is not None and preferred["value"] == "optout@acmepeople.example"
    bounced = next(c for c in contacts(conn, acme) if c["value"] == "privacy@acmepeople.example")
    assert (
        bounced["status"] == "bounced" and bounced["date"] == "2026-09-01" and bounced["marked_by"] == "user"
    )
    # Every email dead: requests move on to the opt-out page; the email field is empty.
    mark_contact(conn, "acmepeople.example", "email", "dead")
    assert get_organization(conn, acme)["privacy_email"] is None
    preferred = preferred_contact(conn, acme)
    assert preferred is not None and preferred["kind"] == "opt_out_url"
    # The user's marks survive a new merge.
    rebuild(conn)
    assert get_organization(conn, acme)["privacy_email"] is None
    # And "ok" takes a mark back: the most trusted address returns.
    back = mark_contact(conn, "acmepeople.example", "email", "ok", value="privacy@acmepeople.example")
    assert back["status"] == "ok"
    assert get_organization(conn, acme)["privacy_email"] == "privacy@acmepeople.example"


def test_a_bounce_reported_by_a_source_keeps_that_address_out(conn: sqlite3.Connection) -> None:
    # The 2024 registry gives privacy@datahoard.example; Eraser reports it bounced on 2026-08-20.
    assert import_catalog(conn, DATA / "california-2024.csv", "california").ok
    assert import_catalog(conn, SYNTHETIC["eraser"], "eraser").ok
    org_id = int(resolve_organization(conn, "datahoard.example")["id"])
    assert get_organization(conn, org_id)["privacy_email"] is None
    (bounced,) = [c for c in contacts(conn, org_id) if c["kind"] == "email"]
    assert (bounced["value"], bounced["status"], bounced["date"], bounced["marked_by"]) == (
        "privacy@datahoard.example", "bounced", "2026-08-20", "eraser",
    )  # fmt: skip
    preferred = preferred_contact(conn, org_id)
    assert preferred is not None and preferred["kind"] == "opt_out_url"
    # The user knows better: it works again.
    mark_contact(conn, str(org_id), "email", "ok", value="privacy@datahoard.example")
    assert get_organization(conn, org_id)["privacy_email"] == "privacy@datahoard.example"


def test_the_suggested_channel_comes_first(conn: sqlite3.Connection) -> None:
    assert import_catalog(conn, SYNTHETIC["datarequests"], "datarequests").ok
    shop = int(resolve_organization(conn, "shopco.example")["id"])
    preferred = preferred_contact(conn, shop)
    assert preferred is not None and preferred["kind"] == "web_form"  # datarequests suggests the web form


def test_marking_a_curated_organization_without_imports(conn: sqlite3.Connection) -> None:
    entry = next(e for e in bundled.load().entries if e.get("privacy_email"))
    mark_contact(conn, entry["slug"], "email", "bounced")
    org = get_organization(conn, int(resolve_organization(conn, entry["slug"])["id"]))
    assert org["privacy_email"] is None
    assert org["contact_status"][0]["value"] == entry["privacy_email"]
    mark_contact(conn, entry["slug"], "email", "ok")
    assert get_organization(conn, org["id"])["privacy_email"] == entry["privacy_email"]


def test_bad_marks_are_one_line_errors(conn: sqlite3.Connection, acme: int) -> None:
    with pytest.raises(ValidationError, match="unknown contact kind 'fax'"):
        mark_contact(conn, "acmepeople.example", "fax", "bounced")
    with pytest.raises(ValidationError, match="unknown contact status 'sad'"):
        mark_contact(conn, "acmepeople.example", "email", "sad")
    with pytest.raises(ValidationError, match="use YYYY-MM-DD"):
        mark_contact(conn, "acmepeople.example", "email", "bounced", date="yesterday")
    with pytest.raises(NotFound, match="has no web form contact to mark bounced"):
        mark_contact(conn, "acmepeople.example", "web_form", "bounced")
    with pytest.raises(NotFound, match="no organization 'nobody-at-all'"):
        mark_contact(conn, "nobody-at-all", "email", "bounced")


def test_cli_mark_and_show(capsys: pytest.CaptureFixture[str], conn: sqlite3.Connection, acme: int) -> None:
    marked = run(capsys, "catalog", "mark", "acmepeople.example", "--contact", "email", "--status", "bounced",
                 "--date", "2026-09-02")  # fmt: skip
    assert marked.code == 0, marked.err
    assert "privacy@acmepeople.example marked bounced (2026-09-02)" in marked.err
    assert "Requests now use: email optout@acmepeople.example" in marked.err
    shown = run(capsys, "catalog", "show", "acmepeople.example", "--json")
    data = shown.json()
    assert data["organization"]["privacy_email"] == "optout@acmepeople.example"
    assert data["contacts"][-1]["status"] == "bounced"
    assert any("datarequests.org lists it as" in line for line in data["why"])
    text = run(capsys, "catalog", "show", "acmepeople.example")
    assert "[BOUNCED 2026-09-02]" in text.out
    wrong = run(capsys, "catalog", "mark", "acmepeople.example", "--contact", "fax", "--status", "bounced")
    assert wrong.code == 2 and "invalid choice: 'fax'" in wrong.err
