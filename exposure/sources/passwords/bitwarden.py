"""Bitwarden: CSV (personal and organization), unencrypted JSON, and the zip (data.json +
attachments/). Encrypted JSON exports are refused by :mod:`exposure.sources.detect`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from exposure.core.errors import SourceError
from exposure.sources.base import Input, Record, RecordError, ZipMemberMixin
from exposure.sources.passwords.common import (
    JsonVaultImporter,
    iso_from_text,
    member_named,
    skip,
    text,
    vault_state,
)
from exposure.sources.passwords.csvfile import CsvImporter, Row, split_one_row

_ITEM_TYPES = {1: "login", 2: "note", 3: "card", 4: "identity", 5: "ssh key"}
_CSV_PERSONAL = (
    "folder",
    "favorite",
    "type",
    "name",
    "notes",
    "fields",
    "reprompt",
    "login_uri",
    "login_username",
    "login_password",
    "login_totp",
)
_CSV_ORG = ("collections", *_CSV_PERSONAL[2:])


def _without(columns: tuple[str, ...], name: str) -> tuple[str, ...]:
    return tuple(c for c in columns if c != name)


class BitwardenCsv(CsvImporter):
    format = "bitwarden_csv"
    label = "Bitwarden CSV"
    headers = (_CSV_PERSONAL, _CSV_ORG, _without(_CSV_PERSONAL, "reprompt"), _without(_CSV_ORG, "reprompt"))
    required = frozenset({"type", "name", "login_uri", "login_username"})

    def row(self, src: Input, where: str, row: Row) -> Record | RecordError:
        kind = row.get("type").lower()
        if kind != "login":
            return skip(where, kind or "not a login")
        return self.login(
            src,
            where,
            title=row.get("name"),
            urls=split_one_row(row.get("login_uri")),
            identifiers=[row.get("login_username")],
        )


def is_bitwarden_json(doc: Any) -> bool:
    return isinstance(doc, dict) and doc.get("encrypted") is False and isinstance(doc.get("items"), list)


class BitwardenJson(JsonVaultImporter):
    format = "bitwarden_json"
    label = "Bitwarden JSON"

    def items(self, src: Input, doc: Any) -> Iterable[Any]:
        if not isinstance(doc, dict) or doc.get("encrypted") is True:
            raise SourceError("not an unencrypted Bitwarden export", where=src.name, format=self.format)
        items = doc.get("items")
        if not isinstance(items, list):
            raise SourceError("no items list: not a Bitwarden export", where=src.name, format=self.format)
        return items

    def item(self, src: Input, where: str, item: dict[str, Any]) -> Record | RecordError:
        kind = item.get("type")
        if kind != 1:
            name = _ITEM_TYPES.get(kind, "not a login") if isinstance(kind, int) else "not a login"
            return skip(where, name)
        login = item.get("login")
        if not isinstance(login, dict):
            return RecordError(where, "a login item without login details; skipped")
        uris = login.get("uris")
        urls = [u.get("uri") for u in uris if isinstance(u, dict)] if isinstance(uris, list) else []
        return self.login(
            src,
            where,
            title=item.get("name"),
            urls=urls,
            identifiers=[login.get("username")],
            created=iso_from_text(item.get("creationDate")),
            modified=iso_from_text(item.get("revisionDate")),
            state=vault_state(trashed=item.get("deletedDate"), archived=item.get("archivedDate")),
            item_id=text(item.get("id")),
        )


class BitwardenZip(ZipMemberMixin, BitwardenJson):
    format = "bitwarden_zip"
    label = "Bitwarden zip"
    missing_member = "no data.json in the archive"

    def pick_member(self, names: list[str]) -> str | None:
        return member_named(names, "data.json")
