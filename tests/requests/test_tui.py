"""The Requests screen, driven with Pilot at 80x24: views, preview, send (dry run first), export,
web-form values to the clipboard, mark, reminder, complaint, edit, discard, and "request deletion"
from the inventory."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.widgets import DataTable, Input, OptionList, Select, Static, TextArea

from exposure.core.models import Finding
from exposure.services import requests as rq
from exposure.services.inventory import ingest
from exposure.tui.app import ExposureApp
from exposure.tui.screens.inventory import InventoryScreen
from exposure.tui.screens.requests import RequestsScreen
from exposure.tui.screens.requests_dialogs import (
    ConfirmSend,
    EditDialog,
    ExportDialog,
    MarkDialog,
    WebFormDialog,
)
from tests.requests.conftest import T0, Clock, FakeSmtp
from tests.tui.conftest import notifications, settle

SIZE = (80, 24)
TODAY = T0.date()

pytestmark = pytest.mark.usefixtures("ca_profile", "orgs", "clock")


def text_of(screen: Any, selector: str) -> str:
    content = screen.query_one(selector, Static).content
    return content.plain if isinstance(content, Text) else str(content)


def column(screen: RequestsScreen, key: str) -> list[str]:
    return [str(cell) for cell in screen.query_one("#req-table", DataTable).get_column(key)]


@pytest.fixture
def app() -> ExposureApp:
    return ExposureApp(today=TODAY)


@pytest.fixture
def drafts(conn: sqlite3.Connection) -> list[int]:
    made = rq.draft_requests(conn, ["peoplefinder-test", "formonly-test", "letteronly-test"], "erasure")
    return [r["id"] for r in made["requests"]]


async def press(pilot: Any, *keys: str) -> Any:
    """Press ``keys``, let the app settle; the screen then on top."""
    await pilot.press(*keys)
    await settle(pilot)
    return pilot.app.screen


async def open_requests(pilot: Any, at: int | None = None) -> RequestsScreen:
    """The Requests screen (key r), its cursor on request ``at`` when given."""
    screen = await press(pilot, "r")
    assert isinstance(screen, RequestsScreen)
    if at is not None:
        await cursor_to(pilot, screen, at)
    return screen


async def cursor_to(pilot: Any, screen: RequestsScreen, request_id: int) -> None:
    screen.query_one("#req-table", DataTable).move_cursor(row=screen.shown.index(request_id))
    await settle(pilot)


async def test_empty_state_says_what_to_do(app: ExposureApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_requests(pilot)
        assert "request deletion" in text_of(screen, "#req-empty")
        assert not screen.query_one("#req-table").display


async def test_queue_preview_and_views(app: ExposureApp, drafts: list[int], conn: sqlite3.Connection) -> None:
    rq.mark_status(conn, drafts[2], "sent")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_requests(pilot)
        assert screen.sub_title == "3 requests"
        assert column(screen, "status") == ["sent", "draft", "draft"]
        assert "2 drafts · 1 waiting · 0 need you · 0 done" in text_of(screen, "#req-counts")
        await press(pilot, "2")
        assert screen.query_one("#req-view", Select).value == "queue"
        assert column(screen, "org") == ["FormOnly Test", "PeopleFinder Test"]
        await cursor_to(pilot, screen, drafts[0])
        detail = text_of(screen, "#req-detail-text")
        assert "What goes out" in detail and "Cal. Civ. Code § 1798.105" in detail
        assert (
            "From: Ada Example <ada@example.com>" in detail
            and "To: PeopleFinder Test <privacy@peoplefinder.example>" in detail
        )
        assert "S sends it" in detail
        await press(pilot, "5")
        assert "Nothing in “Done”" in text_of(screen, "#req-empty")


async def test_send_shows_the_dry_run_and_asks_once(
    app: ExposureApp, drafts: list[int], fake: FakeSmtp, conn: sqlite3.Connection
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_requests(pilot, at=drafts[0])
        dialog = await press(pilot, "S")
        assert isinstance(dialog, ConfirmSend)
        body = text_of(dialog, "#send-body")
        assert "via smtp.example.com:587 (starttls) as ada@example.com" in body
        assert "Subject: Request to erase my personal data" in body and "0 of 100 sent" in body
        assert fake.delivered == [], "nothing goes out before the user says yes"
        await press(pilot, "escape")
        assert fake.delivered == [] and rq.get_request(conn, drafts[0])["status"] == "draft"
        await press(pilot, "S")
        await press(pilot, "y")
        assert len(fake.delivered) == 1
        sent = rq.get_request(conn, drafts[0], now=T0)
        assert sent["status"] == "sent" and sent["due"] == "2026-04-16"
        assert any("Sent 1: PeopleFinder Test (due 2026-04-16)" in n for n in notifications(app))
        assert screen.current_id() == drafts[0]
        assert "sent" in column(screen, "status")


async def test_bulk_send_of_selected_drafts(
    app: ExposureApp, drafts: list[int], fake: FakeSmtp, conn: sqlite3.Connection
) -> None:
    rq.edit_request(conn, drafts[1], to="privacy@formonly.example")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_requests(pilot)
        await press(pilot, "2", "a")
        assert "3 selected" in screen.sub_title
        await press(pilot, "S")
        body = text_of(app.screen, "#send-body")
        assert "Not sent: request" in body and "has no email address" in body  # the letter-only one
        await press(pilot, "y")
        assert len(fake.delivered) == 2


async def test_send_without_any_sendable_draft_explains(app: ExposureApp, drafts: list[int]) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_requests(pilot, at=drafts[2])  # letter only: no email address
        await press(pilot, "S")
        assert not isinstance(app.screen, ConfirmSend)
        assert any("Nothing can be sent" in n and "no email address" in n for n in notifications(app))


async def test_export_a_pdf_letter(app: ExposureApp, drafts: list[int], tmp_path: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_requests(pilot, at=drafts[2])
        dialog = await press(pilot, "x")
        assert isinstance(dialog, ExportDialog)
        path = dialog.query_one("#export-path", Input)
        assert path.value.endswith(f"request-{drafts[2]}-letteronly-test.pdf")
        path.value = str(tmp_path / "letter.pdf")
        path.focus()
        await press(pilot, "enter")
        assert (tmp_path / "letter.pdf").read_bytes().startswith(b"%PDF")
        assert any("Wrote" in n and "letter.pdf" in n for n in notifications(app))


async def test_export_eml_by_picking_the_format(
    app: ExposureApp, drafts: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_requests(pilot, at=drafts[0])
        await press(pilot, "x")
        await press(pilot, "down", "enter", "enter")  # .eml, then the path as proposed
        assert (tmp_path / f"request-{drafts[0]}-peoplefinder-test.eml").read_bytes().startswith(b"From: ")


async def test_web_form_values_go_to_the_clipboard(app: ExposureApp, drafts: list[int]) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_requests(pilot, at=drafts[1])
        dialog = await press(pilot, "w")
        assert isinstance(dialog, WebFormDialog)
        options = dialog.query_one("#form-fields", OptionList)
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert labels[0] == "URL: https://formonly.example/privacy-request"
        assert "Email: ada@example.com" in labels and "Name: Ada Example" in labels
        await pilot.press("enter")
        assert app.clipboard == "https://formonly.example/privacy-request"
        await pilot.press("down", "enter")
        assert app.clipboard in ("ada@example.com", "Ada Example")
        assert any("Copied" in n for n in notifications(app))


async def test_mark_sent_by_hand_then_acknowledged(
    app: ExposureApp, drafts: list[int], conn: sqlite3.Connection
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_requests(pilot, at=drafts[1])
        await press(pilot, "m")
        assert isinstance(app.screen, MarkDialog)
        app.screen.query_one("#mark-note", Input).value = "filled in the form"
        await press(pilot, "enter")  # "sent" is the only choice for a draft
        item = rq.get_request(conn, drafts[1], now=T0)
        assert item["status"] == "sent" and item["due"] == "2026-04-16"
        assert item["events"][-1]["note"] == "filled in the form"
        assert any("answer due 2026-04-16" in n for n in notifications(app))
        await press(pilot, "m")
        await press(pilot, "enter")  # acknowledged
        assert rq.get_request(conn, drafts[1])["status"] == "acknowledged"


async def test_overdue_request_offers_reminder_then_complaint(
    conn: sqlite3.Connection, drafts: list[int]
) -> None:
    rq.mark_status(conn, drafts[0], "sent")
    app = ExposureApp(today=date(2026, 4, 20))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_requests(pilot)
        assert column(screen, "status")[0] == "overdue" and screen.sub_title == "3 requests · 1 overdue"
        await press(pilot, "4")
        assert column(screen, "org") == ["PeopleFinder Test"]
        assert "f drafts a reminder" in text_of(screen, "#req-detail-text")
        await press(pilot, "f")
        reminder = rq.list_requests(conn, kind="follow_up")
        assert len(reminder) == 1 and screen.current_id() == reminder[0]["id"]
        assert "PeopleFinder Test · reminder" in column(screen, "org")
    rq.mark_status(conn, reminder[0]["id"], "sent", now=datetime(2026, 4, 20, 12, tzinfo=UTC))
    rq.mark_status(conn, drafts[0], "refused")
    app = ExposureApp(today=date(2026, 4, 21))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_requests(pilot, at=drafts[0])
        assert "C drafts a complaint" in text_of(screen, "#req-detail-text")
        await press(pilot, "C")
        [complaint] = rq.list_requests(conn, kind="complaint")
        assert screen.current_id() == complaint["id"]
        assert any("Drafted complaint" in n for n in notifications(app))
        assert "complaint" in column(screen, "org")[screen.shown.index(complaint["id"])]


async def test_edit_a_draft(app: ExposureApp, drafts: list[int], conn: sqlite3.Connection) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_requests(pilot, at=drafts[2])
        dialog = await press(pilot, "e")
        assert isinstance(dialog, EditDialog)
        dialog.query_one("#edit-to", Input).value = "privacy@letteronly.example"
        area = dialog.query_one("#edit-body", TextArea)
        area.text = area.text + "\nP.S. My account number is {account}.\n"
        await press(pilot, "ctrl+s")
        item = rq.get_request(conn, drafts[2])
        assert item["to"] == "privacy@letteronly.example" and "{account}" in item["body"]
        assert any("fill in {account} before sending" in n for n in notifications(app))
        assert "unfilled placeholders" in text_of(screen, "#req-detail-text")


async def test_injection_in_an_edit_is_refused_in_one_line(
    app: ExposureApp, drafts: list[int], conn: sqlite3.Connection
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_requests(pilot, at=drafts[0])
        await press(pilot, "e")
        app.screen.query_one("#edit-subject", Input).value = "Hi\r\nBcc: victim@example.com"
        await press(pilot, "ctrl+s")
        assert any("subject: control characters" in n for n in notifications(app))
        assert rq.get_request(conn, drafts[0])["subject"].startswith("Request to erase")


async def test_discard_asks_once(app: ExposureApp, drafts: list[int], conn: sqlite3.Connection) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_requests(pilot, at=drafts[1])
        await press(pilot, "delete")
        assert isinstance(app.screen, ConfirmSend)
        await press(pilot, "y")
        assert drafts[1] not in [r["id"] for r in rq.list_requests(conn)]
        assert drafts[1] not in screen.shown


async def test_request_deletion_from_the_inventory(app: ExposureApp, conn: sqlite3.Connection) -> None:
    ingest(conn, [
        Finding(source="manual", domain="peoplefinder.example", identifier="Ada Example", key="a"),
        Finding(source="manual", domain="shop.example", identifier="ada@example.com", key="b"),
    ])  # fmt: skip
    async with app.run_test(size=SIZE) as pilot:
        inventory = await press(pilot, "i")
        assert isinstance(inventory, InventoryScreen)
        screen = await press(pilot, "a", "e")  # select both rows, request deletion
        assert isinstance(screen, RequestsScreen)
        await settle(pilot)
        assert screen.query_one("#req-view", Select).value == "queue"
        assert sorted(column(screen, "org")) == ["PeopleFinder Test", "Shop Test GmbH"]
        assert any("Drafted 2 erasure requests" in n and "Nothing is sent" in n for n in notifications(app))
        assert any("DROP" in n for n in notifications(app))
        made = rq.list_requests(conn)
        assert {r["right"] for r in made} == {"erasure"} and {r["status"] for r in made} == {"draft"}
        await press(pilot, "i")
        await press(pilot, "e")  # the same again: nothing drafted twice
        assert len(rq.list_requests(conn)) == 2
        assert any("already had one" in n for n in notifications(app))


async def test_help_lists_the_keys(app: ExposureApp, drafts: list[int]) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await open_requests(pilot)
        await press(pilot, "question_mark")
        from exposure.tui.screens.help import HelpScreen

        assert isinstance(app.screen, HelpScreen)
        help_text = text_of(app.screen, "#help-text")
        for words in ("Send (asks first)", "Copy web-form values", "Complain to the regulator", "Export"):
            assert words in help_text


def test_clock_fixture_is_the_tests_day(clock: Clock) -> None:
    assert clock().date() == TODAY
