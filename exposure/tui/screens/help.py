"""Help (?): what the current screen is for and every key it answers to."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

GENERAL = (
    "Keys work everywhere unless you are typing in a box: press esc or tab to leave it. The mouse works "
    "too. ctrl+p opens the command palette, which finds every action by name."
)


def own_bindings(screen: Screen[Any]) -> list[Binding]:
    """Bindings declared by the screen's own classes (not by Textual's or our base screen)."""
    from exposure.tui.screens.base import ExposureScreen

    out: list[Binding] = []
    for cls in type(screen).__mro__:
        if cls in (ExposureScreen, Screen, ModalScreen) or not issubclass(cls, Screen):
            continue
        out.extend(Binding.make_bindings(cls.__dict__.get("BINDINGS", [])))
    return out


def screen_keys(screen: Screen[Any]) -> list[tuple[str, str, str]]:
    """(where, key, description) for the screen's own keys first, then the keys that work everywhere."""
    app = screen.app
    rows: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    everywhere = [b for bindings in app._bindings.key_to_bindings.values() for b in bindings]
    everywhere += [b for bindings in screen._bindings.key_to_bindings.values() for b in bindings]
    for where, bindings in (("This screen", own_bindings(screen)), ("Everywhere", everywhere)):
        for binding in bindings:
            if not binding.description or binding.key in seen:
                continue
            seen.add(binding.key)
            rows.append((where, app.get_key_display(binding), binding.description))
    rows.append(("Everywhere", app.get_key_display(Binding("ctrl+p", "command_palette")), "Command palette"))
    return rows


class HelpScreen(ModalScreen[None]):
    """Lists the keys of the screen it was opened over."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q,f1", "dismiss", "Close help", key_display="esc"),
    ]

    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        self.target = screen

    def compose(self) -> ComposeResult:
        title = str(self.target.__class__.__name__).removesuffix("Screen") or "exposure"
        text = Text()
        help_text = str(getattr(self.target, "HELP", "") or "")
        if help_text:
            text.append(help_text + "\n\n")
        where = ""
        for section, key, description in screen_keys(self.target):
            if section != where:
                text.append(f"{'' if not where else chr(10)}{section}\n", style="bold underline")
                where = section
            text.append(f"  {key:<8}", style="bold")
            text.append(f" {description}\n")
        text.append("\n" + GENERAL, style="dim")
        with Vertical(id="help-box", classes="modal-box") as box:
            box.border_title = f"Help: {title}"
            box.border_subtitle = "esc to close"
            with VerticalScroll():
                yield Static(text, id="help-text")


class TextScreen(ModalScreen[None]):
    """A closable box of plain text (e.g. the details of the last error)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "dismiss", "Close")]

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box") as box:
            box.border_title = self.title_text
            box.border_subtitle = "esc to close"
            with VerticalScroll():
                yield Static(Text(self.body))
