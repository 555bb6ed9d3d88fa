"""The import screen: choose a file, see progress, read the summary; opened from Sources."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.widgets import Button, DirectoryTree, Input, ProgressBar, Static

from exposure.services import open_store
from exposure.services.inventory import inventory_rows
from exposure.tui.app import ExposureApp
from exposure.tui.screens.import_ import ImportScreen
from exposure.tui.widgets.progress import ProgressPanel
from tests.sources.helpers import EXPORTS

from .conftest import notifications, settle

SIZE = (80, 24)


def summary(screen: ImportScreen) -> str:
    content = screen.query_one("#imp-summary", Static).content
    return content.plain if isinstance(content, Text) else str(content)


async def _open(app: ExposureApp, pilot: Any, start: Path) -> ImportScreen:
    await settle(pilot)
    screen = ImportScreen(start=start)
    app.push_screen(screen)
    await settle(pilot)
    return screen


async def _import(pilot: Any, screen: ImportScreen, path: Path) -> None:
    field = screen.query_one("#imp-path", Input)
    field.value = str(path)
    field.focus()
    await pilot.press("enter")
    await settle(pilot)


async def test_import_a_vault_export_and_read_the_summary(app: ExposureApp, tmp_path: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, tmp_path)
        version = app.data_version
        await _import(pilot, screen, EXPORTS / "bitwarden.json")
        text = summary(screen)
        assert "bitwarden.json" in text and "Bitwarden JSON" in text
        assert "8 organizations found: 8 new to your inventory, 4 matched to the catalog" in text
        assert "9 records read, 7 imported, 2 skipped (no web address: 1, card: 1)" in text
        assert screen.results is not None and screen.results[0]["findings"] == 8
        assert app.data_version > version  # other screens reload
        assert any("Imported: 8 findings, 8 new organizations" in n for n in notifications(app))
        panel = screen.query_one(ProgressPanel)
        assert panel.finished
        # importing it again adds nothing
        await _import(pilot, screen, EXPORTS / "bitwarden.json")
        assert "0 new to your inventory" in summary(screen)
        assert "8 were already in your inventory" in summary(screen)
    conn = open_store()
    domains = {d for row in inventory_rows(conn) for d in row["domains"]}
    assert {"spotify.com", "argos.co.uk", "192.168.1.1"} <= domains


async def test_refused_export_says_what_to_do(app: ExposureApp, tmp_path: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, tmp_path)
        await _import(pilot, screen, EXPORTS / "bitwarden_password_protected.json")
        text = summary(screen)
        assert "password-protected Bitwarden export" in text and "export again as .json or .csv" in text
        assert any("refused" in n for n in notifications(app))
        assert not screen.query_one("#imp-go", Button).disabled


async def test_empty_path_and_missing_file(app: ExposureApp, tmp_path: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, tmp_path)
        screen.query_one("#imp-path", Input).value = "  "
        screen.query_one("#imp-path", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert any("Type the path" in n for n in notifications(app))
        await _import(pilot, screen, tmp_path / "missing.csv")
        assert "no such file" in summary(screen)


async def _settle_with_tree(pilot: Any, rounds: int = 50) -> None:
    """settle() waits for every worker; the folder tree's loader runs while it is shown."""
    app = pilot.app
    for _ in range(rounds):
        busy = [w for w in app.workers if w.is_running and not isinstance(w.node, DirectoryTree)]
        for worker in busy:
            await worker.wait()
        await pilot.pause(0.05)
        if not any(w.is_running and not isinstance(w.node, DirectoryTree) for w in app.workers):
            return


async def test_pick_a_file_with_browse(app: ExposureApp, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    shutil.copy(EXPORTS / "chrome.csv", folder / "chrome.csv")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, folder)
        await pilot.press("ctrl+t")
        await _settle_with_tree(pilot)
        tree = screen.query_one("#imp-tree", DirectoryTree)
        assert tree.has_focus
        for _ in range(40):  # the tree lists the folder in its own worker
            if tree.root.children:
                break
            await pilot.pause(0.05)
        await pilot.press("down", "enter")
        await _settle_with_tree(pilot)
        field = screen.query_one("#imp-path", Input)
        assert field.value == str(folder / "chrome.csv")
        assert field.has_focus and not screen.query("#imp-tree")  # the tree is closed again
        await pilot.press("enter")
        await settle(pilot)
        assert "Chrome / Edge / Brave CSV" in summary(screen)


@pytest.mark.slow
async def test_progress_on_the_50k_row_file(app: ExposureApp, tmp_path: Path) -> None:
    rows = "".join(
        f"s{i},https://login.s{i % 5000}.example.org/,u{i}@example.com,pw{i}\n" for i in range(50000)
    )
    path = tmp_path / "big.csv"
    path.write_text("name,url,username,password\n" + rows)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, tmp_path)
        await _import(pilot, screen, path)
        panel = screen.query_one(ProgressPanel)
        bar = panel.query_one(ProgressBar)
        assert panel.finished and bar.total == path.stat().st_size and bar.progress == bar.total
        stats = panel.query_one("#progress-stats", Static).content
        assert "MB" in str(stats) or "kB" in str(stats)
        assert "50,000 records read, 50,000 imported" in summary(screen)


async def test_sources_opens_the_import_screen(app: ExposureApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, ImportScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ImportScreen)
