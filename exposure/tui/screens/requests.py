"""Requests: the queue of drafts, what was sent and when it is due, what needs you, what is done.

Every request shows exactly what goes out (the preview pane). Sending asks once and shows the
dry run first; exporting writes a file and sends nothing; web-form values are copied to the
clipboard one by one. Overdue requests offer a reminder (f), and after the reminder window a
complaint to the regulator (C). Inventory rows reach this screen through "request deletion" (e).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Select, Static

from exposure.tui.screens.base import ExposureScreen

if TYPE_CHECKING:
    import sqlite3

    from exposure.tui.app import ExposureApp

EMPTY = (
    "No requests yet.\n\n"
    "Once your inventory is reviewed (i), ask the organizations that hold your data to delete it: "
    "select rows with space and press e (request deletion). Nothing is sent until you say so here."
)
STATUS_STYLE = {
    "needs_action": "bold yellow",
    "overdue": "bold red",
    "completed": "green",
    "refused": "red",
    "draft": "cyan",
    "escalated": "magenta",
}
VIEWS: dict[str, str] = {
    "all": "All requests",
    "queue": "Queue (drafts)",
    "sent": "Sent, waiting",
    "needs": "Needs you",
    "done": "Done",
}
COLUMNS = (("sel", " ", 1), ("status", "Status", 12), ("org", "Organization", 24), ("right", "Right", 9),
           ("channel", "Channel", 8), ("due", "Due", 16))  # fmt: skip
NEXT_HINT = {
    "send": "S sends it (you see exactly what goes out first); x exports it instead",
    "remind": "overdue: f drafts a reminder",
    "complain": "C drafts a complaint to the regulator",
    "act": "they want something from you: read their reply, then m records what happened",
}
HINT = "S send · x export · w form · m mark · f remind · C complain · e edit · 1-5"


def in_view(item: dict[str, Any], view: str) -> bool:
    status = item["status"]
    if view == "queue":
        return bool(status == "draft")
    if view == "sent":
        return status in ("sent", "acknowledged", "escalated") and item["next_action"] not in (
            "remind",
            "complain",
        )
    if view == "needs":
        return status == "needs_action" or item["next_action"] in ("remind", "complain", "act")
    if view == "done":
        return status in ("completed", "refused") and item["next_action"] != "complain"
    return True


def ordered(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What needs the user first, then overdue, waiting (soonest due first), drafts, finished."""
    rank = {"needs_action": 0, "draft": 3, "completed": 4, "refused": 4}
    items = sorted(items, key=lambda i: (i["due"] is None, i["due"] or "", i["recipient"].casefold()))
    return sorted(items, key=lambda i: 1 if i["overdue"] else rank.get(i["status"], 2))


def due_text(item: dict[str, Any]) -> str:
    if not item["due"]:
        return ""
    days = item["days_left"]
    if days is None:
        return item["due"]  # type: ignore[no-any-return]
    return f"{item['due']} {'+' if days >= 0 else ''}{days}d"


def label_of(item: dict[str, Any]) -> str:
    if item["kind"] == "follow_up":
        return f"{item['organization']} · reminder"
    if item["kind"] == "complaint":
        return f"{item['recipient']} · complaint"
    return item["organization"]  # type: ignore[no-any-return]


def app_now(app: ExposureApp) -> datetime | None:
    """The app's clock as a moment (tests fix the app's day; real use: now)."""
    today = app.today()
    if today == date.today():
        return None
    return datetime.combine(today, time(12), tzinfo=UTC)


