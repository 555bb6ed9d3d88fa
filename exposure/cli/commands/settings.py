"""``exposure settings show|set``: preferences such as your SMTP server (never secrets)."""

from __future__ import annotations

import argparse
from typing import Any

from exposure.cli.common import add_show, store, subparsers

ORDER = 80


def register(sub: Any) -> None:
    parser = sub.add_parser("settings", help="show or change settings (SMTP server, API URLs...)")
    actions = subparsers(parser)
    add_show(parser, actions, run_show, help="show every setting and its value")
    setp = actions.add_parser("set", help="change a setting; an empty VALUE resets it")
    setp.add_argument("key", metavar="KEY")
    setp.add_argument("value", metavar="VALUE")
    setp.set_defaults(func=run_set)


def run_show(args: argparse.Namespace) -> int:
    from exposure.cli.output import emit_json, table
    from exposure.services.settings import SETTINGS, all_settings

    values = all_settings(store())
    if args.json:
        emit_json(values)
    else:
        table(
            None,
            ["Setting", "Value", "What it is"],
            [(k, v or "", SETTINGS[k].help) for k, v in values.items()],
        )
    return 0


def run_set(args: argparse.Namespace) -> int:
    from exposure.cli.output import say
    from exposure.services.settings import set_setting

    value = set_setting(store(), args.key, args.value)
    say(f"{args.key} = {value if value is not None else '(not set)'}")
    return 0
