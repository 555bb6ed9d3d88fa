"""``exposure profile show|set``: who you are (decides which laws apply and what requests name)."""

from __future__ import annotations

import argparse
from typing import Any

from exposure.cli.common import add_json, add_show, store, subparsers

ORDER = 10


def register(sub: Any) -> None:
    parser = sub.add_parser("profile", help="show or change who you are (names, emails, country...)")
    actions = subparsers(parser)
    add_show(parser, actions, run_show, help="show your profile")

    setp = actions.add_parser("set", help="change your profile (list options replace the stored list)")
    setp.add_argument("--name", action="append", dest="names", metavar="N", help="your name (repeatable)")
    setp.add_argument(
        "--email", action="append", dest="emails", metavar="E", help="an email address (repeatable)"
    )
    setp.add_argument(
        "--phone", action="append", dest="phones", metavar="P", help="a phone number (repeatable)"
    )
    setp.add_argument("--address", action="append", dest="addresses", metavar="A", help="a postal address")
    setp.add_argument("--username", action="append", dest="usernames", metavar="U", help="a username")
    setp.add_argument("--country", metavar="CC", help="ISO 3166-1 country code, e.g. US, DE")
    setp.add_argument("--region", metavar="R", help="ISO 3166-2 region, e.g. US-CA (or CA with --country US)")
    setp.add_argument("--language", metavar="xx", help="language of requests, e.g. en, de, fr, es")
    setp.add_argument("--date-of-birth", metavar="YYYY-MM-DD", help="only sent when you add it to a request")
    add_json(setp)
    setp.set_defaults(func=run_set)


def _show(profile: Any, as_json: bool) -> None:
    from exposure.cli.output import emit_json, print_text
    from exposure.services.profile import profile_to_json

    data = profile_to_json(profile)
    if as_json:
        emit_json(data)
        return
    if profile.is_empty:
        print_text(
            "No profile yet. Set one with: exposure profile set --name 'Ada Example' --email ada@example.com --country US --region CA"
        )
        return
    for key, value in data.items():
        shown = ", ".join(value) if isinstance(value, list) else (value or "")
        print_text(f"{key.replace('_', ' '):>14}: {shown}")


def run_show(args: argparse.Namespace) -> int:
    from exposure.services.profile import get_profile

    _show(get_profile(store()), args.json)
    return 0


def run_set(args: argparse.Namespace) -> int:
    from exposure.services.profile import update_profile

    changes = {
        key: getattr(args, key)
        for key in (
            "names",
            "emails",
            "phones",
            "addresses",
            "usernames",
            "country",
            "region",
            "language",
            "date_of_birth",
        )
        if getattr(args, key) is not None
    }
    if not changes:
        from exposure.core.errors import ValidationError

        raise ValidationError(
            "nothing to change: give at least one option (see `exposure profile set --help`)"
        )
    _show(update_profile(store(), **changes), args.json)
    return 0
