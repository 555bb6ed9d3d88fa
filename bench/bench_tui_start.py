"""TUI start-up and inventory benchmark.

Prints a table:

* first frame: from starting ``exposure`` in an 80x24 pseudo-terminal to the first painted
  dashboard (the footer's keys are on screen), for a fresh home and for the demo home. This
  includes the interpreter start and every import. Goal 0.5 s.
* inventory: 50,000 findings over 3,000 organizations; from pressing ``i`` on the dashboard to the
  table filled and painted (headless, in process). Goal 1 s. Also the parts: the query
  (services.inventory.inventory_rows) and filling the DataTable.

Usage: ``.venv/bin/python bench/bench_tui_start.py [--runs N]``. The machine's load matters: the
numbers are the median of N runs.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # tests/tui/bulk.py makes the big inventory
EXPOSURE = ROOT / ".venv" / "bin" / "exposure"
MARKER = b"Dashboard"
TODAY = date(2025, 6, 1)


def first_frame(home: str, timeout: float = 20.0) -> float:
    """Seconds from spawning ``exposure`` in an 80x24 pty until the first frame shows the footer."""
    env = dict(os.environ, EXPOSURE_HOME=home, TERM="xterm-256color", COLUMNS="80", LINES="24")
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # child: an 80x24 terminal, then exec the real command
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        os.execve(str(EXPOSURE), [str(EXPOSURE)], env)
    seen = b""
    elapsed = float("nan")
    try:
        while time.perf_counter() - start < timeout:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            if MARKER in seen:
                elapsed = time.perf_counter() - start
                break
    finally:
        os.kill(pid, signal.SIGTERM)
        deadline = time.perf_counter() + 5
        while time.perf_counter() < deadline:
            try:
                os.read(fd, 65536)  # drain, so the child can exit
            except OSError:
                pass
            done, _status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.02)
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    return elapsed


IN_PROCESS = """
import time
start = time.perf_counter()
from exposure.tui.app import ExposureApp

class Once(ExposureApp):
    def on_mount(self) -> None:
        super().on_mount()
        self.call_after_refresh(self.done)

    def done(self) -> None:
        print(time.perf_counter() - start)
        self.exit()

