"""Scan mail: an archive on this computer (``ScanScreen``) or a mailbox over IMAP (``ImapScreen``).

Opened from Sources (``m`` and ``l``). The scan runs in a thread worker
(:func:`exposure.services.scan_mail.scan_paths` / ``scan_imap``) with a progress panel: bar,
MB/s (archives) or messages/s (IMAP), ETA, and a line with the messages read and their rate; Cancel
keeps what was read. The summary lists the organizations that write to you, what their mail shows
(account, purchase, marketing, mail you sent them), and what could not be read.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, DirectoryTree, Input, Select, Static
from textual.worker import Worker, WorkerState

from exposure.core.progress import CancelToken, Progress
from exposure.tui.format import plural
from exposure.tui.screens.base import ExposureScreen
from exposure.tui.widgets.progress import ProgressPanel

GROUP = "scan-mail"

INTRO = (
    "Choose mail to scan: an mbox file (Google Takeout, Thunderbird), a Maildir folder, a folder of "
    ".eml files, or a Takeout .zip/.tgz. Only headers are read (sender, date, subject), never the "
    "messages themselves, and nothing leaves this computer."
)
IMAP_INTRO = (
    "Read the headers of the mail in your mailbox over IMAP. Read-only: nothing is marked as read, "
    "moved or deleted. The password is kept in your system keyring; later scans read only new mail. "
    "Gmail and Outlook.com need an app password or an OAuth2 token (`exposure secrets set imap_token`)."
)


def summary_text(result: dict[str, Any], *, limit: int = 12) -> Text:
    """What a scan found, for people."""
    text = Text()
    orgs = [s for s in result["senders"] if s["organization"]]
    people = [s for s in result["senders"] if not s["organization"]]
    rate = ""
    if result.get("seconds") and result["messages"]:
        rate = f" in {result['seconds']:.1f} s ({result['messages'] / result['seconds']:,.0f}/s)"
    text.append(f"{plural(result['messages'], 'message')} read{rate}", style="bold")
    if result.get("total_messages") is not None and result["total_messages"] != result["messages"]:
        text.append(f", {result['total_messages']:,} in all so far")
    text.append("\n")
    text.append(
        f"{plural(len(orgs), 'organization')} write to you: {result['new_organizations']:,} new to your "
        f"inventory. {plural(len(people), 'sender domain')} are free-mail or your own (people, not "
        f"organizations); {result['skipped']:,} messages had no usable sender.\n"
    )
    for sender in orgs[:limit]:
        kinds = ", ".join(sender["kinds"]) or "mail"
        seen = (sender["last_seen"] or "")[:10]
        count = f"{sender['messages']:,} msg" + (f", {sender['sent']:,} sent" if sender["sent"] else "")
        text.append(f"  {sender['organization']}", style="bold")
        text.append(f"  {sender['domain']} · {count} · {kinds}" + (f" · last {seen}" if seen else "") + "\n")
    if len(orgs) > limit:
        text.append(f"  … and {len(orgs) - limit:,} more: see them in your inventory (i)\n", style="dim")
    if result.get("cancelled"):
        text.append("Cancelled: what was read before is kept.\n", style="yellow")
    errors = [e for e in result["errors"] if not e["message"].startswith("cancelled")]
    if errors:
        text.append(f"{plural(len(errors), 'problem')}:\n", style="yellow")
        for error in errors[:8]:
            text.append(f"  {error['where']}: {error['message']}\n", style="yellow")
        if len(errors) > 8:
            text.append(f"  … and {len(errors) - 8:,} more (`exposure scan mail --json` lists them)\n")
    return text


def rate_text(live: dict[str, float]) -> str:
    messages = int(live.get("messages", 0))
    started = live.get("started")
    if not messages or started is None:
        return ""
    elapsed = max(time.monotonic() - started, 1e-6)
    return f"{messages:,} messages · {messages / elapsed:,.0f} messages/s"


@dataclass
class ScanFinished(Message):
    """A scan ended (whole, cancelled or cut short): its result document."""

    result: dict[str, Any]


class _ScanBase(ExposureScreen):
    """The progress panel, the live message rate, the summary, worker errors and Back."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back")]

    def __init__(self) -> None:
        super().__init__()
        self.panel: ProgressPanel | None = None
        self.result: dict[str, Any] | None = None
        self.live: dict[str, float] = {}

    def summary_widgets(self) -> Iterable[Widget]:
        yield Static("", id="scan-rate")
        with VerticalScroll(id="scan-summary-box"):
            yield Static("", id="scan-summary")

    def on_mount(self) -> None:
        self.query_one("#scan-summary-box").display = False
        self.set_interval(0.25, self._tick)

    def _tick(self) -> None:
        if self.panel is not None and not self.panel.finished:
            self.query_one("#scan-rate", Static).update(rate_text(self.live))

    def begin(self, unit: str, after: Widget) -> ProgressPanel | None:
        if self.panel is not None and not self.panel.finished:
            self.notify("A scan is already running", severity="warning")
            return None
        if self.panel is not None:
            self.panel.remove()
        self.live = {}
        self.panel = ProgressPanel(unit=unit, id="scan-progress")
        self.mount(self.panel, after=after)
        self.query_one("#scan-go", Button).disabled = True
        return self.panel

    def on_scan_finished(self, message: ScanFinished) -> None:
        self.result = message.result
        self.query_one("#scan-go", Button).disabled = False
        self.query_one("#scan-rate", Static).update(rate_text(self.live))
        box = self.query_one("#scan-summary-box")
        box.display = True
        self.query_one("#scan-summary", Static).update(summary_text(message.result))
        result = message.result
        if result["messages"] == 0 and result["errors"]:
            first = result["errors"][0]
            self.notify(f"{first['where']}: {first['message']}", severity="error")
        else:
            orgs = sum(1 for s in result["senders"] if s["organization"])
            self.notify(
                f"Scanned {plural(result['messages'], 'message')}: {plural(orgs, 'organization')}, "
                f"{result['new_organizations']:,} new"
            )
        if result["findings"]:
            self.changed()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.xapp.report_error(event.worker.error)
            self.query_one("#scan-go", Button).disabled = False
            if self.panel is not None:
                self.panel.remove()
                self.panel = None

    def action_back(self) -> None:
        if self.panel is not None and not self.panel.finished:
            self.panel.cancel()
            self.notify("Cancelling… what was read so far is kept")
            return
        self.app.pop_screen()


