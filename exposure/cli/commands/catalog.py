"""``exposure catalog``: the organizations exposure knows about."""

from __future__ import annotations

import argparse
from typing import Any

from exposure.cli.common import add_json, store, subparsers

ORDER = 40


def register(sub: Any) -> None:
    parser = sub.add_parser("catalog", help="search the catalog of organizations, import or update catalogs")
    actions = subparsers(parser)
    search = actions.add_parser("search", help="find organizations by name or domain")
    search.add_argument("text", metavar="TEXT")
    search.add_argument("--category", metavar="C")
    search.add_argument("--limit", type=int, default=50)
    add_json(search)
    search.set_defaults(func=run_search)
    stats = actions.add_parser("stats", help="how many organizations, by category and source")
    add_json(stats)
    stats.set_defaults(func=run_stats)
    parser.set_defaults(func=lambda a: parser.print_help() or 0)


def run_search(args: argparse.Namespace) -> int:
    from exposure.cli.output import emit_json, say, table
    from exposure.services.catalog import search

    found = search(store(), args.text, category=args.category, limit=args.limit)
    if args.json:
        keys = ("id", "name", "domains", "category", "privacy_email", "opt_out_url", "sources")
        emit_json({"organizations": [{k: o[k] for k in keys} for o in found]})
        return 0
    if not found:
        say(f"Nothing in the catalog matches {args.text!r}.")
        return 0
    table(
        None,
        ["Id", "Organization", "Category", "Domains", "Privacy contact"],
        [
            (
                o["id"],
                o["name"],
                o["category"],
                ", ".join(o["domains"][:3]),
                o["privacy_email"] or o["web_form"] or o["opt_out_url"] or "",
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
    table(None, ["Source", "Count"], list(data["by_source"].items()))
    return 0
