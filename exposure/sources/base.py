"""The one source interface: an :class:`Importer` reads an :class:`Input` and yields records.

A *record* is one unit the user would recognise (a CSV row, a vault item, a mail message, a
breach). Each gives zero or more :class:`Finding` objects (:class:`Record`) or is reported as bad
(:class:`RecordError`, with where it is and why, never its content). Sources never touch the
database: ``services`` match the findings to organizations and store them.

Secrets (passwords, TOTP seeds, notes, card numbers, custom fields) are dropped while parsing:
they never reach a Finding, an exception message, a log or a progress message.
"""

from __future__ import annotations

import io
import lzma
import struct
import zipfile
import zlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import IO, Any, ClassVar, Protocol

from exposure.core.errors import SourceError
from exposure.core.models import Finding
from exposure.core.progress import CancelToken, Progress

#: Evidence key naming a company when the source gives a name, not a domain (Meta, Takeout).
#: ``services.import_file`` resolves such names to organizations.
NAME_KEY = "organization_name"

#: Bytes read for detection.
HEAD_SIZE = 64 * 1024

#: What reading a damaged file or archive member can raise (turned into SourceError).
READ_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    EOFError,
    ValueError,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    lzma.LZMAError,
    struct.error,
    NotImplementedError,
    RuntimeError,
)

#: A JSON document larger than this is refused (it is loaded whole).
MAX_JSON_BYTES = 1 << 30


@dataclass(frozen=True, slots=True)
class Record:
    """One record read: the findings it gave, or why it gave none (``skipped``)."""

    where: str
    findings: tuple[Finding, ...] = ()
    skipped: str | None = None  #: short reason, e.g. "note", "no web address"


@dataclass(frozen=True, slots=True)
class RecordError:
    """A record that could not be read. ``message`` never quotes the record's content."""

    where: str
    message: str


Item = Record | RecordError


class Archive(Protocol):
    """A set of named members: a zip file or an extracted folder."""

    def names(self) -> list[str]: ...

    def open(self, name: str) -> IO[bytes]: ...

    def size(self, name: str) -> int: ...

    def close(self) -> None: ...


class ZipArchive:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._zip = zipfile.ZipFile(path)
            self._infos = {i.filename: i for i in self._zip.infolist() if not i.is_dir()}
        except READ_ERRORS as exc:
            raise SourceError(f"cannot read the zip archive ({error_reason(exc)})", where=str(path)) from exc

    def names(self) -> list[str]:
        return list(self._infos)

    def open(self, name: str) -> IO[bytes]:
        info = self._infos[name]
        if info.flag_bits & 0x1:
            raise SourceError(
                "the zip archive is password-protected",
                where=f"{self.path}:{name}",
                hint="extract it yourself, then import the extracted file or folder",
            )
        try:
            return self._zip.open(info)
        except READ_ERRORS as exc:
            raise SourceError(
                f"cannot read {name} in the archive ({error_reason(exc)})", where=str(self.path)
            ) from exc

    def size(self, name: str) -> int:
        return self._infos[name].file_size

    def close(self) -> None:
        self._zip.close()


class DirArchive:
    """An extracted archive (Google Takeout or Meta folder)."""

    def __init__(self, path: Path, limit: int = 200_000) -> None:
        self.path = path
        self._names: list[str] = []
        for i, child in enumerate(sorted(path.rglob("*"))):
            if i >= limit:
                break
            if child.is_file():
                self._names.append(child.relative_to(path).as_posix())

    def names(self) -> list[str]:
        return self._names

    def open(self, name: str) -> IO[bytes]:
        return (self.path / PurePosixPath(name)).open("rb")

    def size(self, name: str) -> int:
        return (self.path / PurePosixPath(name)).stat().st_size

    def close(self) -> None:
        pass


class _Counting(io.RawIOBase):
    """A read-only wrapper counting the bytes read (for progress)."""

    def __init__(self, raw: IO[bytes], owner: Input) -> None:
        self._raw = raw
        self._owner = owner

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self._raw.read(len(b))
        n = len(data)
        b[:n] = data
        owner: Input | None = self._owner
        while owner is not None:
            owner.bytes_read += n
            owner = owner.parent
        return n

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()


