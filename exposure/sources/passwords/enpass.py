"""Enpass JSON export."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from exposure.core.errors import SourceError
from exposure.core.progress import CancelToken, Progress
from exposure.sources.base import Importer, Input, Item, Record, RecordError
from exposure.sources.passwords.common import iso_from_epoch, login_record, skip, text


def is_enpass_json(doc: Any) -> bool:
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        return False
    return any(isinstance(i, dict) and "category" in i and "template_type" in i for i in doc["items"][:50])


class EnpassJson(Importer):
    format = "enpass_json"
    label = "Enpass JSON"

    def parse(self, src: Input, progress: Progress, cancel: CancelToken | None = None) -> Iterator[Item]:
        doc = src.load_json()
        if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
            raise SourceError("no items list: not an Enpass export", where=src.name, format=self.format)
        for n, item in enumerate(doc["items"], 1):
            if cancel is not None and n % 512 == 0:
                cancel.check()
            yield self.item(src, f"item {n}", item)

    def item(self, src: Input, where: str, item: Any) -> Record | RecordError:
        if not isinstance(item, dict):
            return RecordError(where, "not an item object; skipped")
        category = text(item.get("category"))
        if category not in ("login", "password"):
            return skip(where, category or "not a login")
        urls: list[str] = []
        identifiers: list[str] = []
        fields = item.get("fields")
        for field in fields if isinstance(fields, list) else []:
            if not isinstance(field, dict) or field.get("deleted"):
                continue  # deleted fields hold old values
            kind = field.get("type")
            if kind == "url":
                urls.append(text(field.get("value")))
            elif kind in ("username", "email"):
                identifiers.append(text(field.get("value")))
        state = "trashed" if item.get("trashed") else ("archived" if item.get("archived") else None)
        return login_record(
            self.format,
            self.label,
            src,
            where,
            title=item.get("title"),
            urls=urls,
            identifiers=identifiers,
            created=iso_from_epoch(item.get("createdAt")),
            modified=iso_from_epoch(item.get("updated_at")),
            state=state,
            item_id=item.get("uuid"),
        )
