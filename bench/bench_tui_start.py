"""TUI start-up and inventory benchmark.

Prints a table:

* first frame: from starting ``exposure`` in an 80x24 pseudo-terminal to the first painted
  dashboard (the footer's keys are on screen), for a fresh home and for the demo home. This
  includes the interpreter start and every import. Goal 0.5 s. Then, for the demo home, until
  the dashboard shows its data (read by a worker after the first frame), and the same first
  frame with ``PYTHONDONTWRITEBYTECODE=1`` (set in some environments, e.g. the one where this
  was written: exposure's own modules are then compiled at each start, unless a ``__pycache__``
  is there already; this is also what a first run after installing or editing pays). For
  scale, the same measure for an empty Textual app (a header, one line of text, a footer).
* inventory: 50,000 findings over 3,000 organizations; from pressing ``i`` on the dashboard to the
  table filled and painted (headless, in process). Goal 1 s. Also the parts: the query
  (services.inventory.inventory_rows) and filling the DataTable.

The spawned processes read their bytecode from a cache made by a first run (as every start
after the first does), in a temporary folder (``PYTHONPYCACHEPREFIX``): nothing is written into
the source tree, also where ``PYTHONDONTWRITEBYTECODE`` is set.

Usage: ``.venv/bin/python bench/bench_tui_start.py [--runs N]``. The machine's load matters: the
numbers are the median of N runs (the minimum is in the note), the load average is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import math
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
PYTHON = ROOT / ".venv" / "bin" / "python"
EXPOSURE = ROOT / ".venv" / "bin" / "exposure"
MARKER = b"Dashboard"  # the footer's first key
DATA_MARKER = b"data brokers / people-search"  # the dashboard's first panel, with the demo data
TODAY = date(2025, 6, 1)

EMPTY_APP = """
from textual.app import App
from textual.widgets import Footer, Header, Static


class Empty(App):
    BINDINGS = [("d", "bell", "Dashboard")]

    def compose(self):
        yield Header()
        yield Static("An empty Textual app")
        yield Footer()


Empty().run()
"""


def bytecode_env(pycache: str | None) -> dict[str, str]:
    """The environment of a spawned process: bytecode read from (and written to) ``pycache``;
    with None, no bytecode is written, so exposure's own modules are compiled on each start."""
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="80", LINES="24")
    if pycache is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    else:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def first_frame(
    home: str, pycache: str | None, argv: list[str] | None = None, data: bool = False, timeout: float = 20.0
) -> tuple[float, float]:
    """Seconds from spawning ``exposure`` in an 80x24 pty until the first frame shows the footer's
    keys, and (with ``data``) until the dashboard shows the demo data (else nan)."""
    env = dict(bytecode_env(pycache), EXPOSURE_HOME=home)
    argv = argv or [str(EXPOSURE)]
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # child: an 80x24 terminal, then exec the real command
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        os.execve(argv[0], argv, env)
    seen = b""
    frame = shown = float("nan")
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
            if math.isnan(frame) and MARKER in seen:
                frame = time.perf_counter() - start
            if data and DATA_MARKER in seen:
                shown = time.perf_counter() - start
            if not math.isnan(frame) and (not data or not math.isnan(shown)):
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
    return frame, shown


IN_PROCESS = """
import gc
import time
start = time.perf_counter()
gc.disable()  # as run_tui does
from exposure.tui.app import ExposureApp

class Once(ExposureApp):
    def on_mount(self) -> None:
        super().on_mount()
        self.call_after_refresh(self.done)

    def done(self) -> None:
        print(time.perf_counter() - start)
        self.exit()

Once(resume_gc=True).run(headless=True, size=(80, 24))
"""


def in_process_first_frame(home: str, pycache: str) -> float:
    """Seconds from the start of the import of the app to its first refresh (headless, no CLI)."""
    import subprocess

    out = subprocess.run(
        [str(PYTHON), "-X", "faulthandler", "-c", IN_PROCESS],
        env=dict(bytecode_env(pycache), EXPOSURE_HOME=home),
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def summary(times: list[float]) -> tuple[float, str]:
    return statistics.median(times), f"min {min(times):.3f}"


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

    load_before = os.getloadavg()[0]
    with (
        tempfile.TemporaryDirectory() as fresh,
        tempfile.TemporaryDirectory() as demo,
        tempfile.TemporaryDirectory() as pycache,
    ):
        os.environ["EXPOSURE_HOME"] = fresh
        from exposure.services import open_store

        open_store().close()  # the database exists: time the app, not the first migration
        os.environ["EXPOSURE_HOME"] = demo
        from exposure.services.demo import populate

        populate(TODAY)
        empty = [str(PYTHON), "-c", EMPTY_APP]
        for home, argv in ((demo, None), (demo, empty)):  # first runs: the bytecode cache
            first_frame(home, pycache, argv)
        in_process_first_frame(demo, pycache)
        frames = {}
        for label, home, cache, argv in (
            ("fresh", fresh, pycache, None),
            ("demo", demo, pycache, None),
            ("empty", demo, pycache, empty),
            ("source", demo, None, None),
        ):
            frames[label] = [first_frame(home, cache, argv, data=label == "demo") for _ in range(args.runs)]
        for label, key in (("first frame, fresh home", "fresh"), ("first frame, demo home", "demo")):
            median, note = summary([frame for frame, _data in frames[key]])
            results.append((label, median, 0.5, f"{note}; `exposure` in a pty"))
        median, note = summary([data for _frame, data in frames["demo"]])
        results.append(("  demo home: dashboard with its data", median, None, note))
        median, note = summary([frame for frame, _data in frames["source"]])
        results.append(("  demo home, PYTHONDONTWRITEBYTECODE=1", median, None, f"{note}; no bytecode cache"))
        median, note = summary([frame for frame, _data in frames["empty"]])
        results.append(("  for scale: empty Textual app, header + footer", median, None, note))
        times = [in_process_first_frame(demo, pycache) for _ in range(args.runs)]
        median, note = summary(times)
        results.append(
            ("  of which: import app + first paint (headless)", median, None, f"{note}; no CLI, no tty")
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
    print(
        f"bench_tui_start: median of {args.runs} runs, load average {load_before:.1f} at the start, "
        f"{load:.1f} at the end, on {os.cpu_count()} cores"
    )
    print(f"{'measure':<50} {'seconds':>8} {'goal':>6} {'ok':>4}  note")
    for label, seconds, goal, note in results:
        ok = "" if goal is None else ("yes" if seconds <= goal else "NO")
        goal_text = "" if goal is None else f"{goal:.1f}"
        print(f"{label:<50} {seconds:>8.3f} {goal_text:>6} {ok:>4}  {note}")


if __name__ == "__main__":
    main()
