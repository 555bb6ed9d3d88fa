"""``exposure request``: draft, export, send and track requests (erasure, access, opt-out...)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from exposure.cli.common import add_json, store, subparsers

ORDER = 50

_RIGHTS = "erasure, access, opt_out, objection, correction, limit_sensitive"
_CHANNELS = "email, eml, mailto, letter, web_form"
_STATUSES = "draft, sent, acknowledged, needs_action, completed, refused, escalated"


def _id(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a request id (a number; see `exposure request list`)"
        )
    return int(value)


def register(sub: Any) -> None:
    parser = sub.add_parser("request", help="draft, send and track requests to organizations (erasure, ...)")
    actions = subparsers(parser)
    parser.set_defaults(func=lambda a: parser.print_help() or 0)

    d = actions.add_parser("draft", help="draft requests to organizations (nothing is sent)")
    d.add_argument("orgs", nargs="*", metavar="ORG", help="organization name, catalog id, slug or domain")
    d.add_argument("--right", required=True, metavar="R", help=_RIGHTS)
    d.add_argument(
        "--law",
        metavar="L",
        help="cite this law (e.g. gdpr, ccpa; none for no law); default: the strongest that applies",
    )
    d.add_argument("--language", metavar="xx", help="en, de, fr or es (default: your profile's)")
    d.add_argument("--channel", metavar="C", help=f"{_CHANNELS} (default: email when an address is known)")
    d.add_argument(
        "--all-brokers",
        action="store_true",
        help="every data broker and people-search site that applies to you",
    )
    d.add_argument(
        "--add", action="append", default=[], metavar="KIND[=VALUE]",
        help="also disclose this (e.g. date_of_birth, phone, profile_url=URL); only for these requests",
    )  # fmt: skip
    d.add_argument(
        "--corrections", metavar="TEXT", help="for --right correction: what is wrong and what it should be"
    )
    add_json(d)
    d.set_defaults(func=run_draft)

    ls = actions.add_parser("list", help="list requests")
    ls.add_argument("--status", metavar="S", help=f"{_STATUSES}, overdue or open")
    ls.add_argument("--due", action="store_true", help="open requests by due date, overdue first")
    ls.add_argument("--kind", metavar="K", help="request, follow_up or complaint")
    add_json(ls)
    ls.set_defaults(func=run_list)

    show = actions.add_parser("show", help="show a request, its text and its history")
    show.add_argument("id", type=_id, metavar="ID")
    add_json(show)
    show.set_defaults(func=run_show)

    edit = actions.add_parser("edit", help="change a draft before it goes out")
    edit.add_argument("id", type=_id, metavar="ID")
    edit.add_argument("--to", metavar="ADDRESS", help="recipient email address")
    edit.add_argument("--subject", metavar="TEXT")
    edit.add_argument("--body-file", metavar="FILE", help="new text from FILE (- for stdin)")
    edit.add_argument("--channel", metavar="C", help=_CHANNELS)
    add_json(edit)
    edit.set_defaults(func=run_edit)

    ex = actions.add_parser(
        "export", help="write a request as .eml, letter (txt, pdf), mailto: link or web-form checklist"
    )
    ex.add_argument("id", type=_id, metavar="ID")
    ex.add_argument("--format", required=True, metavar="F", help="eml, txt, pdf, mailto or webform")
    ex.add_argument("-o", "--output", metavar="FILE", help="write here (- for stdout); default: a file for eml "
                    "and pdf, stdout for the others")  # fmt: skip
    ex.set_defaults(func=run_export)

    send = actions.add_parser("send", help="send drafts by email from your own mailbox (SMTP)")
    send.add_argument("ids", nargs="+", type=_id, metavar="ID")
    send.add_argument("--dry-run", action="store_true", help="show exactly what would go out; send nothing")
    add_json(send)
    send.set_defaults(func=run_send)

    mark = actions.add_parser("mark", help="record a status (e.g. sent by hand, acknowledged, completed)")
    mark.add_argument("id", type=_id, metavar="ID")
    mark.add_argument("status", metavar="STATUS", help=_STATUSES)
    mark.add_argument("--note", metavar="TEXT")
    add_json(mark)
    mark.set_defaults(func=run_mark)

    reply = actions.add_parser("reply", help="record the organization's answer")
    reply.add_argument("id", type=_id, metavar="ID")
    reply.add_argument("--note", metavar="TEXT", help="what they said")
    reply.add_argument("--status", metavar="S", help="the status it leads to (default: acknowledged)")
    reply.add_argument(
        "--extension", action="store_true", help="they extended the deadline as the law allows"
    )
    add_json(reply)
    reply.set_defaults(func=run_reply)

    remind = actions.add_parser("remind", help="draft a follow-up reminder for an overdue request")
    remind.add_argument("id", type=_id, metavar="ID")
    remind.add_argument("--force", action="store_true", help="even if the request is not overdue yet")
    remind.add_argument("--channel", metavar="C", help=_CHANNELS)
    add_json(remind)
    remind.set_defaults(func=run_remind)

    comp = actions.add_parser(
        "complain", help="draft a complaint to the regulator, with the request's history"
    )
    comp.add_argument("id", type=_id, metavar="ID")
    comp.add_argument("--force", action="store_true", help="without waiting for the reminder window")
    comp.add_argument("--channel", metavar="C", help=_CHANNELS)
    comp.add_argument("--language", metavar="xx", help="en, de, fr or es (default: the request's)")
    add_json(comp)
    comp.set_defaults(func=run_complain)

    disc = actions.add_parser("discard", help="delete a draft")
    disc.add_argument("id", type=_id, metavar="ID")
    disc.set_defaults(func=run_discard)


def _line(item: dict[str, Any]) -> tuple[Any, ...]:
    due = item["due"] or ""
    if item["overdue"]:
        due += f" (overdue {-item['days_left']}d)"
    elif item["days_left"] is not None:
        due += f" (in {item['days_left']}d)"
    kind = "" if item["kind"] == "request" else f" [{item['kind'].replace('_', '-')}]"
    return (item["id"], item["recipient"] + kind, item["right"], item["law"] or "-", item["channel"],
            item["status"], due, item["next_action"] or "")  # fmt: skip


_COLUMNS = ["ID", "To", "Right", "Law", "Channel", "Status", "Due", "Next"]


def run_draft(args: argparse.Namespace) -> int:
    from exposure.cli.output import emit_json, say, table
    from exposure.services.requests import draft_requests

    conn = store()
    result = draft_requests(
        conn, args.orgs, args.right, law=args.law, language=args.language, channel=args.channel,
        all_brokers=args.all_brokers, add_identifiers=args.add, corrections=args.corrections,
    )  # fmt: skip
    for item in result["skipped"]:
        say(f"Skipped {item['organization']}: {item['reason']}")
    for notice in result["notices"]:
        say(notice)
    if args.json:
        emit_json(result)
        return 0
    if result["requests"]:
        table(
            f"{len(result['requests'])} draft(s); nothing was sent",
            _COLUMNS,
            [_line(i) for i in result["requests"]],
        )
        say(
            "Next: `exposure request show ID` to read one, `exposure request send ID... --dry-run` to see what goes out."
        )
    return 0


def run_list(args: argparse.Namespace) -> int:
    from exposure.cli.output import emit_json, say, table
    from exposure.services.requests import list_requests

    items = list_requests(store(), status=args.status, due=args.due, kind=args.kind)
    if args.json:
        emit_json({"requests": items})
        return 0
    if not items:
        say("No requests" + (" match." if args.status or args.due or args.kind else
            " yet. Draft some: `exposure request draft ORG --right erasure` or `--all-brokers`."))  # fmt: skip
        return 0
    table(None, _COLUMNS, [_line(i) for i in items])
    return 0


def _print_request(item: dict[str, Any]) -> None:
    from exposure.cli.output import print_text

    lines = [
        f"Request {item['id']}"
        + ("" if item["kind"] == "request" else f" ({item['kind'].replace('_', '-')} of #{item['parent']})")
    ]
    lines.append(f"  To:        {item['recipient']}" + (f" <{item['to']}>" if item["to"] else ""))
    lines.append(
        f"  Right:     {item['right']}"
        + (f" ({item['citation']})" if item["citation"] else " (no law cited)")
    )
    lines.append(f"  Channel:   {item['channel']}")
    status = item["status"] + (" — OVERDUE" if item["overdue"] else "")
    lines.append(f"  Status:    {status}")
    if item["sent_at"]:
        lines.append(
            f"  Sent:      {item['sent_at']}"
            + (f"  Message-ID {item['message_id']}" if item["message_id"] else "")
        )
    if item["due"]:
        lines.append(f"  Due:       {item['due']}" + (" (extended)" if item["extended"] else ""))
    if item["error"]:
        lines.append(f"  Last error: {item['error']}")
    if item["next_action"]:
        hints = {"send": f"exposure request send {item['id']} --dry-run", "remind": f"exposure request remind {item['id']}",
                 "complain": f"exposure request complain {item['id']}", "act": "they asked you to do something: read their reply"}  # fmt: skip
        if item["next_action"] == "send" and not item["to"]:
            fmt = "webform" if item["channel"] == "web_form" else "pdf"
            hints["send"] = (
                f"exposure request export {item['id']} --format {fmt}, send it yourself, "
                f"then exposure request mark {item['id']} sent"
            )
        lines.append(f"  Next:      {hints[item['next_action']]}")
    lines.append("  Discloses: " + ", ".join(f"{i['kind']} {i['value']}" for i in item["identifiers"]))
    lines += ["", f"Subject: {item['subject']}", "", item["body"].rstrip(), ""]
    if item["events"]:
        lines.append("History:")
        for ev in item["events"]:
            lines.append(
                f"  {ev['at'][:16].replace('T', ' ')}  {ev['kind']}"
                + (f": {ev['note']}" if ev["note"] else "")
            )
    print_text("\n".join(lines))


def run_show(args: argparse.Namespace) -> int:
    from exposure.cli.output import emit_json
    from exposure.services.requests import get_request

    item = get_request(store(), args.id)
    if args.json:
        emit_json(item)
    else:
        _print_request(item)
    return 0


def run_edit(args: argparse.Namespace) -> int:
    from exposure.cli.output import emit_json, say
    from exposure.core.errors import SourceError
    from exposure.services.requests import edit_request

    body = None
    if args.body_file == "-":
        body = sys.stdin.read()
    elif args.body_file:
        try:
            body = Path(args.body_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SourceError(f"cannot read the text ({type(exc).__name__})", where=args.body_file) from None
    item = edit_request(store(), args.id, to=args.to, subject=args.subject, body=body, channel=args.channel)
    if args.json:
        emit_json(item)
    else:
        say(f"Request {item['id']} updated.")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from exposure.cli.output import say
    from exposure.paths import write_private
    from exposure.services.requests import export_request

    result = export_request(store(), args.id, args.format)
    target = args.output
    if target is None and result.format in ("eml", "pdf"):
        target = result.filename
    if target is None or target == "-":
        sys.stdout.buffer.write(result.data)
        sys.stdout.flush()
    else:
        path = Path(target)
        try:
            write_private(path, result.data)
        except OSError as exc:
            from exposure.core.errors import ExposureError

            raise ExposureError(f"cannot write {path}: {exc.strerror or type(exc).__name__}") from None
        say(f"Wrote {path} ({len(result.data)} bytes)" + (f"; {result.note}" if result.note else ""))
    if result.note and (target is None or target == "-"):
        say(result.note)
    say(f"Nothing was sent. Once you have sent it yourself: `exposure request mark {args.id} sent`.")
    return 0


def run_send(args: argparse.Namespace) -> int:
    from exposure.cli.output import emit_json, print_text, say
    from exposure.services.requests import send_requests

    conn = store()

    def progress(request_id: int, plan: Any) -> None:
        if not args.json:
            say(
                f"Sending request {request_id} to {plan.outgoing.to} ..."
                + (" (resending with the same Message-ID)" if plan.resend else "")
            )

    if not args.dry_run:
        from exposure.services.requests import smtp_config

        config = smtp_config(conn)
        say(f"Contacting {config.describe()} ...")
        result = send_requests(conn, args.ids, config=config, on_progress=progress)
    else:
        result = send_requests(conn, args.ids, dry_run=True)
    if args.json:
        emit_json(result)
    else:
        for item in result["dry_run"]:
            print_text(f"--- request {item['id']} would go out via {result['server']} ({item['sent_last_24h']} of "
                       f"{item['daily_cap']} sent in the last 24 hours):\n{item['message']}")  # fmt: skip
            if item["resend"]:
                say(
                    f"Request {item['id']}: an earlier attempt may have been delivered; it is resent with the same Message-ID."
                )
        for item in result["sent"]:
            say(f"Sent request {item['id']} to {item['to']}; answer due {item['due'] or '-'}.")
        for item in result["failed"]:
            say(f"Request {item['id']} not sent: {item['error']}")
        if result["dry_run"]:
            say("Dry run: nothing was sent.")
    return 1 if result["failed"] else 0


def run_mark(args: argparse.Namespace) -> int:
    from exposure.cli.output import emit_json, say
    from exposure.services.requests import mark_status

    item = mark_status(store(), args.id, args.status, note=args.note)
    if args.json:
        emit_json(item)
    else:
        say(
            f"Request {item['id']} is now {item['status']}"
            + (f"; answer due {item['due']}" if item["due"] and item["status"] == "sent" else "")
            + "."
        )
    return 0


def run_reply(args: argparse.Namespace) -> int:
    from exposure.cli.output import emit_json, say
    from exposure.services.requests import record_reply

    item = record_reply(store(), args.id, note=args.note, status=args.status, extension=args.extension)
    if args.json:
        emit_json(item)
    else:
        say(
            f"Recorded the reply; request {item['id']} is {item['status']}"
            + (f", due {item['due']}" if item["due"] else "")
            + "."
        )
    return 0


def _drafted(item: dict[str, Any], as_json: bool, what: str) -> int:
    from exposure.cli.output import emit_json, say

    if as_json:
        emit_json(item)
    else:
        say(f"Drafted {what} #{item['id']} to {item['recipient']} ({item['channel']}). "
            f"Read it with `exposure request show {item['id']}`, then send or export it.")  # fmt: skip
    return 0


def run_remind(args: argparse.Namespace) -> int:
    from exposure.services.requests import follow_up

    return _drafted(
        follow_up(store(), args.id, force=args.force, channel=args.channel), args.json, "reminder"
    )


def run_complain(args: argparse.Namespace) -> int:
    from exposure.services.requests import complain

    item = complain(store(), args.id, force=args.force, channel=args.channel, language=args.language)
    return _drafted(item, args.json, "complaint")


def run_discard(args: argparse.Namespace) -> int:
    from exposure.cli.output import say
    from exposure.services.requests import discard_request

    discard_request(store(), args.id)
    say(f"Discarded draft {args.id}.")
    return 0
