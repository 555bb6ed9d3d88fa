"""The shared CSV reader for exports.

- Decoding: UTF-8 with or without BOM, UTF-16 with BOM, else cp1252 (a whole BOM-less file
  is checked as UTF-8 first, streaming, so a late non-UTF-8 byte is not misread).
- Delimiters: ``,`` then ``;`` then tab (spreadsheet re-saves), chosen by which one makes the
  header match the format.
- Headers are matched exactly (case-sensitive) after stripping BOM, quotes and blanks; a few
  formats also accept a superset of their required columns.
- Rows stream (constant memory), quoted newlines are fine, short rows are padded, long rows are
  reported (or kept, for formats whose rows are ragged by design). Errors name the row and line,
  never a cell's content.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import ClassVar

from exposure.core.errors import SourceError
from exposure.core.progress import CancelToken, Progress
from exposure.sources.base import READ_ERRORS, Input, Item, Record, RecordError, error_reason
from exposure.sources.passwords.common import LoginImporter

DELIMITERS = (",", ";", "\t")
_FIELD_LIMIT = 16 * 1024 * 1024
_MAX_ERRORS_IN_A_ROW = 1000

if csv.field_size_limit() < _FIELD_LIMIT:
    csv.field_size_limit(_FIELD_LIMIT)


@dataclass(frozen=True, slots=True)
class Dialect:
    encoding: str
    errors: str
    delimiter: str
    header: tuple[str, ...]
    width: int  #: cells in the header line, trailing empty ones included (spreadsheet re-saves)


def sniff_encoding(src: Input) -> tuple[str, str]:
    """(encoding, errors) for a text export."""
    if "encoding" in src.cache:
        return src.cache["encoding"]  # type: ignore[no-any-return]
    head = src.head()
    if head.startswith(codecs.BOM_UTF8):
        result = ("utf-8-sig", "replace")
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        result = ("utf-16", "replace")
    else:
        result = ("utf-8", "strict") if _is_utf8(src) else ("cp1252", "replace")
    src.cache["encoding"] = result
    return result


def _is_utf8(src: Input) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with src.open(counted=False) as f:
            while chunk := f.read(1 << 20):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    except READ_ERRORS as exc:
        raise SourceError(f"cannot read the file ({error_reason(exc)})", where=src.name) from exc
    return True


def head_text(src: Input) -> str:
    encoding, _ = sniff_encoding(src)
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    return decoder.decode(src.head(), final=False)


def _clean_header(cells: Sequence[str]) -> tuple[str, ...]:
    out = [c.replace("\ufeff", "").strip().strip('"').strip() for c in cells]
    while out and not out[-1]:
        out.pop()
    return tuple(out)


def headers(src: Input) -> list[tuple[str, tuple[str, ...], int]]:
    """(delimiter, header cells, raw width) for each delimiter that splits the first record."""
    text = head_text(src)
    first_line = text.split("\n", 1)[0]
    if not text or "\x00" in first_line:
        return []
    out: list[tuple[str, tuple[str, ...], int]] = []
    for delimiter in DELIMITERS:
        try:
            first = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
        except csv.Error:
            continue
        header = _clean_header(first)
        if header:
            out.append((delimiter, header, len(first)))
    return out


class CsvImporter(LoginImporter):
    """An importer for one CSV format of logins; subclasses say which headers they accept."""

    #: Exact header alternatives.
    headers: ClassVar[tuple[tuple[str, ...], ...]] = ()
    #: If set, any header holding all these columns is accepted too (checked after exact ones).
    required: ClassVar[frozenset[str] | None] = None
    #: What to do with cells beyond the header: "error" (report the row), "ignore", "keep".
    extra: ClassVar[str] = "error"

    def matches_exact(self, header: tuple[str, ...]) -> bool:
        return header in self.headers

    def matches_superset(self, header: tuple[str, ...]) -> bool:
        return self.required is not None and self.required.issubset(header)

    def dialect(self, src: Input) -> Dialect:
        cached = src.cache.get("csv")
        if isinstance(cached, Dialect):
            return cached
        candidates = headers(src)
        encoding, errors = sniff_encoding(src)
        for check in (self.matches_exact, self.matches_superset):
            for delimiter, header, width in candidates:
                if check(header):
                    dialect = Dialect(encoding, errors, delimiter, header, width)
                    src.cache["csv"] = dialect
                    return dialect
        expected = ",".join(self.headers[0]) if self.headers else ",".join(sorted(self.required or ()))
        raise SourceError(
            f"the header is not that of a {self.label} export",
            where=src.name,
            format=self.format,
            hint=f"expected the columns {expected}",
        )

    def parse(self, src: Input, progress: Progress, cancel: CancelToken | None = None) -> Iterator[Item]:
        dialect = self.dialect(src)
        columns = {name: i for i, name in enumerate(dialect.header)}
        for item in iter_rows(src, dialect, extra=self.extra, cancel=cancel):
            if isinstance(item, RecordError):
                yield item
                continue
            where, cells = item
            yield self.row(src, where, Row(cells, columns))

    def row(self, src: Input, where: str, row: Row) -> Record | RecordError:
        raise NotImplementedError


class Row:
    """One CSV row addressed by column name; a missing cell reads as ''."""

    __slots__ = ("cells", "columns")

    def __init__(self, cells: list[str], columns: dict[str, int]) -> None:
        self.cells = cells
        self.columns = columns

    def get(self, name: str) -> str:
        i = self.columns.get(name)
        if i is None or i >= len(self.cells):
            return ""
        return self.cells[i].strip()

    def __len__(self) -> int:
        return len(self.cells)


#: Bytes decoded (and read from the file) at a time.
_READ_CHUNK = 1 << 16


def iter_rows(
    src: Input, dialect: Dialect, *, extra: str = "error", cancel: CancelToken | None = None
) -> Iterator[tuple[str, list[str]] | RecordError]:
    """Yield (where, cells) per data row, or a RecordError for a row that cannot be read."""
    width = len(dialect.header)
    try:
        binary = src.open()
    except SourceError:
        raise
    with io.TextIOWrapper(binary, encoding=dialect.encoding, errors=dialect.errors, newline="") as text:
        # Decode 64 KiB at a time, not 8: each chunk is one read of the file, and each read
        # lets another thread (the ingest's writer) take the GIL, which this thread then waits
        # to get back.
        text._CHUNK_SIZE = _READ_CHUNK  # type: ignore[attr-defined]
        reader = csv.reader(text, delimiter=dialect.delimiter, strict=False)
        row_number = 1
        errors_in_a_row = 0
        try:
            next(reader)  # the header
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            raise SourceError(f"cannot read the header ({_csv_reason(exc)})", where=src.name) from exc
        except READ_ERRORS as exc:
            raise SourceError(f"cannot read the file ({error_reason(exc)})", where=src.name) from exc
        line = reader.line_num  # the line the previous row ended on
        while True:
            try:
                # A for loop over the reader (rather than next() per row): this runs per row.
                for cells in reader:
                    row_number += 1
                    start_line = line + 1
                    line = reader.line_num
                    errors_in_a_row = 0
                    if cells and (len(cells) > 1 or cells[0].strip()):  # else a blank line
                        if len(cells) > width:
                            if extra == "error" and len(cells) > dialect.width:
                                yield RecordError(
                                    _where(row_number, start_line),
                                    f"has {len(cells)} fields but the header has {dialect.width} "
                                    "(a field with an unquoted comma or quote?); skipped",
                                )
                                cells = []
                            elif extra != "keep":
                                del cells[width:]
                        if cells:
                            yield (
                                (
                                    f"row {row_number}"
                                    if row_number == start_line
                                    else f"row {row_number} (line {start_line})"
                                ),
                                cells,
                            )
                    if cancel is not None and row_number % 512 == 0:
                        cancel.check()
                return
            except (csv.Error, UnicodeDecodeError) as exc:
                row_number += 1
                start_line = line + 1
                line = reader.line_num
                errors_in_a_row += 1
                if errors_in_a_row > _MAX_ERRORS_IN_A_ROW:
                    raise SourceError(
                        f"too many unreadable rows in a row (last at line {start_line})",
                        where=src.name,
                    ) from exc
                yield RecordError(
                    _where(row_number, start_line), f"cannot read this row ({_csv_reason(exc)})"
                )
                if cancel is not None and row_number % 512 == 0:
                    cancel.check()
            except READ_ERRORS as exc:
                raise SourceError(
                    f"cannot read the file after line {line + 1} ({error_reason(exc)})", where=src.name
                ) from exc


def _where(row: int, line: int) -> str:
    return f"row {row}" if row == line else f"row {row} (line {line})"


def _csv_reason(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "invalid text encoding"
    return str(exc).splitlines()[0][:120] if str(exc) else "malformed"


def split_one_row(cell: str) -> list[str]:
    """Split a cell holding several comma-joined values the way a one-row CSV parse does."""
    if "," not in cell:
        return [cell]
    try:
        return next(csv.reader([cell]), [])
    except csv.Error:
        return cell.split(",")
