"""Dashboard: who holds your data, requests, what needs you, and the next step."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Static

from exposure.tui.screens.base import ExposureScreen

# The services are imported by the worker that loads the summary, not before the first frame.
if TYPE_CHECKING:
    from exposure.services.dashboard import Summary

WELCOME = (
    "exposure finds out which organizations hold your personal data (from password-manager exports, "
    "your mail, breach lists and a catalog of data brokers), helps you ask them to delete it, and "
    "tracks their answers.\n\n"
    "Everything stays on this computer. Nothing leaves it unless you ask for that one action, "
    "such as a breach check or sending a request."
)

SHORT = {
    "profile": "Profile",
    "sources": "Sources",
    "review": "Review",
    "requests": "Requests",
    "track": "Track",
}

#: step -> (what to do, button label, mode to open)
NEXT: dict[str, tuple[str, str, str]] = {
    "profile": (
        "Tell exposure who you are: the names, emails and phone numbers to look for. Your country decides "
        "which privacy laws apply.",
        "Open profile",
        "profile",
    ),
    "sources": (
        "Add sources: a password-manager export, a mail archive or mailbox, or a breach check. "
        "Or add organizations by hand from the catalog (c).",
        "Open sources",
        "sources",
    ),
    "review": (
        "Review your inventory: {organizations} hold your data. Mark false findings as not mine.",
        "Open inventory",
        "inventory",
    ),
    "requests": (
        "Send erasure requests to the {brokers} that hold your data.",
        "Open requests",
        "requests",
    ),
    "track": (
        "Track your requests: {waiting} waiting, {overdue} overdue.{next_due}",
        "Open requests",
        "requests",
    ),
}


class DashboardScreen(ExposureScreen):
    HELP = (
        "The dashboard sums up who holds your data and where your requests stand, and shows the next "
        "useful step. Press the key of a screen in the footer to go there."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "next_step", "Do the next step", show=False),
        Binding("k", "skip_step", "Skip the next step", show=False),
    ]
    #: The body (it scrolls on a small terminal) is focused right after the first frame, not
    #: before it: focusing it restyles every widget inside, and its focus does not show.
    AUTO_FOCUS = None

    @dataclass
    class Loaded(Message):
        summary: Summary

    def __init__(self) -> None:
        super().__init__()
        self.summary: Summary | None = None

    def compose_body(self) -> Iterable[Widget]:
        with VerticalScroll(id="dashboard"):
            yield Static(WELCOME, id="welcome", classes="panel")
            with Grid(id="dash-grid"):
                yield Static("Loading…", id="holders", classes="panel")
                yield Static("", id="requests", classes="panel")
                yield Static("", id="needs", classes="panel")
                with Vertical(id="next", classes="panel"):
                    yield Static("", id="path")
                    yield Static("", id="next-text")
                    with Horizontal(id="next-buttons"):
                        yield Button("Open", id="next-go", variant="primary", compact=True)
                        yield Button("Skip", id="next-skip", compact=True)

    def on_mount(self) -> None:
        for widget_id, title in (
            ("welcome", "Welcome"),
            ("holders", "Who holds your data"),
            ("requests", "Requests"),
            ("needs", "Needs you"),
            ("next", "Next step"),
        ):
            self.query_one(f"#{widget_id}").border_title = title
        self.query_one("#welcome").display = False
        self.call_after_refresh(self._focus_body)

    def _focus_body(self) -> None:
        if self.focused is None:
            self.query_one("#dashboard").focus(scroll_visible=False)

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="dashboard")
    def _load(self) -> None:
        from exposure.services.dashboard import summary

        self.post_message(self.Loaded(summary(self.xapp.db(), self.xapp.today())))

    def on_dashboard_screen_loaded(self, message: Loaded) -> None:
        self.summary = s = message.summary
        if s.organizations:
            self.xapp.prefetch_inventory()
        self.xapp.warm_up()
        self.xapp.set_profile_title(s.display_name if s.has_profile else None, s.region)
        first_run = not s.has_profile and s.organizations == 0
        self.set_class(first_run, "-first-run")
        self.query_one("#welcome").display = first_run
        for widget_id in ("holders", "requests", "needs"):
            self.query_one(f"#{widget_id}").display = not first_run
        self.query_one("#holders", Static).update(self._holders(s))
        self.query_one("#requests", Static).update(self._requests(s))
        self.query_one("#needs", Static).update(self._needs(s))
        self.query_one("#path", Static).update(self._path(s))
        self.query_one("#next-text", Static).update(self._next_text(s))
        go = self.query_one("#next-go", Button)
        skip = self.query_one("#next-skip", Button)
        if s.next_step is None:
            go.label = "Open inventory"
            skip.display = False
        else:
            go.label = f"{NEXT[s.next_step][1]} ({self._key(NEXT[s.next_step][2])})"
            skip.display = s.next_step != "track"

    @staticmethod
    def _key(mode: str) -> str:
        from exposure.tui.app import SCREENS

        return SCREENS[mode][2]

    def _holders(self, s: Summary) -> Text:
        from exposure.tui.format import category_label, plural

        text = Text()
        if s.organizations == 0:
            text.append("No organizations yet.\n", style="bold")
            text.append("Add sources (s) or pick organizations from the catalog (c).")
            return text
        text.append(plural(s.organizations, "organization"), style="bold")
        text.append("\n")
        text.append(f"{s.brokers:,} data brokers / people-search\n", style="bold red" if s.brokers else "")
        if s.breached:
            text.append(f"{s.breached:,} breached\n", style="bold yellow")
        cats = [f"{category_label(c)} {n:,}" for c, n in s.by_category.items()]
        text.append(" · ".join(cats) + "\n", style="dim")
        if s.sources:
            text.append("sources: " + " · ".join(f"{family} {n:,}" for family, n in s.sources.items()))
        return text

    def _requests(self, s: Summary) -> Text:
        from exposure.tui.format import plural

        r = s.requests
        text = Text()
        if not any(r.values()):
            text.append("No requests yet.\n", style="bold")
            text.append("After reviewing your inventory, ask the brokers to delete your data (r).")
            return text
        cells = [
            ("sent", r["sent"], ""),
            ("waiting", r["waiting"], ""),
            ("overdue (!)" if r["overdue"] else "overdue", r["overdue"], "bold red" if r["overdue"] else ""),
            ("needs action", r["needs_action"], "bold yellow" if r["needs_action"] else ""),
            ("done", r["done"], ""),
            ("refused", r["refused"], ""),
        ]
        for index, (label, count, style) in enumerate(cells):
            text.append(f"{count:>3} {label:<13}", style=style)
            text.append("\n" if index % 2 else " ")
        if r["drafts"]:
            text.append(f"{r['drafts']:>3} {'draft' if r['drafts'] == 1 else 'drafts'} not sent yet\n")
        if s.next_due:
            days = s.next_due["days"]
            when = "today" if days == 0 else f"in {plural(days, 'day')}"
            text.append(f"next due: {s.next_due['name']}, {when}")
        return text

    def _needs(self, s: Summary) -> Text:
        if not s.needs_you:
            return Text("Nothing needs you right now.", style="dim")
        return Text("\n".join(f"• {item}" for item in s.needs_you[:6]))

    def _path(self, s: Summary) -> Text:
        from exposure.services.dashboard import STEPS

        text = Text()
        for number, (step, _title) in enumerate(STEPS, 1):
            title = SHORT[step]
            state = s.steps.get(step, "todo")
            mark = {"done": "✓", "skipped": "–"}.get(state, "→" if step == s.next_step else " ")
            style = "bold reverse" if step == s.next_step else ("dim" if state != "todo" else "")
            text.append(f"{mark}{number} {title}", style=style)
            text.append("  ")
        return text

    def _next_text(self, s: Summary) -> str:
        from exposure.tui.format import plural

        if s.next_step is None:
            return "All caught up. Rescan your sources now and then: brokers list people again."
        due = ""
        if s.next_due:
            due = f" Next due: {s.next_due['name']}, in {plural(s.next_due['days'], 'day')}."
        return NEXT[s.next_step][0].format(
            organizations=plural(s.organizations, "organization"),
            brokers=plural(
                s.brokers, "data broker or people-search site", "data brokers and people-search sites"
            ),
            waiting=s.requests.get("waiting", 0),
            overdue=s.requests.get("overdue", 0),
            next_due=due,
        )

    @on(Button.Pressed, "#next-go")
    def action_next_step(self) -> None:
        step = self.summary.next_step if self.summary else "profile"
        self.xapp.action_go(NEXT[step][2] if step else "inventory")

    @on(Button.Pressed, "#next-skip")
    def action_skip_step(self) -> None:
        if self.summary and self.summary.next_step and self.summary.next_step != "track":
            self._skip(self.summary.next_step)

    @work(thread=True, exit_on_error=False, group="dashboard-write")
    def _skip(self, step: str) -> None:
        from exposure.services.dashboard import mark_step, summary

        conn = self.xapp.db()
        mark_step(conn, step, "skipped")
        self.post_message(self.Loaded(summary(conn, self.xapp.today())))
