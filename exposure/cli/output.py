"""Output helpers for commands: one JSON document on stdout, messages on stderr, rich tables."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from exposure.core.progress import CancelToken


def emit_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def say(message: str) -> None:
    """A message for the person at the terminal (stderr, so --json stdout stays clean)."""
    print(message, file=sys.stderr)


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        t.add_column(column, overflow="fold")
    for row in rows:
        t.add_row(*("" if v is None else str(v) for v in row))
    Console().print(t)


def print_text(text: str) -> None:
    from rich.console import Console

    Console(highlight=False).print(text, markup=False)


class RichProgress:
    """The CLI's rendering of :class:`exposure.core.progress.Progress`: a rich progress bar."""

    def __init__(self, quiet: bool = False) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            disable=quiet or not sys.stderr.isatty(),
            transient=True,
        )
        self._task: Any = None

    def start(self, description: str, total: float | None = None) -> None:
        if self._task is None:
            self._task = self._progress.add_task(description, total=total)
        else:
            self._progress.update(self._task, description=description, total=total, completed=0)

    def advance(self, amount: float = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, amount)

    def message(self, text: str) -> None:
        if self._task is not None:
            self._progress.update(self._task, description=text)

    def done(self) -> None:
        if self._task is not None:
            self._progress.update(self._task, completed=self._progress.tasks[0].total or 0)


@contextmanager
def progress_bar(quiet: bool = False) -> Iterator[tuple[RichProgress, CancelToken]]:
    """A rich progress bar and a cancel token (Ctrl-C cancels; work done so far is kept)."""
    bar = RichProgress(quiet)
    token = CancelToken()
    with bar._progress:
        yield bar, token
