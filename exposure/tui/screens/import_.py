"""Import a file: choose an export (or an extracted Takeout / Meta folder), watch it import, read
what it found.

Opened from Sources (``f``). The file is chosen by typing its path or picking it in the folder
tree; the import (:func:`exposure.services.import_file.import_paths`) runs in a thread worker
with a progress panel that can cancel. The summary says how many organizations the file named,
how many are new to the inventory, how many matched the catalog and what was skipped, with each
bad record and what to do about a refused file.
"""

from __future__ import annotations

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
from textual.widgets import Button, DirectoryTree, Input, Static
from textual.worker import Worker, WorkerState

from exposure.core.progress import CancelToken, Progress
from exposure.tui.format import plural
from exposure.tui.screens.base import ExposureScreen
from exposure.tui.widgets.progress import ProgressPanel

GROUP = "import-file"

INTRO = (
    "Choose an export to read: type its path (or Browse, ctrl+t), then Enter. Password managers "
    "(Bitwarden, 1Password, LastPass, KeePass, Dashlane, NordPass, Proton Pass, Enpass, RoboForm), "
    "browsers (Chrome, Edge, Brave, Firefox, Safari), Google Takeout and Meta downloads. "
    "Only site addresses, usernames, titles and dates are read: passwords, notes and codes are "
    "never kept, and nothing leaves this computer."
)


def summary_text(results: list[dict[str, Any]]) -> Text:
    """What an import found, for people: one block per file."""
    text = Text()
    for r in results:
        name = Path(r["path"]).name
        text.append(f"{name}", style="bold")
        text.append(f"  {r['label'] or r['format'] or 'not recognised'}\n", style="dim")
        if r["refused"]:
            for error in r["errors"][:1]:
                text.append(f"{error['message']}\n", style="red")
            continue
        text.append(
            f"{plural(r['organizations'], 'organization')} found: {r['new_organizations']:,} new to your "
            f"inventory, {r['matched']:,} matched to the catalog\n"
        )
        line = f"{plural(r['records'], 'record')} read, {r['imported']:,} imported, {r['skipped']:,} skipped"
        reasons = r.get("skipped_reasons") or {}
        if reasons:
            line += " (" + ", ".join(f"{reason}: {count:,}" for reason, count in reasons.items()) + ")"
        text.append(line + "\n")
        mail = r.get("mail")
        if mail:
            text.append(
                f"Gmail: {plural(int(mail['messages'] or 0), 'message')} read (headers only), "
                f"{plural(int(mail['organizations'] or 0), 'sender organization')}\n"
            )
        if r["new_findings"] != r["findings"]:
            text.append(
                f"{r['findings'] - r['new_findings']:,} were already in your inventory\n", style="dim"
            )
        if r["cancelled"]:
            text.append("Cancelled: what was read before is kept.\n", style="yellow")
        errors = [e for e in r["errors"] if "cancelled" not in e["message"]]
        if errors:
            text.append(f"{plural(r['error_count'], 'record')} could not be read:\n", style="yellow")
            for error in errors[:8]:
                text.append(f"  {error['where']}: {error['message']}\n", style="yellow")
            if r["error_count"] > 8:
                text.append(f"  … and {r['error_count'] - 8:,} more (`exposure import --json` lists them)\n")
        text.append("\n")
    return text


