"""``exposure scan mail|imap``: who writes to you, from mail archives or a mailbox (headers only)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from exposure.cli.common import add_json, store, subparsers

ORDER = 25


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "scan",
        help="find who holds your data from your mail (archives or IMAP; headers only)",
        description="Read the headers of your mail (never the bodies) and add every organization that "
        "writes to you to your inventory.",
    )
    actions = subparsers(parser, "sources")
    mail = actions.add_parser(
        "mail",
        help="scan mbox files, Maildir folders, .eml folders or a Takeout .zip/.tgz",
        description="Scan mail archives on this machine: mbox (Google Takeout, Thunderbird), Maildir, "
        "folders of .eml files, and the mbox inside a Takeout .zip or .tgz. Nothing leaves the machine.",
    )
    mail.add_argument("paths", nargs="+", metavar="PATH", help="file or folder")
    mail.add_argument(
        "--workers",
        type=int,
        metavar="N",
        default=None,
        help="processes for one large mbox file (default: one per CPU, at most 4)",
    )
    add_json(mail)
    mail.set_defaults(func=run_mail)

    imap = actions.add_parser(
        "imap",
        help="scan a mailbox over IMAP (read-only; only new mail on later runs)",
        description="Read the headers of the mail on an IMAP server, read-only (EXAMINE, BODY.PEEK): nothing "
        "is marked as read, moved or deleted. The password comes from the keyring "
        "(`exposure secrets set imap`), or an OAuth2 access token (`exposure secrets set imap_token`). "
        "Later runs read only mail that arrived since. Defaults come from the imap.* settings.",
    )
    imap.add_argument("--host", metavar="H", help="IMAP server (default: setting imap.host)")
    imap.add_argument("--port", type=int, metavar="P", help="port (default: 993 for ssl, 143 otherwise)")
    imap.add_argument("--user", metavar="U", help="login (default: setting imap.user)")
    imap.add_argument(
        "--folder",
        dest="folders",
        action="append",
        metavar="F",
        help="read only this folder (repeatable; default: every folder)",
    )
    imap.add_argument(
        "--security", choices=("ssl", "starttls", "none"), help="default: setting imap.security"
    )
    imap.add_argument(
        "--oauth",
        action="store_true",
        help="log in with the OAuth2 token (secret imap_token), not a password",
    )
    imap.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input instead of the keyring",
    )
    imap.add_argument("--ca-file", metavar="PEM", help="trust this CA certificate (a self-hosted server)")
    imap.add_argument(
        "--timeout", type=float, default=30.0, metavar="S", help="seconds to wait for the server"
    )
    add_json(imap)
    imap.set_defaults(func=run_imap)
    parser.set_defaults(func=lambda a: parser.print_help() or 0)


def _show(result: dict[str, Any], title: str) -> None:
    from exposure.cli.output import say, table

    orgs = [s for s in result["senders"] if s["organization"]]
    people = [s for s in result["senders"] if not s["organization"]]
    if orgs:
        table(
            title,
            ["Organization", "Domain", "Messages", "Sent", "Kinds", "Last seen"],
            [
                (
                    s["organization"],
                    s["domain"],
                    s["messages"],
                    s["sent"] or "",
                    ", ".join(s["kinds"]),
                    (s["last_seen"] or "")[:10],
                )
                for s in orgs[:30]
            ],
        )
        if len(orgs) > 30:
            say(f"... and {len(orgs) - 30} more organizations (see `exposure inventory`)")
    for error in result["errors"][:50]:
        say(f"{error['where']}: {error['message']}")
    if len(result["errors"]) > 50:
        say(f"... and {len(result['errors']) - 50} more problems (use --json to see them all)")
    rate = ""
    if result["seconds"] and result["messages"]:
        rate = f" in {result['seconds']:.1f} s ({result['messages'] / result['seconds']:,.0f} messages/s)"
    say(
        f"{result['messages']:,} message{'' if result['messages'] == 1 else 's'} read{rate}; "
        f"{result['skipped']:,} without a usable sender; "
        f"{len(orgs)} organizations, {len(people)} free-mail or own domains (people, not inventory rows). "
        f"{result['new_organizations']} organizations new to your inventory."
    )


def run_mail(args: argparse.Namespace) -> int:
    from exposure.cli.output import emit_json, progress_bar
    from exposure.services.scan_mail import failed, scan_paths

    conn = store()
    with progress_bar(quiet=args.json) as (bar, cancel):
        result = scan_paths(conn, args.paths, progress=bar, cancel=cancel, workers=args.workers)
    if args.json:
        emit_json(result)
    else:
        _show(result, "Who writes to you")
    return 1 if failed(result) else 0


def run_imap(args: argparse.Namespace) -> int:
    from exposure.cli.output import emit_json, progress_bar, say
    from exposure.core.errors import ValidationError
    from exposure.services.scan_mail import scan_imap
    from exposure.services.settings import get_setting

    conn = store()
    host = args.host or get_setting(conn, "imap.host")
    user = args.user or get_setting(conn, "imap.user")
    security = args.security or get_setting(conn, "imap.security") or "ssl"
    port = args.port or (int(p) if (p := get_setting(conn, "imap.port")) else None)
    if not host:
        raise ValidationError("no IMAP server given: use --host, or `exposure settings set imap.host HOST`")
    if not user:
        raise ValidationError("no IMAP login given: use --user, or `exposure settings set imap.user USER`")
    password = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise ValidationError("--password-stdin: nothing was read from standard input")
    context = None
    if args.ca_file:
        import ssl

        try:
            context = ssl.create_default_context(cafile=args.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise ValidationError(f"--ca-file {args.ca_file}: cannot load it ({exc})") from None
    if not args.json:
        say(f"Contacting {host} (read-only: nothing is changed on the server)...")
    with progress_bar(quiet=args.json) as (bar, cancel):
        result = scan_imap(
            conn,
            host,
            port,
            user,
            args.folders,
            security,
            progress=bar,
            cancel=cancel,
            password=password,
            oauth=True if args.oauth else None,
            ssl_context=context,
            timeout=args.timeout,
        )
    if args.json:
        emit_json(result)
    else:
        _show(result, f"Who writes to {user}")
        say(
            f"Folders read: {', '.join(f['folder'] + ' (+' + str(f['new']) + ')' for f in result['folders'])}"
        )
    return 0
