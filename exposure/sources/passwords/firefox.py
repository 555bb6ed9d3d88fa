"""Firefox password CSV (every value quoted, times in epoch milliseconds)."""

from __future__ import annotations

from exposure.sources.base import Input, Record, RecordError
from exposure.sources.passwords.common import iso_from_epoch, skip
from exposure.sources.passwords.csvfile import CsvImporter, Row

_HEADER = (
    "url",
    "username",
    "password",
    "httpRealm",
    "formActionOrigin",
    "guid",
    "timeCreated",
    "timeLastUsed",
    "timePasswordChanged",
)


class FirefoxCsv(CsvImporter):
    format = "firefox_csv"
    label = "Firefox CSV"
    headers = (_HEADER,)
    required = frozenset({"url", "username", "password", "httpRealm", "formActionOrigin", "guid"})

    def row(self, src: Input, where: str, row: Row) -> Record | RecordError:
        url = row.get("url")
        if url.lower().startswith("chrome://"):
            # chrome://FirefoxAccounts holds Firefox Sync key material, not a site login.
            return skip(where, "Firefox internal entry")
        return self.login(
            src,
            where,
            urls=[url],
            identifiers=[row.get("username")],
            created=iso_from_epoch(row.get("timeCreated"), millis=True),
            modified=iso_from_epoch(row.get("timePasswordChanged"), millis=True),
            last_used=iso_from_epoch(row.get("timeLastUsed"), millis=True),
            item_id=row.get("guid"),
        )
