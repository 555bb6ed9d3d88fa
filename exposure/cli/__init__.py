"""The command line: ``exposure`` opens the TUI, ``exposure NOUN ...`` runs one action.

Commands live in ``cli/commands/<noun>.py``; each module defines ``ORDER`` (its place in
``--help``) and ``register(subparsers)``, and is found automatically. Command modules import
their services (and rich) inside the handlers, so ``exposure --help`` stays fast.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from exposure import __version__

if TYPE_CHECKING:
    import argparse


def __getattr__(name: str) -> Any:
    # ``_Parser`` is made on first use: ``exposure`` alone (the TUI) does not import argparse.
    if name == "_Parser":
        return _parser_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def _parser_class() -> type[argparse.ArgumentParser]:
    import argparse

    class _Parser(argparse.ArgumentParser):
        def error(self, message: str) -> None:  # type: ignore[override]
            self.print_usage(sys.stderr)
            self.exit(2, f"exposure: error: {message}\n")

    return _Parser


def build_parser() -> argparse.ArgumentParser:
    import importlib
    import pkgutil

    _Parser = _parser_class()
    parser = _Parser(
        prog="exposure",
        description="Find who holds your data, and make them delete it. "
        "Run without a command to open the terminal UI. Nothing leaves this machine unless you ask.",
    )
    parser.add_argument("--version", action="version", version=f"exposure {__version__}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)
    from exposure.cli import commands

    modules = [
        importlib.import_module(f"exposure.cli.commands.{m.name}")
        for m in pkgutil.iter_modules(commands.__path__)
    ]
    for module in sorted(modules, key=lambda m: (getattr(m, "ORDER", 100), m.__name__)):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from exposure.core.errors import ExposureError

    arguments = sys.argv[1:] if argv is None else list(argv)
    if not arguments:  # the TUI: skip building the whole command tree (it costs start-up time)
        try:
            from exposure.tui import run_tui

            return run_tui()
        except ExposureError as exc:
            print(f"exposure: error: {exc}", file=sys.stderr)
            return 1
    parser = build_parser()
    args = parser.parse_args(arguments)
    handler = getattr(args, "func", None)
    try:
        if handler is None:
            from exposure.tui import run_tui

            return run_tui()
        result = handler(args)
        return int(result or 0)
    except ExposureError as exc:
        print(f"exposure: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("exposure: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
