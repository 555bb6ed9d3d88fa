"""The app footer: Textual's compact footer, built once per change of the keys it shows."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class AppFooter(Footer):
    """Textual's ``Footer(compact=True, show_command_palette=False)``, with the same keys and
    look, doing less work while the app starts:

    * each key is made compact before it is mounted. Textual adds the ``-compact`` class from a
      watcher once the key is mounted, which styles the key (and its two component classes) a
      second time: about 5 ms a key.
    * the keys are in the first frame, not in the next one.
    * the keys are rebuilt only when what they show changed. Textual rebuilds them after every
      change of the screen's bindings (focus moves, the screen resumes), three times before the
      dashboard's first frame settles, each the same.
    """

    def __init__(self) -> None:
        super().__init__(compact=True, show_command_palette=False)
        self._shown: tuple[Any, ...] | None = None

    def _keys_shown(self) -> tuple[Any, ...]:
        """What compose() would show now (it reads the same bindings)."""
        if not self._bindings_ready:
            return ()
        return tuple(
            (binding, enabled, tooltip)
            for (_node, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show
        )

    def compose(self) -> ComposeResult:
        if not self._bindings_ready and self.is_attached:
            # Textual's footer starts empty and shows its keys a frame later, once the screen
            # says its bindings are ready; the screen's bindings are known already (a change
            # until then, such as the first focus, rebuilds the keys: see recompose).
            self.set_reactive(Footer._bindings_ready, True)
        self._shown = self._keys_shown()
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget.add_class("-compact", update=False)
            yield widget

    async def recompose(self) -> None:
        if self.is_attached and self._shown is not None and self._keys_shown() == self._shown:
            return
        await super().recompose()
