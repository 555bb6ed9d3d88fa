"""KeePassXC CSV and KeePass 2 XML (KeePass "XML 2.x" export, ``keepassxc-cli export -f xml``).

KDBX databases themselves are encrypted and refused by :mod:`exposure.sources.detect`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

from exposure.core.errors import SourceError
from exposure.core.progress import CancelToken, Progress
from exposure.sources.base import Input, Item, Record, RecordError
from exposure.sources.passwords.common import (
    LoginImporter,
    iso_from_keepass,
    iso_from_text,
    text,
    vault_state,
)
from exposure.sources.passwords.csvfile import CsvImporter, Row

_CSV = ("Group", "Title", "Username", "Password", "URL", "Notes", "TOTP", "Icon", "Last Modified", "Created")


class KeePassXcCsv(CsvImporter):
    format = "keepassxc_csv"
    label = "KeePassXC CSV"
    headers = (_CSV, _CSV[:6])

    def row(self, src: Input, where: str, row: Row) -> Record | RecordError:
        return self.login(
            src,
            where,
            title=row.get("Title"),
            urls=[row.get("URL")],
            identifiers=[row.get("Username")],
            created=iso_from_text(row.get("Created")),
            modified=iso_from_text(row.get("Last Modified")),
            state=vault_state(trashed="Recycle Bin" in row.get("Group").split("/")),
        )


def has_doctype(head: bytes) -> bool:
    """A DOCTYPE (and so possibly entity definitions): no KeePass export has one."""
    return b"<!DOCTYPE" in head or b"<!ENTITY" in head


def _value(text_value: str | None) -> str:
    value = (text_value or "").strip()
    # {REF:U@I:...} points at another entry's field; we do not resolve references.
    return "" if value.upper().startswith("{REF:") else value


class KeePassXml(LoginImporter):
    format = "keepass2_xml"
    label = "KeePass 2 XML"

    def parse(self, src: Input, progress: Progress, cancel: CancelToken | None = None) -> Iterator[Item]:
        if has_doctype(src.head()):
            raise SourceError(
                "XML with a DOCTYPE is not a KeePass export; refused", where=src.name, format=self.format
            )
        stack: list[str] = []
        groups: list[list[Any]] = []  # [uuid, name] of the open groups
        recycle_bin: str | None = None
        n = 0
        with src.open() as stream:
            try:
                events = ET.iterparse(stream, events=("start", "end"))
                for event, elem in events:
                    tag = elem.tag
                    if event == "start":
                        if not stack and tag != "KeePassFile":
                            raise SourceError(
                                "the XML root is not <KeePassFile>", where=src.name, format=self.format
                            )
                        stack.append(tag)
                        if tag == "Group":
                            groups.append([None, None])
                        continue
                    stack.pop()
                    parent = stack[-1] if stack else None
                    if tag == "Entry" and parent == "Group":
                        n += 1
                        if cancel is not None and n % 256 == 0:
                            cancel.check()
                        trashed = recycle_bin is not None and any(g[0] == recycle_bin for g in groups)
                        yield self._entry(src, f"entry {n}", elem, trashed)
                        elem.clear()
                    elif tag == "Group":
                        groups.pop()
                    elif tag == "UUID" and parent == "Group" and groups:
                        groups[-1][0] = (elem.text or "").strip()
                    elif tag == "Name" and parent == "Group" and groups:
                        groups[-1][1] = (elem.text or "").strip()
                    elif tag == "RecycleBinUUID" and parent == "Meta":
                        recycle_bin = (elem.text or "").strip() or None
                    elif tag == "Entry" and parent == "History":
                        elem.clear()  # old revisions: never read
            except ET.ParseError as exc:
                line, column = getattr(exc, "position", ("?", "?"))
                raise SourceError(
                    f"malformed XML at line {line}, column {column}", where=src.name, format=self.format
                ) from exc
            except (ValueError, LookupError, UnicodeError) as exc:
                raise SourceError(
                    "unreadable XML (bad encoding?)", where=src.name, format=self.format
                ) from exc

    def _entry(self, src: Input, where: str, elem: ET.Element, trashed: bool) -> Record | RecordError:
        fields: dict[str, str] = {}
        urls: list[str] = []
        for string in elem.findall("String"):
            key = (string.findtext("Key") or "").strip()
            if key in ("Title", "UserName", "URL"):
                fields[key] = _value(string.findtext("Value"))
            elif key.startswith("KP2A_URL"):
                urls.append(_value(string.findtext("Value")))
        times = elem.find("Times")
        created = modified = None
        if times is not None:
            created = iso_from_keepass(times.findtext("CreationTime"))
            modified = iso_from_keepass(times.findtext("LastModificationTime"))
        return self.login(
            src,
            where,
            title=fields.get("Title"),
            urls=[fields.get("URL", ""), *urls],
            identifiers=[fields.get("UserName")],
            created=created,
            modified=modified,
            state=vault_state(trashed=trashed),
            item_id=text(elem.findtext("UUID")),
        )
