"""Safari / Apple Passwords CSV (``Title,URL,Username,Password,Notes,OTPAuth``)."""

from __future__ import annotations

from exposure.sources.base import Input, Record, RecordError
from exposure.sources.passwords.csvfile import CsvImporter, Row


class SafariCsv(CsvImporter):
    format = "apple_passwords_csv"
    label = "Safari / Apple Passwords CSV"
    # Exact: 1Password's header starts Title,Url,... (lower-case "rl"), Safari <= 14 wrote Url.
    headers = (
        ("Title", "URL", "Username", "Password", "Notes", "OTPAuth"),
        ("Title", "Url", "Username", "Password"),
    )

    def row(self, src: Input, where: str, row: Row) -> Record | RecordError:
        return self.login(
            src,
            where,
            title=row.get("Title"),
            urls=[row.get("URL") or row.get("Url")],
            identifiers=[row.get("Username")],
        )
