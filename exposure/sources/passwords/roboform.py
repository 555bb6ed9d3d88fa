"""RoboForm CSV (rows are ragged: ``RfFieldsV2`` spills over any number of columns)."""

from __future__ import annotations

from exposure.sources.base import Input, Record, RecordError
from exposure.sources.passwords.common import skip
from exposure.sources.passwords.csvfile import CsvImporter, Row

_BASE = ("Name", "Url", "MatchUrl", "Login", "Pwd", "Note", "Folder")


def unescape(value: str) -> str:
    """RoboForm prefixes a value starting with @ or ' with a ' (spreadsheet escaping)."""
    if len(value) > 1 and value[0] == "'" and value[1] in "@'":
        return value[1:]
    return value


class RoboFormCsv(CsvImporter):
    format = "roboform_csv"
    label = "RoboForm CSV"
    headers = ((*_BASE, "RfFieldsV2"), (*_BASE, "Rf_fields"))
    extra = "ignore"

    def row(self, src: Input, where: str, row: Row) -> Record | RecordError:
        login = unescape(row.get("Login"))
        match_url, url = unescape(row.get("MatchUrl")), unescape(row.get("Url"))
        if not login and not row.get("Pwd"):
            return skip(where, "bookmark" if url else "note")
        return self.login(
            src,
            where,
            title=unescape(row.get("Name")),
            urls=[match_url or url],
            identifiers=[login],
        )
