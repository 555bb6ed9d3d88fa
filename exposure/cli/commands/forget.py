"""``exposure forget``: delete all local data (the database and caches)."""

from __future__ import annotations

import argparse
import shutil
import sys
from typing import Any

ORDER = 95


def register(sub: Any) -> None:
    parser = sub.add_parser("forget", help="delete all local data (asks first)")
    parser.add_argument("--yes", action="store_true", help="do not ask")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from exposure import paths
    from exposure.cli.output import say

    home = paths.home()
    if not args.yes:
        if not sys.stdin.isatty():
            say(f"This deletes everything in {home}. Run again with --yes to confirm.")
            return 1
        answer = input(f"Delete everything in {home}? Type 'yes': ")
        if answer.strip().lower() != "yes":
            say("Nothing deleted.")
            return 0
    for child in home.iterdir():
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()
    say(f"Deleted all exposure data in {home}. Secrets in the keyring stay: `exposure secrets delete NAME`.")
    return 0