def detail_text(item: dict[str, Any], preview: dict[str, Any] | None) -> Text:
    text = Text()

    def line(label: str, value: str, style: str = "") -> None:
        text.append(f"{label:<10}", style="bold")
        text.append(value + "\n", style=style)

    line("To", item["recipient"] + (f" <{item['to']}>" if item["to"] else ""))
    line(
        "Right",
        item["right"].replace("_", " ")
        + (f" — {item['citation']}" if item["citation"] else " — no law cited"),
    )
    line("Channel", item["channel"].replace("_", " "))
    status = "overdue" if item["overdue"] else item["status"]
    line("Status", status.replace("_", " "), STATUS_STYLE.get(status, ""))
    if item["sent_at"]:
        line(
            "Sent",
            item["sent_at"][:16].replace("T", " ")
            + (f"  {item['message_id']}" if item["message_id"] else ""),
        )
    if item["due"]:
        days = item["days_left"]
        when = "" if days is None else (f" (in {days} days)" if days >= 0 else f" ({-days} days overdue)")
        line("Due", item["due"] + when + (" · extended" if item["extended"] else ""))
    if item["complaint_after"] and item["status"] in ("sent", "acknowledged"):
        line("Complain", f"from {item['complaint_after']} (after the reminder)")
    line("Discloses", ", ".join(i["value"] for i in item["identifiers"]) or "-")
    if item["error"]:
        line("Error", item["error"], "bold red")
    if item["next_action"] == "send" and not item["to"]:
        how = "w shows the web-form values" if item["channel"] == "web_form" else "x exports a letter"
        line("Next", f"{how}; once done, m marks it sent (or e sets an email address)", "bold")
    elif item["next_action"]:
        line("Next", NEXT_HINT[item["next_action"]], "bold")
    for problem in (preview or {}).get("problems", []):
        line("Problem", problem, "bold red")
    text.append("\n── What goes out " if item["status"] == "draft" else "\n── What went out ", style="bold")
    text.append("─" * 20 + "\n", style="dim")
    if preview is not None:
        text.append(preview["text"].rstrip() + "\n")
    else:
        text.append(f"Subject: {item['subject']}\n\n{item['body'].rstrip()}\n")
    if item["events"]:
        text.append("\n── History " + "─" * 20 + "\n", style="bold")
        for ev in item["events"]:
            text.append(f"{ev['at'][:16].replace('T', ' ')}  {ev['kind'].replace('_', ' ')}", style="dim")
            text.append((f": {ev['note']}" if ev["note"] else "") + "\n")
    return text


def dry_run_text(result: dict[str, Any]) -> Text:
    text = Text()
    items = result["dry_run"]
    text.append(f"From your mailbox via {result['server']}\n", style="bold")
    if items:
        text.append(
            f"{items[0]['sent_last_24h']} of {items[0]['daily_cap']} sent in the last 24 hours.\n",
            style="dim",
        )
    for item in items:
        text.append(f"\n── request {item['id']} to {item['organization']} " + "─" * 12 + "\n", style="bold")
        if item["resend"]:
            text.append(
                "An earlier attempt may have arrived: this resends it with the same Message-ID.\n",
                style="yellow",
            )
        text.append(item["message"].rstrip() + "\n")
    for failure in result["failed"]:
        text.append(f"\nNot sent: request {failure['id']}: {failure['error']}\n", style="bold red")
    return text


