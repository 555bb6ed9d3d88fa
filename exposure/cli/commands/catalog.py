"""``exposure catalog``: the organizations exposure knows about, and the public catalogs behind them."""

from __future__ import annotations

import argparse
from typing import Any

from exposure.cli.common import add_json, store, subparsers

ORDER = 40
# Kept here (not imported) so `exposure --help` imports no importer module.
SOURCE_NAMES = ("datarequests", "justdeleteme", "eraser", "duckduckgo", "california")
CONTACT_KINDS = ("email", "web_form", "opt_out_url", "postal")


def register(sub: Any) -> None:
    parser = sub.add_parser("catalog", help="search the catalog of organizations, import or update catalogs")
    actions = subparsers(parser)
    search = actions.add_parser("search", help="find organizations by name, other name or domain")
    search.add_argument("text", metavar="TEXT")
    search.add_argument("--category", metavar="C")
    search.add_argument("--source", metavar="S", help="only organizations this catalog source lists")
    search.add_argument("--limit", type=int, default=50)
    add_json(search)
    search.set_defaults(func=run_search)
    stats = actions.add_parser("stats", help="how many organizations, by category and source")
    add_json(stats)
    stats.set_defaults(func=run_stats)
    show = actions.add_parser(
        "show", help="one organization: contacts, their health, and where each fact comes from"
    )
    show.add_argument("org", metavar="ORG", help="id, slug, name or domain")
    add_json(show)
    show.set_defaults(func=run_show)
    update = actions.add_parser(
        "update",
        help="download public catalogs (explicit network use; nothing about you is sent)",
        description="Download the public catalogs (all, or the SOURCEs named) from the URLs in the "
        "settings catalog.url.<source>, check them, and merge them in. A failed download keeps "
        f"the previous catalog. Sources: {', '.join(SOURCE_NAMES)}.",
    )
    update.add_argument("sources", metavar="SOURCE", nargs="*", help=", ".join(SOURCE_NAMES))
    update.add_argument("--force", action="store_true", help="download again and accept a much smaller file")
    add_json(update)
    update.set_defaults(func=run_update)
    imp = actions.add_parser(
        "import",
        help="the same from a file already downloaded (a folder for duckduckgo)",
    )
    imp.add_argument("path", metavar="FILE")
    imp.add_argument(
        "--source", required=True, choices=SOURCE_NAMES, metavar="S", help=", ".join(SOURCE_NAMES)
    )
    imp.add_argument("--force", action="store_true", help="accept a file much smaller than the last one")
    add_json(imp)
    imp.set_defaults(func=run_import)
    mark = actions.add_parser("mark", help="mark an organization's contact bounced, dead or ok")
    mark.add_argument("org", metavar="ORG", help="id, slug, name or domain")
    mark.add_argument("--contact", required=True, choices=CONTACT_KINDS, help="which contact")
    mark.add_argument("--status", required=True, choices=("bounced", "dead", "ok"))
    mark.add_argument("--date", metavar="YYYY-MM-DD", help="when it bounced (default: today)")
    mark.add_argument("--value", metavar="V", help="the address or URL (default: the one the catalog gives)")
    mark.add_argument("--note", metavar="TEXT")
    add_json(mark)
    mark.set_defaults(func=run_mark)
    parser.set_defaults(func=lambda a: parser.print_help() or 0)


def run_search(args: argparse.Namespace) -> int:
    from exposure.cli.output import emit_json, say, table
    from exposure.core.errors import ValidationError
    from exposure.services.catalog import search

    if args.source and args.source not in ("bundled", *SOURCE_NAMES):
        raise ValidationError(
            f"unknown source {args.source!r}: use bundled or one of {', '.join(SOURCE_NAMES)}"
        )
    found = search(store(), args.text, category=args.category, limit=args.limit, source=args.source)
    if args.json:
        keys = ("id", "slug", "name", "domains", "category", "privacy_email", "web_form", "opt_out_url",
                "parent", "sources", "contact_status")  # fmt: skip
        emit_json({"organizations": [{k: o[k] for k in keys} for o in found]})
        return 0
    if not found:
        say(f"Nothing in the catalog matches {args.text!r}.")
        return 0
    table(
        None,
        ["Id", "Organization", "Category", "Domains", "Privacy contact", "Sources"],
        [
            (
                o["id"],
                o["name"],
                o["category"],
                ", ".join(o["domains"][:3]),
                o["privacy_email"] or o["web_form"] or o["opt_out_url"] or "",
                ", ".join(s["source"] for s in o["sources"]),
            )
            for o in found
        ],
    )
    return 0


