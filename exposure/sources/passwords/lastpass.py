"""LastPass CSV (web vault and browser extension exports)."""

from __future__ import annotations

import html

from exposure.sources.base import Input, Record, RecordError
from exposure.sources.passwords.common import skip
from exposure.sources.passwords.csvfile import CsvImporter, Row

_HEADER = ("url", "username", "password", "totp", "extra", "name", "grouping", "fav")
_HEADER_OLD = ("url", "username", "password", "extra", "name", "grouping", "fav")


class LastPassCsv(CsvImporter):
    format = "lastpass_csv"
    label = "LastPass CSV"
    headers = (_HEADER, _HEADER_OLD)
    # LastPass does not always quote fields holding commas: such rows are longer than the
    # header. url and username come first and name/grouping/fav last, so read those from
    # each end (the overflow sits in password/extra between them).
    extra = "keep"

    def row(self, src: Input, where: str, row: Row) -> Record | RecordError:
        width = len(row.columns)
        if len(row) > width:
            cells = row.cells
            url, username = cells[0], cells[1]
            name = cells[len(cells) - (width - row.columns["name"])]
        else:
            url, username, name = row.get("url"), row.get("username"), row.get("name")
        url = html.unescape(url.strip())
        if url == "http://sn":
            return skip(where, "secure note")
        return self.login(
            src,
            where,
            title=html.unescape(name),
            urls=[url],
            identifiers=[html.unescape(username)],
        )
