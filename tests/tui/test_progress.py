"""The progress panel: a thread worker reports through the core Progress protocol; Cancel works."""

from __future__ import annotations

import threading

from textual import work
from textual.app import App, ComposeResult
from textual.widgets import Button, ProgressBar, Static
from textual.worker import WorkerState

from exposure.core.errors import Cancelled
from exposure.core.progress import CancelToken, Progress
from exposure.tui.screens.base import ReportsWorkerErrors
from exposure.tui.widgets.progress import (
    ProgressPanel,
    TuiProgress,
    format_amount,
    format_eta,
    format_rate,
)

from .conftest import settle


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class ProgressApp(ReportsWorkerErrors, App[None]):
    def __init__(self, unit: str = "messages") -> None:
        super().__init__()
        self.clock = FakeClock()
        self.panel = ProgressPanel(unit=unit, clock=self.clock)
        self.release = threading.Event()
        self.result: str | None = None

    def compose(self) -> ComposeResult:
        yield self.panel

    @work(thread=True, exit_on_error=False)
    def count(self, progress: Progress, total: int) -> None:
        progress.start("Reading mail", total=total)
        for _ in range(total):
            self.clock.now += 0.01  # 100 messages a second
            progress.advance()
        progress.message("Read 4,000 messages\nfrom 3 folders")
        progress.done()

    @work(thread=True, exit_on_error=False)
    def endless(self, progress: Progress, cancel: CancelToken) -> None:
        progress.start("Scanning", total=None)
        progress.advance(5)
        self.release.wait(timeout=30)  # until the test pressed Cancel
        cancel.check()
        self.result = "not cancelled"


def test_formats() -> None:
    assert format_amount(3 * (1 << 20), "bytes") == "3.0 MB"
    assert format_rate(12.5 * (1 << 20), "bytes") == "12.5 MB/s"
    assert format_amount(1234, "messages") == "1,234 messages"
    assert format_rate(20000, "messages") == "20,000 messages/s"
    assert format_eta(75) == "ETA 1:15"
    assert format_eta(3 * 3600 + 120) == "ETA 3h02m"
    assert format_eta(None) == "ETA –"


def test_tui_progress_implements_the_protocol() -> None:
    def takes(progress: Progress) -> None:
        assert progress is not None

    takes(TuiProgress(ProgressPanel()))


async def test_progress_from_a_thread_worker_with_rate_and_eta() -> None:
    app = ProgressApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.count(app.panel.progress, 4000)
        await settle(pilot)
        bar = app.panel.query_one(ProgressBar)
        assert bar.total == 4000 and bar.progress == 4000
        stats = str(app.panel.query_one("#progress-stats", Static).content)
        assert "4,000 messages of 4,000 messages" in stats
        assert "100 messages/s" in stats
        assert "40.0 s" in stats
        assert app.panel.last_text == "Read 4,000 messages from 3 folders"
        assert app.panel.finished
        assert app.panel.query_one("#progress-cancel", Button).disabled


async def test_updates_are_throttled() -> None:
    app = ProgressApp()
    posted: list[object] = []
    async with app.run_test(size=(80, 24)) as pilot:
        original = app.panel.post_message

        def record(message: object) -> bool:
            posted.append(message)
            return original(message)  # type: ignore[arg-type]

        app.panel.post_message = record  # type: ignore[method-assign]
        app.count(app.panel.progress, 4000)  # 40 s of fake time: at most ~10 updates a second
        await settle(pilot)
    updates = [m for m in posted if isinstance(m, ProgressPanel.Update)]
    assert 10 < len(updates) <= 4000 // 10 + 3


async def test_cancel_button_cancels_the_work() -> None:
    app = ProgressApp()
    async with app.run_test(size=(80, 24)) as pilot:
        worker = app.endless(app.panel.progress, app.panel.cancel_token)
        await pilot.pause()
        await pilot.click("#progress-cancel")
        assert app.panel.cancel_token.cancelled
        assert str(app.panel.query_one("#progress-cancel", Button).label) == "Cancelling…"
        app.release.set()
        await settle(pilot)
        assert app.result is None
        assert worker.state is WorkerState.ERROR and isinstance(worker.error, Cancelled)
        assert [str(n.message) for n in app._notifications] == ["cancelled"]