def run_stats(args: argparse.Namespace) -> int:
    from exposure.cli.output import emit_json, table
    from exposure.services.catalog import stats

    data = stats(store())
    if args.json:
        emit_json(data)
        return 0
    table(f"{data['organizations']} organizations", ["Category", "Count"], list(data["by_category"].items()))
    table("Most trusted source of each", ["Source", "Organizations"], list(data["by_source"].items()))
    if data["sources"]:
        table(
            f"{data['records']} catalog records, {data['merged_duplicates']} merged into others",
            ["Source", "Records", "Organizations", "Fetched"],
            [
                (name, info.get("records", ""), info["organizations"], (info.get("fetched_at") or "")[:10])
                for name, info in data["sources"].items()
            ],
        )
    return 0


def run_show(args: argparse.Namespace) -> int:
    from exposure.cli.output import emit_json, print_text
    from exposure.services.catalog import contacts, explain, get_organization
    from exposure.services.inventory import resolve_organization

    conn = store()
    row = resolve_organization(conn, args.org)
    org = get_organization(conn, row["id"])
    channels = contacts(conn, row["id"])
    why = explain(conn, row["id"])
    if args.json:
        emit_json({"organization": org, "contacts": channels, "why": why})
        return 0
    lines = [f"{org['name']} ({org['category']}, id {org['id']}, {org['slug']})"]
    if org["domains"]:
        lines.append(
            "Domains: " + ", ".join(org["domains"][:12]) + (" ..." if len(org["domains"]) > 12 else "")
        )
    lines.append("Contacts, in the order requests use them:")
    for contact in channels:
        mark = "" if contact["status"] == "ok" else f"  [{contact['status'].upper()} {contact['date']}]"
        from_ = f"  ({', '.join(contact['sources'])})" if contact["sources"] else ""
        lines.append(f"  {contact['kind']:<12} {contact['value']}{mark}{from_}")
    if org["opt_out_steps"]:
        lines.append("Opt-out steps:")
        lines += [f"  {n}. {step}" for n, step in enumerate(org["opt_out_steps"], 1)]
    lines.append("Why it is here:")
    lines += [f"  - {line}" for line in why]
    print_text("\n".join(lines))
    return 0


def _report(result: Any, as_json: bool) -> int:
    from exposure.cli.output import emit_json, say, table

    if as_json:
        emit_json(result.as_json())
        return 0 if result.ok else 1
    table(
        None,
        ["Source", "Status", "Records", "Skipped", "Note"],
        [(s.source, s.status, s.records, s.skipped, s.message or "") for s in result.sources],
    )
    for update in result.sources:
        problems = update.errors
        if problems:
            say(f"{update.source}: {len(problems)} problem(s) in records, e.g.:")
            for problem in problems[:5]:
                say(f"  {problem.where}: {problem.message}")
    if result.merge is not None:
        m = result.merge
        say(
            f"Catalog merged: {m.organizations} organizations from {m.records} records"
            f" ({m.new_organizations} new, {m.removed_organizations} removed"
            + (
                f", {m.adopted_placeholders} of your unknown domains now known"
                if m.adopted_placeholders
                else ""
            )
            + ")."
        )
    if not result.ok:
        say("The sources that failed keep their previous records.")
    return 0 if result.ok else 1


def run_update(args: argparse.Namespace) -> int:
    from exposure.cli.output import progress_bar, say
    from exposure.core.errors import ValidationError
    from exposure.services.update_catalog import hosts_to_contact, update_catalog

    unknown = [s for s in args.sources if s not in SOURCE_NAMES]
    if unknown:
        raise ValidationError(f"unknown catalog source {unknown[0]!r}: use one of {', '.join(SOURCE_NAMES)}")
    conn = store()
    hosts = hosts_to_contact(conn, args.sources)
    say(f"Downloading public catalogs from {', '.join(hosts)} (nothing about you is sent).")
    with progress_bar(quiet=args.json) as (bar, token):
        result = update_catalog(
            conn, args.sources, announce=say, progress=bar, cancel=token, force=args.force
        )
    return _report(result, args.json)


def run_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from exposure.services.update_catalog import import_catalog

    result = import_catalog(store(), Path(args.path).expanduser(), args.source, force=args.force)
    return _report(result, args.json)


def run_mark(args: argparse.Namespace) -> int:
    from exposure.cli.output import emit_json, say
    from exposure.services.update_catalog import mark_contact

    result = mark_contact(
        store(), args.org, args.contact, args.status, date=args.date, note=args.note, value=args.value
    )
    if args.json:
        emit_json(result)
        return 0
    say(
        f"{result['organization']}: {result['kind']} {result['value']} marked {result['status']} ({result['date']})."
    )
    usable = next((c for c in result["contacts"] if c["status"] == "ok"), None)
    say(f"Requests now use: {usable['kind']} {usable['value']}" if usable else "No working contact is left.")
    return 0
