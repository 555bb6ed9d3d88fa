"""The base of every exposure screen: header, footer, reload when the data changed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from exposure.tui.widgets.footer import AppFooter
from exposure.tui.widgets.header import AppHeader

if TYPE_CHECKING:
    from exposure.tui.app import ExposureApp


class ReportsWorkerErrors:
    """Mixin for any screen or widget that runs workers: failures go to the app's one handler.

    ``Worker.StateChanged`` does not bubble, so each node that starts workers forwards it.
    """

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            from exposure.tui.app import ExposureApp

            app = cast(DOMNode, self).app
            if isinstance(app, ExposureApp):
                app.report_error(event.worker.error)
            else:  # a test harness app: still one line, never a traceback
                app.notify(" ".join(str(event.worker.error).split()), severity="error")


class _RestyledWhenStale:
    """Mixin: a screen restyles its widgets when it is shown again only if the styles changed.

    Textual restyles every widget of a screen each time it is shown (twice when a mode is
    first shown), in case the CSS changed while it was in the background. Here the app counts
    the changes of its CSS variables (``css_generation``: theme changes) and a screen restyles
    only when that count moved since it was styled. A mixin, because Textual calls one handler
    per class (``_on_screen_resume`` before ``on_screen_resume``), subclass first, and
    Textual's own handler (the restyle) after this one.
    """

    _styled_generation: int | None = None

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        generation = getattr(cast(DOMNode, self).app, "css_generation", None)
        if generation is None:  # not the exposure app (a test harness): as Textual does
            return
        if self._styled_generation is None:  # first shown: styled when it was composed
            self._styled_generation = generation
        event.refresh_styles = self._styled_generation != generation
        self._styled_generation = generation


class ExposureScreen(ReportsWorkerErrors, _RestyledWhenStale, Screen[None]):
    """A screen of the app. Subclasses implement :meth:`compose_body` and :meth:`reload`."""

    #: One paragraph for the help screen: what this screen is for.
    HELP: ClassVar[str] = ""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave_field", "Leave the text box", key_display="esc"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.loaded_version = -1

    @property
    def xapp(self) -> ExposureApp:
        from exposure.tui.app import ExposureApp

        return cast(ExposureApp, self.app)

    def compose(self) -> ComposeResult:
        yield AppHeader(icon="◆")
        yield from self.compose_body()
        yield AppFooter()

    def compose_body(self) -> Iterable[Widget]:
        return ()

    def typed_path(self, value: str, what: str) -> str | None:
        """A path typed (or pasted, maybe quoted) in a box; None, with a hint, when empty."""
        value = value.strip().strip("'\"")
        if not value:
            self.notify(f"Type the path of {what}, or pick one in the tree (ctrl+t)", severity="warning")
            return None
        return value

    def on_screen_resume(self) -> None:
        self.refresh_if_stale()

    def refresh_if_stale(self) -> None:
        """Reload when the data changed since this screen last loaded it."""
        if self.loaded_version != self.xapp.data_version:
            self.loaded_version = self.xapp.data_version
            self.reload()

    def reload(self) -> None:
        """Start the worker(s) that (re)load what this screen shows."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_field":
            # Only offered (and shown in the footer) while typing in a text box.
            # (TextArea by name: importing it costs 40 ms of start-up)
            focused = self.focused
            return focused is not None and any(
                cls.__name__ in {"Input", "TextArea"} for cls in type(focused).__mro__
            )
        return True

    def action_leave_field(self) -> None:
        """Leave a text box so that the one-key shortcuts work again."""
        self.leave_field()

    def leave_field(self) -> None:
        self.set_focus(None)

    def changed(self) -> None:
        """This screen wrote something: others reload; this one is already up to date."""
        self.xapp.data_changed()
        self.loaded_version = self.xapp.data_version
