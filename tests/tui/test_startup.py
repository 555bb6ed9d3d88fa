"""What the app does to start fast keeps it correct: styles follow the theme, footer keys follow
the bindings, the cycle collector comes back on."""

from __future__ import annotations

import gc
import re
from typing import Any

from textual.app import App
from textual.css.stylesheet import Stylesheet
from textual.widgets import Input
from textual.widgets._footer import FooterKey

from exposure.tui.app import ExposureApp, KeptStylesheet
from exposure.tui.screens import base
from exposure.tui.screens.dashboard import DashboardScreen

from .conftest import TODAY, settle

SIZE = (80, 24)


def footer_keys(app: ExposureApp) -> list[FooterKey]:
    return list(app.screen.query(FooterKey))


async def test_theme_change_restyles_with_the_new_colours(app: ExposureApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.stylesheet, KeptStylesheet)
        dark = app.screen.styles.background
        panel = app.screen.query_one("#next").styles.border_top[1]
        app.action_toggle_theme()
        await settle(pilot)
        assert app.theme == "textual-light"
        assert app.screen.styles.background != dark
        assert app.screen.query_one("#next").styles.border_top[1] != panel
        light_panel = app.screen.query_one("#next").styles.border_top[1]
        app.action_toggle_theme()
        await settle(pilot)
        assert app.screen.styles.background == dark
        assert app.screen.query_one("#next").styles.border_top[1] == panel

        # Changed on another screen: the dashboard, in the background then, follows when shown.
        await pilot.press("p")
        await settle(pilot)
        app.action_toggle_theme()
        await settle(pilot)
        await pilot.press("escape", "d")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert app.screen.styles.background != dark
        assert app.screen.query_one("#next").styles.border_top[1] == light_panel


async def test_other_screens_styles_parsed_after_the_first_switch(app: ExposureApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")  # profile: a grid of labels and text boxes, styled by app.tcss
        await settle(pilot)
        label = app.screen.query(".field-label").first()
        assert label.styles.text_align == "right"
        assert app.screen.query_one("#profile-grid").styles.grid_size_columns == 2


async def test_footer_keys_follow_the_bindings_and_are_kept_otherwise(app: ExposureApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        keys = footer_keys(app)
        shown = [key.description for key in keys]
        assert shown[:3] == ["Dashboard", "Inventory", "Catalog"]
        assert "Leave the text box" not in shown
        assert all(key.has_class("-compact") for key in keys)
        app.screen.refresh_bindings()  # same bindings: the keys stay as they are
        await settle(pilot)
        assert footer_keys(app) == keys

        await pilot.press("p")  # the profile starts in a text box: escape is offered
        await settle(pilot)
        assert isinstance(app.screen.focused, Input)
        assert "Leave the text box" in [key.description for key in footer_keys(app)]
        await pilot.press("escape")
        await settle(pilot)
        assert "Leave the text box" not in [key.description for key in footer_keys(app)]
        assert all(key.has_class("-compact") for key in footer_keys(app))


async def test_cycle_collector_resumes_after_the_first_frame(exposure_home: Any) -> None:
    app = ExposureApp(today=TODAY, resume_gc=True)
    gc.disable()  # as run_tui does
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert gc.isenabled()
            assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.enable()


QUIT_WHILE_READING = """
import threading

from textual import work

from exposure.tui.app import ExposureApp

reading = threading.Event()


class QuitsWhileReading(ExposureApp):
    def on_mount(self) -> None:
        super().on_mount()
        self.read()
        self.set_interval(0.01, self.quit_when_reading)

    @work(thread=True)
    def read(self) -> None:
        conn = self.db()
        reading.set()
        for n in range(20000):  # small queries, as the screens' workers make
            conn.execute("SELECT count(*) FROM organization WHERE id > ?", (n,)).fetchone()
        print("all read", flush=True)

    def quit_when_reading(self) -> None:
        if reading.is_set():
            self.exit()


QuitsWhileReading(load_settings=False).run(headless=True, size=(80, 24))
print("clean exit")
"""


def test_quitting_while_a_worker_reads_does_not_crash(exposure_home: Any) -> None:
    # The app used to close every worker's connection when it unmounted, from the event loop,
    # while a worker could still be inside a query on it: CPython's sqlite3 then crashes
    # (SIGSEGV). Run in a child process so that a crash fails this test, not the whole run.
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", QUIT_WHILE_READING],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "all read" in done.stdout, done.stderr[-2000:]  # the worker's connection stayed open
    assert "clean exit" in done.stdout


async def screenshots(app: ExposureApp) -> dict[str, str]:
    """Every screen, then a few after a theme change, as SVG (ids made stable)."""
    shots: dict[str, str] = {}
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for step, key in enumerate(
            ["i", "c", "r", "s", "p", "comma", "d", "question_mark", "escape", "t", "d", "c"]
        ):
            if key == "t":
                app.action_toggle_theme()
            else:
                await pilot.press(key)
            await settle(pilot)
            app.screen.set_focus(None)  # catalog and profile start in a text box (cursor blink)
            await settle(pilot)
            shots[f"{step} {key}"] = re.sub(r"terminal-\d+", "terminal", app.export_screenshot())
        app.action_toggle_theme()  # back to dark: the theme is saved for the next run
        await settle(pilot)
    return shots


async def test_screens_look_as_with_all_of_textuals_restyling(demo_home: Any, monkeypatch: Any) -> None:
    # The start-up skips restyles and re-parses that cannot change anything; check that they
    # do not: the same screens with Textual's own behaviour put back.
    ours = await screenshots(ExposureApp(today=TODAY))
    monkeypatch.setattr(ExposureApp, "refresh_css", App.refresh_css)
    monkeypatch.setattr(KeptStylesheet, "set_variables", Stylesheet.set_variables)
    monkeypatch.setattr(KeptStylesheet, "reparse", Stylesheet.reparse)
    monkeypatch.setattr(base._RestyledWhenStale, "_on_screen_resume", lambda self, event: None)
    textuals = await screenshots(ExposureApp(today=TODAY))
    assert ours.keys() == textuals.keys()
    for step in ours:
        assert ours[step] == textuals[step], step
