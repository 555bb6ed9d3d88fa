"""Profile: who you are. It decides what to look for and which laws apply."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Static, TextArea

from exposure.core.models import Profile
from exposure.tui.screens.base import ExposureScreen

#: (profile field, label, placeholder); list fields take commas, addresses one per line.
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("names", "Names", "Ada Example, A. Example"),
    ("emails", "Emails", "ada@example.com, ada@work.example"),
    ("phones", "Phones", "+14155550123"),
    ("usernames", "Usernames", "adaexample"),
    ("country", "Country", "US, DE, GB, FR… (ISO code)"),
    ("region", "Region", "US-CA, DE-BE… (optional)"),
    ("language", "Language", "en, de, fr, es"),
    ("date_of_birth", "Born", "YYYY-MM-DD (optional, never sent unless you add it)"),
)
LIST_FIELDS = ("names", "emails", "phones", "usernames")
#: error message prefix -> field, to point at the field that is wrong
_ERROR_FIELD = {
    "email": "emails",
    "phone": "phones",
    "name": "names",
    "username": "usernames",
    "address": "addresses",
    "country": "country",
    "region": "region",
    "language": "language",
    "date of birth": "date_of_birth",
}


def split_list(value: str, *, lines_only: bool = False) -> list[str]:
    """Values separated by newlines, or (unless ``lines_only``) by commas or semicolons."""
    parts = value.splitlines() if lines_only else re.split(r"[,;\n]", value)
    return [part.strip() for part in parts if part.strip()]


class ProfileScreen(ExposureScreen):
    HELP = (
        "Your names, emails, phones, addresses and usernames are what exposure looks for and what a "
        "request may name. Your country and region decide which privacy laws apply. Separate several "
        "values with commas; addresses go one per line. Nothing here leaves this computer unless you "
        "send a request."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True),
    ]

    @dataclass
    class Loaded(Message):
        profile: Profile

    @dataclass
    class Saved(Message):
        profile: Profile

    @dataclass
    class Invalid(Message):
        error: str

    def compose_body(self) -> Iterable[Widget]:
        with VerticalScroll(id="profile-form"):
            with Grid(id="profile-grid"):
                for field, label, placeholder in FIELDS[:4]:
                    yield Label(label, classes="field-label")
                    yield Input(
                        placeholder=placeholder, id=f"pf-{field}", compact=True, select_on_focus=False
                    )
                yield Label("Addresses", classes="field-label")
                yield TextArea(id="pf-addresses", soft_wrap=True, compact=True, show_line_numbers=False)
                for field, label, placeholder in FIELDS[4:]:
                    yield Label(label, classes="field-label")
                    yield Input(
                        placeholder=placeholder, id=f"pf-{field}", compact=True, select_on_focus=False
                    )
            yield Static("", id="profile-error", classes="error")
            with Horizontal(id="profile-buttons"):
                yield Button("Save (ctrl+s)", id="profile-save", variant="primary", compact=True)
                yield Button("Settings… (,)", id="profile-settings", compact=True)
            yield Static(
                "Several values: separate with commas (addresses: one per line). "
                "Stored only on this computer.",
                classes="hint",
            )

    def on_mount(self) -> None:
        self.query_one("#profile-error").display = False
        self.query_one("#pf-names", Input).focus()

    def refresh_if_stale(self) -> None:
        # Load once: reloading later would throw away what the user is typing.
        if self.loaded_version < 0:
            super().refresh_if_stale()

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="profile")
    def _load(self) -> None:
        from exposure.services.profile import get_profile

        self.post_message(self.Loaded(get_profile(self.xapp.db())))

    def on_profile_screen_loaded(self, message: Loaded) -> None:
        self.fill(message.profile)

    def fill(self, profile: Profile) -> None:
        for field, _label, _placeholder in FIELDS:
            value = getattr(profile, field)
            text = ", ".join(value) if field in LIST_FIELDS else (value or "")
            self.query_one(f"#pf-{field}", Input).value = text
        self.query_one("#pf-addresses", TextArea).text = "\n".join(profile.addresses)

    def changes(self) -> dict[str, Any]:
        """What the form says, as keyword arguments for ``update_profile``."""
        out: dict[str, Any] = {}
        for field, _label, _placeholder in FIELDS:
            value = self.query_one(f"#pf-{field}", Input).value
            out[field] = split_list(value) if field in LIST_FIELDS else (value.strip() or None)
        out["addresses"] = split_list(self.query_one("#pf-addresses", TextArea).text, lines_only=True)
        return out

    @on(Button.Pressed, "#profile-save")
    def action_save(self) -> None:
        self._save(self.changes())

    @on(Button.Pressed, "#profile-settings")
    def _settings(self) -> None:
        self.xapp.action_go("settings")

    @work(thread=True, exclusive=True, exit_on_error=False, group="profile-save")
    def _save(self, changes: dict[str, Any]) -> None:
        from exposure.core.errors import ValidationError
        from exposure.services.profile import update_profile

        try:
            profile = update_profile(self.xapp.db(), **changes)
        except ValidationError as exc:
            self.post_message(self.Invalid(str(exc)))
            return
        self.post_message(self.Saved(profile))

    def _clear_marks(self) -> None:
        for widget in self.query(".-invalid-field"):
            widget.remove_class("-invalid-field")

    def on_profile_screen_invalid(self, message: Invalid) -> None:
        self._clear_marks()
        error = self.query_one("#profile-error", Static)
        error.update(f"Not saved: {message.error}")
        error.display = True
        prefix = message.error.split(":", 1)[0].strip().lower()
        field = _ERROR_FIELD.get(prefix)
        if field:
            widget = self.query_one(f"#pf-{field}")
            widget.add_class("-invalid-field")
            widget.focus()

    def on_profile_screen_saved(self, message: Saved) -> None:
        self._clear_marks()
        self.query_one("#profile-error").display = False
        self.fill(message.profile)  # show the cleaned values (E.164 phones, upper-case codes)
        profile = message.profile
        self.xapp.set_profile_title(
            None if profile.is_empty else profile.display_name, profile.region or profile.country
        )
        self.notify("Profile saved")
        self.changed()