class Input:
    """A file to import: a path on disk, or a member of an archive.

    ``head()`` gives the first bytes (for detection), ``open()`` a fresh binary stream whose
    reads are counted in ``bytes_read`` (for progress), ``cache`` holds what detection learnt
    (CSV dialect, parsed JSON) so the importer does not redo it.
    """

    def __init__(
        self,
        path: Path,
        member: str | None = None,
        archive: Archive | None = None,
        parent: Input | None = None,
    ) -> None:
        self.path = path
        self.member = member
        self.archive = archive
        self.parent = parent  #: the archive's own Input: reads are counted there too
        self.bytes_read = 0
        self.cache: dict[str, Any] = {}
        self._head: bytes | None = None

    @cached_property
    def name(self) -> str:
        """What to call it in messages: the path, plus the member inside an archive."""
        return f"{self.path}:{self.member}" if self.member else str(self.path)

    @cached_property
    def file_name(self) -> str:
        """Short name for evidence: the file's base name (and the member's, in an archive)."""
        if self.member:
            return f"{self.path.name}:{PurePosixPath(self.member).name}"
        return self.path.name

    @property
    def size(self) -> int:
        try:
            if self.member is not None and self.archive is not None:
                return self.archive.size(self.member)
            return self.path.stat().st_size
        except OSError:
            return 0

    def member_input(self, archive: Archive, name: str) -> Input:
        """An Input for one member of ``archive`` (this Input's file), counted here too."""
        return Input(self.path, name, archive, parent=self)

    def _open_raw(self) -> IO[bytes]:
        if self.member is not None and self.archive is not None:
            return self.archive.open(self.member)
        try:
            return self.path.open("rb")
        except OSError as exc:
            raise SourceError(f"cannot open the file ({error_reason(exc)})", where=str(self.path)) from exc

    def open(self, *, counted: bool = True) -> IO[bytes]:
        raw = self._open_raw()
        if not counted:
            return raw
        return io.BufferedReader(_Counting(raw, self), buffer_size=1 << 16)

    def head(self, size: int = HEAD_SIZE) -> bytes:
        if self._head is None:
            with self.open(counted=False) as f:
                try:
                    self._head = f.read(HEAD_SIZE)
                except READ_ERRORS as exc:
                    raise SourceError(f"cannot read the file ({error_reason(exc)})", where=self.name) from exc
        return self._head[:size]

    def read_bytes(self, limit: int = MAX_JSON_BYTES) -> bytes:
        if self.size > limit:
            raise SourceError(f"too large to read ({self.size} bytes)", where=self.name)
        chunks: list[bytes] = []
        total = 0
        with self.open() as f:
            try:
                while chunk := f.read(1 << 20):
                    total += len(chunk)
                    if total > limit:
                        raise SourceError("too large to read", where=self.name)
                    chunks.append(chunk)
            except READ_ERRORS as exc:
                raise SourceError(f"cannot read the file ({error_reason(exc)})", where=self.name) from exc
        return b"".join(chunks)

    def load_json(self) -> Any:
        """The whole file parsed as JSON (cached); SourceError when it is not JSON."""
        if "json" not in self.cache:
            import json

            data = self.read_bytes()
            try:
                self.cache["json"] = json.loads(data)
            except (ValueError, RecursionError) as exc:
                raise SourceError(f"not valid JSON ({_json_reason(exc)})", where=self.name) from exc
        return self.cache["json"]


def open_archive(src: Input) -> Archive:
    """The archive an Input names: an extracted folder or a zip file."""
    return DirArchive(src.path) if src.path.is_dir() else ZipArchive(src.path)


def close_archive(src: Input) -> None:
    """Close the archive an Input reads from, if any."""
    close = getattr(src.archive, "close", None)
    if close is not None:
        close()


def error_reason(exc: BaseException) -> str:
    """An exception's message without any quoted content: first line only, bounded."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def _json_reason(exc: BaseException) -> str:
    # json.JSONDecodeError says "Expecting value: line 3 column 5 (char 17)": no content quoted.
    msg = getattr(exc, "msg", None)
    if msg is not None:
        return f"{msg} at line {getattr(exc, 'lineno', '?')}, column {getattr(exc, 'colno', '?')}"
    return "too deeply nested" if isinstance(exc, RecursionError) else "invalid text encoding"


class Importer(ABC):
    """One input format. ``format`` is its id (also ``Finding.source``), ``label`` its name."""

    format: ClassVar[str]
    label: ClassVar[str]

    def work_size(self, src: Input) -> int | None:
        """Bytes ``parse`` will read (for progress); None when unknown."""
        return src.size or None

    @abstractmethod
    def parse(self, src: Input, progress: Progress, cancel: CancelToken | None = None) -> Iterator[Item]:
        """Yield one :class:`Record` or :class:`RecordError` per record.

        Raise :class:`SourceError` (and nothing else) when the input as a whole cannot be read.
        Progress is reported by the caller from ``src.bytes_read``; importers may call
        ``progress.message`` for phases but never with record content.
        """


class ZipMemberMixin:
    """For formats that are a zip holding one file another importer reads.

    Put it first in the bases; ``pick_member`` chooses the member, the next importer in the
    MRO parses it (its findings carry this class's ``format``).
    """

    format: ClassVar[str]
    missing_member: ClassVar[str] = "the archive does not hold the expected file"

    def pick_member(self, names: list[str]) -> str | None:
        raise NotImplementedError

    def _member(self, src: Input) -> Input:
        archive = ZipArchive(src.path)
        name = self.pick_member(archive.names())
        if name is None:
            archive.close()
            raise SourceError(self.missing_member, where=src.name, format=self.format)
        return src.member_input(archive, name)

    def work_size(self, src: Input) -> int | None:
        try:
            member = self._member(src)
        except SourceError:
            return None
        close_archive(member)
        return member.size or None

    def parse(self, src: Input, progress: Progress, cancel: CancelToken | None = None) -> Iterator[Item]:
        member = self._member(src)
        try:
            yield from super().parse(member, progress, cancel)  # type: ignore[misc]
        finally:
            close_archive(member)
