"""What the personal-data downloads (Google Takeout, Meta "Download your information") share.

Such a download is a zip or an extracted folder; an importer reads some of its JSON members,
found by their path (:meth:`DownloadImporter.role`), and names companies or domains that got the
user's data.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator
from typing import Any, ClassVar

from exposure.core.errors import SourceError
from exposure.core.models import Finding
from exposure.core.progress import CancelToken, Progress
from exposure.sources.base import Archive, Importer, Input, Item, Record, RecordError, open_archive


class DownloadImporter(Importer):
    """An archive of JSON files: ``role`` says which members to read, ``read`` reads one."""

    #: What ``parse`` says when the download holds none of the files it reads, and the hint.
    nothing_found: ClassVar[str]
    nothing_found_hint: ClassVar[str]
    #: Roles of members that are listed but not read here: role -> the reason reported.
    not_read: ClassVar[dict[str, str]] = {}

    @abstractmethod
    def role(self, name: str) -> str | None:
        """What a member is to this importer (by its path); None for one it ignores."""

    @abstractmethod
    def read(self, src: Input, name: str, role: str, doc: Any, cancel: CancelToken | None) -> Iterator[Item]:
        """The records of one member, ``doc`` being its parsed JSON."""

    def members(self, archive: Archive) -> list[tuple[str, str]]:
        """(name, role) of every member this importer knows, in name order."""
        return sorted((name, role) for name in archive.names() if (role := self.role(name)))

    def work_size(self, src: Input) -> int | None:
        try:
            archive = open_archive(src)
        except SourceError:
            return None
        try:
            return (
                sum(archive.size(n) for n, role in self.members(archive) if role not in self.not_read) or None
            )
        finally:
            archive.close()

    def parse(self, src: Input, progress: Progress, cancel: CancelToken | None = None) -> Iterator[Item]:
        archive = open_archive(src)
        try:
            members = self.members(archive)
            if not members:
                raise SourceError(
                    self.nothing_found, where=src.name, format=self.format, hint=self.nothing_found_hint
                )
            for name, role in members:
                if cancel is not None:
                    cancel.check()
                reason = self.not_read.get(role)
                if reason is not None:
                    yield Record(name, skipped=reason)
                    continue
                member = src.member_input(archive, name)
                try:
                    doc = member.load_json()
                except SourceError as exc:
                    yield RecordError(name, exc.reason)
                    continue
                yield from self.read(src, name, role, doc, cancel)
        finally:
            archive.close()

    def finding(self, src: Input, evidence: dict[str, Any], **fields: Any) -> Finding:
        """A finding of this download (no identifier); ``evidence`` gains the format and file."""
        evidence["format"] = self.label
        evidence["file"] = src.file_name
        return Finding(
            source=self.format, identifier=None, location=str(src.path), evidence=evidence, **fields
        )
