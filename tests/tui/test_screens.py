"""Pilot tests: drive the TUI at 80x24 and check what it shows and what it stored."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable, Input, Select, Static, TextArea

from exposure.core.errors import ExposureError
from exposure.services.inventory import inventory_rows
from exposure.services.profile import get_profile
from exposure.tui.app import ExposureApp
from exposure.tui.screens.catalog import CatalogScreen
from exposure.tui.screens.dashboard import DashboardScreen
from exposure.tui.screens.help import HelpScreen
from exposure.tui.screens.inventory import InventoryScreen
from exposure.tui.screens.profile import ProfileScreen, split_list
from exposure.tui.screens.requests import RequestsScreen
from exposure.tui.screens.settings import SettingsScreen
from exposure.tui.screens.sources import SourcesScreen
from exposure.tui.widgets.table import VirtualTable

from .conftest import TODAY, notifications, settle

SIZE = (80, 24)


def static_text(screen: Any, selector: str) -> str:
    widget = screen.query_one(selector, Static)
    content = widget.content
    return content.plain if isinstance(content, Text) else str(content)


def table_column(table: DataTable[Any] | VirtualTable, column: str) -> list[str]:
    return [str(cell) for cell in table.get_column(column)]


async def test_demo_data_populates_the_dashboard(
    demo_home: Any, app: ExposureApp, conn: sqlite3.Connection
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        assert screen.summary is not None
        holders = static_text(screen, "#holders")
        assert f"{screen.summary.organizations} organizations" in holders
        assert screen.summary.organizations == len(inventory_rows(conn)) >= 30
        assert "10 data brokers / people-search" in holders
        assert "1 breached" in holders
        requests = static_text(screen, "#requests")
        assert "1 overdue (!)" in requests  # Whitepages: sent 50 days before TODAY, due after 45
        assert "next due: Spokeo, in 35 days" in requests
        needs = static_text(screen, "#needs")
        assert "Whitepages: no answer, 5 days overdue" in needs
        assert "BeenVerified asks you to act" in needs
        assert app.title == "exposure — Ada Example (US-CA)"
        assert not screen.query_one("#welcome").display
        assert notifications(app) == []


async def test_first_run_shows_the_welcome_and_the_path(app: ExposureApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        assert screen.query_one("#welcome").display
        assert "Nothing leaves it unless you ask" in static_text(screen, "#welcome")
        assert screen.summary is not None and screen.summary.next_step == "profile"
        assert "→1 Profile" in static_text(screen, "#path")
        await pilot.press("enter")  # the next step: the profile
        await settle(pilot)
        assert isinstance(app.screen, ProfileScreen)


async def test_skipping_a_step_moves_the_path_on(app: ExposureApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#next-skip")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen) and screen.summary is not None
        assert screen.summary.steps["profile"] == "skipped"
        assert screen.summary.next_step == "sources"


async def fill_profile(pilot: Any, values: dict[str, str]) -> None:
    """Set form fields (typing every character would only make the test slow)."""
    for field, value in values.items():
        widget = pilot.app.screen.query_one(f"#pf-{field}")
        if isinstance(widget, TextArea):
            widget.text = value
        else:
            widget.value = value
    await pilot.pause()


async def test_fill_the_profile_and_save(app: ExposureApp, conn: sqlite3.Connection) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, ProfileScreen)
        assert app.screen.focused is app.screen.query_one("#pf-names")
        await pilot.press(*"Grace Example, G. Example")  # typed, key by key
        await fill_profile(
            pilot,
            {
                "emails": "grace@example.com",
                "phones": "+442079460000",
                "addresses": "1 Main St, Springfield\n2 Side Rd",
                "country": "gb",
                "language": "en",
            },
        )
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Profile saved" in notifications(app)
        assert not app.screen.query_one("#profile-error").display
        # The form shows the cleaned values.
        assert app.screen.query_one("#pf-country", Input).value == "GB"
    profile = get_profile(conn)
    assert profile.names == ("Grace Example", "G. Example")
    assert profile.emails == ("grace@example.com",)
    assert profile.phones == ("+442079460000",)
    assert profile.addresses == ("1 Main St, Springfield", "2 Side Rd")
    assert profile.country == "GB"
    assert app.title == "exposure — Grace Example (GB)"


async def test_a_bad_email_shows_one_line_under_the_form(app: ExposureApp, conn: sqlite3.Connection) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        await fill_profile(pilot, {"names": "Ada", "emails": "ada@@example"})
        await pilot.click("#profile-save")
        await settle(pilot)
        screen = app.screen
        error = static_text(screen, "#profile-error")
        assert screen.query_one("#profile-error").display
        assert error == "Not saved: email: 'ada@@example' is not a valid email address"
        assert "\n" not in error
        emails = screen.query_one("#pf-emails", Input)
        assert emails.has_class("-invalid-field")
        assert screen.focused is emails
        # Fixing it clears the error and saves.
        await fill_profile(pilot, {"emails": "ada@example.com"})
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not screen.query_one("#profile-error").display
        assert not emails.has_class("-invalid-field")
    assert get_profile(conn).emails == ("ada@example.com",)


def test_split_list() -> None:
    assert split_list(" a, b ;c\n\nd ") == ["a", "b", "c", "d"]
    assert split_list("1 Main St, Town\n2 Road", lines_only=True) == ["1 Main St, Town", "2 Road"]


async def test_search_the_catalog_and_add_to_inventory(app: ExposureApp, conn: sqlite3.Connection) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CatalogScreen)
        assert screen.focused is screen.query_one("#cat-search")
        await pilot.press(*"spokeo")
        await settle(pilot)
        table = screen.query_one("#cat-table", DataTable)
        assert table_column(table, "name")[0] == "Spokeo"
        assert "Spokeo" in static_text(screen, "#cat-detail-text")
        await pilot.press("escape")  # to the results, so that "a" is a key, not a letter
        assert screen.focused is table
        await pilot.press("a")
        await settle(pilot)
        assert "Added Spokeo to your inventory" in notifications(app)
        assert table_column(table, "in")[0] == "✓"
        assert [row["name"] for row in inventory_rows(conn)] == ["Spokeo"]
        # Adding again says so instead of adding twice.
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        inventory = app.screen
        assert isinstance(inventory, InventoryScreen)
        assert table_column(inventory.query_one("#inv-table", VirtualTable), "name") == ["Spokeo"]
    assert [row["name"] for row in inventory_rows(conn)] == ["Spokeo"]


async def test_catalog_category_filter_and_empty_result(app: ExposureApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await settle(pilot)
        screen = app.screen
        screen.query_one("#cat-category", Select).value = "credit"
        await settle(pilot)
        categories = set(table_column(screen.query_one("#cat-table", DataTable), "category"))
        assert categories == {"Credit bureau"}
        await pilot.press(*"zzzqqq")
        await settle(pilot)
        assert screen.query_one("#cat-empty").display
        assert "No organization matches" in static_text(screen, "#cat-empty")


async def test_filter_the_inventory(demo_home: Any, app: ExposureApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InventoryScreen)
        table = screen.query_one("#inv-table", VirtualTable)
        everything = table.row_count
        assert everything == len(screen.rows) >= 30
        await pilot.press("slash", *"spot")
        await settle(pilot)
        assert table_column(table, "name") == ["Spotify"]
        assert "1 of" in screen.sub_title
        await pilot.press("ctrl+u")  # clear the filter box
        screen.query_one("#inv-category", Select).value = "people_search"
        await settle(pilot)
        names = table_column(table, "name")
        assert "Spokeo" in names and "Whitepages" in names
        assert set(table_column(table, "category")) == {"People search"}
        # An identifier filters too.
        screen.query_one("#inv-category", Select).value = Select.NULL
        screen.query_one("#inv-search", Input).value = "ada.example@"
        await settle(pilot)
        assert 0 < table.row_count < everything
        screen.query_one("#inv-search", Input).value = "no such thing"
        await settle(pilot)
        assert screen.query_one("#inv-empty").display
        assert "Nothing matches" in static_text(screen, "#inv-empty")


async def test_inventory_detail_shows_findings_and_contacts(demo_home: Any, app: ExposureApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        await settle(pilot)
        screen = app.screen
        screen.query_one("#inv-search", Input).value = "linkedin"
        await settle(pilot)
        detail = static_text(screen, "#inv-detail-text")
        assert detail.startswith("LinkedIn")
        assert "breach LinkedIn (2012-05-05)" in detail
        assert "exposed: Email addresses, Passwords" in detail
        assert "entry “Linkedin”" in detail
        assert "Facts from:" in detail
        assert "3 findings" in detail


async def test_mark_not_mine_hides_the_row_and_can_be_undone(
    demo_home: Any, app: ExposureApp, conn: sqlite3.Connection
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InventoryScreen)
        table = screen.query_one("#inv-table", VirtualTable)
        first = table_column(table, "name")[0]
        count = table.row_count
        await pilot.press("n")
        await settle(pilot)
        assert first not in table_column(table, "name")
        assert table.row_count == count - 1
        assert any(f"{first}: not mine" in n for n in notifications(app))
        assert first not in [row["name"] for row in inventory_rows(conn)]
        await pilot.press("h")  # show hidden rows, then undo
        await settle(pilot)
        assert table.row_count == count
        await pilot.press("up")  # the cursor stayed on its organization, the next row
        assert table_column(table, "name")[table.cursor_row] == first
        await pilot.press("n")
        await settle(pilot)
        assert first in [row["name"] for row in inventory_rows(conn)]


async def test_multi_select_and_request_deletion(demo_home: Any, app: ExposureApp) -> None:
    seen: list[Message] = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await pilot.press("i")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InventoryScreen)
        table = screen.query_one("#inv-table", VirtualTable)
        await pilot.press("space", "space")  # selects a row and moves down: two rows
        assert len(screen.selected_org_ids()) == 2
        assert table_column(table, "sel")[:3] == ["●", "●", " "]
        assert "2 selected" in screen.sub_title
        await pilot.press("e")
        await settle(pilot)
        asked = [m for m in seen if isinstance(m, InventoryScreen.RequestDeletion)]
        assert asked and sorted(asked[0].org_ids) == screen.selected_org_ids()
        assert any(
            "Drafted 2 erasure requests" in n for n in notifications(app)
        )  # tests/requests/test_tui.py
        # The selection survives a filter change.
        screen.query_one("#inv-search", Input).value = "a"
        await settle(pilot)
        assert len(screen.selected_org_ids()) == 2


async def test_open_opt_out_page_only_on_the_key(
    demo_home: Any, app: ExposureApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr(app, "open_url", lambda url, **_: opened.append(url))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        await settle(pilot)
        app.screen.query_one("#inv-search", Input).value = "spokeo"
        await settle(pilot)
        assert opened == []
        app.screen.query_one("#inv-table").focus()
        await pilot.press("o")
        assert opened == ["https://www.spokeo.com/optout"]


async def test_worker_errors_become_one_line_notifications(
    app: ExposureApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    import exposure.services.dashboard as dashboard

    def broken(*_: Any) -> None:
        raise ExposureError("cannot read the store\nat all")

    monkeypatch.setattr(dashboard, "summary", broken)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert notifications(app) == ["cannot read the store at all"]

        def crash(*_: Any, **__: Any) -> None:
            raise RuntimeError("bad\nthing")

        import exposure.services.requests as requests_service  # what the Requests screen loads

        monkeypatch.setattr(requests_service, "list_requests", crash)
        await pilot.press("r")
        await settle(pilot)
        last = notifications(app)[-1]
        assert last.startswith("Unexpected error (RuntimeError): bad thing")
        assert "\n" not in last
        assert app.last_error is not None and "Traceback" in app.last_error


async def test_help_lists_the_keys_of_the_current_screen(demo_home: Any, app: ExposureApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        text = static_text(app.screen, "#help-text")
        assert "Mark not mine" in text and "Open opt-out page" in text and "Request deletion" in text
        assert "Dashboard" in text and "Command palette" in text
        await pilot.press("escape")
        assert isinstance(app.screen, InventoryScreen)


async def test_command_palette_runs_screen_actions(demo_home: Any, app: ExposureApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"go to catalog")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CatalogScreen)
        await pilot.press("escape", "i")
        await settle(pilot)
        await pilot.press("ctrl+p", *"show hidden")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InventoryScreen) and screen.show_hidden


async def test_command_palette_lists_every_action(demo_home: Any, app: ExposureApp) -> None:
    from exposure.tui.commands import ExposureCommands

    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        await settle(pilot)
        provider = ExposureCommands(app.screen)
        titles = [title for title, _help, _command in provider.commands()]
        for wanted in (
            "Go to Dashboard", "Go to Inventory", "Go to Catalog", "Go to Requests", "Go to Sources",
            "Go to Profile", "Go to Settings", "Help", "Inventory: Mark not mine", "Inventory: Ignore",
            "Inventory: Open opt-out page", "Inventory: Request deletion", "Inventory: Select row",
            "Import a file", "Scan a mail archive", "Scan a mailbox (IMAP)", "Check breaches",
        ):  # fmt: skip
            assert wanted in titles


async def test_sources_opens_feature_screens_when_they_exist(
    demo_home: Any, app: ExposureApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys
    import types

    from textual.screen import Screen

    import exposure.tui.screens.sources as sources

    class FakeImport(Screen[None]):
        pass

    fake = types.ModuleType("exposure.tui.screens.fake_import")
    fake.ImportScreen = FakeImport  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "exposure.tui.screens.fake_import", fake)
    features = dict(sources.FEATURES)
    features["import"] = ("exposure.tui.screens.fake_import", "ImportScreen", "Import a file", "f")
    features["breaches"] = ("exposure.tui.screens.not_there_yet", "BreachesScreen", "Check breaches", "b")
    monkeypatch.setattr(sources, "FEATURES", features)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SourcesScreen)
        kinds = table_column(screen.query_one("#src-kinds", DataTable), "kind")
        assert set(kinds) == {"bitwarden_json", "mbox", "manual", "hibp"}
        assert "findings from 4 kinds of source" in screen.sub_title
        await pilot.press("b")
        assert notifications(app)[-1] == "Check breaches: not available yet in this version"
        await pilot.click("#src-import")
        await settle(pilot)
        assert isinstance(app.screen, FakeImport)


async def test_sources_empty_state(app: ExposureApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await settle(pilot)
        assert app.screen.query_one("#src-empty").display
        assert "Nothing imported or scanned yet" in static_text(app.screen, "#src-empty")


async def test_requests_queue(demo_home: Any, app: ExposureApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RequestsScreen)
        table = screen.query_one("#req-table", DataTable)
        assert table_column(table, "org") == ["BeenVerified", "Whitepages", "Spokeo", "MyLife", "Radaris"]
        assert table_column(table, "status") == ["needs action", "overdue", "sent", "draft", "completed"]
        assert screen.sub_title == "5 requests · 1 overdue"


async def test_settings_edit_validate_and_theme(app: ExposureApp, conn: sqlite3.Connection) -> None:
    from exposure.services.settings import get_setting

    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("comma")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        table = screen.query_one("#set-table", DataTable)
        table.move_cursor(row=list(screen.values).index("smtp.port"))
        await pilot.pause()
        value = screen.query_one("#set-value", Input)
        assert value.value == "587"
        value.value = "lots"
        await pilot.press("enter")  # on the table: edit
        await pilot.press("enter")  # in the box: save
        await settle(pilot)
        assert "must be a whole number" in static_text(screen, "#set-error")
        value.value = "2525"
        value.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert get_setting(conn, "smtp.port") == "2525"
        assert "smtp.port = 2525" in notifications(app)
        await pilot.press("t")  # light theme, remembered
        await settle(pilot)
        assert app.theme == "textual-light"
    assert get_setting(conn, "ui.theme") == "textual-light"
    again = ExposureApp(today=TODAY)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert again.theme == "textual-light"


async def test_one_key_per_screen(demo_home: Any, app: ExposureApp) -> None:
    expected = {
        "i": InventoryScreen, "c": CatalogScreen, "r": RequestsScreen, "s": SourcesScreen,
        "p": ProfileScreen, "comma": SettingsScreen, "d": DashboardScreen,
    }  # fmt: skip
    async with app.run_test(size=SIZE) as pilot:
        for key, screen_class in expected.items():
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, screen_class), key
            app.screen.set_focus(None)  # catalog and profile start in a text box
        assert notifications(app) == []


async def test_an_error_passed_on_twice_is_notified_once(app: ExposureApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        error = ExposureError("the mailbox refused the login")
        app.report_error(error)
        app.report_error(error)  # e.g. a screen's own handler and the base class both pass it on
        app.report_error(ExposureError("the mailbox refused the login"))  # a new failure: shown again
        await pilot.pause()
        assert notifications(app) == ["the mailbox refused the login"] * 2
