"""``exposure demo``: the TUI on a throwaway home filled with invented data."""

from __future__ import annotations

import argparse
from typing import Any

ORDER = 5


def register(sub: Any) -> None:
    parser = sub.add_parser("demo", help="open the TUI on a throwaway home with invented data")
    parser.add_argument("--keep", action="store_true", help="print the demo home and keep it afterwards")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import os
    import shutil
    import tempfile

    from exposure.cli.output import say

    home = tempfile.mkdtemp(prefix="exposure-demo-")
    os.environ["EXPOSURE_HOME"] = home
    try:
        from exposure.services.demo import populate

        populate()
        from exposure.tui import run_tui

        return run_tui()
    finally:
        if args.keep:
            say(f"Demo data kept in {home} (use EXPOSURE_HOME={home} exposure)")
        else:
            shutil.rmtree(home, ignore_errors=True)
