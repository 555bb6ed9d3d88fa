"""The catalog browser's source filter and its "why is this here" detail (sources, dates, bounces)."""

from __future__ import annotations

import sqlite3
from datetime import date

from textual.pilot import Pilot
from textual.widgets import DataTable, Select, Static
from textual.worker import WorkerFailed

from exposure.services.update_catalog import import_catalog, mark_contact
from exposure.tui.app import ExposureApp
from exposure.tui.screens.catalog import CatalogScreen
from tests.catalog.conftest import SYNTHETIC

SIZE = (120, 40)
TODAY = date(2025, 6, 1)


async def settle(pilot: Pilot[None]) -> None:
    """Wait until no worker runs and what they posted is handled."""
    for _ in range(20):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerFailed:
            pass
        await pilot.pause()
        if not any(worker.is_running for worker in pilot.app.workers):
            return


def names(screen: CatalogScreen) -> list[str]:
    table = screen.query_one("#cat-table", DataTable)
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


async def test_source_filter_and_why_it_is_here(conn: sqlite3.Connection) -> None:
    for source in ("datarequests", "eraser", "duckduckgo"):
        assert import_catalog(conn, SYNTHETIC[source], source).ok
    mark_contact(conn, "acmepeople.example", "email", "bounced", date="2026-09-01")
    app = ExposureApp(today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CatalogScreen)
        await pilot.press(*"acme")
        await settle(pilot)
        assert names(screen)[0] == "Acme People Search Inc."
        detail = str(screen.query_one("#cat-detail-text", Static).render())
        assert "Why it is here" in detail
        assert "datarequests.org, 2026-07-21" in detail
        assert "DuckDuckGo's broker definitions, 2023-08-20" in detail
        eraser = detail[detail.index("Eraser's broker list") :]
        assert "opt out url" in eraser.splitlines()[1]  # Eraser's opt-out page is DuckDuckGo's
        assert "privacy@acmepeople.example bounced on 2026-09-01 (reported by you)" in detail
        screen.query_one("#cat-source", Select).value = "duckduckgo"
        await settle(pilot)
        assert names(screen) == ["Acme People Search Inc."]  # the child site does not match "acme"
        screen.query_one("#cat-search").value = ""  # type: ignore[attr-defined]
        await settle(pilot)
        assert sorted(names(screen)) == ["Acme People Search Inc.", "ChildSite"]
        screen.query_one("#cat-source", Select).value = "california"
        await settle(pilot)
        assert names(screen) == []
        assert screen.query_one("#cat-empty").display
