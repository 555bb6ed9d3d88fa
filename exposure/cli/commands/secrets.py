"""``exposure secrets set|delete``: passwords and keys, kept in the OS keyring only."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from exposure.cli.common import subparsers

ORDER = 85


def register(sub: Any) -> None:
    from exposure.secrets import NAMES

    parser = sub.add_parser("secrets", help="store or delete a password or API key in the OS keyring")
    actions = subparsers(parser)
    setp = actions.add_parser("set", help="store a secret (asked without echo, or read from stdin)")
    setp.add_argument("name", choices=sorted(NAMES), metavar="NAME", help=", ".join(sorted(NAMES)))
    setp.add_argument("--stdin", action="store_true", help="read the secret from standard input")
    setp.set_defaults(func=run_set)
    delete = actions.add_parser("delete", help="delete a stored secret")
    delete.add_argument("name", choices=sorted(NAMES), metavar="NAME")
    delete.set_defaults(func=run_delete)
    parser.set_defaults(func=lambda a: parser.print_help() or 0)


def run_set(args: argparse.Namespace) -> int:
    from exposure.cli.output import say
    from exposure.core.errors import ValidationError
    from exposure.secrets import NAMES, set_secret

    if args.stdin or not sys.stdin.isatty():
        value = sys.stdin.readline().rstrip("\r\n")
    else:
        import getpass

        value = getpass.getpass(f"{NAMES[args.name]}: ")
    if not value:
        raise ValidationError("nothing entered; the secret was not changed")
    set_secret(args.name, value)
    say(f"Stored the {NAMES[args.name]} in the keyring.")
    return 0


def run_delete(args: argparse.Namespace) -> int:
    from exposure.cli.output import say
    from exposure.secrets import NAMES, delete_secret

    say(
        f"Deleted the {NAMES[args.name]}."
        if delete_secret(args.name)
        else f"No {NAMES[args.name]} was stored."
    )
    return 0
