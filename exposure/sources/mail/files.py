"""Finding mail under the paths the user gives, and reading it.

Recognised: mbox files (Google Takeout, Thunderbird; any name, detected by content), Maildir
folders (``cur``/``new``, with Maildir++ ``.Sub`` folders), folders of ``.eml`` files
(recursive), single ``.eml`` files, gzip-compressed mbox files, and the mbox / .eml members of
a zip or tar(.gz) archive such as a Google Takeout download (streamed, never extracted).

Each *unit* read (one mbox, one Maildir folder, the .eml files under one folder) gets its own
:class:`MailAggregator`: one finding per sender domain and unit, so rescanning a unit replaces
its counts instead of adding them.
"""

from __future__ import annotations

import io
import os
import re
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any

from exposure.core.errors import Cancelled, SourceError
from exposure.core.progress import CancelToken
from exposure.sources.mail.aggregate import MailAggregator, MailFlags
from exposure.sources.mail.mbox import CHUNK, MAX_HEADER, iter_header_blocks, looks_like_mbox

Report = Callable[[str, str], None]  #: (where, one-line message)
OnBytes = Callable[[int], None]

#: Folder names (lower case, any language we know) whose mail the user sent.
SENT_NAMES = frozenset(
    {
        "sent",
        "sent mail",
        "sent items",
        "sent messages",
        "sent-mail",
        "gesendet",
        "gesendete elemente",
        "gesendete objekte",
        "envoyés",
        "éléments envoyés",
        "messages envoyés",
        "enviados",
        "elementos enviados",
        "posta inviata",
        "inviati",
        "verzonden",
        "verzonden items",
    }
)
#: Folder names whose mail is spam: it proves nothing about the sender.
SPAM_NAMES = frozenset(
    {
        "spam",
        "junk",
        "junk e-mail",
        "junk email",
        "junk mail",
        "bulk mail",
        "unerwünscht",
        "courrier indésirable",
        "correo no deseado",
        "posta indesiderata",
    }
)
_HEADER_LINE = re.compile(rb"[\x21-\x39\x3b-\x7e]{1,80}[ \t]*:")
_ARCHIVE_SUFFIXES = (".zip", ".tgz", ".tar.gz", ".tar", ".tar.bz2", ".tar.xz")
_SKIP_FILES = frozenset({".msf", ".dat", ".json", ".html", ".sqlite", ".db", ".idx", ".index"})
#: At most this many "not a mail message" lines per unit; then one summary line.
_MAX_FILE_REPORTS = 20


def folder_flags(name: str) -> MailFlags:
    """Sent / spam flags from a folder or file name (``Sent``, ``[Gmail]/Spam``, ``.Junk``)."""
    last = re.split(r"[/\\.]", name.strip().strip("/"))[-1] if name.strip(" ./") else name
    stem = last.lower().removesuffix(".mbox").strip()
    return MailFlags(sent=stem in SENT_NAMES, spam=stem in SPAM_NAMES)


@dataclass
class MailInput:
    """Something to read: a file or folder, and what it was recognised as."""

    kind: str  #: "mbox", "mbox.gz", "maildir", "eml", "emls" (a folder of .eml), "zip", "tar"
    path: Path
    size: int  #: bytes, for progress
    files: list[Path] = field(default_factory=list)  #: the .eml files of an "emls" input

    @property
    def location(self) -> str:
        return str(self.path)


@dataclass
class MailUnit:
    """What one unit gave: its aggregator, and whether it was read to the end."""

    source: str  #: Finding.source kind: "mbox", "maildir" or "eml"
    location: str
    aggregator: MailAggregator
    complete: bool = True


# -- discovery ---------------------------------------------------------------------------------
def discover(paths: list[Path], report: Report) -> list[MailInput]:
    """The mail inputs under ``paths``; what cannot be read is reported, not raised."""
    inputs: list[MailInput] = []
    for path in paths:
        try:
            found = _discover_one(path)
        except SourceError as exc:
            report_error(report, exc, str(path))
            continue
        except OSError as exc:
            report(str(path), f"cannot read ({exc.strerror or type(exc).__name__})")
            continue
        if not found:
            report(str(path), "no mail found (no mbox, Maildir or .eml files)")
        inputs.extend(found)
    return inputs


def _discover_one(path: Path) -> list[MailInput]:
    if not path.exists():
        raise SourceError("no such file or folder", where=str(path))
    if path.is_dir():
        return _discover_dir(path)
    return [_classify_file(path, explicit=True)]


