"""The Textual TUI. Imported only when the TUI is opened."""


def run_tui() -> int:
    from exposure.tui.app import ExposureApp

    ExposureApp().run()
    return 0
