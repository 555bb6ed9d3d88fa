"""ExposureApp: modes (one key each), the database per worker thread, one error handler."""

from __future__ import annotations

import gc
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from datetime import date
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.css.stylesheet import Stylesheet
from textual.message import Message
from textual.worker import Worker, WorkerState

from exposure.tui.commands import ExposureCommands

if TYPE_CHECKING:
    import sqlite3

    from textual.screen import Screen

#: mode -> (module under exposure.tui.screens, class, key, footer label)
SCREENS: dict[str, tuple[str, str, str, str]] = {
    "dashboard": ("dashboard", "DashboardScreen", "d", "Dashboard"),
    "inventory": ("inventory", "InventoryScreen", "i", "Inventory"),
    "catalog": ("catalog", "CatalogScreen", "c", "Catalog"),
    "requests": ("requests", "RequestsScreen", "r", "Requests"),
    "sources": ("sources", "SourcesScreen", "s", "Sources"),
    "profile": ("profile", "ProfileScreen", "p", "Profile"),
    "settings": ("settings", "SettingsScreen", "comma", "Settings"),
}

THEMES = ("textual-dark", "textual-light")


def _factory(module: str, name: str) -> Callable[[], Screen[Any]]:
    """Import a screen module only when its mode is first shown (keeps startup fast)."""

    def make() -> Screen[Any]:
        screen: Screen[Any] = getattr(import_module(f"exposure.tui.screens.{module}"), name)()
        _width_class(screen)
        return screen

    return make


def _width_class(screen: Screen[Any]) -> None:
    """Give a new screen its width class (``HORIZONTAL_BREAKPOINTS``) before it is composed.

    Textual adds it on the screen's first resize, which styles every widget of the screen a
    second time; the class already there, that is a no-op. Same rule as Textual's.
    """
    app = screen.app
    for breakpoint, class_name in sorted(app.HORIZONTAL_BREAKPOINTS or [], reverse=True):
        if app.size.width >= breakpoint:
            screen.add_class(class_name, update=False)
            return


class KeptStylesheet(Stylesheet):
    """Textual's stylesheet, which keeps what it parsed while the CSS variables stay the same.

    Textual re-parses every style source (app.tcss and each widget's default CSS) each time
    a mode is first shown, the theme unchanged: twice before the first frame, and again when
    each other screen first opens (20-40 ms each time). With the same variables, each source's
    parse gives the same rules, so they are taken from the cache that :meth:`parse` already
    keeps per source; new variables (another theme) clear it, as in Textual.
    """

    def __init__(self, *, variables: dict[str, str] | None = None) -> None:
        super().__init__(variables=variables)
        self._kept_variables = dict(variables or {})

    def set_variables(self, variables: dict[str, str]) -> None:
        if variables != self._kept_variables:
            self._kept_variables = dict(variables)
            super().set_variables(variables)

    def reparse(self) -> None:
        self.parse()  # as Textual's, but with this sheet's cache; on an error the old rules stay

    def copy(self) -> Stylesheet:
        sheet = KeptStylesheet(variables=dict(self._kept_variables))
        sheet.source = self.source.copy()
        return sheet


def one_line(error: BaseException) -> str:
    """A readable one-line message for any error."""
    import sqlite3

    from exposure.core.errors import ExposureError

    if isinstance(error, ExposureError):
        return str(error)
    text = " ".join(str(error).split())
    if isinstance(error, sqlite3.Error):
        return f"Database error: {text}"
    if isinstance(error, OSError) and error.strerror:
        where = f": {error.filename}" if error.filename else ""
        return f"{error.strerror}{where}"
    return f"Unexpected error ({type(error).__name__}): {text or 'no details'}; details: ctrl+p > Last error"