def _classify_file(path: Path, *, explicit: bool) -> MailInput:
    name = path.name.lower()
    size = path.stat().st_size
    if name.endswith(".zip"):
        return MailInput("zip", path, _zip_mail_size(path) or size)
    if name.endswith(_ARCHIVE_SUFFIXES):
        return MailInput("tar", path, size)
    with path.open("rb") as f:
        head = f.read(4096)
    if name.endswith(".gz"):
        return MailInput("mbox.gz", path, size)
    if looks_like_mbox(head):
        return MailInput("mbox", path, size)
    if name.endswith(".eml") or (explicit and _looks_like_header(head)):
        return MailInput("eml", path, size)
    if not head:
        raise SourceError("the file is empty", where=str(path))
    raise SourceError(
        "not a mail file (neither an mbox nor a message)",
        where=str(path),
        hint="give an mbox file, a Maildir folder, a folder of .eml files or a Takeout .zip/.tgz",
    )


def _zip_mail_size(path: Path) -> int:
    """Uncompressed bytes of a zip's mail members (progress counts those), 0 if unknown."""
    try:
        with zipfile.ZipFile(path) as archive:
            return sum(i.file_size for i in archive.infolist() if _member_kind(i.filename))
    except _ZIP_ERRORS:
        return 0


def _looks_like_header(head: bytes) -> bool:
    head = head.lstrip(b"\xef\xbb\xbf\r\n")
    if head.startswith(b"From ") and b"\n" in head:
        head = head.split(b"\n", 1)[1]
    return _HEADER_LINE.match(head) is not None


def _is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() and (path / "new").is_dir()


def _discover_dir(root: Path) -> list[MailInput]:
    inputs: list[MailInput] = []
    emls: list[Path] = []
    eml_size = 0
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames.sort()
        if _is_maildir(here):
            size = sum(_tree_size(here / sub) for sub in ("cur", "new"))
            inputs.append(MailInput("maildir", here, size))
            dirnames[:] = [d for d in dirnames if d not in ("cur", "new", "tmp")]
        for filename in sorted(filenames):
            path = here / filename
            lower = filename.lower()
            if lower.endswith(".eml"):
                emls.append(path)
                eml_size += _size(path)
                continue
            if filename.startswith(".") or Path(lower).suffix in _SKIP_FILES or lower.startswith("dovecot"):
                continue
            try:
                with path.open("rb") as f:
                    head = f.read(4096)
            except OSError:
                continue
            if looks_like_mbox(head):
                inputs.append(MailInput("mbox", path, _size(path)))
    if emls:
        inputs.append(MailInput("emls", root, eml_size, emls))
    return inputs


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _tree_size(path: Path) -> int:
    total = 0
    try:
        with os.scandir(path) as entries:
            for entry in entries:
                try:
                    total += entry.stat().st_size
                except OSError:
                    pass
    except OSError:
        pass
    return total


# -- reading -------------------------------------------------------------------------------------
@dataclass
class ReadOptions:
    own: tuple[str, ...] = ()
    on_bytes: OnBytes | None = None
    cancel: CancelToken | None = None
    workers: int = 1  #: processes for one large plain mbox file
    max_header: int = MAX_HEADER
    rss: list[int] = field(default_factory=list)  #: workers' peak RSS (KB), when any ran
    current: MailAggregator | None = None  #: the aggregator being filled (for live counts)


def read_input(inp: MailInput, report: Report, options: ReadOptions) -> Iterator[MailUnit]:
    """Read one input, yielding a unit per mbox / Maildir / .eml set in it.

    A damaged or truncated input yields what was read before the damage (``complete`` False);
    cancelling yields the unit being read, then raises :class:`Cancelled`.
    """
    if inp.kind == "mbox":
        yield from _read_mbox_file(inp, report, options)
    elif inp.kind == "mbox.gz":
        yield from _read_gzip(inp, report, options)
    elif inp.kind == "maildir":
        yield from _read_maildir(inp, report, options)
    elif inp.kind == "eml":
        yield from _read_eml_files(inp.path, [inp.path], report, options, location=str(inp.path))
    elif inp.kind == "emls":
        yield from _read_eml_files(inp.path, inp.files, report, options, location=str(inp.path))
    elif inp.kind == "zip":
        yield from _read_zip(inp, report, options)
    elif inp.kind == "tar":
        yield from _read_tar(inp, report, options)
    else:  # pragma: no cover - discover() makes only the kinds above
        raise SourceError(f"unknown mail input kind {inp.kind}", where=str(inp.path))


