"""The Textual TUI. Imported only when the TUI is opened.

Conventions for screens (see ``app.py``): every database call runs in a thread worker
(``@work(thread=True, exit_on_error=False)``) that gets its own connection with
``self.app.db()`` and posts its result back as a message; failures reach the app's one
``Worker.StateChanged`` handler, which shows a one-line notification. After a write, call
``app.data_changed()`` so other screens reload when they are shown again.
"""


def run_tui() -> int:
    """Run the TUI until the user quits.

    Python's cycle collector is paused while Textual is imported and the first frame is built
    (about a tenth of a second of collections over objects that all stay alive); the app
    resumes it right after the first frame, with those start-up objects frozen out of later
    collections (``gc.freeze``).
    """
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        from exposure.tui.app import ExposureApp

        ExposureApp(resume_gc=was_enabled).run()
    finally:
        if was_enabled:
            gc.enable()
    return 0
