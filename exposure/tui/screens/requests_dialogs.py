"""The Requests screen's dialogs: confirm a send, export, record a status, web-form values, edit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

DIALOG_CSS = """
.req-dialog .dialog-buttons { height: 1; margin-top: 1; }
.req-dialog .dialog-buttons Button { margin-right: 2; }
.req-dialog OptionList { height: auto; max-height: 12; margin-bottom: 1; }
.req-dialog Input { margin-bottom: 1; }
.req-dialog TextArea { height: 12; margin-bottom: 1; }
.req-dialog .dialog-label { margin-top: 1; text-style: bold; }
"""


class ConfirmSend(ModalScreen[bool]):
    """Shows exactly what will go out (the dry run) and asks once."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "dismiss(False)", "Cancel"),
        Binding("y", "dismiss(True)", "Send"),
    ]

    def __init__(self, title: str, body: Text, go: str) -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.go = go

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box req-dialog") as box:
            box.border_title = self.title_text
            box.border_subtitle = "y send · esc cancel"
            with VerticalScroll(id="send-scroll"):
                yield Static(self.body, id="send-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.go, id="send-go", variant="primary", compact=True)
                yield Button("Cancel", id="send-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#send-go", Button).focus()

    @on(Button.Pressed, "#send-go")
    def _go(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#send-cancel")
    def _cancel(self) -> None:
        self.dismiss(False)


@dataclass(frozen=True)
class ExportChoice:
    format: str
    path: Path


EXPORT_LABELS = {
    "pdf": "PDF letter to print and post",
    "eml": ".eml file to open and send in your mail program",
    "txt": "the letter as plain text",
    "webform": "web-form checklist (text)",
    "mailto": "mailto: link (text)",
}


class ExportDialog(ModalScreen[ExportChoice | None]):
    """Pick a format and where to write the file (nothing is sent)."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, request_id: int, filenames: dict[str, str], folder: Path) -> None:
        super().__init__()
        self.request_id = request_id
        self.filenames = filenames
        self.folder = folder
        self.format = "pdf"

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box req-dialog") as box:
            box.border_title = f"Export request {self.request_id}"
            box.border_subtitle = "enter choose · esc cancel"
            yield OptionList(
                *(Option(label, id=fmt) for fmt, label in EXPORT_LABELS.items()), id="export-format"
            )
            yield Label("Write to", classes="dialog-label")
            yield Input(str(self.folder / self.filenames["pdf"]), id="export-path", compact=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export", id="export-go", variant="primary", compact=True)
                yield Button("Cancel", id="export-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#export-format", OptionList).focus()

    @on(OptionList.OptionHighlighted, "#export-format")
    def _format(self, event: OptionList.OptionHighlighted) -> None:
        path = self.query_one("#export-path", Input)
        current = Path(path.value).expanduser()
        self.format = str(event.option.id)
        path.value = str(current.parent / self.filenames[self.format])

    @on(OptionList.OptionSelected, "#export-format")
    def _chosen(self) -> None:
        self.query_one("#export-path", Input).focus()

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-go")
    def _go(self) -> None:
        value = self.query_one("#export-path", Input).value.strip()
        if value:
            self.dismiss(ExportChoice(self.format, Path(value).expanduser()))

    @on(Button.Pressed, "#export-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class MarkChoice:
    status: str  #: a status, or "extension" (the organization extended the deadline)
    note: str | None


STATUS_LABELS = {
    "sent": "sent (I sent it myself: letter, web form, my mail program)",
    "acknowledged": "acknowledged (they confirmed they are working on it)",
    "needs_action": "needs action (they want something from me)",
    "completed": "completed (they did it)",
    "refused": "refused (they said no)",
    "escalated": "escalated (I complained to the regulator myself)",
    "extension": "they extended the deadline (as the law allows)",
}


class MarkDialog(ModalScreen[MarkChoice | None]):
    """Record what happened: a new status (or an extension), with an optional note."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, request_id: int, choices: list[str]) -> None:
        super().__init__()
        self.request_id = request_id
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box req-dialog") as box:
            box.border_title = f"Request {self.request_id}: what happened?"
            box.border_subtitle = "enter choose · esc cancel"
            yield OptionList(*(Option(STATUS_LABELS.get(c, c), id=c) for c in self.choices), id="mark-status")
            yield Label("Note (optional): what they said, a ticket number...", classes="dialog-label")
            yield Input(id="mark-note", compact=True)

    def on_mount(self) -> None:
        self.query_one("#mark-status", OptionList).focus()

    @on(OptionList.OptionSelected, "#mark-status")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        note = self.query_one("#mark-note", Input).value.strip() or None
        self.dismiss(MarkChoice(str(event.option.id), note))


class WebFormDialog(ModalScreen[None]):
    """The web form's address and the values to paste: enter copies the highlighted one."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close"),
        Binding("o", "open_form", "Open the form"),
    ]

    def __init__(self, title: str, values: dict[str, Any]) -> None:
        super().__init__()
        self.title_text = title
        self.values = values

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box req-dialog") as box:
            box.border_title = self.title_text
            box.border_subtitle = "enter copy · o open the form · esc close"
            yield Static(Text(f"Form: {self.values['url']}"), id="form-url")
            options = [Option(Text(f"URL: {self.values['url']}"), id="url")]
            for index, field in enumerate(self.values["fields"]):
                first = str(field["value"]).splitlines()[0] if field["value"] else ""
                more = " …" if "\n" in str(field["value"]) else ""
                options.append(Option(Text(f"{field['label']}: {first}{more}"), id=str(index)))
            yield OptionList(*options, id="form-fields")
            steps = self.values.get("steps") or []
            if steps:
                yield Static(Text("Steps: " + " → ".join(steps)), id="form-steps")

    def on_mount(self) -> None:
        self.query_one("#form-fields", OptionList).focus()

    @on(OptionList.OptionSelected, "#form-fields")
    def _copy(self, event: OptionList.OptionSelected) -> None:
        if event.option.id == "url":
            label, value = "the form's address", str(self.values["url"])
        else:
            field = self.values["fields"][int(str(event.option.id))]
            label, value = field["label"], str(field["value"])
        self.app.copy_to_clipboard(value)
        self.notify(f"Copied {label} to the clipboard")

    def action_open_form(self) -> None:
        self.notify(f"Opening {self.values['url']} in your browser")
        self.app.open_url(str(self.values["url"]))


@dataclass(frozen=True)
class Edited:
    to: str
    subject: str
    body: str


class EditDialog(ModalScreen[Edited | None]):
    """Change a draft before it goes out."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]

    def __init__(self, item: dict[str, Any]) -> None:
        super().__init__()
        self.item = item

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box req-dialog") as box:
            box.border_title = f"Edit request {self.item['id']} to {self.item['recipient']}"
            box.border_subtitle = "ctrl+s save · esc cancel"
            yield Label("To (email)", classes="dialog-label")
            yield Input(self.item["to"] or "", id="edit-to", compact=True)
            yield Label("Subject", classes="dialog-label")
            yield Input(self.item["subject"], id="edit-subject", compact=True)
            yield TextArea(self.item["body"], id="edit-body", soft_wrap=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", id="edit-save", variant="primary", compact=True)
                yield Button("Cancel", id="edit-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#edit-body", TextArea).focus()

    @on(Button.Pressed, "#edit-save")
    def action_save(self) -> None:
        self.dismiss(
            Edited(
                to=self.query_one("#edit-to", Input).value.strip(),
                subject=self.query_one("#edit-subject", Input).value,
                body=self.query_one("#edit-body", TextArea).text,
            )
        )

    @on(Button.Pressed, "#edit-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