def _aggregator(options: ReadOptions, name: str) -> MailAggregator:
    agg = MailAggregator(options.own, folder_flags(name))
    options.current = agg
    return agg


#: Read size for compressed streams: a truncated archive loses at most this much at its end.
_COMPRESSED_CHUNK = 256 << 10


def _scan_stream(
    stream: IO[bytes],
    where: str,
    agg: MailAggregator,
    report: Report,
    options: ReadOptions,
    *,
    count: bool,
    chunk_size: int = CHUNK,
) -> None:
    for block in iter_header_blocks(
        stream,
        where,
        report,
        chunk_size=chunk_size,
        max_header=options.max_header,
        on_bytes=options.on_bytes if count else None,
        cancel=options.cancel,
    ):
        agg.add_block(block)


def _damaged(exc: BaseException) -> str:
    reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    return f"the file is damaged or truncated ({reason}); what was read before is kept"


def report_error(report: Report, exc: SourceError, where: str) -> None:
    """Report a SourceError as (where, message)."""
    message = exc.reason + (f" ({exc.hint})" if exc.hint else "")
    report(exc.where or where, message)


_READ_ERRORS = (OSError, EOFError, zlib.error, ValueError)
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, *_READ_ERRORS)
_TAR_ERRORS = (tarfile.TarError, *_READ_ERRORS)


def _mbox_unit(
    name: str,
    where: str,
    scan: Callable[[MailAggregator], None],
    report: Report,
    options: ReadOptions,
    damage: tuple[type[BaseException], ...],
) -> Generator[MailUnit, None, bool]:
    """One mbox (named ``name``) read by ``scan`` into its own unit, then yielded.

    Cancelling yields the unit read so far (incomplete), then raises. A SourceError is reported
    and the unit yielded (incomplete) only if it holds messages. A ``damage`` error is reported
    and what was read before it is kept (incomplete); the return value says one stopped the scan.
    """
    agg = _aggregator(options, name)
    unit = MailUnit("mbox", where, agg)
    damaged = False
    try:
        scan(agg)
    except Cancelled:
        unit.complete = False
        yield unit
        raise
    except SourceError as exc:
        report_error(report, exc, where)
        if agg.messages == 0:
            return False
        unit.complete = False
    except damage as exc:
        report(where, _damaged(exc))
        unit.complete = False
        damaged = True
    yield unit
    return damaged


def _scan_zip_member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    where: str,
    report: Report,
    options: ReadOptions,
    agg: MailAggregator,
) -> None:
    with archive.open(info) as stream:
        _scan_stream(stream, where, agg, report, options, count=True, chunk_size=_COMPRESSED_CHUNK)


def _read_mbox_file(inp: MailInput, report: Report, options: ReadOptions) -> Iterator[MailUnit]:
    from exposure.sources.mail import parallel

    def scan(agg: MailAggregator) -> None:
        if options.workers > 1 and inp.size >= parallel.PARALLEL_MIN:
            options.rss.extend(
                parallel.scan_mbox_parallel(
                    inp.path,
                    inp.location,
                    agg,
                    report,
                    workers=options.workers,
                    on_bytes=options.on_bytes,
                    cancel=options.cancel,
                    max_header=options.max_header,
                )
            )
        else:
            with inp.path.open("rb", buffering=0) as stream:
                _scan_stream(stream, inp.location, agg, report, options, count=True)

    yield from _mbox_unit(inp.path.name, inp.location, scan, report, options, _READ_ERRORS)


class _CountingReader(io.RawIOBase):
    """Counts the bytes read from an underlying (compressed) file, for progress."""

    def __init__(self, raw: IO[bytes], on_bytes: OnBytes | None) -> None:
        self._raw = raw
        self._on_bytes = on_bytes

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = self._raw.readinto(b)  # type: ignore[attr-defined]
        if n and self._on_bytes is not None:
            self._on_bytes(n)
        return int(n or 0)


