"""The one progress observer interface.

Long work (imports, scans, downloads, sending) reports through :class:`Progress`. The CLI
renders it with rich progress bars, the TUI with its own widget, tests with a recorder.
Work is cancelled through a :class:`CancelToken` that the work checks between units.
"""

from __future__ import annotations

import threading
from typing import Protocol

from exposure.core.errors import Cancelled


class Progress(Protocol):
    """Observer of long work. ``total`` may be None when unknown (e.g. bytes of a stream)."""

    def start(self, description: str, total: float | None = None) -> None: ...

    def advance(self, amount: float = 1) -> None: ...

    def message(self, text: str) -> None: ...

    def done(self) -> None: ...


class NullProgress:
    """A progress observer that ignores everything."""

    def start(self, description: str, total: float | None = None) -> None:
        pass

    def advance(self, amount: float = 1) -> None:
        pass

    def message(self, text: str) -> None:
        pass

    def done(self) -> None:
        pass


class CancelToken:
    """Thread-safe cancellation flag checked by long work between units of work."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise :class:`Cancelled` if cancellation was requested."""
        if self._event.is_set():
            raise Cancelled()
