"""The Textual TUI. Imported only when the TUI is opened.

Conventions for screens (see ``app.py``): every database call runs in a thread worker
(``@work(thread=True, exit_on_error=False)``) that gets its own connection with
``self.app.db()`` and posts its result back as a message; failures reach the app's one
``Worker.StateChanged`` handler, which shows a one-line notification. After a write, call
``app.data_changed()`` so other screens reload when they are shown again.
"""


def run_tui() -> int:
    from exposure.tui.app import ExposureApp

    ExposureApp().run()
    return 0
