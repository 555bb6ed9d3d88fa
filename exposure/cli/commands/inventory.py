"""``exposure inventory``: the organizations that hold your data, with their evidence."""

from __future__ import annotations

import argparse
from typing import Any

from exposure.cli.common import add_json, store, subparsers

ORDER = 30


def register(sub: Any) -> None:
    parser = sub.add_parser("inventory", help="list who holds your data (or add an organization by hand)")
    add_json(parser)
    parser.add_argument(
        "--category", metavar="C", help="only this category (people_search, data_broker, ...)"
    )
    parser.add_argument(
        "--search", metavar="TEXT", help="only rows whose name, domain or identifier contains TEXT"
    )
    parser.set_defaults(func=run_list)
    actions = subparsers(parser)
    add = actions.add_parser("add", help="add an organization (name, catalog id or domain) to your inventory")
    add.add_argument("org", metavar="ORG-OR-DOMAIN")
    add.add_argument("--identifier", metavar="I", help="the email or username you use there")
    add.add_argument("--note", metavar="TEXT")
    add_json(add)
    add.set_defaults(func=run_add)


def run_list(args: argparse.Namespace) -> int:
    from exposure.cli.output import emit_json, say, table
    from exposure.core.errors import ValidationError
    from exposure.core.models import CATEGORIES
    from exposure.services.inventory import inventory, inventory_rows

    if args.category and args.category not in CATEGORIES:
        raise ValidationError(f"unknown category {args.category!r}: use one of {', '.join(CATEGORIES)}")
    conn = store()
    if args.json:
        emit_json({"organizations": inventory(conn, category=args.category, search=args.search)})
        return 0
    rows = inventory_rows(conn, category=args.category, search=args.search)
    if not rows:
        say(
            "Your inventory is empty. Add sources: `exposure import FILE`, `exposure scan mail PATH`, "
            "or `exposure inventory add NAME`."
        )
        return 0
    table(
        f"{len(rows)} organizations hold your data",
        ["Organization", "Category", "Sources", "Identifiers", "Last seen", "Request"],
        [
            (
                r["name"],
                r["category"],
                ", ".join(r["sources"]),
                ", ".join(r["identifiers"][:3]),
                (r["last_seen"] or "")[:10],
                (r["request"] or {}).get("status", ""),
            )
            for r in rows
        ],
    )
    return 0


def run_add(args: argparse.Namespace) -> int:
    from exposure.cli.output import emit_json, say
    from exposure.services.catalog import get_organization
    from exposure.services.inventory import add_manual

    conn = store()
    result = add_manual(conn, args.org, identifier=args.identifier, note=args.note)
    org = get_organization(conn, result["id"])
    if args.json:
        emit_json({"organization": org, "new": result["new"]})
    else:
        say(f"{'Added' if result['new'] else 'Already in your inventory:'} {org['name']} ({org['category']})")
    return 0
