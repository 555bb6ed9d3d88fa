"""Finding message boundaries in an mbox stream and handing out header blocks, near grep speed.

An mbox is a run of messages, each starting with a ``From `` line (the "From_ line") that
follows a blank line (or starts the file). Bodies are mboxrd-escaped (``>From ``), so a body
line never starts with ``From ``; a ``From `` line after a non-blank line still counts when it
looks exactly like a From_ line (``From sender Www Mmm dd ...``), as some writers forget the
blank line. LF, CRLF and mixed files are all read.

The file is read in large binary chunks into one reused buffer; boundaries and header ends are
found with ``bytes.find`` (C speed); only each header block (a few KB) is copied out. Memory
stays bounded by the chunk size plus the header limit whatever the file size.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import IO

from exposure.core.errors import SourceError
from exposure.core.progress import CancelToken

CHUNK = 4 << 20
#: A header block larger than this is cut here (the rest of the message is skipped).
MAX_HEADER = 256 << 10
#: Bytes kept at the end of a chunk so a boundary split across two reads is still found.
_TAIL = 16

_FROM_LINE = re.compile(
    rb"From \S+ +(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),? +)?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d"
)

_HEADER_END = re.compile(rb"\n\r?\n")

Report = Callable[[str, str], None]  #: (where, one-line message)


def looks_like_mbox(head: bytes) -> bool:
    """True if the first bytes of a file are an mbox's first From_ line."""
    head = head.lstrip(b"\xef\xbb\xbf\r\n")
    return head.startswith(b"From ") and (b"\n" in head[:4096] or len(head) < 4096)


class _Buffer:
    """A reused read buffer: ``data[:size]`` holds the unread part of the stream."""

    __slots__ = ("data", "size", "eof", "read_into", "offset", "on_bytes", "cancel")

    def __init__(
        self,
        stream: IO[bytes],
        capacity: int,
        on_bytes: Callable[[int], None] | None,
        cancel: CancelToken | None,
    ) -> None:
        self.data = bytearray(capacity)
        self.size = 0
        self.eof = False
        self.offset = 0  #: stream offset of data[0]
        reader = getattr(stream, "readinto", None)
        self.read_into: Callable[[memoryview], int | None] = (
            reader if reader is not None else _read_into_via_read(stream)
        )
        self.on_bytes = on_bytes
        self.cancel = cancel

    def refill(self, keep_from: int) -> int:
        """Drop ``data[:keep_from]``, read more after what is kept; returns the shift applied."""
        if self.cancel is not None:
            self.cancel.check()
        data = self.data
        kept = self.size - keep_from
        if keep_from:
            data[:kept] = data[keep_from : self.size]
        room = len(data) - kept
        if room < len(data) // 4:  # a long header kept: grow rather than read tiny pieces
            data.extend(bytes(len(data)))
            room = len(data) - kept
        view = memoryview(data)
        try:
            n = self.read_into(view[kept:]) or 0
        finally:
            view.release()
        self.size = kept + n
        self.offset += keep_from
        if n == 0:
            self.eof = True
        elif self.on_bytes is not None:
            self.on_bytes(n)
        return keep_from


def _read_into_via_read(stream: IO[bytes]) -> Callable[[memoryview], int]:
    def read_into(view: memoryview) -> int:
        chunk = stream.read(len(view))
        n = len(chunk)
        view[:n] = chunk
        return n

    return read_into


def _is_boundary(data: bytearray, j: int, size: int) -> bool:
    """``data[j]`` is the newline before ``From ``: is that line a message boundary?"""
    prev = data[j - 1] if j >= 1 else 10
    if prev == 10 or (prev == 13 and j >= 2 and data[j - 2] == 10):
        return True
    return _FROM_LINE.match(data, j + 1, min(size, j + 200)) is not None