class ImportScreen(ExposureScreen):
    HELP = (
        "Import a password-manager or browser export, a Google Takeout or a Meta download: type the "
        "path (or pick the file in the tree) and press Enter. The summary shows what was found; the "
        "organizations appear in your inventory (i). Encrypted exports are refused with a note on how "
        "to export them unencrypted."
    )
    DEFAULT_CSS = """
    ImportScreen #imp-intro { height: auto; padding: 0 1; color: $text-muted; }
    ImportScreen #imp-row { height: 1; margin: 1 0 0 0; }
    ImportScreen #imp-path { width: 1fr; }
    ImportScreen #imp-go, ImportScreen #imp-browse { margin-left: 1; }
    ImportScreen #imp-tree { height: 1fr; min-height: 5; border: round $primary 40%; }
    ImportScreen #imp-summary-box { height: auto; max-height: 60%; }
    ImportScreen #imp-summary { height: auto; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+t", "browse", "Browse"),
    ]

    @dataclass
    class Finished(Message):
        results: list[dict[str, Any]]

    def __init__(self, start: Path | None = None) -> None:
        super().__init__()
        self.start = start if start is not None else Path.home()
        self.panel: ProgressPanel | None = None
        self.results: list[dict[str, Any]] | None = None

    def compose_body(self) -> Iterable[Widget]:
        yield Static(INTRO, id="imp-intro")
        with Horizontal(id="imp-row"):
            yield Input(placeholder="Path to an export file or extracted folder", id="imp-path", compact=True)
            yield Button("Import", id="imp-go", variant="primary", compact=True)
            yield Button("Browse", id="imp-browse", compact=True)
        with VerticalScroll(id="imp-summary-box"):
            yield Static("", id="imp-summary")

    def on_mount(self) -> None:
        self.sub_title = "Import a file"
        self.query_one("#imp-summary-box").display = False
        self.query_one("#imp-path", Input).focus()

    # -- choosing -----------------------------------------------------------------------------

    # The folder tree is shown only while picking: its loader worker runs as long as it is mounted.

    @on(Button.Pressed, "#imp-browse")
    def _browse_pressed(self) -> None:
        self.action_browse()

    def action_browse(self) -> None:
        trees = self.query("#imp-tree")
        if trees:
            trees.first().focus()
            return
        tree = DirectoryTree(str(self.start), id="imp-tree")
        self.mount(tree, after=self.query_one("#imp-row"))
        tree.focus()

    def _close_tree(self) -> None:
        for tree in self.query("#imp-tree"):
            tree.remove()

    @on(DirectoryTree.FileSelected, "#imp-tree")
    def _file_picked(self, event: DirectoryTree.FileSelected) -> None:
        path_input = self.query_one("#imp-path", Input)
        path_input.value = str(event.path)
        self._close_tree()
        path_input.focus()

    @on(DirectoryTree.DirectorySelected, "#imp-tree")
    def _folder_picked(self, event: DirectoryTree.DirectorySelected) -> None:
        # A folder can be an extracted Takeout or Meta download: offer it, do not start.
        self.query_one("#imp-path", Input).value = str(event.path)

    @on(Input.Submitted, "#imp-path")
    @on(Button.Pressed, "#imp-go")
    def _go(self) -> None:
        self.start_import(self.query_one("#imp-path", Input).value)

    def start_import(self, value: str) -> None:
        typed = self.typed_path(value, "an export file")
        if typed is None:
            return
        value = typed
        if self.panel is not None and not self.panel.finished:
            self.notify("An import is already running", severity="warning")
            return
        self._close_tree()
        if self.panel is not None:
            self.panel.remove()
        self.panel = ProgressPanel(unit="bytes", classes="imp-progress")
        self.mount(self.panel, after=self.query_one("#imp-row"))
        self.query_one("#imp-go", Button).disabled = True
        self._run(Path(value).expanduser(), self.panel.progress, self.panel.cancel_token)

    # -- importing ----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group=GROUP)
    def _run(self, path: Path, progress: Progress, cancel: CancelToken) -> None:
        from exposure.services.import_file import import_paths

        results = import_paths(self.xapp.db(), [path], progress=progress, cancel=cancel)
        progress.done()
        self.post_message(self.Finished(results))

    def on_import_screen_finished(self, message: Finished) -> None:
        self.results = message.results
        self.query_one("#imp-go", Button).disabled = False
        box = self.query_one("#imp-summary-box")
        box.display = True
        self.query_one("#imp-summary", Static).update(summary_text(message.results))
        imported = sum(r["findings"] for r in message.results)
        refused = [r for r in message.results if r["refused"]]
        if refused:
            self.notify(
                refused[0]["errors"][0]["message"] if refused[0]["errors"] else "Refused", severity="error"
            )
        else:
            new = sum(r["new_organizations"] for r in message.results)
            self.notify(f"Imported: {plural(imported, 'finding')}, {plural(new, 'new organization')}")
        if imported:
            self.changed()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.xapp.report_error(event.worker.error)
            self.query_one("#imp-go", Button).disabled = False
            if self.panel is not None:
                self.panel.remove()
                self.panel = None

    def action_back(self) -> None:
        if self.query("#imp-tree"):
            self._close_tree()
            self.query_one("#imp-path", Input).focus()
            return
        if self.panel is not None and not self.panel.finished:
            self.panel.cancel()
            self.notify("Cancelling… what was read so far is kept")
            return
        self.app.pop_screen()
