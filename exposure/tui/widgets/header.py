"""The app header: icon, title, and the command palette key where a clock would be."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.events import Click
from textual.widgets import Header, Static
from textual.widgets._header import HeaderClockSpace


class PaletteHint(Static):
    """Shows the command palette key on the right of the header; a click opens the palette."""

    DEFAULT_CSS = """
    PaletteHint {
        dock: right;
        width: auto;
        padding: 0 1;
        color: $text-muted;
    }
    """

    def on_click(self, event: Click) -> None:
        event.stop()
        self.app.action_command_palette()


class AppHeader(Header):
    """Textual's header with the palette hint instead of the clock (keeps the footer short)."""

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            yield PaletteHint("^p palette") if isinstance(widget, HeaderClockSpace) else widget
