"""The inventory with 50,000 findings over 3,000 organizations opens and filters.

Not timed here (the machine running the tests is shared): bench/bench_tui_start.py measures it
against the 1 s budget.
"""

from __future__ import annotations

import sqlite3

import pytest
from textual.widgets import Input

from exposure.services.inventory import inventory_rows
from exposure.tui.app import ExposureApp
from exposure.tui.screens.inventory import InventoryScreen
from exposure.tui.widgets.table import VirtualTable

from .bulk import fill_inventory
from .conftest import TODAY, settle


@pytest.mark.slow
async def test_inventory_with_50k_findings_over_3k_organizations(conn: sqlite3.Connection) -> None:
    fill_inventory(conn, findings=50_000, organizations=3_000)
    assert len(inventory_rows(conn)) == 3_000
    app = ExposureApp(today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("i")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InventoryScreen)
        table = screen.query_one("#inv-table", VirtualTable)
        assert table.row_count == 3_000
        assert screen.sub_title == "3,000 organizations"
        assert "findings" in str(screen.query_one("#inv-detail-text").render())
        screen.query_one("#inv-search", Input).value = "org00042"
        await settle(pilot)
        assert table.row_count == 1
