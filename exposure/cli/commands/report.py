"""``exposure report``: who holds your data and where your requests stand, as one file.

Markdown, HTML, JSON or CSV (one row per organization). Everything is read from the local
database; nothing is sent anywhere. The file holds personal data: it is written 0600.
"""

from __future__ import annotations

import argparse
import csv
import html
import io
import sys
from pathlib import Path
from typing import Any

ORDER = 55
FORMATS = ("md", "html", "json", "csv")


def register(sub: Any) -> None:
    parser = sub.add_parser("report", help="a report of your inventory and requests (md, html, json, csv)")
    parser.add_argument("--format", default="md", metavar="F", help="md (default), html, json or csv")
    parser.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    parser.set_defaults(func=run)


def build(conn: Any) -> dict[str, Any]:
    """The report's data: profile summary, request counts, requests and the inventory."""
    from exposure.services.inventory import inventory_rows
    from exposure.services.profile import get_profile
    from exposure.services.requests import due_summary, list_requests, now_utc

    profile = get_profile(conn)
    requests = [
        {k: r[k] for k in ("id", "kind", "organization", "right", "law", "citation", "channel", "status", "overdue",
                           "sent_at", "due", "extended", "next_action", "regulator")}
        for r in list_requests(conn)
    ]  # fmt: skip
    organizations = [
        {
            k: row[k]
            for k in (
                "id",
                "name",
                "category",
                "domains",
                "sources",
                "identifiers",
                "first_seen",
                "last_seen",
            )
        }
        | {"request": row["request"]}
        for row in inventory_rows(conn)
    ]
    return {
        "generated_at": now_utc().isoformat(),
        "profile": {"name": profile.display_name, "country": profile.country, "region": profile.region},
        "summary": {"organizations": len(organizations), **due_summary(conn)},
        "requests": requests,
        "organizations": organizations,
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _status(r: dict[str, Any]) -> str:
    return str(r["status"]) + (" (overdue)" if r["overdue"] else "")


_REQ_COLUMNS = ("ID", "Organization", "Right", "Law", "Status", "Sent", "Due", "Next")


def _req_row(r: dict[str, Any]) -> list[str]:
    kind = "" if r["kind"] == "request" else f" ({r['kind'].replace('_', '-')})"
    return [str(r["id"]), r["organization"] + kind, r["right"], r["citation"] or r["law"] or "-", _status(r),
            _cell(r["sent_at"])[:10], _cell(r["due"]), _cell(r["next_action"])]  # fmt: skip


_ORG_COLUMNS = ("Organization", "Category", "Sources", "Identifiers", "Last seen", "Request")


def _org_row(o: dict[str, Any]) -> list[str]:
    req = o["request"] or {}
    return [o["name"], o["category"], _cell(o["sources"]), _cell(o["identifiers"]), _cell(o["last_seen"])[:10],
            _cell(req.get("status"))]  # fmt: skip


def markdown(data: dict[str, Any]) -> str:
    def table(columns: tuple[str, ...], rows: list[list[str]]) -> list[str]:
        esc = [[c.replace("|", "\\|").replace("\n", " ") for c in row] for row in rows]
        return [
            "| " + " | ".join(columns) + " |",
            "|" + "---|" * len(columns),
            *("| " + " | ".join(r) + " |" for r in esc),
        ]

    s = data["summary"]
    counts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in s["counts"].items() if n)
    lines = [
        f"# Exposure report for {data['profile']['name']}", "",
        f"Generated {data['generated_at'][:16].replace('T', ' ')} UTC.", "",
        f"- {s['organizations']} organizations hold your data",
        f"- requests: {counts or 'none yet'}; {s['overdue']} overdue", "",
        "## Requests", "",
    ]  # fmt: skip
    lines += (
        table(_REQ_COLUMNS, [_req_row(r) for r in data["requests"]])
        if data["requests"]
        else ["No requests yet."]
    )
    lines += ["", "## Who holds your data", ""]
    lines += (
        table(_ORG_COLUMNS, [_org_row(o) for o in data["organizations"]])
        if data["organizations"]
        else ["Empty."]
    )
    return "\n".join(lines) + "\n"


def html_report(data: dict[str, Any]) -> str:
    def table(columns: tuple[str, ...], rows: list[list[str]]) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    s = data["summary"]
    name = html.escape(data["profile"]["name"])
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>Exposure report for {name}</title><style>"
        "body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}"
        "table{border-collapse:collapse;width:100%;margin-bottom:2em}"
        "th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}"
        "th{background:#f3f3f3}</style></head><body>"
        f"<h1>Exposure report for {name}</h1>"
        f"<p>Generated {html.escape(data['generated_at'][:16].replace('T', ' '))} UTC. "
        f"{s['organizations']} organizations hold your data; {s['overdue']} requests are overdue.</p>"
        "<h2>Requests</h2>" + table(_REQ_COLUMNS, [_req_row(r) for r in data["requests"]]) +
        "<h2>Who holds your data</h2>" + table(_ORG_COLUMNS, [_org_row(o) for o in data["organizations"]]) +
        "</body></html>\n"
    )  # fmt: skip


def csv_report(data: dict[str, Any]) -> str:
    """One row per organization, with the state of its newest request."""
    by_org: dict[str, dict[str, Any]] = {}
    for r in data["requests"]:
        if r["kind"] == "request":
            by_org.setdefault(r["organization"], r)  # newest first
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["organization", "category", "domains", "sources", "identifiers", "first_seen", "last_seen",
                     "request_id", "right", "law", "status", "overdue", "sent_at", "due"])  # fmt: skip
    for o in data["organizations"]:
        r = by_org.get(o["name"], {})
        row = [o["name"], o["category"], _cell(o["domains"]), _cell(o["sources"]), _cell(o["identifiers"]),
               _cell(o["first_seen"]), _cell(o["last_seen"]), _cell(r.get("id")), _cell(r.get("right")),
               _cell(r.get("law")), _cell(r.get("status")), _cell(r.get("overdue")), _cell(r.get("sent_at")),
               _cell(r.get("due"))]  # fmt: skip
        # a cell starting with = + - @ would run as a formula in a spreadsheet
        writer.writerow(["'" + c if c[:1] in ("=", "+", "-", "@") else c for c in row])
    return buf.getvalue()


def run(args: argparse.Namespace) -> int:
    import json

    from exposure.cli.common import store
    from exposure.cli.output import say
    from exposure.core.errors import ExposureError, ValidationError

    if args.format not in FORMATS:
        raise ValidationError(f"unknown report format {args.format!r}", hint="one of " + ", ".join(FORMATS))
    data = build(store())
    if args.format == "json":
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    else:
        text = {"md": markdown, "html": html_report, "csv": csv_report}[args.format](data)
    if not args.output or args.output == "-":
        sys.stdout.write(text)
        return 0
    from exposure.paths import write_private

    path = Path(args.output)
    try:
        write_private(path, text.encode("utf-8"))
    except OSError as exc:
        raise ExposureError(f"cannot write {path}: {exc.strerror or type(exc).__name__}") from None
    say(f"Wrote {path} ({len(data['organizations'])} organizations, {len(data['requests'])} requests).")
    return 0