Once().run(headless=True, size=(80, 24))
"""


def in_process_first_frame(home: str) -> float:
    """Seconds from the start of the import of the app to its first refresh (headless, no CLI)."""
    import subprocess

    env = dict(os.environ, EXPOSURE_HOME=home)
    out = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-c", IN_PROCESS],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


async def open_inventory(prefetch: bool) -> tuple[float, int]:
    """Seconds from pressing i on the dashboard to the filled, painted inventory table.

    With ``prefetch`` the app has loaded the rows in the background after the dashboard (what
    a user gets); without, the rows are queried when the key is pressed (e.g. right after a change).
    """
    from exposure.tui.app import ExposureApp
    from exposure.tui.screens.inventory import InventoryScreen
    from exposure.tui.widgets.table import VirtualTable

    app = ExposureApp(today=TODAY)
    app.prefetch = prefetch
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(3):
            await app.workers.wait_for_complete()
            await pilot.pause()
        start = time.perf_counter()
        await pilot.press("i")
        while True:
            screen = app.screen
            if isinstance(screen, InventoryScreen) and screen.loaded:
                break
            await app.workers.wait_for_complete()
            await pilot.pause()
        await pilot.pause()  # the frame with the rows
        elapsed = time.perf_counter() - start
        rows = app.screen.query_one("#inv-table", VirtualTable).row_count
    return elapsed, rows


def table_fill(rows: list[dict[str, object]], virtual: bool) -> float:
    """Seconds to fill a table with the inventory rows and paint it (headless app).

    ``virtual``: our VirtualTable (what the inventory uses); else Textual's DataTable, for comparison.
    """
    from textual.app import App, ComposeResult
    from textual.widget import Widget
    from textual.widgets import DataTable

    from exposure.tui.screens.inventory import COLUMNS
    from exposure.tui.widgets.table import VirtualTable

    took: list[float] = []

    class Fill(App[None]):
        def compose(self) -> ComposeResult:
            table: Widget = VirtualTable(COLUMNS) if virtual else DataTable()
            yield table

        def on_mount(self) -> None:
            cells = [(str(r["id"]), (" ", r["name"], r["category"], "FM", r["last_seen"], "")) for r in rows]
            start = time.perf_counter()
            if virtual:
                self.query_one(VirtualTable).set_rows(cells)
            else:
                table = self.query_one(DataTable)
                for key, label, width in COLUMNS:
                    table.add_column(label, key=key, width=width)
                for row_key, row in cells:
                    table.add_row(*row, key=row_key)
            took.append(time.perf_counter() - start)

    async def run() -> None:
        app = Fill()
        async with app.run_test(size=(80, 24)) as pilot:
            start = time.perf_counter()
            table = app.query_one(VirtualTable if virtual else DataTable)
            # DataTable measures every new cell on idle, before its first paint with them.
            while table.virtual_size.height < len(rows):
                await pilot.pause()
            await pilot.pause()
            took.append(time.perf_counter() - start)

    asyncio.run(run())
    return sum(took)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    results: list[tuple[str, float, float | None, str]] = []

    with tempfile.TemporaryDirectory() as fresh, tempfile.TemporaryDirectory() as demo:
        os.environ["EXPOSURE_HOME"] = fresh
        from exposure.services import open_store

        open_store().close()  # the database exists: time the app, not the first migration
        os.environ["EXPOSURE_HOME"] = demo
        from exposure.services.demo import populate

        populate(TODAY)
        for label, home in (("first frame, fresh home", fresh), ("first frame, demo home", demo)):
            times = [first_frame(home) for _ in range(args.runs)]
            results.append(
                (label, statistics.median(times), 0.5, f"min {min(times):.3f}; `exposure` in a pty")
            )
        times = [in_process_first_frame(demo) for _ in range(args.runs)]
        results.append(
            (
                "  of which: import app + first paint (headless)",
                statistics.median(times),
                None,
                "no CLI, no tty",
            )
        )

    with tempfile.TemporaryDirectory() as big:
        os.environ["EXPOSURE_HOME"] = big
        from tui.bulk import fill_inventory

        from exposure.services import open_store
        from exposure.services.inventory import inventory_rows

        conn = open_store()
        start = time.perf_counter()
        fill_inventory(conn, findings=50_000, organizations=3_000)
        results.append(("  (setup: ingest 50k findings)", time.perf_counter() - start, None, ""))
        query = []
        for _ in range(args.runs):
            start = time.perf_counter()
            rows = inventory_rows(conn, include_hidden=True)
            query.append(time.perf_counter() - start)
        results.append(
            ("  inventory_rows query, 3k orgs", statistics.median(query), None, f"{len(rows):,} rows")
        )
        for virtual, label in ((False, "Textual DataTable (not used)"), (True, "VirtualTable (used)")):
            fills = [table_fill(rows, virtual) for _ in range(args.runs)]
            results.append((f"  fill + paint 3k rows: {label}", statistics.median(fills), None, ""))
        for prefetch, label in ((False, "cold: query on the key"), (True, "prefetched (normal)")):
            opens = [asyncio.run(open_inventory(prefetch)) for _ in range(args.runs)]
            shown = {count for _t, count in opens}
            results.append(
                (f"inventory open, 50k/3k, {label}", statistics.median(t for t, _c in opens), 1.0,
                 f"{', '.join(f'{c:,}' for c in sorted(shown))} rows shown"),
            )  # fmt: skip
        conn.close()

    load = os.getloadavg()[0]
    print(f"bench_tui_start: median of {args.runs} runs, load average {load:.1f} on {os.cpu_count()} cores")
    print(f"{'measure':<50} {'seconds':>8} {'goal':>6} {'ok':>4}  note")
    for label, seconds, goal, note in results:
        ok = "" if goal is None else ("yes" if seconds <= goal else "NO")
        goal_text = "" if goal is None else f"{goal:.1f}"
        print(f"{label:<50} {seconds:>8.3f} {goal_text:>6} {ok:>4}  {note}")


if __name__ == "__main__":
    main()
