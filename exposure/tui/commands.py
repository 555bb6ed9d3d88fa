"""Command palette (ctrl+p): every screen, every action of the current screen, every source."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from exposure.tui.app import ExposureApp

Command = tuple[str, str, Callable[[], Any]]


class ExposureCommands(Provider):
    """Commands for navigation, the current screen's bindings and adding sources."""

    def commands(self) -> list[Command]:
        from exposure.tui.app import SCREENS
        from exposure.tui.screens.help import own_bindings
        from exposure.tui.screens.sources import FEATURES

        app = cast("ExposureApp", self.app)
        screen = self.screen
        out: list[Command] = []
        # The current screen's actions first: the most likely wanted.
        name = type(screen).__name__.removesuffix("Screen")
        seen: set[str] = set()
        for binding in own_bindings(screen):
            if binding.description and binding.description not in seen:
                seen.add(binding.description)
                out.append(
                    (
                        f"{name}: {binding.description}",
                        f"key {app.get_key_display(binding)}",
                        partial(app.run_action, binding.action, screen),
                    )
                )
        for mode, (_module, _cls, key, label) in SCREENS.items():
            shown = "," if key == "comma" else key
            out.append(
                (f"Go to {label}", f"Show the {label} screen (key {shown})", partial(app.action_go, mode))
            )
        out.append(("Help", "The keys of the current screen (key ?)", app.action_help))
        for feature, (_module, _cls, label, key) in FEATURES.items():
            out.append(
                (label, f"Add a source (Sources screen, key {key})", partial(self._open_feature, feature))
            )
        return out

    async def _open_feature(self, feature: str) -> None:
        app = cast("ExposureApp", self.app)
        await app.switch_mode("sources")
        opener = cast(Callable[[str], Awaitable[None] | None], app.screen.action_open_feature)  # type: ignore[attr-defined]
        opener(feature)

    async def discover(self) -> Hits:
        for title, help_text, command in self.commands():
            yield DiscoveryHit(title, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, command in self.commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), command, help=help_text)
