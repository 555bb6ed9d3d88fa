"""Chrome, Edge and Brave password CSV (``name,url,username,password[,note]``)."""

from __future__ import annotations

from collections.abc import Iterator

from exposure.core.progress import CancelToken, Progress
from exposure.sources.base import Input, Item, Record, RecordError
from exposure.sources.passwords.common import single_login
from exposure.sources.passwords.csvfile import CsvImporter, Row, iter_rows


class ChromeCsv(CsvImporter):
    format = "chrome_csv"
    label = "Chrome / Edge / Brave CSV"
    headers = (("name", "url", "username", "password", "note"), ("name", "url", "username", "password"))

    def parse(self, src: Input, progress: Progress, cancel: CancelToken | None = None) -> Iterator[Item]:
        # What CsvImporter.parse does, reading the three cells by position (no Row per row):
        # a browser's export can have many thousands of rows.
        dialect = self.dialect(src)
        columns = {name: i for i, name in enumerate(dialect.header)}
        name_at, url_at, user_at = columns["name"], columns["url"], columns["username"]
        width = max(name_at, url_at, user_at) + 1
        fmt, label = self.format, self.label
        for item in iter_rows(src, dialect, extra=self.extra, cancel=cancel):
            if isinstance(item, RecordError):
                yield item
                continue
            where, cells = item
            if len(cells) < width:
                yield self.row(src, where, Row(cells, columns))
                continue
            yield single_login(fmt, label, src, where, cells[name_at], cells[url_at], cells[user_at])

    def row(self, src: Input, where: str, row: Row) -> Record | RecordError:
        return self.login(
            src,
            where,
            title=row.get("name"),
            urls=[row.get("url")],
            identifiers=[row.get("username")],
        )
