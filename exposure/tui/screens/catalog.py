"""Catalog: search-as-you-type over the organizations exposure knows, and add them to the inventory."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, DataTable, Input, Select, Static

from exposure.core.models import CATEGORIES
from exposure.tui.format import category_label, org_detail
from exposure.tui.screens.base import ExposureScreen

LIMIT = 200


class CatalogScreen(ExposureScreen):
    HELP = (
        "Every organization exposure knows: data brokers, people-search sites, credit bureaus and common "
        "services, each with its privacy contacts and where the facts come from. Type to search; press a "
        "to add the highlighted organization to your inventory."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search", key_display="/", show=False),
        Binding("a", "add", "Add to inventory", show=False),
    ]

    @dataclass
    class Results(Message):
        query: str
        category: str | None
        results: list[dict[str, Any]]
        in_inventory: set[int]
        source: str | None = None

    @dataclass
    class Added(Message):
        org_id: int
        name: str
        new: bool

    def __init__(self) -> None:
        super().__init__()
        self.results: list[dict[str, Any]] = []
        self.in_inventory: set[int] = set()

    def compose_body(self) -> Iterable[Widget]:
        with Horizontal(id="cat-filter", classes="filter-bar"):
            yield Input(placeholder="Search the catalog: name or domain  (/)", id="cat-search", compact=True)
            yield Select(
                [(category_label(c), c) for c in CATEGORIES if c != "unknown"],
                prompt="All categories",
                id="cat-category",
                compact=True,
            )
            yield Select(_source_options(), prompt="All sources", id="cat-source", compact=True)
        with Container(id="cat-body", classes="master-detail"):
            yield DataTable(id="cat-table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="cat-detail", classes="detail"):
                yield Static("", id="cat-detail-text")
                yield Button("Add to inventory (a)", id="cat-add", compact=True, variant="primary")
            yield Static("", id="cat-empty", classes="empty")
        yield Static(
            "type to search · esc results list · a add to inventory · / search again", classes="hint"
        )

    def on_mount(self) -> None:
        table = self.query_one("#cat-table", DataTable)
        table.add_column(" ", key="in", width=1)
        table.add_column("Organization", key="name", width=26)
        table.add_column("Category", key="category", width=13)
        table.add_column("Domain", key="domain", width=20)
        self.query_one("#cat-detail").border_title = "Detail"
        self.query_one("#cat-empty").display = False
        self.query_one("#cat-search", Input).focus()

    def reload(self) -> None:
        self._search()

    def _query(self) -> tuple[str, str | None, str | None]:
        category = self.query_one("#cat-category", Select).value
        source = self.query_one("#cat-source", Select).value
        return (
            self.query_one("#cat-search", Input).value,
            None if category is Select.NULL else str(category),
            None if source is Select.NULL else str(source),
        )

    @on(Input.Changed, "#cat-search")
    @on(Select.Changed, "#cat-category")
    @on(Select.Changed, "#cat-source")
    def _search(self) -> None:
        text, category, source = self._query()
        self._run_search(text, category, source)

    @work(thread=True, exclusive=True, exit_on_error=False, group="catalog-search")
    def _run_search(self, text: str, category: str | None, source: str | None = None) -> None:
        from exposure.services.catalog import search
        from exposure.services.dashboard import inventory_org_ids

        conn = self.xapp.db()
        results = search(conn, text, category=category, limit=LIMIT + 1, source=source)
        self.post_message(self.Results(text, category, results, inventory_org_ids(conn), source))

    def on_catalog_screen_results(self, message: Results) -> None:
        if (message.query, message.category, message.source) != self._query():
            return  # an older search finished after a newer one started
        self.results = message.results[:LIMIT]
        self.in_inventory = message.in_inventory
        table = self.query_one("#cat-table", DataTable)
        table.clear()
        for org in self.results:
            table.add_row(
                "✓" if org["id"] in self.in_inventory else " ",
                org["name"],
                category_label(org["category"]),
                (org["domains"] or [""])[0],
                key=str(org["id"]),
            )
        found = bool(self.results)
        table.display = found
        self.query_one("#cat-detail").display = found
        empty = self.query_one("#cat-empty", Static)
        empty.display = not found
        if not found:
            empty.update(
                f"No organization matches “{message.query}”. If it is a domain (e.g. example.com), "
                "add it by hand: `exposure inventory add example.com`."
            )
        more = len(message.results) > LIMIT
        self.sub_title = (
            f"first {LIMIT} matches: type to narrow" if more else f"{len(self.results)} organizations"
        )
        if found:
            table.move_cursor(row=0)
            self._show(0)

    def _show(self, index: int) -> None:
        if not 0 <= index < len(self.results):
            return
        org = self.results[index]
        text = org_detail(org)
        text.append_text(provenance(org))
        if org["id"] in self.in_inventory:
            text.append("\nIn your inventory.", style="bold green")
        self.query_one("#cat-detail-text", Static).update(text)
        self.query_one("#cat-add", Button).disabled = org["id"] in self.in_inventory

    @on(DataTable.RowHighlighted, "#cat-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show(event.cursor_row)

    def current(self) -> dict[str, Any] | None:
        table = self.query_one("#cat-table", DataTable)
        row = table.cursor_row
        if not self.results or row is None or not 0 <= row < len(self.results):
            return None
        return self.results[row]

    def action_focus_search(self) -> None:
        self.query_one("#cat-search", Input).focus()

    def leave_field(self) -> None:
        self.query_one("#cat-table", DataTable).focus()

    @on(Input.Submitted, "#cat-search")
    def _submitted(self) -> None:
        self.leave_field()

    @on(Button.Pressed, "#cat-add")
    def action_add(self) -> None:
        org = self.current()
        if org is None:
            self.notify("Nothing to add: search for an organization first", severity="warning")
            return
        self._add(org["id"], org["name"], org["slug"])

    @work(thread=True, exit_on_error=False, group="catalog-add")
    def _add(self, org_id: int, name: str, slug: str) -> None:
        from exposure.services.inventory import add_manual

        result = add_manual(self.xapp.db(), slug)
        self.post_message(self.Added(int(result["id"]), name, bool(result["new"])))

    def on_catalog_screen_added(self, message: Added) -> None:
        self.in_inventory.add(message.org_id)
        if message.new:
            self.notify(f"Added {message.name} to your inventory")
        else:
            self.notify(f"{message.name} is already in your inventory")
        table = self.query_one("#cat-table", DataTable)
        if str(message.org_id) in table.rows:
            table.update_cell(str(message.org_id), "in", "✓")
        current = self.current()
        if current is not None and current["id"] == message.org_id:
            self._show(table.cursor_row)
        self.changed()


def _source_options() -> list[tuple[str, str]]:
    from exposure.services.catalog import SOURCE_LABELS

    names = ("bundled", "datarequests", "duckduckgo", "eraser", "california", "justdeleteme")
    return [(SOURCE_LABELS[name], name) for name in names]


def provenance(org: dict[str, Any]) -> Text:
    """Why the organization is here: each source with its date, what it gives and agrees on,
    and the contacts known to have bounced or died (with the date)."""
    from exposure.services.catalog import SOURCE_LABELS

    text = Text()
    text.append("\nWhy it is here\n", style="bold underline")
    hidden = ("name", "domains", "aliases", "extra")
    for item in org.get("sources") or []:
        label = SOURCE_LABELS.get(item["source"], item["source"])
        text.append(" • ")
        text.append(label, style="bold")
        if item.get("date"):
            text.append(f", {item['date']}")
        if item.get("name") and item["name"] != org["name"]:
            text.append(f" (as “{item['name']}”)")
        used = [f.replace("_", " ") for f in item.get("chosen") or [] if f not in hidden]
        agrees = [
            f.replace("_", " ")
            for f in item.get("agrees") or []
            if f not in hidden and f not in (item.get("chosen") or [])
        ]
        if used:
            text.append(f"\n   gives: {', '.join(used)}", style="dim")
        if agrees:
            text.append(f"\n   agrees on: {', '.join(agrees)}", style="dim")
        text.append("\n")
    for mark in org.get("contact_status") or []:
        if mark["status"] == "ok":
            continue
        who = "you" if mark["source"] == "user" else SOURCE_LABELS.get(mark["source"], mark["source"])
        text.append(
            f" ! {mark['value']} {mark['status']} on {mark['date']} (reported by {who})\n", style="yellow"
        )
    return text
