"""Breaches: which of your emails were in which breach, and which of your organizations were breached.

Opened from Sources ("Check breaches"). Two views of what is stored locally: by email (each
breach an email was found in) and by organization (each inventory row with a breach, confirmed
by an email or only by the breach's domain). Two network actions, each confirmed first and
naming the host: check the emails (needs an API key) and download the free breach list (no key).
Both run in a thread worker with a progress panel that can cancel.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, DataTable, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from exposure.core.progress import CancelToken, Progress
from exposure.tui.format import day, org_detail, plural
from exposure.tui.screens.base import ExposureScreen
from exposure.tui.widgets.progress import ProgressPanel

NET_GROUP = "breaches-net"

EMPTY_EMAILS = (
    "No email has been checked yet.\n\n"
    "c  Check my emails: asks Have I Been Pwned which breaches your profile's email addresses are in "
    "(needs an API key: haveibeenpwned.com/API/Key, then `exposure secrets set hibp`).\n"
    "l  Download the breach list: free, no key, nothing about you is sent; shows which organizations "
    "in your inventory were breached."
)
EMPTY_ORGS = (
    "No organization in your inventory is known to have been breached.\n\n"
    "Check your emails (c) or download the free breach list (l) to find out. Organizations come from "
    "your sources (s): imports, mail scans and breach checks."
)


@dataclass
class BreachState:
    """What the screen shows, loaded in a worker."""

    host: str
    has_key: bool
    key_problem: str | None
    emails: list[str]
    list_status: dict[str, Any]
    by_email: list[dict[str, Any]]
    by_org: list[dict[str, Any]]


def load_state(conn: Any) -> BreachState:
    """Everything the screen needs, from the store and the keyring (no network)."""
    from exposure.core.errors import SecretError
    from exposure.services import breaches as svc

    problem = None
    try:
        has_key = bool(svc.get_api_key())
    except SecretError as exc:
        has_key, problem = False, str(exc)
    return BreachState(
        host=svc.api_host(conn),
        has_key=has_key,
        key_problem=problem,
        emails=svc.profile_emails(conn),
        list_status=svc.breach_list_status(conn),
        by_email=svc.stored_breaches(conn),
        by_org=svc.match_breach_list_to_inventory(conn),
    )


def status_text(state: BreachState) -> Text:
    text = Text()
    text.append("API key: ", style="bold")
    if state.has_key:
        text.append("stored", style="green")
    else:
        text.append(state.key_problem or "none (c needs one; l works without)", style="yellow")
    text.append(" · ")
    text.append("Emails: ", style="bold")
    text.append(
        plural(len(state.emails), "in your profile", "in your profile") if state.emails else "none in profile"
    )
    text.append(" · ")
    text.append("Breach list: ", style="bold")
    status = state.list_status
    if status["downloaded_at"]:
        text.append(f"{day(status['downloaded_at'])} ({status['breaches']:,} breaches)")
    else:
        text.append("not downloaded")
    return text


def breach_text(breach: dict[str, Any], *, emails: list[str] | None = None) -> Text:
    """One breach as plain text (HIBP's description is already plain; never parsed as markup)."""
    text = Text()
    text.append(breach["title"], style="bold")
    if breach.get("date"):
        text.append(f"  breached {breach['date']}")
    if breach.get("domain"):
        text.append(f"  {breach['domain']}", style="italic")
    text.append("\n")
    if breach.get("data_classes"):
        text.append("Leaked: ", style="bold")
        text.append(", ".join(breach["data_classes"]) + "\n", style="yellow")
    if breach.get("pwn_count"):
        text.append(f"{breach['pwn_count']:,} accounts\n", style="dim")
    flags = breach.get("flags") or {}
    notes = [
        label
        for flag, label in (
            ("fabricated", "HIBP says this breach may be fabricated"),
            ("spam_list", "a spam list"),
            ("sensitive", "sensitive"),
            ("retired", "retired"),
            ("malware", "from malware"),
        )
        if flags.get(flag)
    ]
    if flags.get("verified") is False:
        notes.append("unverified")
    if notes:
        text.append("Note: " + "; ".join(notes) + "\n", style="dim")
    if emails is not None:
        if emails:
            text.append("Your emails in it: ", style="bold")
            text.append(", ".join(emails) + "\n", style="bold red")
        else:
            text.append(
                "Matched by domain: you have an account there; whether your email was in this breach "
                "is not checked (c checks it).\n",
                style="dim",
            )
    if breach.get("description"):
        text.append(breach["description"] + "\n")
    return text


class ConfirmScreen(ModalScreen[bool]):
    """Says exactly what an outgoing action will send, and asks once."""

    DEFAULT_CSS = """
    ConfirmScreen #confirm-buttons { height: 1; margin-top: 1; }
    ConfirmScreen #confirm-buttons Button { margin-right: 2; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "dismiss(False)", "Cancel"),
        Binding("y", "dismiss(True)", "Go ahead"),
    ]

    def __init__(self, title: str, body: str, go: str) -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.go = go

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box") as box:
            box.border_title = self.title_text
            box.border_subtitle = "y go ahead · esc cancel"
            with VerticalScroll():
                yield Static(Text(self.body), id="confirm-body")
            with Horizontal(id="confirm-buttons"):
                yield Button(self.go, id="confirm-go", variant="primary", compact=True)
                yield Button("Cancel", id="confirm-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#confirm-go", Button).focus()

    @on(Button.Pressed, "#confirm-go")
    def _go(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-cancel")
    def _cancel(self) -> None:
        self.dismiss(False)


class BreachesScreen(ExposureScreen):
    HELP = (
        "Breaches of your email addresses (Have I Been Pwned) and of the organizations in your inventory. "
        "By email: each breach an email was found in. By organization: each inventory row that was breached, "
        "confirmed by your email or matched by its domain. c checks your profile's emails (sends them to "
        "haveibeenpwned.com; needs an API key); l downloads the free breach list (sends nothing about you). "
        "Both ask first."
    )
    DEFAULT_CSS = """
    BreachesScreen #br-actions { height: 1; margin: 0 0 0 0; }
    BreachesScreen #br-actions Button { margin-left: 1; }
    BreachesScreen #br-status { height: auto; padding: 0 1; color: $text-muted; }
    BreachesScreen TabbedContent { height: 1fr; }
    BreachesScreen TabPane { padding: 0; height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "check", "Check my emails"),
        Binding("l", "download_list", "Download breach list"),
        Binding("e", "show_tab('br-tab-email')", "By email", show=False),
        Binding("o", "show_tab('br-tab-org')", "By organization", show=False),
        Binding("escape", "back", "Back"),
    ]

    @dataclass
    class Loaded(Message):
        state: BreachState

    @dataclass
    class OrgLoaded(Message):
        key: str
        org: dict[str, Any]
        findings: list[dict[str, Any]]
        row: dict[str, Any]

    @dataclass
    class Finished(Message):
        summary: str

    def __init__(self) -> None:
        super().__init__()
        self.state: BreachState | None = None
        self.email_rows: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
        self.org_rows: dict[str, dict[str, Any]] = {}
        self.panel: ProgressPanel | None = None

    def compose_body(self) -> Iterable[Widget]:
        with Horizontal(id="br-actions"):
            yield Button("Check my emails (c)", id="br-check", compact=True)
            yield Button("Download breach list (l)", id="br-list", compact=True)
        yield Static("", id="br-status")
        with TabbedContent(id="br-tabs", initial="br-tab-email"):
            with TabPane("By email (e)", id="br-tab-email"):
                with Container(classes="master-detail"):
                    yield DataTable(id="br-email-table", cursor_type="row", zebra_stripes=True)
                    with VerticalScroll(id="br-email-detail", classes="detail"):
                        yield Static("", id="br-email-text")
                    yield Static(EMPTY_EMAILS, id="br-email-empty", classes="empty")
            with TabPane("By organization (o)", id="br-tab-org"):
                with Container(classes="master-detail"):
                    yield DataTable(id="br-org-table", cursor_type="row", zebra_stripes=True)
                    with VerticalScroll(id="br-org-detail", classes="detail"):
                        yield Static("", id="br-org-text")
                    yield Static(EMPTY_ORGS, id="br-org-empty", classes="empty")

    def on_mount(self) -> None:
        self.sub_title = "Breaches"
        emails = self.query_one("#br-email-table", DataTable)
        emails.add_column("Email", key="email", width=22)
        emails.add_column("Breach", key="breach", width=18)
        emails.add_column("Date", key="date", width=10)
        emails.add_column("Organization", key="org", width=18)
        orgs = self.query_one("#br-org-table", DataTable)
        orgs.add_column("Organization", key="org", width=22)
        orgs.add_column("Breaches", key="breaches", width=22)
        orgs.add_column("Latest", key="date", width=10)
        orgs.add_column("Your emails", key="mine", width=12)
        for part in ("email", "org"):
            self.query_one(f"#br-{part}-detail").border_title = "Detail"
            self.query_one(f"#br-{part}-detail").display = False
            self.query_one(f"#br-{part}-table").display = False
        emails.focus()

    # -- loading ------------------------------------------------------------------------------

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="breaches-load")
    def _load(self) -> None:
        self.post_message(self.Loaded(load_state(self.xapp.db())))

    def on_breaches_screen_loaded(self, message: Loaded) -> None:
        self.state = state = message.state
        self.query_one("#br-status", Static).update(status_text(state))
        self._fill_emails(state)
        self._fill_orgs(state)
        confirmed = sum(len(e["breaches"]) for e in state.by_email)
        self.sub_title = (
            f"Breaches · {plural(confirmed, 'breach', 'breaches')} of your emails · "
            f"{plural(len(state.by_org), 'organization')} breached"
        )

    def _fill_emails(self, state: BreachState) -> None:
        table = self.query_one("#br-email-table", DataTable)
        table.clear()
        self.email_rows.clear()
        for entry in state.by_email:
            if not entry["breaches"]:
                key = f"{entry['email']}|"
                self.email_rows[key] = (entry, {})
                table.add_row(entry["email"], Text("in no known breach", style="green"), day(entry["checked_at"]), "",
                              key=key)  # fmt: skip
            for breach in entry["breaches"]:
                key = f"{entry['email']}|{breach['name']}"
                self.email_rows[key] = (entry, breach)
                table.add_row(
                    entry["email"],
                    breach["title"],
                    breach["date"] or "",
                    breach["organization"] or "—",
                    key=key,
                )
        has_rows = bool(self.email_rows)
        table.display = has_rows
        self.query_one("#br-email-detail").display = has_rows
        self.query_one("#br-email-empty").display = not has_rows
        if has_rows:
            self._show_email_detail(next(iter(self.email_rows)))

    def _fill_orgs(self, state: BreachState) -> None:
        table = self.query_one("#br-org-table", DataTable)
        table.clear()
        self.org_rows.clear()
        for org in state.by_org:
            key = str(org["id"])
            self.org_rows[key] = org
            mine = sorted({e for b in org["breaches"] for e in b["confirmed"]})
            table.add_row(
                org["name"],
                ", ".join(b["title"] for b in org["breaches"]),
                org["breaches"][0]["date"] or "",
                Text(plural(len(mine), "email"), style="bold red")
                if mine
                else Text("by domain", style="dim"),
                key=key,
            )
        has_rows = bool(self.org_rows)
        table.display = has_rows
        self.query_one("#br-org-detail").display = has_rows
        self.query_one("#br-org-empty").display = not has_rows
        if has_rows:
            self._load_org(next(iter(self.org_rows)), self.org_rows[next(iter(self.org_rows))]["id"])

    # -- detail -------------------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#br-email-table")
    def _email_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self._show_email_detail(event.row_key.value)

    def _show_email_detail(self, key: str) -> None:
        entry, breach = self.email_rows[key]
        if not breach:
            text = Text(f"{entry['email']}\n", style="bold")
            text.append(f"Checked {day(entry['checked_at'])}: in no known breach.\n", style="green")
            self.query_one("#br-email-text", Static).update(text)
            return
        text = Text(f"{entry['email']}\n", style="bold")
        text.append_text(breach_text(breach))
        self.query_one("#br-email-text", Static).update(text)
        if breach.get("organization_id") is not None:
            self._load_org(key, breach["organization_id"])
        else:
            text.append("\nNo organization: this breach names no website, so it is not in your inventory.\n",
                        style="dim")  # fmt: skip
            self.query_one("#br-email-text", Static).update(text)

    @on(DataTable.RowHighlighted, "#br-org-table")
    def _org_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None and event.row_key.value in self.org_rows:
            self._load_org(event.row_key.value, self.org_rows[event.row_key.value]["id"])

    @work(thread=True, exit_on_error=False, group="breaches-detail")
    def _load_org(self, key: str, org_id: int) -> None:
        from exposure.services.breaches import organization_detail

        detail = organization_detail(self.xapp.db(), org_id)
        self.post_message(self.OrgLoaded(key, detail["organization"], detail["findings"], detail["row"]))

    def on_breaches_screen_org_loaded(self, message: OrgLoaded) -> None:
        row = message.row
        if message.key in self.org_rows:
            if self._cursor_key("#br-org-table") not in (None, message.key):
                return
            org = self.org_rows[message.key]
            text = Text()
            for breach in org["breaches"]:
                text.append_text(breach_text(breach, emails=breach["confirmed"]))
                text.append("\n")
            text.append("Your inventory row\n", style="bold underline")
            text.append_text(org_detail(message.org, message.findings, row))
            self.query_one("#br-org-text", Static).update(text)
            return
        if message.key in self.email_rows:
            if self._cursor_key("#br-email-table") not in (None, message.key):
                return
            entry, breach = self.email_rows[message.key]
            text = Text(f"{entry['email']}\n", style="bold")
            text.append_text(breach_text(breach))
            text.append("\nYour inventory row\n", style="bold underline")
            text.append_text(org_detail(message.org, message.findings, row))
            self.query_one("#br-email-text", Static).update(text)

    def _cursor_key(self, table_id: str) -> str | None:
        table = self.query_one(table_id, DataTable)
        if table.row_count == 0:
            return None
        try:
            return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except Exception:
            return None

    # -- actions ------------------------------------------------------------------------------

    def action_back(self) -> None:
        if self.panel is not None and not self.panel.finished:
            self.panel.cancel_token.cancel()
            self.notify("Cancelling…")
            return
        self.app.pop_screen()

    def action_show_tab(self, tab: str) -> None:
        self.query_one("#br-tabs", TabbedContent).active = tab
        self.query_one("#br-email-table" if tab == "br-tab-email" else "#br-org-table", DataTable).focus()

    @on(Button.Pressed, "#br-check")
    def _check_pressed(self) -> None:
        self.action_check()

    @on(Button.Pressed, "#br-list")
    def _list_pressed(self) -> None:
        self.action_download_list()

    def _busy(self) -> bool:
        if self.panel is not None and not self.panel.finished:
            self.notify("A breach check is already running", severity="warning")
            return True
        return False

    def action_check(self) -> None:
        state = self.state
        if state is None or self._busy():
            return
        if not state.has_key:
            from exposure.services.breaches import no_key_advice

            self.notify(state.key_problem or no_key_advice(), severity="warning", timeout=12)
            return
        if not state.emails:
            self.notify("No email in your profile: add one in Profile (p) first", severity="warning")
            return
        body = (
            f"These {plural(len(state.emails), 'email address', 'email addresses')} will be sent to "
            f"{state.host}, one request each, paced to your key's rate limit:\n\n"
            + "\n".join(f"  {e}" for e in state.emails)
            + "\n\nEach breach found is added to your inventory as a finding on the breached organization. "
            "Nothing else is sent."
        )
        self.app.push_screen(ConfirmScreen(f"Contact {state.host}?", body, "Check"), self._confirmed_check)

    def _confirmed_check(self, go: bool | None) -> None:
        if go and self.state is not None:
            self._start_panel(f"Contacting {self.state.host}…", unit="emails")
            assert self.panel is not None
            self._run_check(self.panel.progress, self.panel.cancel_token)

    def action_download_list(self) -> None:
        state = self.state
        if state is None or self._busy():
            return
        body = (
            f"The free list of every known breach (about 1 MB) will be downloaded from {state.host}. "
            "Nothing about you is sent. It is kept on this computer with its date and matched to your "
            "inventory by domain."
        )
        self.app.push_screen(ConfirmScreen(f"Contact {state.host}?", body, "Download"), self._confirmed_list)

    def _confirmed_list(self, go: bool | None) -> None:
        if go and self.state is not None:
            self._start_panel(f"Contacting {self.state.host}…", unit="lists")
            assert self.panel is not None
            self._run_list(self.panel.progress, self.panel.cancel_token)

    def _start_panel(self, text: str, *, unit: str) -> None:
        if self.panel is not None:
            self.panel.remove()
        self.notify(text)
        self.panel = ProgressPanel(unit=unit, id="br-progress")
        self.mount(self.panel, before=self.query_one("#br-tabs"))

    @work(thread=True, exclusive=True, exit_on_error=False, group=NET_GROUP)
    def _run_check(self, progress: Progress, cancel: CancelToken) -> None:
        from exposure.services.breaches import check_breaches

        result = check_breaches(self.xapp.db(), progress=progress, cancel=cancel)
        found = sum(len(e["breaches"]) for e in result.emails)
        summary = (
            f"Checked {plural(len(result.emails), 'email')}: {plural(found, 'breach', 'breaches')} found, "
            f"{plural(result.ingest.new_findings, 'new finding')} in your inventory"
        )
        self.post_message(self.Finished(summary))

    @work(thread=True, exclusive=True, exit_on_error=False, group=NET_GROUP)
    def _run_list(self, progress: Progress, cancel: CancelToken) -> None:
        from exposure.services.breaches import download_breach_list, match_breach_list_to_inventory

        conn = self.xapp.db()
        got = download_breach_list(conn, progress=progress, cancel=cancel)
        matched = len(match_breach_list_to_inventory(conn))
        self.post_message(
            self.Finished(
                f"Breach list downloaded ({got['breaches']:,} breaches): "
                f"{plural(matched, 'organization')} in your inventory breached"
            )
        )

    def on_breaches_screen_finished(self, message: Finished) -> None:
        self.notify(message.summary, timeout=8)
        if self.panel is not None:
            self.panel.remove()
            self.panel = None
        self.changed()
        self.reload()
        if "breach list" in message.summary.casefold():
            self.action_show_tab("br-tab-org")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Worker events do not bubble to the app: report failures of this screen's workers here.
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.xapp.report_error(event.worker.error)
            if event.worker.group == NET_GROUP and self.panel is not None:
                self.panel.remove()
                self.panel = None
