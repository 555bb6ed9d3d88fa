"""``exposure import PATH...``: password-manager, browser and platform exports into the inventory."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from exposure.cli.common import add_json, store

ORDER = 20


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "import",
        help="import password-manager / browser exports, Google Takeout and Meta downloads",
        description="Read exports (detected from their content) and add the organizations they name "
        "to your inventory. Passwords, notes and other secrets in them are never kept.",
    )
    parser.add_argument(
        "paths", nargs="+", metavar="PATH", help="export file (or extracted Takeout/Meta folder)"
    )
    parser.add_argument(
        "--format",
        metavar="F",
        help="skip detection and read every PATH as format F (e.g. chrome_csv, bitwarden_json)",
    )
    add_json(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from exposure.cli.output import emit_json, progress_bar, say
    from exposure.services.import_file import failed, import_paths, summarize
    from exposure.sources.detect import importer_for

    if args.format:
        importer_for(args.format)  # unknown format: a ValidationError naming the valid ones
    conn = store()
    with progress_bar(quiet=args.json) as (bar, cancel):
        results = import_paths(conn, args.paths, format=args.format, progress=bar, cancel=cancel)
    status = 1 if any(failed(r) for r in results) else 0
    if args.json:
        emit_json({"files": results, "total": summarize(results)})
        return status
    _table(results)
    for r in results:
        for error in r["errors"]:
            where = error["where"] if error["where"] == r["path"] else f"{r['path']}: {error['where']}"
            say(f"{where}: {error['message']}")
        if r["error_count"] > len(r["errors"]):
            say(f"{r['path']}: ... and {r['error_count'] - len(r['errors'])} more errors")
    total = summarize(results)
    if total["findings"]:
        say(
            f"{total['findings']} findings ({total['new_findings']} new), "
            f"{total['new_organizations']} organizations new to your inventory. "
            "See them with `exposure inventory`."
        )
    return status


def _table(results: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title="Import", header_style="bold")
    t.add_column("File", overflow="fold", ratio=2)
    t.add_column("Format", overflow="fold", ratio=2)
    for name in ("Read", "Imported", "Skipped", "Errors"):
        t.add_column(name, justify="right", no_wrap=True)
    t.add_column("Organizations", overflow="fold", ratio=3, no_wrap=False, min_width=13)
    for r in results:
        if r["refused"]:
            orgs = "refused" if r["format"] else "not an export"
        else:
            orgs = f"{r['organizations']} ({r['new_organizations']} new, {r['matched']} in catalog)"
        t.add_row(
            Path(r["path"]).name,
            r["format"] or "?",
            str(r["records"]),
            str(r["imported"]),
            str(r["skipped"]),
            str(r["error_count"]),
            orgs,
        )
    Console().print(t)