class ScanScreen(_ScanBase):
    HELP = (
        "Scan a mail archive: type the path of an mbox file, a Maildir or .eml folder or a Takeout "
        ".zip/.tgz (or pick it in the tree) and press Enter. Only headers are read. Every company that "
        "writes to you joins your inventory with what its mail shows; free-mail senders are people and "
        "are left out. Rescanning the same archive replaces its counts."
    )
    DEFAULT_CSS = """
    ScanScreen #scan-intro, ImapScreen #scan-intro { height: auto; padding: 0 1; color: $text-muted; }
    ScanScreen #scan-row { height: 1; margin: 1 0 0 0; }
    ScanScreen #scan-path { width: 1fr; }
    ScanScreen #scan-go, ImapScreen #scan-go { margin-left: 1; }
    ScanScreen #scan-tree { height: 1fr; min-height: 5; border: round $primary 40%; }
    ScanScreen #scan-rate, ImapScreen #scan-rate { height: auto; padding: 0 1; color: $text-muted; }
    ScanScreen #scan-summary-box, ImapScreen #scan-summary-box { height: auto; max-height: 60%; }
    ScanScreen #scan-summary, ImapScreen #scan-summary { height: auto; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+t", "focus_tree", "Pick in tree"),
    ]

    def __init__(self, start: Path | None = None) -> None:
        super().__init__()
        self.start = start if start is not None else Path.home()

    def compose_body(self) -> Iterable[Widget]:
        yield Static(INTRO, id="scan-intro")
        with Horizontal(id="scan-row"):
            yield Input(
                placeholder="Path to an mbox, Maildir, .eml folder or Takeout archive",
                id="scan-path",
                compact=True,
            )
            yield Button("Scan", id="scan-go", variant="primary", compact=True)
        yield from self.summary_widgets()
        yield DirectoryTree(str(self.start), id="scan-tree")

    def on_mount(self) -> None:
        super().on_mount()
        self.sub_title = "Scan a mail archive"
        self.query_one("#scan-path", Input).focus()

    @on(DirectoryTree.FileSelected, "#scan-tree")
    @on(DirectoryTree.DirectorySelected, "#scan-tree")
    def _picked(self, event: DirectoryTree.FileSelected | DirectoryTree.DirectorySelected) -> None:
        field = self.query_one("#scan-path", Input)
        field.value = str(event.path)
        field.focus()

    def action_focus_tree(self) -> None:
        self.query_one("#scan-tree", DirectoryTree).focus()

    @on(Input.Submitted, "#scan-path")
    @on(Button.Pressed, "#scan-go")
    def _go(self) -> None:
        self.start_scan(self.query_one("#scan-path", Input).value)

    def start_scan(self, value: str) -> None:
        typed = self.typed_path(value, "a mail archive")
        if typed is None:
            return
        value = typed
        panel = self.begin("bytes", self.query_one("#scan-row"))
        if panel is not None:
            self._run(Path(value).expanduser(), panel.progress, panel.cancel_token)

    @work(thread=True, exclusive=True, exit_on_error=False, group=GROUP)
    def _run(self, path: Path, progress: Progress, cancel: CancelToken) -> None:
        from exposure.services.scan_mail import scan_paths

        result = scan_paths(self.xapp.db(), [path], progress=progress, cancel=cancel, live=self.live)
        progress.done()
        self.post_message(ScanFinished(result))


class ImapScreen(_ScanBase):
    HELP = (
        "Scan a mailbox over IMAP, read-only: fill in the server, port, security and login, and the "
        "password if it is not in your keyring yet (it is stored there, never in a file). Leave Folders "
        "empty to read every folder, or name some, separated by commas. Later scans read only new mail."
    )
    DEFAULT_CSS = """
    ImapScreen #imap-form { height: auto; margin: 1 0 0 0; }
    ImapScreen .imap-row { height: 1; margin: 0 0 1 0; }
    ImapScreen .imap-row Input { width: 1fr; }
    ImapScreen #imap-port { width: 10; }
    ImapScreen #imap-security { width: 16; }
    """

    def compose_body(self) -> Iterable[Widget]:
        yield Static(IMAP_INTRO, id="scan-intro")
        with VerticalScroll(id="imap-form"):
            with Horizontal(classes="imap-row"):
                yield Input(placeholder="Server, e.g. imap.example.com", id="imap-host", compact=True)
                yield Input(placeholder="Port", id="imap-port", compact=True, type="integer")
                yield Select(
                    [("SSL/TLS", "ssl"), ("STARTTLS", "starttls"), ("None (unsafe)", "none")],
                    value="ssl",
                    allow_blank=False,
                    id="imap-security",
                    compact=True,
                )
            with Horizontal(classes="imap-row"):
                yield Input(placeholder="Login, e.g. you@example.com", id="imap-user", compact=True)
                yield Input(
                    placeholder="Password (only if not in the keyring yet)",
                    id="imap-password",
                    password=True,
                    compact=True,
                )
            with Horizontal(classes="imap-row"):
                yield Input(
                    placeholder="Folders (empty: all), e.g. INBOX, Receipts", id="imap-folders", compact=True
                )
                yield Button("Scan", id="scan-go", variant="primary", compact=True)
        yield from self.summary_widgets()

    def on_mount(self) -> None:
        super().on_mount()
        self.sub_title = "Scan a mailbox (IMAP)"
        self._load_settings()
        self.query_one("#imap-host", Input).focus()

    @work(thread=True, exit_on_error=False, group="imap-settings")
    def _load_settings(self) -> None:
        from exposure.services.settings import all_settings

        settings = all_settings(self.xapp.db())
        self.app.call_from_thread(self._fill, settings)

    def _fill(self, settings: dict[str, str | None]) -> None:
        for key, widget in (
            ("imap.host", "#imap-host"),
            ("imap.port", "#imap-port"),
            ("imap.user", "#imap-user"),
        ):
            field = self.query_one(widget, Input)
            if not field.value and settings.get(key):
                field.value = str(settings[key])
        security = settings.get("imap.security")
        if security in ("ssl", "starttls", "none"):
            self.query_one("#imap-security", Select).value = security

    @on(Input.Submitted, ".imap-row Input")
    @on(Button.Pressed, "#scan-go")
    def _go(self) -> None:
        host = self.query_one("#imap-host", Input).value.strip()
        user = self.query_one("#imap-user", Input).value.strip()
        if not host or not user:
            self.notify("Fill in the server and the login", severity="warning")
            return
        port_text = self.query_one("#imap-port", Input).value.strip()
        port = int(port_text) if port_text.isdigit() else None
        security = str(self.query_one("#imap-security", Select).value)
        folders = [f.strip() for f in self.query_one("#imap-folders", Input).value.split(",") if f.strip()]
        password_field = self.query_one("#imap-password", Input)
        password = password_field.value or None
        password_field.value = ""
        panel = self.begin("messages", self.query_one("#imap-form"))
        if panel is None:
            return
        self.notify(f"Contacting {host} (read-only)…")
        self._run(host, port, user, security, folders or None, password, panel.progress, panel.cancel_token)

    @work(thread=True, exclusive=True, exit_on_error=False, group=GROUP)
    def _run(
        self,
        host: str,
        port: int | None,
        user: str,
        security: str,
        folders: list[str] | None,
        password: str | None,
        progress: Progress,
        cancel: CancelToken,
    ) -> None:
        from exposure.core.errors import SecretError
        from exposure.secrets import set_secret
        from exposure.services.scan_mail import scan_imap
        from exposure.services.settings import set_setting

        conn = self.xapp.db()
        if password:
            try:
                set_secret("imap", password)
            except SecretError as exc:
                self.app.call_from_thread(
                    self.notify, f"Password not saved ({exc}); used for this scan only", severity="warning"
                )
        progress.start(f"Contacting {host}…", None)
        result = scan_imap(
            conn, host, port, user, folders, security, progress, cancel, password=password, live=self.live
        )
        for key, value in (("imap.host", host), ("imap.user", user), ("imap.security", security)):
            set_setting(conn, key, value)
        if port:
            set_setting(conn, "imap.port", str(port))
        progress.done()
        self.post_message(ScanFinished(result))
