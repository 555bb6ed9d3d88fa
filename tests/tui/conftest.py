"""Helpers for driving the TUI with Pilot: a fixed clock, demo data, waiting for workers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.worker import WorkerCancelled, WorkerFailed

from exposure.tui.app import ExposureApp

#: The clock of every TUI test: demo dates, due dates and "today" never move.
TODAY = date(2025, 6, 1)


async def settle(pilot: Pilot[None], rounds: int = 20) -> None:
    """Wait until no worker runs and the messages they posted are handled (no sleeping)."""
    app = pilot.app
    for _ in range(rounds):
        try:
            await app.workers.wait_for_complete()
        except (WorkerFailed, WorkerCancelled):
            pass  # failures: the app's error handler reports them; cancelled: a newer worker replaced it
        await pilot.pause()
        if not any(worker.is_running for worker in app.workers):
            await pilot.pause()
            if not any(worker.is_running for worker in app.workers):
                return


def notifications(app: ExposureApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


@pytest.fixture
def demo_home(exposure_home: Path) -> Path:
    from exposure.services.demo import populate

    populate(TODAY)
    return exposure_home


@pytest.fixture
def app() -> ExposureApp:
    return ExposureApp(today=TODAY)
