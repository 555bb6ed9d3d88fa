"""The project's error types.

Every error a user can meet is an :class:`ExposureError` whose ``str()`` is one readable line:
what went wrong, where (file, line or record) and what to do. The CLI prints it and exits 1;
the TUI shows it in a notification. Anything else escaping is a bug.
"""

from __future__ import annotations


class ExposureError(Exception):
    """A user-facing error with a one-line message."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        # Never let a newline into the message: it must stay one line (and CR/LF in user
        # data must never be echoed back raw).
        one_line = " ".join(message.split())
        super().__init__(one_line)
        self.message = one_line
        self.hint = " ".join(hint.split()) if hint else None

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ValidationError(ExposureError):
    """A value given by the user is not acceptable (profile fields, settings, arguments)."""


class SourceError(ExposureError):
    """An input file, folder or mailbox cannot be read, or is refused (e.g. encrypted).

    ``where`` names the file and, where known, the line or record; ``format`` is what the
    file was recognized as, if anything.
    """

    def __init__(
        self, message: str, *, where: str | None = None, format: str | None = None, hint: str | None = None
    ) -> None:
        super().__init__(f"{where}: {message}" if where else message, hint=hint)
        self.where = where
        self.format = format
        self.reason = " ".join(message.split())


class NetworkError(ExposureError):
    """A network action the user asked for failed (timeout, TLS, HTTP status, refused login)."""


class SecretError(ExposureError):
    """A secret is missing, or no keyring backend is available."""


class NotFound(ExposureError):
    """A named thing (organization, request, setting) does not exist."""


class Cancelled(ExposureError):
    """Long work was cancelled by the user; what was done before is kept."""

    def __init__(self, message: str = "cancelled") -> None:
        super().__init__(message)
