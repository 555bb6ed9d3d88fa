"""NordPass CSV (logins have ``type`` password; cards, notes, identities, folders are skipped)."""

from __future__ import annotations

from exposure.sources.base import Input, Record, RecordError
from exposure.sources.passwords.common import json_urls, skip
from exposure.sources.passwords.csvfile import CsvImporter, Row

_CURRENT = (
    "name",
    "url",
    "additional_urls",
    "username",
    "password",
    "note",
    "cardholdername",
    "cardnumber",
    "cvc",
    "pin",
    "expirydate",
    "zipcode",
    "folder",
    "full_name",
    "phone_number",
    "email",
    "address1",
    "address2",
    "city",
    "country",
    "state",
    "type",
    "custom_fields",
)
#: The header before NordPass added additional_urls, pin and custom_fields.
_LEGACY = tuple(c for c in _CURRENT if c not in ("additional_urls", "pin", "custom_fields"))


class NordPassCsv(CsvImporter):
    format = "nordpass_csv"
    label = "NordPass CSV"
    headers = (_CURRENT, _LEGACY)
    required = frozenset(_LEGACY)

    def row(self, src: Input, where: str, row: Row) -> Record | RecordError:
        kind = row.get("type").lower()
        if kind != "password":
            return skip(where, kind.replace("_", " ") or "not a login")
        return self.login(
            src,
            where,
            title=row.get("name"),
            urls=[row.get("url"), *json_urls(row.get("additional_urls"))],
            identifiers=[row.get("username")],
        )
