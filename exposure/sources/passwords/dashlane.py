"""Dashlane: ``credentials.csv`` alone or in the export zip. ``.dash`` archives are encrypted
and refused by :mod:`exposure.sources.detect`."""

from __future__ import annotations

from exposure.sources.base import Input, Record, RecordError, ZipMemberMixin
from exposure.sources.passwords.common import member_named
from exposure.sources.passwords.csvfile import CsvImporter, Row

_BASE = ("username", "username2", "username3", "title", "password", "note", "url", "category")


class DashlaneCsv(CsvImporter):
    format = "dashlane_credentials_csv"
    label = "Dashlane credentials CSV"
    headers = ((*_BASE, "otpSecret"), (*_BASE, "otpUrl"))

    def row(self, src: Input, where: str, row: Row) -> Record | RecordError:
        return self.login(
            src,
            where,
            title=row.get("title"),
            urls=[row.get("url")],
            identifiers=[row.get("username"), row.get("username2"), row.get("username3")],
        )


class DashlaneZip(ZipMemberMixin, DashlaneCsv):
    format = "dashlane_zip"
    label = "Dashlane zip"
    missing_member = "no credentials.csv in the archive"

    def pick_member(self, names: list[str]) -> str | None:
        return member_named(names, "credentials.csv")
