"""The breaches view, driven with Pilot against the local server (fake clock: no real pauses)."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from textual.widgets import DataTable, Static

from exposure.secrets import set_secret
from exposure.services.inventory import add_manual
from exposure.services.profile import update_profile
from tests.hibp import data
from tests.hibp.conftest import FakeClock
from tests.hibp.helpers import ALICE, add_adobe, serve_alice

pytestmark = pytest.mark.network


def _app() -> Any:
    from exposure.tui.app import ExposureApp

    return ExposureApp(load_settings=False)


async def _settle(pilot: Any) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def _notes(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


def _text(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def _open_breaches(pilot: Any) -> Any:
    from exposure.tui.screens.breaches import BreachesScreen

    await pilot.press("s")
    await _settle(pilot)
    await pilot.press("b")  # Sources > Check breaches
    await _settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, BreachesScreen)
    return screen


async def test_check_emails_from_the_sources_screen(
    server: HTTPServer, api: str, conn: sqlite3.Connection, clock: FakeClock
) -> None:
    update_profile(conn, emails=[ALICE])
    add_adobe(conn)
    set_secret("hibp", data.API_KEY)
    serve_alice(server)
    app = _app()
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await _open_breaches(pilot)
        assert "API key: stored" in _text(screen, "#br-status")
        assert "No email has been checked yet" in _text(screen, "#br-email-empty")
        assert server.log == []  # opening the view contacts nothing

        await pilot.press("c")
        await pilot.pause()
        from exposure.tui.screens.breaches import ConfirmScreen

        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        body = _text(confirm, "#confirm-body")
        assert ALICE in body and "localhost" in body
        assert server.log == []  # still nothing before the user says yes
        await pilot.press("y")
        await _settle(pilot)

        assert app.screen is screen
        assert any("Contacting localhost" in n for n in _notes(app))
        assert any("4 breaches found" in n for n in _notes(app)), _notes(app)
        emails = screen.query_one("#br-email-table", DataTable)
        assert emails.row_count == 4
        rows = [emails.get_row_at(i) for i in range(emails.row_count)]
        assert [str(r[1]) for r in rows] == ["Example Forum", "Example Shop", "Example Spam List", "Adobe"]
        assert str(rows[3][3]) == "Adobe (test)"

        # the detail of the Adobe breach: data classes, date, plain-text description, the inventory row
        emails.move_cursor(row=3)
        await _settle(pilot)
        detail = _text(screen, "#br-email-text")
        assert "Leaked: Email addresses, Password hints, Passwords, Usernames" in detail
        assert "breached 2013-10-04" in detail and "disclosed much about the passwords" in detail
        assert "<a" not in detail and "Your inventory row" in detail and "Adobe (test)" in detail

        await pilot.press("o")
        await _settle(pilot)
        orgs = screen.query_one("#br-org-table", DataTable)
        names = {str(orgs.get_row_at(i)[0]) for i in range(orgs.row_count)}
        assert names == {"Adobe (test)", "example.test", "forum-example.test"}
        assert "Your emails in it: " + ALICE in _text(screen, "#br-org-text")
    paths = [r.path for r, _ in server.log]
    assert paths == ["/api/v3/subscription/status", f"/api/v3/breachedaccount/{ALICE}"]


async def test_without_a_key_the_view_says_so_and_the_free_list_works(
    server: HTTPServer, api: str, conn: sqlite3.Connection, clock: FakeClock
) -> None:
    update_profile(conn, emails=[ALICE])
    add_manual(conn, "shop.example.test", identifier=ALICE)
    server.expect_request("/api/v3/breaches").respond_with_json([data.ADOBE, data.SHOP])
    app = _app()
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await _open_breaches(pilot)
        assert "none" in _text(screen, "#br-status")
        await pilot.press("c")
        await _settle(pilot)
        assert any("haveibeenpwned.com/API/Key" in n for n in _notes(app))
        assert server.log == []

        await pilot.press("l")
        await pilot.pause()
        assert "Nothing about you is sent" in _text(app.screen, "#confirm-body")
        await pilot.press("y")
        await _settle(pilot)
        assert any("1 organization in your inventory breached" in n for n in _notes(app)), _notes(app)
        orgs = screen.query_one("#br-org-table", DataTable)
        assert orgs.row_count == 1 and str(orgs.get_row_at(0)[0]) == "example.test"
        assert str(orgs.get_row_at(0)[3]) == "by domain"
        detail = _text(screen, "#br-org-text")
        assert "Matched by domain" in detail and "Leaked: Email addresses, Names, Passwords" in detail
        assert "Breach list: " in _text(screen, "#br-status") and "(2 breaches)" in _text(
            screen, "#br-status"
        )
    assert [r.path for r, _ in server.log] == ["/api/v3/breaches"]


async def test_declining_sends_nothing_and_errors_are_one_line(
    server: HTTPServer, api: str, conn: sqlite3.Connection, clock: FakeClock
) -> None:
    update_profile(conn, emails=[ALICE])
    set_secret("hibp", "wrong")
    server.expect_request("/api/v3/subscription/status").respond_with_data("Access denied", status=401)
    app = _app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_breaches(pilot)
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("escape")
        await _settle(pilot)
        assert app.screen is screen and server.log == []
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("y")
        await _settle(pilot)
        errors = [n for n in _notes(app) if "rejected the API key" in n]
        assert len(errors) == 1 and "\n" not in errors[0] and "wrong" not in errors[0]
        assert screen.panel is None  # the progress panel is gone
        await pilot.press("escape")
        await pilot.pause()
        from exposure.tui.screens.sources import SourcesScreen

        assert isinstance(app.screen, SourcesScreen)


async def test_browsing_the_app_contacts_nothing(
    server: HTTPServer, api: str, conn: sqlite3.Connection, clock: FakeClock
) -> None:
    from exposure.services import demo

    demo.populate()
    set_secret("hibp", data.API_KEY)
    app = _app()
    async with app.run_test(size=(100, 32)) as pilot:
        for mode in ("dashboard", "inventory", "catalog", "requests", "sources", "profile", "settings"):
            app.action_go(mode)  # (keys would be typed into the focused search box of some screens)
            await _settle(pilot)
        app.action_go("dashboard")
        await _settle(pilot)
        await _open_breaches(pilot)
        await pilot.press("o")
        await _settle(pilot)
    assert server.log == []