def _read_gzip(inp: MailInput, report: Report, options: ReadOptions) -> Iterator[MailUnit]:
    import gzip

    def scan(agg: MailAggregator) -> None:
        with inp.path.open("rb", buffering=0) as raw:
            counted = io.BufferedReader(_CountingReader(raw, options.on_bytes), 1 << 20)
            with gzip.GzipFile(fileobj=counted) as stream:
                binary: IO[bytes] = stream  # type: ignore[assignment]
                _scan_stream(
                    binary, inp.location, agg, report, options, count=False, chunk_size=_COMPRESSED_CHUNK
                )

    name = inp.path.name.removesuffix(".gz")
    yield from _mbox_unit(name, inp.location, scan, report, options, _READ_ERRORS)


def header_of(data: bytes) -> tuple[bytes, bool]:
    """(header block starting with a newline, whether its end was found) of a message's start."""
    if data.startswith(b"From ") and not data.startswith(b"From:"):
        nl = data.find(b"\n")
        data = data[nl + 1 :] if nl >= 0 else b""
    a = data.find(b"\n\n")
    b = data.find(b"\n\r\n", 0, a if a >= 0 else len(data))
    end = b if b >= 0 else a
    if data.startswith((b"\n", b"\r\n")):
        return b"\n", True
    if end < 0:
        return b"\n" + data, False
    return b"\n" + data[:end], True


def read_message_header(stream: IO[bytes], max_header: int) -> tuple[bytes, bool]:
    """The header block of one message file: reads 16 KB, more only for long headers."""
    data = stream.read(16384)
    block, complete = header_of(data)
    while not complete and len(data) < max_header:
        more = stream.read(65536)
        if not more:
            return block, True
        data += more
        block, complete = header_of(data)
    if not complete:
        return block[: max_header + 1], False
    return block, True


class _FileReports:
    def __init__(self, report: Report, location: str) -> None:
        self.report = report
        self.location = location
        self.count = 0

    def __call__(self, where: str, message: str) -> None:
        self.count += 1
        if self.count <= _MAX_FILE_REPORTS:
            self.report(where, message)

    def close(self) -> None:
        if self.count > _MAX_FILE_REPORTS:
            self.report(self.location, f"{self.count - _MAX_FILE_REPORTS} more files had problems")


def _add_message(
    agg: MailAggregator, stream: IO[bytes], where: str, reports: _FileReports, max_header: int
) -> None:
    block, complete = read_message_header(stream, max_header)
    if len(block) > 1 and not _looks_like_header(block[1:]):
        reports(where, "not a mail message (no header fields); skipped")
        agg.messages += 1
        agg.skipped += 1
        return
    if not complete:
        reports(where, f"header over {max_header // 1024} KB; only its first part was read")
    agg.add_block(block)


def _files_unit(
    kind: str,
    name: str,
    location: str,
    report: Report,
    options: ReadOptions,
    read: Callable[[MailAggregator, _FileReports], None],
) -> Iterator[MailUnit]:
    """A unit of message files (a Maildir, a set of .eml files) that ``read`` adds up, then
    yielded; cancelling yields it incomplete, then raises. Files that could not be used are
    reported (at most _MAX_FILE_REPORTS of them, then a count)."""
    agg = _aggregator(options, name)
    unit = MailUnit(kind, location, agg)
    reports = _FileReports(report, location)
    try:
        read(agg, reports)
    except Cancelled:
        unit.complete = False
        yield unit
        raise
    finally:
        reports.close()
    yield unit


def _read_maildir(inp: MailInput, report: Report, options: ReadOptions) -> Iterator[MailUnit]:
    def read(agg: MailAggregator, reports: _FileReports) -> None:
        on_bytes, cancel = options.on_bytes, options.cancel
        for sub in ("cur", "new"):
            try:
                entries = sorted(os.scandir(inp.path / sub), key=lambda e: e.name)
            except OSError as exc:
                reports(str(inp.path / sub), f"cannot read ({exc.strerror or type(exc).__name__})")
                continue
            for n, entry in enumerate(entries):
                if cancel is not None and n % 256 == 0:
                    cancel.check()
                if entry.name.startswith("."):
                    continue
                try:
                    if not entry.is_file():
                        continue
                    with open(entry.path, "rb") as stream:
                        _add_message(agg, stream, entry.path, reports, options.max_header)
                    if on_bytes is not None:
                        on_bytes(entry.stat().st_size)
                except OSError as exc:
                    reports(entry.path, f"cannot read ({exc.strerror or type(exc).__name__})")

    yield from _files_unit("maildir", inp.path.name, inp.location, report, options, read)


