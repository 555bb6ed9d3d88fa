"""Proton Pass: CSV, unencrypted JSON, and the zip (``Proton Pass/data.json``). PGP-encrypted
exports are refused by :mod:`exposure.sources.detect`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from exposure.core.errors import SourceError
from exposure.sources.base import Input, Record, RecordError, ZipMemberMixin
from exposure.sources.passwords.common import (
    JsonVaultImporter,
    iso_from_epoch,
    json_urls,
    obj,
    skip,
    text,
    vault_state,
)
from exposure.sources.passwords.csvfile import CsvImporter, Row

_CSV = (
    "type",
    "name",
    "url",
    "email",
    "username",
    "password",
    "note",
    "totp",
    "createTime",
    "modifyTime",
    "vault",
)


class ProtonPassCsv(CsvImporter):
    format = "protonpass_csv"
    label = "Proton Pass CSV"
    headers = (
        _CSV,
        (*_CSV[:3], "autofillUrls", *_CSV[3:]),
        tuple(c for c in _CSV if c != "email"),
        tuple(c for c in _CSV if c not in ("email", "vault")),
    )
    required = frozenset(
        {"type", "name", "url", "username", "password", "note", "totp", "createTime", "modifyTime"}
    )

    def row(self, src: Input, where: str, row: Row) -> Record | RecordError:
        kind = row.get("type")
        if kind != "login":
            return skip(where, kind or "not a login")
        urls = [u.strip() for u in row.get("url").split(", ")]
        urls += json_urls(row.get("autofillUrls"))
        return self.login(
            src,
            where,
            title=row.get("name"),
            urls=urls,
            identifiers=[row.get("email"), row.get("username")],
            created=iso_from_epoch(row.get("createTime")),
            modified=iso_from_epoch(row.get("modifyTime")),
        )


def is_protonpass_json(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("vaults"), dict)


class ProtonPassJson(JsonVaultImporter):
    format = "protonpass_json"
    label = "Proton Pass JSON"

    def items(self, src: Input, doc: Any) -> Iterable[Any]:
        if not is_protonpass_json(doc) or doc.get("encrypted") is True:
            raise SourceError("not an unencrypted Proton Pass export", where=src.name, format=self.format)
        return _vault_items(doc["vaults"])

    def item(self, src: Input, where: str, item: dict[str, Any]) -> Record | RecordError:
        if not isinstance(item.get("data"), dict):
            return RecordError(where, "not an item object; skipped")
        data = item["data"]
        kind = text(data.get("type"))
        if kind != "login":
            return skip(where, kind or "not a login")
        content = obj(data.get("content"))
        metadata = obj(data.get("metadata"))
        raw_urls = content.get("urls")
        urls: list[Any] = list(raw_urls) if isinstance(raw_urls, list) else []
        autofill = content.get("autofillUrls")
        if isinstance(autofill, list):
            urls += [a.get("url") for a in autofill if isinstance(a, dict)]
        return self.login(
            src,
            where,
            title=metadata.get("name"),
            urls=urls,
            identifiers=[content.get("itemEmail"), content.get("itemUsername"), content.get("username")],
            created=iso_from_epoch(item.get("createTime")),
            modified=iso_from_epoch(item.get("modifyTime")),
            state=vault_state(trashed=item.get("state") == 2),
            item_id=item.get("itemId"),
        )


def _vault_items(vaults: dict[str, Any]) -> Iterator[Any]:
    """Every item of every vault."""
    for vault in vaults.values():
        items = vault.get("items") if isinstance(vault, dict) else None
        yield from items if isinstance(items, list) else []


class ProtonPassZip(ZipMemberMixin, ProtonPassJson):
    format = "protonpass_zip"
    label = "Proton Pass zip"
    missing_member = "no Proton Pass/data.json in the archive"

    def pick_member(self, names: list[str]) -> str | None:
        found = [n for n in names if n.endswith("Proton Pass/data.json")]
        return min(found, key=len) if found else None
