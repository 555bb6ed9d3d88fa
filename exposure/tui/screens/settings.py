"""Settings: every known setting with its value; edit one, switch the theme."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, DataTable, Input, Label, Static, Switch

from exposure.tui.screens.base import ExposureScreen


class SettingsScreen(ExposureScreen):
    HELP = (
        "Settings are stored in exposure's database on this computer. Passwords never are: they live in "
        "your system keyring (`exposure secrets set NAME`). Pick a setting, edit its value and press "
        "enter; an empty value resets it to the default."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "toggle_theme", "Switch dark/light theme", show=False),
    ]

    @dataclass
    class Loaded(Message):
        values: dict[str, str | None]

    @dataclass
    class Saved(Message):
        key: str
        value: str | None

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str | None] = {}

    def compose_body(self) -> Iterable[Widget]:
        with Horizontal(id="theme-row"):
            yield Label("Light theme (t)")
            yield Switch(id="theme-switch")
        yield DataTable(id="set-table", cursor_type="row", zebra_stripes=True)
        with Vertical(id="set-editor"):
            yield Static("", id="set-help")
            with Horizontal(id="set-edit-row"):
                yield Input(id="set-value", compact=True, placeholder="value (empty = default)")
                yield Button("Save", id="set-save", compact=True, variant="primary")
            yield Static("", id="set-error", classes="error")

    def on_mount(self) -> None:
        table = self.query_one("#set-table", DataTable)
        table.add_column("Setting", key="key", width=22)
        table.add_column("Value", key="value", width=40)
        self.query_one("#set-error").display = False
        self._sync_switch()
        table.focus()

    def _sync_switch(self) -> None:
        switch = self.query_one("#theme-switch", Switch)
        with switch.prevent(Switch.Changed):
            switch.value = self.app.theme == "textual-light"

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="settings")
    def _load(self) -> None:
        from exposure.services.settings import all_settings

        self.post_message(self.Loaded(all_settings(self.xapp.db())))

    def on_settings_screen_loaded(self, message: Loaded) -> None:
        self.values = message.values
        table = self.query_one("#set-table", DataTable)
        row = table.cursor_row or 0
        table.clear()
        for key, value in self.values.items():
            table.add_row(key, value if value is not None else "(not set)", key=key)
        table.move_cursor(row=min(row, len(self.values) - 1))
        self._show_current()

    def current_key(self) -> str | None:
        table = self.query_one("#set-table", DataTable)
        keys = list(self.values)
        row = table.cursor_row
        return keys[row] if keys and row is not None and 0 <= row < len(keys) else None

    @on(DataTable.RowHighlighted, "#set-table")
    def _show_current(self) -> None:
        from exposure.services.settings import SETTINGS

        key = self.current_key()
        if key is None:
            return
        spec = SETTINGS[key]
        default = f" (default: {spec.default})" if spec.default is not None else ""
        self.query_one("#set-help", Static).update(f"{key}: {spec.help}{default}")
        self.query_one("#set-value", Input).value = self.values.get(key) or ""
        self.query_one("#set-error").display = False

    @on(DataTable.RowSelected, "#set-table")
    def _edit(self) -> None:
        self.query_one("#set-value", Input).focus()

    @on(Input.Submitted, "#set-value")
    @on(Button.Pressed, "#set-save")
    def _save_pressed(self) -> None:
        key = self.current_key()
        if key is not None:
            self._save(key, self.query_one("#set-value", Input).value.strip())

    @work(thread=True, exit_on_error=False, group="settings-save")
    def _save(self, key: str, value: str) -> None:
        from exposure.core.errors import ValidationError
        from exposure.services.settings import set_setting

        try:
            stored = set_setting(self.xapp.db(), key, value or None)
        except ValidationError as exc:
            self.app.call_from_thread(self._show_error, str(exc))
            return
        self.post_message(self.Saved(key, stored))

    def _show_error(self, error: str) -> None:
        widget = self.query_one("#set-error", Static)
        widget.update(f"Not saved: {error}")
        widget.display = True

    def on_settings_screen_saved(self, message: Saved) -> None:
        self.values[message.key] = message.value
        table = self.query_one("#set-table", DataTable)
        table.update_cell(message.key, "value", message.value if message.value is not None else "(not set)")
        self.query_one("#set-error").display = False
        self.notify(f"{message.key} = {message.value if message.value is not None else '(not set)'}")
        if message.key == "ui.theme" and message.value in self.app.available_themes:
            self.app.theme = message.value
            self._sync_switch()
        self.leave_field()

    @on(Switch.Changed, "#theme-switch")
    def _theme_switched(self, event: Switch.Changed) -> None:
        self.xapp.set_theme("textual-light" if event.value else "textual-dark")
        self.values["ui.theme"] = self.app.theme
        table = self.query_one("#set-table", DataTable)
        if "ui.theme" in table.rows:
            table.update_cell("ui.theme", "value", self.app.theme)

    def action_toggle_theme(self) -> None:
        switch = self.query_one("#theme-switch", Switch)
        switch.value = not switch.value

    def leave_field(self) -> None:
        self.query_one("#set-table", DataTable).focus()
