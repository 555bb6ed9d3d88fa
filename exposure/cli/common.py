"""Small helpers shared by command modules."""

from __future__ import annotations

import argparse
import sqlite3
from collections.abc import Callable
from typing import Any


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")


def add_show(
    parser: argparse.ArgumentParser, actions: Any, func: Callable[[argparse.Namespace], int], help: str
) -> None:
    """The ``show`` action of ``parser`` (with --json), which the noun alone also runs (as text)."""
    show = actions.add_parser("show", help=help)
    add_json(show)
    show.set_defaults(func=func)
    parser.set_defaults(func=func, json=False)


def store() -> sqlite3.Connection:
    from exposure.services import open_store

    return open_store()


def subparsers(parser: argparse.ArgumentParser, title: str = "actions") -> Any:
    from exposure.cli import _Parser

    return parser.add_subparsers(title=title, metavar="ACTION", parser_class=_Parser)
