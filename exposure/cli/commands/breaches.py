"""``exposure breaches``: which of your emails were in which breach (Have I Been Pwned).

Checking emails needs an API key (``exposure secrets set hibp``). Without one, the free list of
known breaches is downloaded and matched to your inventory by domain. ``--stored`` shows the
results of earlier checks without contacting anything.
"""

from __future__ import annotations

import argparse
from typing import Any

from exposure.cli.common import add_json, store

ORDER = 28


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "breaches",
        help="check your emails on Have I Been Pwned (API key from the keyring)",
        description="Look up your email addresses on Have I Been Pwned and add each breach to your "
        "inventory. Your email addresses are sent to haveibeenpwned.com (only when you run this). "
        "Without an API key, the free list of breaches is downloaded and matched to your inventory.",
    )
    parser.add_argument(
        "--email",
        action="append",
        metavar="E",
        help="an email address to check (repeatable; default: the emails in your profile)",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--list-only",
        action="store_true",
        help="no key needed: download the free breach list and show which organizations in your "
        "inventory were breached (no email address is sent)",
    )
    mode.add_argument(
        "--stored",
        action="store_true",
        help="show what earlier checks found, offline (nothing is contacted)",
    )
    parser.add_argument(
        "--cached",
        action="store_true",
        help="with --list-only: use the breach list downloaded before instead of downloading it again",
    )
    add_json(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from exposure.cli.output import say
    from exposure.core.errors import SecretError, ValidationError
    from exposure.services import breaches as svc

    if args.cached and not args.list_only:
        raise ValidationError("--cached only goes with --list-only")
    conn = store()
    if args.stored:
        return _show_stored(conn, args)
    if args.list_only:
        return _list_only(conn, args, download=not args.cached)
    try:
        key = svc.get_api_key()
    except SecretError as exc:
        say(f"exposure: {exc}")
        key = None
    if not key:
        say(svc.no_key_advice())
        return _list_only(conn, args, download=True, api_key=False)
    emails = args.email if args.email else svc.profile_emails(conn)
    if not emails:
        raise ValidationError(
            "no email address to check: give --email E, or add one with `exposure profile set --email E`"
        )
    return _check(conn, args, emails, key)


def _check(conn: Any, args: argparse.Namespace, emails: list[str], key: str) -> int:
    from exposure.cli.output import emit_json, progress_bar, say, table
    from exposure.services import breaches as svc

    count = len(emails)
    say(
        f"Contacting {svc.api_host(conn)}… (sending {count} email address{'es' if count != 1 else ''}, "
        "paced to your key's rate limit)"
    )
    with progress_bar(quiet=args.json) as (bar, token):
        result = svc.check_breaches(conn, emails, progress=bar, cancel=token, api_key=key)
    if args.json:
        emit_json(
            {
                "emails": [
                    {
                        "email": e["email"],
                        "breaches": [
                            {
                                k: b[k]
                                for k in ("name", "title", "domain", "date", "data_classes", "organization")
                            }
                            | {"pwn_count": b["pwn_count"], "description": b["description"]}
                            for b in e["breaches"]
                        ],
                    }
                    for e in result.emails
                ],
                "inventory": result.ingest.as_json(),
            }
        )
        return 0
    for entry in result.emails:
        items = entry["breaches"]
        if not items:
            say(f"{entry['email']}: in no known breach.")
            continue
        table(
            f"{entry['email']}: in {len(items)} breach{'es' if len(items) != 1 else ''}",
            ["Breach", "Date", "Data classes", "Organization"],
            [
                (b["title"], b["date"] or "", ", ".join(b["data_classes"]), b["organization"] or "")
                for b in items
            ],
        )
    stats = result.ingest
    if stats.findings:
        say(
            f"{stats.new_findings} new finding(s) on {len(stats.organizations)} organization(s) in your "
            "inventory (`exposure inventory --search ...` shows them)."
        )
    if result.unattributed:
        say(
            f"{result.unattributed} breach(es) name no website (spam or combination lists): "
            "they are listed above but not added to the inventory."
        )
    return 0


def _list_only(conn: Any, args: argparse.Namespace, *, download: bool, api_key: bool | None = None) -> int:
    from exposure.cli.output import emit_json, progress_bar, say, table
    from exposure.core.errors import NotFound
    from exposure.services import breaches as svc

    if download:
        say(f"Contacting {svc.api_host(conn)}… (downloading the free breach list; nothing about you is sent)")
        with progress_bar(quiet=args.json) as (bar, token):
            svc.download_breach_list(conn, progress=bar, cancel=token)
    status = svc.breach_list_status(conn)
    if status["downloaded_at"] is None:
        raise NotFound(
            "no breach list has been downloaded yet: run `exposure breaches --list-only` (without --cached)"
        )
    matches = svc.match_breach_list_to_inventory(conn)
    if args.json:
        doc: dict[str, Any] = {}
        if api_key is False:
            doc["emails"] = []
            doc["api_key"] = False
        doc["breach_list"] = status
        doc["organizations"] = [
            {
                "id": m["id"],
                "organization": m["name"],
                "category": m["category"],
                "domains": m["domains"],
                "breaches": [
                    {
                        k: b[k]
                        for k in ("name", "title", "domain", "date", "data_classes", "pwn_count", "confirmed")
                    }
                    for b in m["breaches"]
                ],
            }
            for m in matches
        ]
        emit_json(doc)
        return 0
    say(f"Breach list of {status['downloaded_at'][:10]}: {status['breaches']} known breaches.")
    if not matches:
        say("None of the organizations in your inventory appears in it.")
        return 0
    rows = [
        (
            m["name"],
            b["title"],
            b["date"] or "",
            ", ".join(b["data_classes"]),
            ", ".join(b["confirmed"]) or "not checked / not found",
        )
        for m in matches
        for b in m["breaches"]
    ]
    table(
        f"{len(matches)} organization(s) in your inventory were breached",
        ["Organization", "Breach", "Date", "Data classes", "Your email in it"],
        rows,
    )
    return 0


def _show_stored(conn: Any, args: argparse.Namespace) -> int:
    from exposure.cli.output import emit_json, say, table
    from exposure.services import breaches as svc

    found = svc.stored_breaches(conn, args.email)
    if args.json:
        keys = ("name", "title", "domain", "date", "data_classes", "organization")
        emit_json(
            {
                "emails": [
                    {
                        "email": e["email"],
                        "checked_at": e["checked_at"],
                        "breaches": [{k: b[k] for k in keys} for b in e["breaches"]],
                    }
                    for e in found
                ]
            }
        )
        return 0
    if not found:
        say("No email has been checked yet: run `exposure breaches` (needs an API key).")
        return 0
    for entry in found:
        items = entry["breaches"]
        title = f"{entry['email']} (checked {entry['checked_at'][:10]}): "
        if not items:
            say(title + "in no known breach.")
            continue
        table(
            title + f"in {len(items)} breach(es)",
            ["Breach", "Date", "Data classes", "Organization"],
            [
                (b["title"], b["date"] or "", ", ".join(b["data_classes"]), b["organization"] or "")
                for b in items
            ],
        )
    return 0
