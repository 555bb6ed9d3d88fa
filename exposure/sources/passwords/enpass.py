"""Enpass JSON export."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from exposure.core.errors import SourceError
from exposure.sources.base import Input, Record, RecordError
from exposure.sources.passwords.common import JsonVaultImporter, iso_from_epoch, skip, text, vault_state


def is_enpass_json(doc: Any) -> bool:
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        return False
    return any(isinstance(i, dict) and "category" in i and "template_type" in i for i in doc["items"][:50])


class EnpassJson(JsonVaultImporter):
    format = "enpass_json"
    label = "Enpass JSON"

    def items(self, src: Input, doc: Any) -> Iterable[Any]:
        items = doc.get("items") if isinstance(doc, dict) else None
        if not isinstance(items, list):
            raise SourceError("no items list: not an Enpass export", where=src.name, format=self.format)
        return items

    def item(self, src: Input, where: str, item: dict[str, Any]) -> Record | RecordError:
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
        return self.login(
            src,
            where,
            title=item.get("title"),
            urls=urls,
            identifiers=identifiers,
            created=iso_from_epoch(item.get("createdAt")),
            modified=iso_from_epoch(item.get("updated_at")),
            state=vault_state(trashed=item.get("trashed"), archived=item.get("archived")),
            item_id=item.get("uuid"),
        )