def iter_header_blocks(
    stream: IO[bytes],
    where: str,
    report: Report,
    *,
    chunk_size: int = CHUNK,
    max_header: int = MAX_HEADER,
    on_bytes: Callable[[int], None] | None = None,
    cancel: CancelToken | None = None,
    start: int = 0,
    stop: int | None = None,
) -> Iterator[bytes]:
    """Yield each message's header block (starting with the newline that ends its From_ line).

    Problems (a cut header, a truncated file, junk before the first message) are passed to
    ``report(where, message)`` and the scan goes on; a stream that is not an mbox at all
    raises :class:`SourceError`.

    ``start`` and ``stop`` (byte offsets, seekable streams only) restrict the scan to the
    messages whose From_ line starts in ``[start, stop)``: parallel workers split a large file
    this way and together see every message exactly once.
    """
    buf = _Buffer(stream, chunk_size + max_header + _TAIL, on_bytes, cancel)
    if start > 0:
        start = max(start, 3)
        stream.seek(start - 3)
        buf.offset = start - 3
    buf.refill(0)
    data = buf.data
    find = data.find
    if buf.size == 0:
        return
    pos = 0
    if start > 0:
        found = _next_boundary(buf, 2)
        if found is None:
            return
        pos = found
        data, find = buf.data, buf.data.find
    else:
        # A byte-order mark or blank lines before the first From_ line are tolerated.
        while pos < buf.size and data[pos] in (0xEF, 0xBB, 0xBF, 13, 10):
            pos += 1
        if not data.startswith(b"From ", pos):
            found = _next_boundary(buf, pos)
            if found is None:
                raise SourceError(
                    "not an mbox file (no 'From ' line starts a message)",
                    where=where,
                    format="mbox",
                    hint="give an mbox file, a Maildir folder, a folder of .eml files or a Takeout archive",
                )
            pos = found
            data, find = buf.data, buf.data.find
            report(where, f"skipped {buf.offset + pos} bytes before the first message")
    header_end = _HEADER_END.search
    stop_at = stop if stop is not None else 1 << 62
    size = buf.size
    match_from_line = _FROM_LINE.match
    while True:
        if buf.offset + pos >= stop_at:
            return
        # 1. The From_ line.
        nl = find(b"\n", pos, size)
        while nl < 0 and not buf.eof:
            pos -= buf.refill(pos)
            data, find, size = buf.data, buf.data.find, buf.size
            nl = find(b"\n", pos, size)
        at = buf.offset + pos
        if nl < 0:
            report(where, f"the file ends inside the first line of the message at byte {at} (truncated?)")
            yield b"\n"
            return
        # 2. The end of the header: the first blank line ("\n\n", or "\n\r\n" with CRLF).
        while True:
            limit = min(size, nl + max_header + 2)
            m = header_end(data, nl, limit)
            he = m.start() if m is not None else -1
            if he >= 0 or buf.eof or limit < size:
                break
            shift = buf.refill(pos)
            pos, nl = pos - shift, nl - shift
            data, find, size = buf.data, buf.data.find, buf.size
        body = he + 1
        if he < 0:
            if buf.eof and size - nl <= max_header:
                he = body = size
                if size - nl > 2:
                    report(where, f"the file ends inside the header of the message at byte {at} (truncated?)")
            else:
                he = body = nl + max_header
                report(
                    where,
                    f"the message at byte {at} has a header over {max_header // 1024} KB; "
                    "only its first part was read",
                )
        # 3. The next "From " line. One inside the header is a From_ line that follows a
        #    message with no blank line (it ends this header); the first after it is where the
        #    body search starts.
        j = find(b"\nFrom ", nl + 1, size)
        while 0 <= j < he:
            if match_from_line(data, j + 1, min(size, j + 200)):
                break
            j = find(b"\nFrom ", j + 1, size)
        if 0 <= j < he:
            yield bytes(data[nl:j])
            pos = j + 1
            continue
        yield bytes(data[nl:he])
        # 4. Skip the body: the next boundary is a "From " line after a blank line (or one
        #    that looks exactly like a From_ line).
        while True:
            if j < 0:
                if buf.eof:
                    return
                # keep two bytes before the search start: the blank-line test looks back
                keep = max(0, max(body, size - _TAIL) - 2)
                body = max(0, body - buf.refill(keep))
                data, find, size = buf.data, buf.data.find, buf.size
                if buf.eof and size == 0:
                    return
                j = find(b"\nFrom ", body, size)
                continue
            prev = data[j - 1] if j >= 1 else 10
            if (
                prev == 10
                or (prev == 13 and j >= 2 and data[j - 2] == 10)
                or match_from_line(data, j + 1, min(size, j + 200))
            ):
                pos = j + 1
                break
            body = j + 1
            j = find(b"\nFrom ", body, size)


def _next_boundary(buf: _Buffer, pos: int) -> int | None:
    """Index in ``buf.data`` of the first message start after ``pos``, reading on as needed."""
    while True:
        j = buf.data.find(b"\nFrom ", pos, buf.size)
        while j >= 0 and not _is_boundary(buf.data, j, buf.size):
            j = buf.data.find(b"\nFrom ", j + 1, buf.size)
        if j >= 0:
            return j + 1
        if buf.eof:
            return None
        keep = max(0, max(pos, buf.size - _TAIL) - 2)
        pos = max(0, pos - buf.refill(keep))
