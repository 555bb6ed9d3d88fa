"""A progress panel for long work in a thread worker: bar, rate, ETA, message and Cancel.

Usage from a screen::

    panel = ProgressPanel(unit="messages")          # unit="bytes" shows MB/s
    await self.mount(panel)
    self.scan(panel.progress, panel.cancel_token)   # a @work(thread=True) method

    @work(thread=True, exit_on_error=False)
    def scan(self, progress: Progress, cancel: CancelToken) -> None:
        services.scan_mail(self.app.db(), path, progress=progress, cancel=cancel)

The worker thread calls the :class:`~exposure.core.progress.Progress` methods of
``panel.progress``; they post messages to the panel (``post_message`` is thread-safe), at most
ten updates a second. Cancel sets the :class:`CancelToken`; the work raises ``Cancelled`` at its
next check and the app's error handler says so.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Label, ProgressBar, Static

from exposure.core.progress import CancelToken

UPDATE_INTERVAL = 0.1


def format_amount(amount: float, unit: str) -> str:
    if unit == "bytes":
        for size, suffix in ((1 << 30, "GB"), (1 << 20, "MB"), (1 << 10, "kB")):
            if amount >= size:
                return f"{amount / size:,.1f} {suffix}"
        return f"{amount:,.0f} B"
    return f"{amount:,.0f} {unit}"


def format_rate(rate: float, unit: str) -> str:
    if unit == "bytes":
        return f"{rate / (1 << 20):,.1f} MB/s"
    return f"{rate:,.0f} {unit}/s"


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return "ETA –"
    seconds = max(0, round(seconds))
    if seconds >= 3600:
        return f"ETA {seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"ETA {seconds // 60}:{seconds % 60:02d}"


class TuiProgress:
    """A :class:`~exposure.core.progress.Progress` observer for a worker thread.

    It keeps the counts itself and posts them to its panel, throttled.
    """

    def __init__(self, panel: ProgressPanel, clock: Callable[[], float] = time.monotonic) -> None:
        self.panel = panel
        self.clock = clock
        self._lock = threading.Lock()
        self.description = ""
        self.total: float | None = None
        self.completed = 0.0
        self.started = clock()
        self._last_post = 0.0

    def _post(self, force: bool = False, text: str | None = None, finished: bool = False) -> None:
        now = self.clock()
        with self._lock:
            if not force and now - self._last_post < UPDATE_INTERVAL:
                return
            self._last_post = now
            update = ProgressPanel.Update(
                description=self.description,
                total=self.total,
                completed=self.completed,
                elapsed=now - self.started,
                text=text,
                finished=finished,
            )
        self.panel.post_message(update)

    def start(self, description: str, total: float | None = None) -> None:
        with self._lock:
            self.description = description
            self.total = total
            self.completed = 0.0
            self.started = self.clock()
        self._post(force=True)

    def advance(self, amount: float = 1) -> None:
        with self._lock:
            self.completed += amount
        self._post()

    def message(self, text: str) -> None:
        self._post(force=True, text=" ".join(text.split()))

    def done(self) -> None:
        self._post(force=True, finished=True)


class ProgressPanel(Widget):
    """Bar, counts, rate, ETA, the latest message and a Cancel button."""

    DEFAULT_CSS = """
    ProgressPanel {
        height: auto;
        border: round $primary;
        padding: 0 1;
    }
    ProgressPanel #progress-row { height: 1; }
    ProgressPanel ProgressBar { width: 1fr; }
    ProgressPanel #progress-cancel { margin-left: 1; }
    ProgressPanel #progress-stats { color: $text-muted; }
    """

    @dataclass
    class Update(Message):
        description: str
        total: float | None
        completed: float
        elapsed: float
        text: str | None = None
        finished: bool = False

        def can_replace(self, message: Message) -> bool:
            # This (older) update may be dropped for the next one if it carries no message or end.
            return isinstance(message, ProgressPanel.Update) and self.text is None and not self.finished

    class CancelRequested(Message):
        """The user pressed Cancel (the token is already set)."""

    def __init__(
        self,
        *,
        unit: str = "items",
        cancel_token: CancelToken | None = None,
        clock: Callable[[], float] = time.monotonic,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.unit = unit
        self.cancel_token = cancel_token or CancelToken()
        self.progress = TuiProgress(self, clock)
        self.finished = False
        self.last_text: str | None = None

    def compose(self) -> ComposeResult:
        yield Label("Starting…", id="progress-description")
        with Horizontal(id="progress-row"):
            yield ProgressBar(total=None, show_eta=False, id="progress-bar")
            yield Button("Cancel", id="progress-cancel", variant="error", compact=True)
        yield Static("", id="progress-stats")
        yield Static("", id="progress-message")

    def stats_text(self, update: Update) -> str:
        parts = [
            format_amount(update.completed, self.unit)
            + (f" of {format_amount(update.total, self.unit)}" if update.total else "")
        ]
        rate = update.completed / update.elapsed if update.elapsed > 0 else 0.0
        if rate > 0:
            parts.append(format_rate(rate, self.unit))
        if update.total and not update.finished:
            parts.append(format_eta((update.total - update.completed) / rate if rate > 0 else None))
        parts.append(f"{update.elapsed:,.1f} s")
        return " · ".join(parts)

    def on_progress_panel_update(self, update: Update) -> None:
        update.stop()
        self.query_one("#progress-description", Label).update(update.description or "Working…")
        bar = self.query_one("#progress-bar", ProgressBar)
        if update.finished and not update.total:
            bar.update(total=max(update.completed, 1), progress=max(update.completed, 1))
        else:
            bar.update(total=update.total, progress=update.completed)
        self.query_one("#progress-stats", Static).update(self.stats_text(update))
        if update.text is not None:
            self.last_text = update.text
            self.query_one("#progress-message", Static).update(update.text)
        if update.finished:
            self.finished = True
            cancel = self.query_one("#progress-cancel", Button)
            cancel.disabled = True
            cancel.label = "Done"

    @on(Button.Pressed, "#progress-cancel")
    def cancel(self) -> None:
        if self.finished or self.cancel_token.cancelled:
            return
        self.cancel_token.cancel()
        button = self.query_one("#progress-cancel", Button)
        button.label = "Cancelling…"
        button.disabled = True
        self.post_message(self.CancelRequested())
