"""Inventory: one row per organization that holds your data, with every finding in the detail pane."""

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
from textual.widgets import Input, Select, Static

from exposure.core.models import CATEGORIES
from exposure.tui.format import ICON_LEGEND, category_label, day, org_detail, source_icons
from exposure.tui.screens.base import ExposureScreen
from exposure.tui.widgets.table import VirtualTable

#: Table columns: (key, label, width).
COLUMNS = (
    ("sel", " ", 1),
    ("name", "Organization", 22),
    ("category", "Category", 13),
    ("how", "How", 4),
    ("seen", "Last seen", 10),
    ("request", "Request", 12),
)
MAX_FINDINGS_SHOWN = 200

EMPTY = (
    "Your inventory is empty.\n\n"
    "Add sources (s): import a password-manager export, scan a mail archive or mailbox, or check "
    "breaches. Or pick organizations from the catalog (c) and add them by hand."
)


def matches(row: dict[str, Any], text: str) -> bool:
    """Does a row match the filter text (name, slug, domains or identifiers, any case)?"""
    if not text:
        return True
    haystack = [row["name"], row["slug"], *row["domains"], *row["identifiers"]]
    return any(text in (value or "").casefold() for value in haystack)


class InventoryScreen(ExposureScreen):
    HELP = (
        "One row per organization that holds your data. The pane shows every finding with its evidence, "
        "the privacy contacts and the opt-out page. With rows selected (space), n, x and e act on all of "
        "them. How we know: " + ICON_LEGEND + "."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_filter", "Filter", key_display="/", show=False),
        Binding("space", "toggle_select", "Select row", show=False),
        Binding("a", "select_all", "Select all shown", show=False),
        Binding("n", "mark('not_mine')", "Mark not mine", show=False),
        Binding("x", "mark('ignored')", "Ignore", show=False),
        Binding("o", "open_opt_out", "Open opt-out page", show=False),
        Binding("h", "toggle_hidden", "Show hidden rows", show=False),
        Binding("e", "request_deletion", "Request deletion", show=False),
    ]

    @dataclass
    class Loaded(Message):
        rows: list[dict[str, Any]]
        first_review: bool

    @dataclass
    class DetailLoaded(Message):
        org_id: int
        org: dict[str, Any]
        findings: list[dict[str, Any]]
        total: int

    @dataclass
    class StateSaved(Message):
        org_ids: list[int]
        state: str

    @dataclass
    class RequestDeletion(Message):
        """Asks for erasure requests to these organizations (the requests feature handles it)."""

        org_ids: list[int]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []
        self.by_id: dict[int, dict[str, Any]] = {}
        self.shown: list[int] = []
        self.selected: set[int] = set()
        self.show_hidden = False
        self.loaded = False

    def compose_body(self) -> Iterable[Widget]:
        with Horizontal(id="inv-filter", classes="filter-bar"):
            yield Input(placeholder="Filter: name, domain or identifier  (/)", id="inv-search", compact=True)
            yield Select(
                [(category_label(c), c) for c in CATEGORIES],
                prompt="All categories",
                id="inv-category",
                compact=True,
            )
        with Container(id="inv-body", classes="master-detail"):
            yield VirtualTable(COLUMNS, id="inv-table")
            with VerticalScroll(id="inv-detail", classes="detail"):
                yield Static("", id="inv-detail-text")
            yield Static(EMPTY, id="inv-empty", classes="empty")
        yield Static(
            "space select · n not mine · x ignore · o opt-out · e request · h hidden · ? help",
            id="inv-hint",
            classes="hint",
        )

    def on_mount(self) -> None:
        self.query_one("#inv-empty").display = False
        self.query_one("#inv-detail").border_title = "Detail"
        self.query_one("#inv-table", VirtualTable).focus()

    # -- loading ------------------------------------------------------------------------------

    def reload(self) -> None:
        self._load(self.xapp.cached_inventory(self.loaded_version))

    # A description, else Textual makes one from repr() of the arguments: the prefetched rows
    # (3,000 dicts: 20-40 ms on the event loop as the screen opens).
    @work(thread=True, exclusive=True, exit_on_error=False, group="inventory", description="inventory rows")
    def _load(self, cached: list[dict[str, Any]] | None) -> None:
        """Rows from the app's prefetch when still current, else from the store."""
        from exposure.services.dashboard import mark_step
        from exposure.services.inventory import inventory_rows

        conn = self.xapp.db()
        rows = cached if cached is not None else inventory_rows(conn, include_hidden=True)
        if cached is not None:
            self.post_message(self.Loaded(rows, False))  # show first, then note the review
        first_review = bool(rows) and mark_step(conn, "review")
        if cached is None or first_review:
            self.post_message(self.Loaded(rows, first_review))

    def on_inventory_screen_loaded(self, message: Loaded) -> None:
        self.rows = message.rows
        self.by_id = {row["id"]: row for row in self.rows}
        self.selected &= set(self.by_id)
        self.loaded = True
        self.refill()
        if message.first_review:
            self.changed()

    def visible_rows(self) -> list[dict[str, Any]]:
        text = self.query_one("#inv-search", Input).value.strip().casefold()
        category = self.query_one("#inv-category", Select).value
        return [
            row
            for row in self.rows
            if (self.show_hidden or row["state"] == "active")
            and (category is Select.NULL or row["category"] == category)
            and matches(row, text)
        ]

    def _cells(self, row: dict[str, Any], icons: dict[tuple[str, ...], str] | None = None) -> tuple[Any, ...]:
        """A row's cells; a plain string is shown as it is (a Text only where it has a style).
        ``icons``: a cache of source icons by source kinds, for filling many rows."""
        hidden = row["state"] != "active"
        request = row["request"]["status"].replace("_", " ") if row.get("request") else ""
        if icons is None:
            how = source_icons(row["sources"])
        else:
            kinds = tuple(row["sources"])
            cached = icons.get(kinds)
            how = icons[kinds] = source_icons(kinds) if cached is None else cached
        return (
            "●" if row["id"] in self.selected else " ",
            Text(row["name"], style="strike dim") if hidden else row["name"],
            category_label(row["category"]),
            how,
            day(row["last_seen"]),
            row["state"].replace("_", " ") if hidden else request,
        )

    def refill(self) -> None:
        """Fill the table with the rows that pass the filter, keeping the cursor's organization."""
        table = self.query_one("#inv-table", VirtualTable)
        current = self.current_id()
        rows = self.visible_rows()
        self.shown = [row["id"] for row in rows]
        icons: dict[tuple[str, ...], str] = {}
        table.set_rows(
            [(str(row["id"]), self._cells(row, icons)) for row in rows],
            cursor_key=str(current) if current is not None else None,
        )
        if rows:  # the table may not be mounted yet, so do not wait for its RowHighlighted
            self._load_detail(self.shown[table.cursor_row])
        empty = self.query_one("#inv-empty", Static)
        if not rows:
            if self.rows:
                empty.update("Nothing matches the filter. Clear it (/ then ctrl+u) or change the category.")
            else:
                empty.update(EMPTY)
            self.query_one("#inv-detail-text", Static).update("")
        empty.display = not rows
        table.display = bool(rows)
        self.query_one("#inv-detail").display = bool(rows)
        self.query_one("#inv-hint").display = bool(self.rows)
        self.query_one("#inv-filter").display = bool(self.rows)
        if not self.rows:
            self.set_focus(None)  # nothing to filter: keep the one-key shortcuts working
        elif rows and self.focused is None:
            table.focus()
        self.sub_title = self._count_text(len(rows))

    def _count_text(self, shown: int) -> str:
        active = sum(1 for row in self.rows if row["state"] == "active")
        text = f"{shown:,} of {active:,} organizations" if shown != active else f"{active:,} organizations"
        if self.selected:
            text += f" · {len(self.selected)} selected"
        return text

    def current_id(self) -> int | None:
        table = self.query_one("#inv-table", VirtualTable)
        if not self.shown or not 0 <= table.cursor_row < len(self.shown):
            return None
        return self.shown[table.cursor_row]

    @on(Input.Changed, "#inv-search")
    @on(Select.Changed, "#inv-category")
    def _filter_changed(self) -> None:
        if self.loaded:
            self.refill()

    # -- detail -------------------------------------------------------------------------------

    @on(VirtualTable.RowHighlighted, "#inv-table")
    def _row_highlighted(self, event: VirtualTable.RowHighlighted) -> None:
        self._load_detail(int(event.row_key))

    @work(thread=True, exclusive=True, exit_on_error=False, group="inventory-detail")
    def _load_detail(self, org_id: int) -> None:
        from exposure.services.catalog import get_organization
        from exposure.services.inventory import findings_for

        conn = self.xapp.db()
        findings = findings_for(conn, org_id)
        org = get_organization(conn, org_id)
        self.post_message(self.DetailLoaded(org_id, org, findings[:MAX_FINDINGS_SHOWN], len(findings)))

    def on_inventory_screen_detail_loaded(self, message: DetailLoaded) -> None:
        if message.org_id != self.current_id():
            return
        text = org_detail(message.org, message.findings, self.by_id.get(message.org_id), message.total)
        self.query_one("#inv-detail-text", Static).update(text)
        self.query_one("#inv-detail", VerticalScroll).scroll_home(animate=False)

    # -- actions ------------------------------------------------------------------------------

    def targets(self) -> list[int]:
        """The selected organizations, or the one under the cursor."""
        if self.selected:
            return sorted(self.selected, key=lambda org_id: self.by_id[org_id]["name"].casefold())
        current = self.current_id()
        return [current] if current is not None else []

    def selected_org_ids(self) -> list[int]:
        """The multi-selection (for bulk actions such as requesting deletion)."""
        return sorted(self.selected)

    def action_focus_filter(self) -> None:
        self.query_one("#inv-search", Input).focus()

    def leave_field(self) -> None:
        self.query_one("#inv-table", VirtualTable).focus()

    def action_toggle_select(self) -> None:
        org_id = self.current_id()
        if org_id is None:
            return
        self.selected.symmetric_difference_update({org_id})
        table = self.query_one("#inv-table", VirtualTable)
        table.update_cell(str(org_id), "sel", "●" if org_id in self.selected else " ")
        self.sub_title = self._count_text(len(self.shown))
        table.move_cursor(table.cursor_row + 1)

    def action_select_all(self) -> None:
        if set(self.shown) <= self.selected:
            self.selected -= set(self.shown)
        else:
            self.selected |= set(self.shown)
        self.refill()

    def action_toggle_hidden(self) -> None:
        self.show_hidden = not self.show_hidden
        hidden = sum(1 for row in self.rows if row["state"] != "active")
        self.notify(
            f"Showing {hidden} hidden rows (not mine / ignored)"
            if self.show_hidden
            else "Hidden rows are hidden"
        )
        self.refill()

    def action_mark(self, state: str) -> None:
        org_ids = self.targets()
        if not org_ids:
            return
        # Marking a row that already has that state undoes it.
        if all(self.by_id[org_id]["state"] == state for org_id in org_ids):
            state = "active"
        self._save_state(org_ids, state)

    @work(thread=True, exit_on_error=False, group="inventory-write")
    def _save_state(self, org_ids: list[int], state: str) -> None:
        from exposure.services.inventory import set_state

        conn = self.xapp.db()
        for org_id in org_ids:
            set_state(conn, org_id, state)
        self.post_message(self.StateSaved(org_ids, state))

    def on_inventory_screen_state_saved(self, message: StateSaved) -> None:
        for org_id in message.org_ids:
            self.by_id[org_id]["state"] = message.state
        self.selected -= set(message.org_ids)
        names = ", ".join(self.by_id[i]["name"] for i in message.org_ids[:3])
        more = f" and {len(message.org_ids) - 3} more" if len(message.org_ids) > 3 else ""
        label = {"not_mine": "not mine", "ignored": "ignored", "active": "active again"}[message.state]
        self.notify(
            f"{names}{more}: {label}" + ("" if message.state == "active" else " (h shows hidden rows)")
        )
        self.refill()
        self.changed()

    def action_open_opt_out(self) -> None:
        org_id = self.current_id()
        if org_id is None:
            return
        row = self.by_id[org_id]
        url = row.get("opt_out_url")
        if not url:
            self.notify(f"No opt-out page known for {row['name']}", severity="warning")
            return
        self.notify(f"Opening {url} in your browser")
        self.app.open_url(url)

    def action_request_deletion(self) -> None:
        org_ids = self.targets()
        if org_ids:
            self.post_message(self.RequestDeletion(org_ids))
