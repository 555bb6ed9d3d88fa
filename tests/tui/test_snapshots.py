"""A few layout snapshots at 80x24 (deterministic: fixed clock, demo data from a fixed seed).

Regenerate after a deliberate change with ``pytest tests/tui/test_snapshots.py --snapshot-update``,
after looking at the report.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from exposure.tui.app import ExposureApp

from .conftest import TODAY, settle

SnapCompare = Callable[..., bool]


def press_then_settle(*keys: str) -> Callable[[Pilot[None]], Any]:
    async def run(pilot: Pilot[None]) -> None:
        await settle(pilot)
        if keys:
            await pilot.press(*keys)
            await settle(pilot)

    return run


def test_dashboard_with_demo_data(demo_home: Path, snap_compare: SnapCompare) -> None:
    assert snap_compare(ExposureApp(today=TODAY), terminal_size=(80, 24), run_before=press_then_settle())


def test_dashboard_first_run(exposure_home: Path, snap_compare: SnapCompare) -> None:
    assert snap_compare(ExposureApp(today=TODAY), terminal_size=(80, 24), run_before=press_then_settle())


def test_inventory_with_demo_data(demo_home: Path, snap_compare: SnapCompare) -> None:
    assert snap_compare(ExposureApp(today=TODAY), terminal_size=(80, 24), run_before=press_then_settle("i"))