class RequestsScreen(ExposureScreen):
    HELP = (
        "Your requests: the queue of drafts, what was sent and when the answer is due, what needs you, "
        "and what is done. The pane shows exactly what goes out. S sends drafts by email from your own "
        "mailbox (asks once, after showing the dry run); x exports a PDF letter, .eml, text, mailto link "
        "or web-form checklist; w copies web-form values; m records a reply or status; f drafts a "
        "reminder for an overdue request; C a complaint to the regulator. 1-5 switch the view."
    )
    DEFAULT_CSS = """
    RequestsScreen #req-counts { width: 1fr; height: 1; color: $text-muted; }
    RequestsScreen #req-view { width: 20; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_select", "Select row", show=False),
        Binding("a", "select_all", "Select all shown", show=False),
        Binding("S", "send", "Send (asks first)", show=False),
        Binding("x", "export", "Export (PDF, .eml, ...)", show=False),
        Binding("w", "web_form", "Copy web-form values", show=False),
        Binding("o", "open_form", "Open the web form", show=False),
        Binding("m", "mark", "Mark status / reply", show=False),
        Binding("f", "follow_up", "Follow up (reminder)", show=False),
        Binding("C", "complain", "Complain to the regulator", show=False),
        Binding("e", "edit", "Edit the draft", show=False),
        Binding("delete", "discard", "Discard the draft", show=False),
        *(
            Binding(str(n), f"view('{v}')", f"View: {label}", show=False)
            for n, (v, label) in enumerate(VIEWS.items(), 1)
        ),
    ]
    #: A view to show next time the screen loads (set by "request deletion" from the inventory).
    pending_view: ClassVar[str | None] = None

    @dataclass
    class Loaded(Message):
        items: list[dict[str, Any]]

    @dataclass
    class DetailLoaded(Message):
        request_id: int
        item: dict[str, Any]
        preview: dict[str, Any] | None

    @dataclass
    class DryRun(Message):
        ids: list[int]
        result: dict[str, Any]

    @dataclass
    class Done(Message):
        text: str
        severity: str = "information"
        focus_id: int | None = None

    @dataclass
    class WebForm(Message):
        title: str
        values: dict[str, Any]

    def __init__(self) -> None:
        super().__init__()
        self.items: list[dict[str, Any]] = []
        self.by_id: dict[int, dict[str, Any]] = {}
        self.shown: list[int] = []
        self.selected: set[int] = set()
        self.loaded = False
        self._focus_next: int | None = None

    def compose_body(self) -> Iterable[Widget]:
        with Horizontal(id="req-filter", classes="filter-bar"):
            yield Static("", id="req-counts")
            yield Select([(label, key) for key, label in VIEWS.items()], value="all", allow_blank=False,
                         id="req-view", compact=True)  # fmt: skip
        with Container(id="req-body", classes="master-detail"):
            yield DataTable(id="req-table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="req-detail", classes="detail"):
                yield Static("", id="req-detail-text")
            yield Static(EMPTY, id="req-empty", classes="empty")
        yield Static(HINT, id="req-hint", classes="hint")

    def on_mount(self) -> None:
        table = self.query_one("#req-table", DataTable)
        for key, label, width in COLUMNS:
            table.add_column(label, key=key, width=width)
        self.query_one("#req-empty").display = False
        self.query_one("#req-detail").border_title = "What goes out"
        table.focus()

    # -- loading ------------------------------------------------------------------------------

    def now(self) -> datetime | None:
        return app_now(self.xapp)

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="requests")
    def _load(self) -> None:
        from exposure.services.requests import list_requests

        self.post_message(self.Loaded(list_requests(self.xapp.db(), now=self.now())))

    def on_requests_screen_loaded(self, message: Loaded) -> None:
        self.items = ordered(message.items)
        self.by_id = {item["id"]: item for item in self.items}
        self.selected &= set(self.by_id)
        self.loaded = True
        view = self.query_one("#req-view", Select)
        if RequestsScreen.pending_view:
            view.value = RequestsScreen.pending_view
            RequestsScreen.pending_view = None
        focus, self._focus_next = self._focus_next, None
        if focus is not None and focus in self.by_id and not in_view(self.by_id[focus], self.view()):
            view.value = "all"
        self.refill(focus)

    def view(self) -> str:
        value = self.query_one("#req-view", Select).value
        return str(value) if isinstance(value, str) else "all"

    def refill(self, focus_id: int | None = None) -> None:
        table = self.query_one("#req-table", DataTable)
        current = focus_id if focus_id is not None else self.current_id()
        view = self.view()
        rows = [item for item in self.items if in_view(item, view)]
        self.shown = [item["id"] for item in rows]
        table.clear()
        for item in rows:
            status = "overdue" if item["overdue"] else item["status"]
            table.add_row(
                "●" if item["id"] in self.selected else " ",
                Text(status.replace("_", " "), style=STATUS_STYLE.get(status, "")),
                Text(label_of(item)),
                item["right"].replace("_", " "),
                item["channel"].replace("_", " "),
                due_text(item),
                key=str(item["id"]),
            )
        if current in self.shown:
            table.move_cursor(row=self.shown.index(current))
        empty = self.query_one("#req-empty", Static)
        if not rows:
            empty.update(
                EMPTY if not self.items else f"Nothing in “{VIEWS[view]}”. Press 1 to see all requests."
            )
            self.query_one("#req-detail-text", Static).update("")
        empty.display = not rows
        table.display = bool(rows)
        self.query_one("#req-detail").display = bool(rows)
        self.query_one("#req-hint").display = bool(self.items)
        self.query_one("#req-filter").display = bool(self.items)
        overdue = sum(1 for item in self.items if item["overdue"])
        self.sub_title = (
            f"{len(self.items)} requests"
            + (f" · {overdue} overdue" if overdue else "")
            + (f" · {len(self.selected)} selected" if self.selected else "")
        )
        counts = {v: sum(1 for i in self.items if in_view(i, v)) for v in VIEWS if v != "all"}
        self.query_one("#req-counts", Static).update(
            Text(
                f"{counts['queue']} draft{'s' if counts['queue'] != 1 else ''} · {counts['sent']} waiting · "
                f"{counts['needs']} need{'s' if counts['needs'] == 1 else ''} you · {counts['done']} done"
            )
        )
        if rows and self.focused is None:
            table.focus()
        if rows:
            self._load_detail(
                self.shown[table.cursor_row] if 0 <= table.cursor_row < len(rows) else self.shown[0]
            )

    @on(Select.Changed, "#req-view")
    def _view_changed(self) -> None:
        if self.loaded:
            self.refill()

    def action_view(self, view: str) -> None:
        self.query_one("#req-view", Select).value = view

    def current_id(self) -> int | None:
        table = self.query_one("#req-table", DataTable)
        if not self.shown or not 0 <= table.cursor_row < len(self.shown):
            return None
        return self.shown[table.cursor_row]

    # -- detail -------------------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#req-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self._load_detail(int(event.row_key.value))

    @work(thread=True, exclusive=True, exit_on_error=False, group="requests-detail")
    def _load_detail(self, request_id: int) -> None:
        from exposure.core.errors import NotFound
        from exposure.services.requests import get_request, preview

        conn = self.xapp.db()
        try:
            item = get_request(conn, request_id, now=self.now())
        except NotFound:
            return
        shown = preview(conn, request_id, now=self.now()) if item["status"] == "draft" else None
        self.post_message(self.DetailLoaded(request_id, item, shown))

    def on_requests_screen_detail_loaded(self, message: DetailLoaded) -> None:
        if message.request_id != self.current_id():
            return
        self.query_one("#req-detail-text", Static).update(detail_text(message.item, message.preview))
        self.query_one("#req-detail", VerticalScroll).scroll_home(animate=False)

    # -- selection ------------------------------------------------------------------------------

    def targets(self) -> list[int]:
        if self.selected:
            return [i for i in self.shown if i in self.selected] or sorted(self.selected)
        current = self.current_id()
        return [current] if current is not None else []

    def action_toggle_select(self) -> None:
        request_id = self.current_id()
        if request_id is None:
            return
        self.selected.symmetric_difference_update({request_id})
        index = self.shown.index(request_id)
        self.refill(self.shown[min(index + 1, len(self.shown) - 1)])

    def action_select_all(self) -> None:
        if set(self.shown) <= self.selected:
            self.selected -= set(self.shown)
        else:
            self.selected |= set(self.shown)
        self.refill()

    def _one(self) -> dict[str, Any] | None:
        request_id = self.current_id()
        return self.by_id.get(request_id) if request_id is not None else None

    # -- writes ---------------------------------------------------------------------------------

    @work(thread=True, exit_on_error=False, group="requests-write")
    def _write(self, job: Callable[[sqlite3.Connection], tuple[str, int | None]]) -> None:
        text, focus = job(self.xapp.db())
        self.post_message(self.Done(text, focus_id=focus))

    def on_requests_screen_done(self, message: Done) -> None:
        self.notify(message.text, severity=message.severity, timeout=6)  # type: ignore[arg-type]
        self.changed()
        self.reload_keep(message.focus_id)

    def reload_keep(self, focus_id: int | None) -> None:
        """Reload, then put the cursor on ``focus_id`` (showing all requests if its view hides it)."""
        self._focus_next = focus_id
        self._load()

    # send ---------------------------------------------------------------------------------

    def action_send(self) -> None:
        ids = [i for i in self.targets() if self.by_id[i]["status"] == "draft"]
        if not ids:
            self.notify("Only drafts can be sent: select drafts (view 2) and press S", severity="warning")
            return
        self._dry_run(ids)

    @work(thread=True, exclusive=True, exit_on_error=False, group="requests-send")
    def _dry_run(self, ids: list[int]) -> None:
        from exposure.services.requests import send_requests

        self.post_message(self.DryRun(ids, send_requests(self.xapp.db(), ids, dry_run=True, now=self.now())))

    def on_requests_screen_dry_run(self, message: DryRun) -> None:
        result = message.result
        ready = [item["id"] for item in result["dry_run"]]
        if not ready:
            errors = "; ".join(f"#{f['id']}: {f['error']}" for f in result["failed"])
            self.notify(f"Nothing can be sent: {errors}", severity="error", timeout=10)
            return
        if result["server"].startswith("(no usable SMTP server"):
            self.notify(
                "Set up sending first: Settings (,) smtp.host, smtp.user and the password with "
                "`exposure secrets set smtp`; or export the request (x) and send it yourself.",
                severity="warning",
                timeout=10,
            )
        title = f"Send {len(ready)} request{'s' if len(ready) != 1 else ''} by email?"

        def answered(go: bool | None) -> None:
            if go:
                self.notify(f"Contacting {result['server']}…")
                self._send(ready)

        from exposure.tui.screens.requests_dialogs import ConfirmSend

        self.app.push_screen(ConfirmSend(title, dry_run_text(result), f"Send {len(ready)}"), answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="requests-send")
    def _send(self, ids: list[int]) -> None:
        from exposure.services.requests import send_requests

        result = send_requests(self.xapp.db(), ids, now=self.now())
        sent, failed = result["sent"], result["failed"]
        parts = []
        if sent:
            parts.append(
                f"Sent {len(sent)}: "
                + ", ".join(f"{s['organization']} (due {s['due'] or '-'})" for s in sent[:3])
            )
        if failed:
            parts.append(
                f"{len(failed)} not sent: " + "; ".join(f"#{f['id']} {f['error']}" for f in failed[:2])
            )
        self.post_message(
            self.Done(" · ".join(parts), severity="error" if failed else "information", focus_id=ids[0])
        )

    # export ---------------------------------------------------------------------------------

    def action_export(self) -> None:
        item = self._one()
        if item is None:
            return
        from exposure.tui.screens.requests_dialogs import ExportChoice, ExportDialog

        base = f"request-{item['id']}-{item['org_slug'].replace(':', '-')}"
        names = {"pdf": f"{base}.pdf", "eml": f"{base}.eml", "txt": f"{base}.txt",
                 "webform": f"{base}.checklist.txt", "mailto": f"{base}.mailto.txt"}  # fmt: skip

        def chosen(choice: ExportChoice | None) -> None:
            if choice is not None:
                self._export(item["id"], choice.format, choice.path)

        self.app.push_screen(ExportDialog(item["id"], names, Path.cwd()), chosen)

    @work(thread=True, exit_on_error=False, group="requests-write")
    def _export(self, request_id: int, fmt: str, path: Path) -> None:
        from exposure.core.errors import ExposureError
        from exposure.paths import write_private
        from exposure.services.requests import export_request

        result = export_request(self.xapp.db(), request_id, fmt, now=self.now())
        try:
            write_private(path, result.data)
        except OSError as exc:
            raise ExposureError(f"cannot write {path}: {exc.strerror or type(exc).__name__}") from None
        note = f" ({result.note})" if result.note else ""
        self.post_message(
            self.Done(f"Wrote {path}{note}. Once sent, press m to mark it sent.", focus_id=request_id)
        )

    # web form ---------------------------------------------------------------------------------

    def action_web_form(self) -> None:
        item = self._one()
        if item is not None:
            self._web_form(item["id"], f"Web form: {item['recipient']}")

    @work(thread=True, exit_on_error=False, group="requests-form")
    def _web_form(self, request_id: int, title: str) -> None:
        from exposure.services.requests import webform_values

        self.post_message(self.WebForm(title, webform_values(self.xapp.db(), request_id)))

    def on_requests_screen_web_form(self, message: WebForm) -> None:
        from exposure.tui.screens.requests_dialogs import WebFormDialog

        self.app.push_screen(WebFormDialog(message.title, message.values))

    def action_open_form(self) -> None:
        self.action_web_form()

    # mark / reply -----------------------------------------------------------------------------

    def action_mark(self) -> None:
        item = self._one()
        if item is None:
            return
        from exposure.services.requests import TRANSITIONS
        from exposure.tui.screens.requests_dialogs import MarkChoice, MarkDialog

        choices = list(TRANSITIONS.get(item["status"], ()))
        if item["status"] in ("sent", "acknowledged") and not item["extended"] and item["law"]:
            choices.append("extension")
        if not choices:
            self.notify(
                f"Request {item['id']} is {item['status']}: nothing more to record", severity="warning"
            )
            return

        def chosen(choice: MarkChoice | None) -> None:
            if choice is not None:
                self._mark(item["id"], choice.status, choice.note)

        self.app.push_screen(MarkDialog(item["id"], choices), chosen)

    def _mark(self, request_id: int, status: str, note: str | None) -> None:
        def job(conn: sqlite3.Connection) -> tuple[str, int | None]:
            from exposure.services.requests import mark_status, record_reply

            if status == "extension":
                item = record_reply(conn, request_id, note=note, extension=True, now=self.now())
                return f"Extension recorded: request {request_id} is now due {item['due']}", request_id
            item = mark_status(conn, request_id, status, note=note, now=self.now())
            due = f"; answer due {item['due']}" if status == "sent" and item["due"] else ""
            return f"Request {request_id}: {status.replace('_', ' ')}{due}", request_id

        self._write(job)

    # follow-up, complaint, edit, discard --------------------------------------------------------

    def action_follow_up(self) -> None:
        item = self._one()
        if item is None:
            return

        def job(conn: sqlite3.Connection) -> tuple[str, int | None]:
            from exposure.services.requests import follow_up

            draft = follow_up(conn, item["id"], now=self.now())
            return (
                f"Drafted reminder #{draft['id']} to {draft['recipient']}: check it, then S sends it",
                draft["id"],
            )

        self._write(job)

    def action_complain(self) -> None:
        item = self._one()
        if item is None:
            return

        def job(conn: sqlite3.Connection) -> tuple[str, int | None]:
            from exposure.services.requests import complain

            draft = complain(conn, item["id"], now=self.now())
            how = {
                "web_form": "w shows the form values",
                "email": "S sends it",
                "letter": "x exports the letter",
            }
            return (
                f"Drafted complaint #{draft['id']} to {draft['regulator']}: {how.get(draft['channel'], 'x exports it')}",
                draft["id"],
            )

        self._write(job)

    def action_edit(self) -> None:
        item = self._one()
        if item is None:
            return
        if item["status"] != "draft":
            self.notify("Only drafts can be edited", severity="warning")
            return
        from exposure.tui.screens.requests_dialogs import EditDialog, Edited

        def saved(edited: Edited | None) -> None:
            if edited is None:
                return

            def job(conn: sqlite3.Connection) -> tuple[str, int | None]:
                from exposure.services.requests import edit_request, unfilled_placeholders_in

                changed = edit_request(conn, item["id"], to=edited.to, subject=edited.subject, body=edited.body,
                                       now=self.now())  # fmt: skip
                left = unfilled_placeholders_in(changed)
                warn = f"; fill in {', '.join(left)} before sending" if left else ""
                return f"Request {item['id']} saved{warn}", item["id"]

            self._write(job)

        self.app.push_screen(EditDialog(item), saved)

    def action_discard(self) -> None:
        item = self._one()
        if item is None or item["status"] != "draft":
            self.notify("Only drafts can be discarded", severity="warning")
            return
        from exposure.tui.screens.requests_dialogs import ConfirmSend

        def answered(go: bool | None) -> None:
            if not go:
                return

            def job(conn: sqlite3.Connection) -> tuple[str, int | None]:
                from exposure.services.requests import discard_request

                discard_request(conn, item["id"])
                return f"Discarded draft {item['id']}", None

            self._write(job)

        body = Text(f"Delete the draft to {item['recipient']} ({item['subject']})? Nothing was sent.")
        self.app.push_screen(ConfirmSend(f"Discard draft {item['id']}?", body, "Discard"), answered)


# --------------------------------------------------------------------------- from the inventory


def request_deletion(app: ExposureApp, org_ids: list[int]) -> None:
    """Draft erasure requests for inventory rows (nothing is sent), then show them in the queue."""

    def drafting() -> None:
        from exposure.services.requests import draft_requests

        result = draft_requests(app.db(), [str(i) for i in org_ids], "erasure", now=app_now(app))
        app.call_from_thread(_drafted, app, result)

    app.run_worker(
        drafting, thread=True, exit_on_error=False, group="requests-draft", name="request deletion"
    )


def _drafted(app: ExposureApp, result: dict[str, Any]) -> None:
    made, skipped = result["requests"], result["skipped"]
    text = f"Drafted {len(made)} erasure request{'s' if len(made) != 1 else ''}"
    if skipped:
        text += (
            f"; {len(skipped)} already had one (" + ", ".join(s["organization"] for s in skipped[:3]) + ")"
        )
    app.notify(text + ". Nothing is sent until you press S in Requests.", timeout=8)
    for notice in result["notices"]:
        app.notify(notice, title="California: DROP", timeout=20)
    RequestsScreen.pending_view = "queue" if made else "all"
    app.data_changed()
    app.action_go("requests")