class ExposureApp(App[None]):
    """The exposure TUI. ``today`` fixes the clock (tests and snapshots)."""

    CSS_PATH = str(Path(__file__).with_name("app.tcss"))  # absolute: subclasses live elsewhere
    TITLE = "exposure"
    COMMANDS = App.COMMANDS | {ExposureCommands}
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        mode: _factory(module, cls) for mode, (module, cls, _key, _label) in SCREENS.items()
    }
    DEFAULT_MODE = "dashboard"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(
                key,
                f"go('{mode}')",
                label,
                show=mode != "settings",
                key_display="," if key == "comma" else None,
            )
            for mode, (_m, _c, key, label) in SCREENS.items()
        ),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("f1", "help", "Help", show=False),
        Binding("q", "quit", "Quit", show=False),
    ]

    class DataChanged(Message):
        """Posted after a write, so screens reload what they show."""

    def __init__(
        self, *, today: date | None = None, load_settings: bool = True, resume_gc: bool = False
    ) -> None:
        super().__init__()
        self.stylesheet = KeptStylesheet(variables=self.theme_variables)
        self._css_variables = self.theme_variables
        self._css_refreshed = False
        #: Counts the times the styles were recomputed for new CSS variables (theme changes);
        #: a screen restyles itself when it is shown again only if this moved (screens.base).
        self.css_generation = 0
        self._today = today
        self._resume_gc = resume_gc
        self._warm_scheduled = False
        self._load_settings = load_settings
        self._connection = threading.local()  # .conn: this thread's connection
        self._db_lock = threading.Lock()
        self.data_version = 0
        self.prefetch = True
        self._inventory_cache: tuple[int, list[dict[str, Any]]] | None = None
        self.last_error: str | None = None
        self._reported: deque[BaseException] = deque(maxlen=32)
        self.profile_name: str | None = None

    def refresh_css(self, animate: bool = True) -> None:
        """Recompute every style for new CSS variables (a theme change).

        Textual also calls this when each mode is first shown, which restyles every widget
        of the screen being left. The first time it is needed (the app and its first screen
        are styled in the wrong order before it); after that, with the variables unchanged,
        there is nothing to recompute (each widget got its styles when it was mounted).
        """
        variables = self.get_css_variables()
        if variables == self._css_variables and self._css_refreshed:
            return
        if variables != self._css_variables:
            self.css_generation += 1
        self._css_variables = variables
        self._css_refreshed = True
        super().refresh_css(animate)

    # -- clock and data -----------------------------------------------------------------------

    def today(self) -> date:
        return self._today or date.today()

    def db(self) -> sqlite3.Connection:
        """This worker thread's connection (opened on first use; never on the event loop).

        Each connection belongs to its thread and is closed by it when the thread ends (worker
        threads end when the app's event loop closes), never from another thread: closing a
        connection while its thread is in a query on it crashes CPython's sqlite3 (SIGSEGV).
        The app used to close them all when it unmounted, which crashed when it quit while a
        worker was still reading (e.g. right after the first frame).
        """
        if threading.current_thread() is threading.main_thread():
            raise RuntimeError("app.db() is for thread workers; never query on the event loop")
        conn: sqlite3.Connection | None = getattr(self._connection, "conn", None)
        if conn is None:
            from exposure.services import open_store

            with self._db_lock:  # serializes the first open (migrations, catalog load)
                conn = open_store(check_same_thread=False)
            self._connection.conn = conn
        return conn

    def data_changed(self) -> None:
        """Call after a write (from the event loop or a worker)."""
        self.data_version += 1
        self.post_message(self.DataChanged())

    def prefetch_inventory(self) -> None:
        """Load the inventory rows in the background, so that the inventory opens at once."""
        if self.prefetch and (self._inventory_cache is None or self._inventory_cache[0] != self.data_version):
            self._prefetch_inventory(self.data_version)

    @work(thread=True, exclusive=True, exit_on_error=False, group="prefetch")
    def _prefetch_inventory(self, version: int) -> None:
        import exposure.tui.screens.inventory  # noqa: F401  (the import is part of opening it)
        from exposure.services.inventory import inventory_rows

        rows = inventory_rows(self.db(), include_hidden=True)
        self.call_from_thread(setattr, self, "_inventory_cache", (version, rows))

    def cached_inventory(self, version: int) -> list[dict[str, Any]] | None:
        """The prefetched rows if nothing changed since (each is handed out once)."""
        cache, self._inventory_cache = self._inventory_cache, None
        return cache[1] if cache is not None and cache[0] == version else None

    def on_exposure_app_data_changed(self, _: DataChanged) -> None:
        screen = self.screen
        reload = getattr(screen, "refresh_if_stale", None)
        if callable(reload):
            reload()

    def on_mount(self) -> None:
        if self._load_settings:
            self._startup()
        self.call_after_refresh(self._first_frame_shown)

    def _first_frame_shown(self) -> None:
        if self._resume_gc:  # run_tui paused the cycle collector for the start-up
            self._resume_gc = False
            gc.freeze()
            gc.enable()
        if self.prefetch:  # in case the dashboard never calls warm_up (e.g. its query failed)
            self.set_timer(1.0, self.warm_up)

    def warm_up(self) -> None:
        """Once the dashboard shows its data: prepare the other screens' styles in the background."""
        if self.prefetch and not self._warm_scheduled:
            self._warm_scheduled = True
            self.call_after_refresh(self.set_timer, 0.05, self._warm_styles)

    async def _warm_styles(self) -> None:
        """Mount (hidden) one of each widget the other screens use, then remove them. Their
        styles get parsed now, while the user reads the dashboard, instead of when a screen
        first opens. Started after the dashboard's data is shown, so that it does not hold
        that data back."""
        from textual.app import ScreenStackError
        from textual.containers import Container
        from textual.widgets import DataTable, Input, Select, Switch, TextArea

        from exposure.tui.widgets.table import VirtualTable

        try:
            screen = self.screen
        except ScreenStackError:  # the app is already closing
            return
        if not screen.is_attached:
            return
        warm = Container(
            Input(), Select([("a", "a")]), DataTable(), Switch(), TextArea(), VirtualTable([]), id="warm-up"
        )
        warm.display = False
        await screen.mount(warm)
        await warm.remove()

    @work(thread=True, exit_on_error=False, group="startup")
    def _startup(self) -> None:
        from exposure.services.profile import get_profile
        from exposure.services.settings import get_setting

        conn = self.db()
        theme = get_setting(conn, "ui.theme")
        profile = get_profile(conn)
        name = None if profile.is_empty else profile.display_name
        region = profile.region or profile.country
        self.call_from_thread(self._apply_startup, theme, name, region)

    def _apply_startup(self, theme: str | None, name: str | None, region: str | None) -> None:
        if theme and theme in self.available_themes:
            self.theme = theme
        self.set_profile_title(name, region)

    def set_profile_title(self, name: str | None, region: str | None) -> None:
        self.profile_name = name
        self.title = f"exposure — {name}{f' ({region})' if region else ''}" if name else "exposure"

    # -- errors -------------------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place worker failures end up: a one-line notification, never a traceback."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.report_error(event.worker.error)

    def report_error(self, error: BaseException) -> None:
        """Notify one line for an error (once, even when several handlers pass it on)."""
        from exposure.core.errors import Cancelled, ExposureError

        if any(seen is error for seen in self._reported):
            return
        self._reported.append(error)

        if isinstance(error, Cancelled):
            self.notify("Cancelled. What was done before is kept.", severity="warning")
            return
        if not isinstance(error, ExposureError):
            self.last_error = "".join(traceback.format_exception(error))
            self.log.error(self.last_error)
        self.notify(one_line(error), severity="error", timeout=8)

    def on_inventory_screen_request_deletion(self, message: Message) -> None:
        """Inventory rows asked for erasure requests: draft them and show the queue."""
        from exposure.tui.screens.requests import request_deletion

        request_deletion(self, list(getattr(message, "org_ids", [])))

    # -- actions ------------------------------------------------------------------------------

    def action_go(self, mode: str) -> None:
        if mode in self._modes and mode != self.current_mode:
            self.switch_mode(mode)

    def action_help(self) -> None:
        from exposure.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_toggle_theme(self) -> None:
        self.set_theme(THEMES[1] if self.theme == THEMES[0] else THEMES[0])

    def set_theme(self, theme: str) -> None:
        self.theme = theme
        self._save_theme(theme)

    @work(thread=True, exit_on_error=False, group="settings")
    def _save_theme(self, theme: str) -> None:
        from exposure.services.settings import set_setting

        set_setting(self.db(), "ui.theme", theme)

    def action_last_error(self) -> None:
        from exposure.tui.screens.help import TextScreen

        self.push_screen(TextScreen("Last error", self.last_error or "No unexpected error so far."))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Switch theme", "Toggle between the dark and light theme", self.action_toggle_theme
        )
        yield SystemCommand("Last error", "Details of the last unexpected error", self.action_last_error)
