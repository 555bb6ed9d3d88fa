"""Chrome, Edge and Brave password CSV (``name,url,username,password[,note]``)."""

from __future__ import annotations

from exposure.sources.base import Input, Record, RecordError
from exposure.sources.passwords.common import login_record
from exposure.sources.passwords.csvfile import CsvImporter, Row


class ChromeCsv(CsvImporter):
    format = "chrome_csv"
    label = "Chrome / Edge / Brave CSV"
    headers = (("name", "url", "username", "password", "note"), ("name", "url", "username", "password"))

    def row(self, src: Input, where: str, row: Row) -> Record | RecordError:
        return login_record(
            self.format,
            self.label,
            src,
            where,
            title=row.get("name"),
            urls=[row.get("url")],
            identifiers=[row.get("username")],
        )
