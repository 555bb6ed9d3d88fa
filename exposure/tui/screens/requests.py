"""Requests: a simple queue of every request and its state.

This is the foundation's read-only view; the requests feature (drafting, preview, sending,
tracking) replaces it with the full Requests screen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import work
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Static

from exposure.tui.format import day
from exposure.tui.screens.base import ExposureScreen

EMPTY = (
    "No requests yet.\n\n"
    "Once your inventory is reviewed (i), ask the organizations that hold your data to delete it: "
    "select rows with space and press e (request deletion)."
)
STATUS_STYLE = {"needs_action": "bold yellow", "overdue": "bold red", "completed": "green", "refused": "red"}


class RequestsScreen(ExposureScreen):
    HELP = (
        "Every request you drafted or sent, with its state and due date. Overdue requests are sent "
        "ones past their legal deadline without an answer."
    )

    @dataclass
    class Loaded(Message):
        rows: list[dict[str, Any]]

    def compose_body(self) -> Iterable[Widget]:
        yield DataTable(id="req-table", cursor_type="row", zebra_stripes=True)
        yield Static(EMPTY, id="req-empty", classes="empty")

    def on_mount(self) -> None:
        table = self.query_one("#req-table", DataTable)
        table.add_column("Status", key="status", width=13)
        table.add_column("Organization", key="org", width=24)
        table.add_column("Right", key="right", width=9)
        table.add_column("Sent", key="sent", width=10)
        table.add_column("Due", key="due", width=10)
        self.query_one("#req-empty").display = False

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="requests")
    def _load(self) -> None:
        from exposure.services.dashboard import request_queue

        self.post_message(self.Loaded(request_queue(self.xapp.db(), self.xapp.today())))

    def on_requests_screen_loaded(self, message: Loaded) -> None:
        table = self.query_one("#req-table", DataTable)
        table.clear()
        for row in message.rows:
            status = "overdue" if row["overdue"] else row["status"]
            table.add_row(
                Text(status.replace("_", " "), style=STATUS_STYLE.get(status, "")),
                row["organization"],
                row["right"],
                day(row["sent_at"]),
                day(row["due_at"]),
                key=str(row["id"]),
            )
        table.display = bool(message.rows)
        self.query_one("#req-empty").display = not message.rows
        overdue = sum(1 for row in message.rows if row["overdue"])
        self.sub_title = f"{len(message.rows)} requests" + (f" · {overdue} overdue" if overdue else "")
