"""Sources: what was imported or scanned, and buttons to add more.

The buttons open screens that other features provide (``FEATURES`` below): each is a module in
``exposure.tui.screens`` with a Screen class taking no arguments, pushed on top of this one.
Until a module exists the button says so.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, DataTable, Static

from exposure.tui.format import day
from exposure.tui.screens.base import ExposureScreen

#: feature -> (module, Screen class, label, key)
FEATURES: dict[str, tuple[str, str, str, str]] = {
    "import": ("exposure.tui.screens.import_", "ImportScreen", "Import a file", "f"),
    "mail": ("exposure.tui.screens.scan", "ScanScreen", "Scan a mail archive", "m"),
    "imap": ("exposure.tui.screens.scan", "ImapScreen", "Scan a mailbox (IMAP)", "l"),
    "breaches": ("exposure.tui.screens.breaches", "BreachesScreen", "Check breaches", "b"),
}
#: Short button labels (80 columns fit all four).
BUTTONS = {"import": "Import file", "mail": "Mail archive", "imap": "Mailbox (IMAP)", "breaches": "Breaches"}

EMPTY = (
    "Nothing imported or scanned yet.\n\n"
    "f  Import a file: a password-manager export (Bitwarden, 1Password, Chrome, Firefox…)\n"
    "m  Scan a mail archive: mbox (Google Takeout), Maildir or .eml files; headers only\n"
    "l  Scan a mailbox over IMAP: read-only, headers only\n"
    "b  Check breaches: asks Have I Been Pwned about your emails (names the host first)\n\n"
    "Nothing leaves this computer except the breach check, and only when you ask."
)


def stats_summary(stats: dict[str, Any]) -> str:
    keys = ("findings", "organizations", "new_organizations", "messages", "skipped", "errors")
    parts = [f"{key.replace('_', ' ')} {stats[key]:,}" for key in keys if isinstance(stats.get(key), int)]
    return " · ".join(parts)


class SourcesScreen(ExposureScreen):
    HELP = (
        "Where your inventory comes from: imported files, scanned mail, breach checks and organizations "
        "added by hand. Add or rescan a source with the buttons; long work shows its progress and can be "
        "cancelled."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(key, f"open_feature('{feature}')", label, show=False)
        for feature, (_module, _cls, label, key) in FEATURES.items()
    ]

    @dataclass
    class Loaded(Message):
        kinds: list[dict[str, Any]]
        scans: list[dict[str, Any]]

    def compose_body(self) -> Iterable[Widget]:
        with Horizontal(id="src-buttons"):
            for feature, (_module, _cls, label, key) in FEATURES.items():
                button = Button(f"{BUTTONS[feature]} ({key})", id=f"src-{feature}", compact=True)
                button.tooltip = label
                yield button
        with VerticalScroll(id="src-body"):
            yield Static(EMPTY, id="src-empty", classes="empty")
            yield DataTable(id="src-kinds", cursor_type="row", show_cursor=False)
            yield DataTable(id="src-scans", cursor_type="row")

    def on_mount(self) -> None:
        kinds = self.query_one("#src-kinds", DataTable)
        kinds.border_title = "Findings by source"
        kinds.add_column("Source", key="kind", width=16)
        kinds.add_column("Kind", key="family", width=9)
        kinds.add_column("Findings", key="findings", width=9)
        kinds.add_column("Orgs", key="orgs", width=6)
        kinds.add_column("Last seen", key="seen", width=10)
        scans = self.query_one("#src-scans", DataTable)
        scans.border_title = "Imports and scans"
        scans.add_column("When", key="when", width=10)
        scans.add_column("Kind", key="kind", width=8)
        scans.add_column("Location", key="location", width=26)
        scans.add_column("Result", key="result", width=24)

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="sources")
    def _load(self) -> None:
        from exposure.services.dashboard import scans, source_kinds

        conn = self.xapp.db()
        self.post_message(self.Loaded(source_kinds(conn), scans(conn)))

    def on_sources_screen_loaded(self, message: Loaded) -> None:
        kinds = self.query_one("#src-kinds", DataTable)
        kinds.clear()
        for item in message.kinds:
            kinds.add_row(
                item["kind"], item["family"], f"{item['findings']:,}", f"{item['organizations']:,}",
                day(item["last_seen"]),
            )  # fmt: skip
        scans = self.query_one("#src-scans", DataTable)
        scans.clear()
        for scan in message.scans:
            result = stats_summary(scan["stats"]) or ("running or stopped" if not scan["finished_at"] else "")
            scans.add_row(day(scan["started_at"]), scan["kind"], scan["location"], result)
        self.query_one("#src-empty").display = not message.kinds and not message.scans
        kinds.display = bool(message.kinds)
        scans.display = bool(message.scans)
        total = sum(item["findings"] for item in message.kinds)
        self.sub_title = f"{total:,} findings from {len(message.kinds)} kinds of source"

    @on(Button.Pressed, "#src-buttons Button")
    def _button(self, event: Button.Pressed) -> None:
        if event.button.id:
            self.action_open_feature(event.button.id.removeprefix("src-"))

    def action_open_feature(self, feature: str) -> None:
        module_name, class_name, label, _key = FEATURES[feature]
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            self.notify(f"{label}: not available yet in this version", severity="warning")
            return
        screen_class = getattr(module, class_name, None)
        if screen_class is None:
            self.notify(f"{label}: not available yet in this version", severity="warning")
            return
        self.app.push_screen(screen_class())