def _read_eml_files(
    root: Path, files: list[Path], report: Report, options: ReadOptions, *, location: str
) -> Iterator[MailUnit]:
    def read(agg: MailAggregator, reports: _FileReports) -> None:
        on_bytes, cancel = options.on_bytes, options.cancel
        for n, path in enumerate(files):
            if cancel is not None and n % 256 == 0:
                cancel.check()
            try:
                with path.open("rb") as stream:
                    _add_message(agg, stream, str(path), reports, options.max_header)
                if on_bytes is not None:
                    on_bytes(_size(path))
            except OSError as exc:
                reports(str(path), f"cannot read ({exc.strerror or type(exc).__name__})")

    yield from _files_unit("eml", root.name, location, report, options, read)


def _member_kind(name: str) -> str | None:
    lower = name.lower()
    if lower.endswith((".mbox", ".mbx")):
        return "mbox"
    if lower.endswith(".eml"):
        return "eml"
    return None


def _read_zip(inp: MailInput, report: Report, options: ReadOptions) -> Iterator[MailUnit]:
    try:
        archive = zipfile.ZipFile(inp.path)
        infos = [i for i in archive.infolist() if not i.is_dir() and _member_kind(i.filename)]
    except _ZIP_ERRORS as exc:
        report(inp.location, _damaged(exc) if inp.size else "the zip archive is empty")
        return
    with archive:
        if not infos:
            report(inp.location, "no mail in the zip archive (no .mbox or .eml members)")
            return
        emls = MailUnit("eml", f"{inp.location}:eml", _aggregator(options, "eml"))
        reports = _FileReports(report, emls.location)
        for info in infos:
            where = f"{inp.location}:{info.filename}"
            if info.flag_bits & 0x1:
                report(where, "the member is password-protected; extract the archive yourself first")
                continue
            kind = _member_kind(info.filename)
            if kind == "mbox":
                scan = partial(_scan_zip_member, archive, info, where, report, options)
                yield from _mbox_unit(Path(info.filename).name, where, scan, report, options, _ZIP_ERRORS)
            else:
                try:
                    if options.cancel is not None:
                        options.cancel.check()
                    with archive.open(info) as stream:
                        _add_message(emls.aggregator, stream, where, reports, options.max_header)
                    if options.on_bytes is not None:
                        options.on_bytes(info.file_size)
                except Cancelled:
                    emls.complete = False
                    yield emls
                    raise
                except _ZIP_ERRORS as exc:
                    reports(where, _damaged(exc))
        reports.close()
        if emls.aggregator.messages:
            yield emls


def _read_tar(inp: MailInput, report: Report, options: ReadOptions) -> Iterator[MailUnit]:
    emls = MailUnit("eml", f"{inp.location}:eml", _aggregator(options, "eml"))
    reports = _FileReports(report, emls.location)
    found = damaged = False
    # Progress counts the compressed bytes read from the archive file (its size is the total).
    quiet = ReadOptions(
        own=options.own, on_bytes=None, cancel=options.cancel, workers=1, max_header=options.max_header
    )
    try:
        with inp.path.open("rb", buffering=0) as raw:
            counted = io.BufferedReader(_CountingReader(raw, options.on_bytes), 1 << 20)
            with tarfile.open(fileobj=counted, mode="r|*") as archive:
                for member in archive:
                    kind = _member_kind(member.name) if member.isfile() else None
                    if kind is None:
                        continue
                    found = True
                    where = f"{inp.location}:{member.name}"
                    stream = archive.extractfile(member)
                    if stream is None:
                        continue
                    if kind == "mbox":
                        scan = partial(
                            _scan_stream,
                            stream,
                            where,
                            report=report,
                            options=quiet,
                            count=False,
                            chunk_size=_COMPRESSED_CHUNK,
                        )
                        name = Path(member.name).name
                        if (yield from _mbox_unit(name, where, scan, report, options, _TAR_ERRORS)):
                            damaged = True  # the stream is broken: this member's messages are kept
                            break
                    else:
                        if options.cancel is not None:
                            options.cancel.check()
                        _add_message(emls.aggregator, stream, where, reports, options.max_header)
    except Cancelled:
        if emls.aggregator.messages:
            emls.complete = False
            yield emls
        raise
    except _TAR_ERRORS as exc:
        report(inp.location, _damaged(exc))
        damaged = found = True
    if damaged:
        emls.complete = False
    reports.close()
    if emls.aggregator.messages:
        yield emls
    if not found:
        report(inp.location, "no mail in the archive (no .mbox or .eml members)")
