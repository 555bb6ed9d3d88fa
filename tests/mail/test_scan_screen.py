"""The TUI scan screens: opened from Sources, progress, summary, cancel, errors in one line."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Button, DirectoryTree, Input, Static

from exposure.services import open_store
from exposure.services.inventory import inventory_rows
from exposure.tui.app import ExposureApp
from exposure.tui.screens.scan import ImapScreen, ScanScreen, rate_text, summary_text
from exposure.tui.widgets.progress import ProgressPanel
from tests.mail.helpers import mbox, message

SIZE = (80, 24)
TODAY = date(2025, 6, 1)


def notifications(app: ExposureApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def settle(pilot: Pilot[None], rounds: int = 100) -> None:
    """Wait for the workers to finish, except the folder tree's loader (it runs while shown)."""
    app = pilot.app
    for _ in range(rounds):
        busy = [w for w in app.workers if w.is_running and not isinstance(w.node, DirectoryTree)]
        for worker in busy:
            try:
                await worker.wait()
            except Exception:  # the app's error handler reports it; tests check the notification
                pass
        await pilot.pause(0.02)
        if not any(w.is_running and not isinstance(w.node, DirectoryTree) for w in app.workers):
            return


def text_of(screen: Any, selector: str) -> str:
    content = screen.query_one(selector, Static).content
    return content.plain if isinstance(content, Text) else str(content)


def archive(tmp_path: Path) -> Path:
    path = tmp_path / "Takeout.mbox"
    path.write_bytes(
        mbox(
            message("Spotify <no-reply@spotify.com>", "Your receipt"),
            message("Shop <news@shop.example>", "Welcome to Shop", extra=["List-Unsubscribe: <mailto:u@x>"]),
            message("A Friend <friend@gmail.com>", "Dinner?"),
        )
    )
    return path


async def open_scan(app: ExposureApp, pilot: Pilot[None], start: Path) -> ScanScreen:
    """The mail scan screen, opened on ``start`` once the app has settled."""
    await settle(pilot)
    screen = ScanScreen(start=start)
    app.push_screen(screen)
    await settle(pilot)
    return screen


async def test_scan_an_archive_from_sources(tmp_path: Path) -> None:
    app = ExposureApp(today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.action_go("sources")
        await settle(pilot)
        await pilot.press("m")  # Sources: "Scan a mail archive"
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ScanScreen)
        version = app.data_version
        field = screen.query_one("#scan-path", Input)
        field.value = str(archive(tmp_path))
        field.focus()
        await pilot.press("enter")
        await settle(pilot)
        summary = text_of(screen, "#scan-summary")
        assert "3 messages read" in summary
        assert "2 organizations write to you: 2 new to your inventory" in summary
        assert "Spotify" in summary and "purchase" in summary and "account, marketing" in summary
        assert "gmail.com" not in summary.split("write to you")[1].split("\n", 1)[1]
        assert screen.query_one(ProgressPanel).finished
        assert "3 messages" in text_of(screen, "#scan-rate")
        assert app.data_version > version
        assert any("Scanned 3 messages: 2 organizations, 2 new" in n for n in notifications(app))
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ScanScreen)
    names = {row["name"] for row in inventory_rows(open_store())}
    assert names == {"Spotify", "shop.example"}


async def test_a_path_that_is_not_mail(tmp_path: Path) -> None:
    bad = tmp_path / "photo.jpg"
    bad.write_bytes(b"\xff\xd8\xff" + bytes(3000))
    app = ExposureApp(today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_scan(app, pilot, tmp_path)
        screen.start_scan("")
        await settle(pilot)
        assert any("Type the path" in n for n in notifications(app))
        screen.start_scan(str(bad))
        await settle(pilot)
        assert "not a mail file" in text_of(screen, "#scan-summary")
        assert any("not a mail file" in n for n in notifications(app))
        assert not screen.query_one("#scan-go", Button).disabled


async def test_cancel_keeps_what_was_read(tmp_path: Path) -> None:
    app = ExposureApp(today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_scan(app, pilot, tmp_path)
        path = archive(tmp_path)
        panel = screen.begin("bytes", screen.query_one("#scan-row"))
        assert panel is not None
        panel.cancel_token.cancel()  # cancelled before the first chunk: stops at once
        screen._run(path, panel.progress, panel.cancel_token)
        await settle(pilot)
        assert "Cancelled: what was read before is kept" in text_of(screen, "#scan-summary")


async def test_imap_without_a_password_says_what_to_do() -> None:
    app = ExposureApp(today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = ImapScreen()
        app.push_screen(screen)
        await settle(pilot)
        screen.query_one("#imap-host", Input).value = "imap.example.test"
        screen.query_one("#imap-user", Input).value = "me@example.test"
        await pilot.click("#scan-go")
        await settle(pilot)
        messages = notifications(app)
        assert any("Contacting imap.example.test" in n for n in messages)
        assert any("exposure secrets set imap" in n and "\n" not in n for n in messages)
        assert not screen.query_one("#scan-go", Button).disabled


def test_summary_and_rate_text() -> None:
    result = {
        "messages": 1200, "skipped": 3, "seconds": 2.0, "new_organizations": 1, "findings": 1,
        "senders": [
            {"domain": "bank.example", "organization": "Bank", "messages": 10, "sent": 2, "kinds": ["account", "sent"],
             "last_seen": "2024-05-01T10:00:00+00:00"},
            {"domain": "gmail.com", "organization": None, "messages": 5, "sent": 0, "kinds": [], "last_seen": None},
        ],
        "errors": [{"where": "x.mbox", "message": "the file ends inside the header of the message at byte 9 (truncated?)"}],
        "cancelled": False,
    }  # fmt: skip
    text = summary_text(result).plain
    assert "1,200 messages read in 2.0 s (600/s)" in text
    assert "Bank  bank.example · 10 msg, 2 sent · account, sent · last 2024-05-01" in text
    assert "1 sender domain are free-mail" in text or "1 sender domain" in text
    assert "x.mbox: the file ends inside the header" in text
    import time

    assert rate_text({"messages": 100, "started": time.monotonic() - 2}).startswith("100 messages · 5")
    assert rate_text({}) == ""
