"""1Password: the 1Password 8 CSV and the 1PUX export (a zip with ``export.data``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from exposure.core.errors import SourceError
from exposure.core.progress import CancelToken, Progress
from exposure.sources.base import Input, Item, Record, RecordError, ZipMemberMixin
from exposure.sources.passwords.common import JsonVaultImporter, iso_from_epoch, obj, skip, text, vault_state
from exposure.sources.passwords.csvfile import CsvImporter, Row

_CATEGORIES = {
    "001": "login",
    "002": "card",
    "003": "note",
    "004": "identity",
    "005": "password",
    "006": "document",
}


class OnePasswordCsv(CsvImporter):
    format = "1password8_csv"
    label = "1Password CSV"
    headers = (("Title", "Url", "Username", "Password", "OTPAuth", "Favorite", "Archived", "Tags", "Notes"),)

    def row(self, src: Input, where: str, row: Row) -> Record | RecordError:
        return self.login(
            src,
            where,
            title=row.get("Title"),
            urls=[row.get("Url")],
            identifiers=[row.get("Username")],
            state=vault_state(archived=row.get("Archived").lower() == "true"),
        )


def is_1pux_data(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("accounts"), list)


class OnePasswordData(JsonVaultImporter):
    """A bare ``export.data`` (the JSON inside a 1PUX)."""

    format = "1password_1pux"
    label = "1Password 1PUX"

    def items(self, src: Input, doc: Any) -> Iterable[Any]:
        if not is_1pux_data(doc):
            raise SourceError("no accounts list: not a 1Password export", where=src.name, format=self.format)
        return _vault_items(doc["accounts"])

    def item(self, src: Input, where: str, item: dict[str, Any]) -> Record | RecordError:
        category = text(item.get("categoryUuid"))
        if category != "001":
            return skip(where, _CATEGORIES.get(category, "not a login"))
        overview = obj(item.get("overview"))
        urls: list[Any] = [overview.get("url")]
        extra = overview.get("urls")
        if isinstance(extra, list):
            urls += [u.get("url") for u in extra if isinstance(u, dict)]
        details = obj(item.get("details"))
        fields = details.get("loginFields")
        usernames = [
            f.get("value")
            for f in (fields if isinstance(fields, list) else [])
            if isinstance(f, dict) and f.get("designation") == "username"
        ]
        state = text(item.get("state")).lower() or None
        if item.get("trashed") is True:
            state = "trashed"
        if state == "active":
            state = None
        return self.login(
            src,
            where,
            title=overview.get("title"),
            urls=urls,
            identifiers=usernames,
            created=iso_from_epoch(item.get("createdAt")),
            modified=iso_from_epoch(item.get("updatedAt")),
            state=state,
            item_id=item.get("uuid"),
        )


def _vault_items(accounts: list[Any]) -> Iterator[Any]:
    """Every item of every vault of every account."""
    for account in accounts:
        vaults = account.get("vaults") if isinstance(account, dict) else None
        for vault in vaults if isinstance(vaults, list) else []:
            items = vault.get("items") if isinstance(vault, dict) else None
            yield from items if isinstance(items, list) else []


class OnePassword1pux(ZipMemberMixin, OnePasswordData):
    format = "1password_1pux"
    label = "1Password 1PUX"
    missing_member = "no export.data in the archive"

    def pick_member(self, names: list[str]) -> str | None:
        return "export.data" if "export.data" in names else None

    def work_size(self, src: Input) -> int | None:
        if not src.head(4).startswith(b"PK"):
            return src.size or None
        return super().work_size(src)

    def parse(self, src: Input, progress: Progress, cancel: CancelToken | None = None) -> Iterator[Item]:
        if not src.head(4).startswith(b"PK"):  # a bare export.data
            return OnePasswordData.parse(self, src, progress, cancel)
        return super().parse(src, progress, cancel)
