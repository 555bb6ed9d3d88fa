"""Requests tests: a profile, test organizations with known contacts, a clock we control, and an
SMTP recorder in place of the network (``fake``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from typing import Any

import pytest

from exposure.catalog.sync import upsert_organization
from exposure.net import smtp
from exposure.secrets import set_secret
from exposure.services import requests as rq
from exposure.services.profile import update_profile
from exposure.services.settings import set_setting
from exposure.store.db import transaction

#: A Monday, noon UTC (the same calendar day in every time zone from UTC-11 to UTC+11).
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

ORGS = {
    "peoplefinder-test": {
        "name": "PeopleFinder Test", "domains": ["peoplefinder.example"], "category": "people_search",
        "country": "US", "privacy_email": "privacy@peoplefinder.example",
        "web_form": "https://peoplefinder.example/optout", "postal_address": "1 Broker Way\nPasadena, CA 91101",
        "opt_out_steps": ["Search for your listing", "Click 'remove'"], "requires": ["email"],
    },
    "shop-test": {
        "name": "Shop Test GmbH", "domains": ["shop.example"], "category": "retailer", "country": "DE",
        "privacy_email": "datenschutz@shop.example", "postal_address": "Hauptstraße 1\n10115 Berlin",
    },
    "formonly-test": {
        "name": "FormOnly Test", "domains": ["formonly.example"], "category": "data_broker", "country": "US",
        "web_form": "https://formonly.example/privacy-request", "opt_out_steps": ["Fill in the form"],
    },
    "letteronly-test": {
        "name": "Letter Only Test", "domains": ["letteronly.example"], "category": "credit", "country": "US",
        "postal_address": "PO Box 1\nAtlanta, GA 30301",
    },
}  # fmt: skip


class Clock:
    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(rq, "clock", fake)
    return fake


@pytest.fixture
def orgs(conn: sqlite3.Connection) -> dict[str, int]:
    ids = {}
    with transaction(conn):
        for slug, entry in ORGS.items():
            full = {"source_url": "https://example.test", "source_date": "2026-01", **entry}
            ids[slug] = upsert_organization(conn, slug, full)
    return ids


@pytest.fixture
def ca_profile(conn: sqlite3.Connection) -> None:
    update_profile(
        conn, names=["Ada Example"], emails=["ada@example.com"], phones=["+14155550123"],
        addresses=["1 Example Street, Springfield, CA 90000"], country="US", region="US-CA", language="en",
        date_of_birth="1990-01-02",
    )  # fmt: skip


@pytest.fixture
def de_profile(conn: sqlite3.Connection) -> None:
    update_profile(
        conn, names=["Jörg Müller"], emails=["joerg@example.de"], country="DE", region="DE-BE", language="en",
        date_of_birth="1980-05-06",
    )  # fmt: skip


Drafter = Callable[..., dict]


@pytest.fixture
def draft_one(conn: sqlite3.Connection, orgs: dict[str, int], clock: Clock) -> Drafter:
    def make(org: str = "peoplefinder-test", right: str = "erasure", **kw: object) -> dict:
        result = rq.draft_requests(conn, [org], right, **kw)  # type: ignore[arg-type]
        assert len(result["requests"]) == 1, result
        return result["requests"][0]  # type: ignore[no-any-return]

    return make


class FakeSmtp:
    """Stands in for smtp.send: records what was handed over, or fails as told."""

    def __init__(self) -> None:
        self.delivered: list[dict[str, Any]] = []
        self.fail: list[smtp.SmtpError] = []
        self.deliver_then_fail = False  # the message arrives but the reply is lost

    def __call__(
        self, config: smtp.SmtpConfig, sender: str, recipients: list[str], data: bytes
    ) -> smtp.Receipt:
        if self.fail:
            raise self.fail.pop(0)
        self.delivered.append({"sender": sender, "to": recipients, "data": data, "config": config})
        if self.deliver_then_fail:
            self.deliver_then_fail = False
            raise smtp.SmtpError("connection lost after the message was handed over", in_doubt=True)
        return smtp.Receipt(250, "OK queued", config.host)

    def message_ids(self) -> list[str]:
        return [message_from_bytes(d["data"], policy=policy.default)["Message-ID"] for d in self.delivered]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, conn: sqlite3.Connection) -> FakeSmtp:
    recorder = FakeSmtp()
    monkeypatch.setattr(smtp, "send", recorder)
    set_setting(conn, "smtp.host", "smtp.example.com")
    set_setting(conn, "smtp.user", "ada@example.com")
    set_secret("smtp", "app-password")
    return recorder
