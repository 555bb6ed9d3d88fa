"""Invented data for ``exposure demo``: a person, findings from several kinds of source, requests."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from exposure.core.models import Finding
from exposure.services import open_store
from exposure.services.inventory import ingest
from exposure.services.profile import update_profile
from exposure.store.db import transaction

EMAIL = "ada.example@example.com"
_VAULT = ["netflix.com", "spotify.com", "amazon.com", "ebay.com", "linkedin.com", "reddit.com", "dropbox.com",
          "airbnb.com", "uber.com", "paypal.com", "duolingo.com", "zoom.us", "github.com", "strava.com",
          "booking.com", "etsy.com", "pinterest.com", "twitch.tv", "walmart.com", "target.com",
          "tinyforum-example.net", "local-bakery-example.org"]  # fmt: skip
_MAIL = ["amazon.com", "netflix.com", "target.com", "bestbuy.com", "doordash.com", "linkedin.com",
         "facebook.com", "instagram.com", "x.com", "newsletter-example.com", "shop-example.com"]  # fmt: skip
_BROKERS = ["spokeo.com", "whitepages.com", "beenverified.com", "radaris.com", "mylife.com",
            "fastpeoplesearch.com", "truepeoplesearch.com", "intelius.com", "acxiom.com", "epsilon.com"]  # fmt: skip


def _day(rng: random.Random, base: datetime, years: int = 4) -> str:
    return (base - timedelta(days=rng.randint(1, 365 * years))).date().isoformat()


def populate(today: date | None = None) -> None:
    """Fill the current EXPOSURE_HOME with an invented person and their exposure.

    Dates are relative to ``today`` (default: the real date), so a fixed ``today`` gives the
    same data every time.
    """
    rng = random.Random(7)
    base = datetime.combine(today or datetime.now(UTC).date(), time(12, 0), tzinfo=UTC)
    conn = open_store()
    update_profile(
        conn,
        names=["Ada Example"],
        emails=[EMAIL, "ada.work@example.org"],
        phones=["+14155550123"],
        addresses=["1 Example Street, Springfield, CA 90000"],
        usernames=["adaexample"],
        country="US",
        region="US-CA",
        language="en",
    )
    findings: list[Finding] = []
    for domain in _VAULT:
        created = _day(rng, base)
        findings.append(Finding(
            source="bitwarden_json", domain=domain, identifier=EMAIL, location="demo/bitwarden_export.json",
            evidence={"title": domain.split(".")[0].title(), "format": "bitwarden_json"},
            first_seen=created, last_seen=_day(rng, base, 1), confidence=0.95,
        ))  # fmt: skip
    for domain in _MAIL:
        count = rng.randint(2, 240)
        findings.append(Finding(
            source="mbox", domain=domain, identifier=EMAIL, location="demo/Takeout/Mail/All mail.mbox",
            evidence={"messages": count, "kinds": ["account", "marketing"],
                      "subjects": [f"Welcome to {domain.split('.')[0].title()}", "Your receipt", "New this week"]},
            first_seen=_day(rng, base), last_seen=_day(rng, base, 1), confidence=0.8,
        ))  # fmt: skip
    for domain in _BROKERS:
        findings.append(Finding(
            source="manual", domain=domain, identifier="Ada Example", evidence={"note": "listing found by hand"},
            first_seen=_day(rng, base, 1), confidence=1.0,
        ))  # fmt: skip
    findings.append(Finding(
        source="hibp", domain="linkedin.com", identifier=EMAIL,
        evidence={"breach": "LinkedIn", "date": "2012-05-05", "data_classes": ["Email addresses", "Passwords"]},
        first_seen="2012-05-05", confidence=1.0, key="LinkedIn|" + EMAIL,
    ))  # fmt: skip
    ingest(conn, findings)
    _demo_requests(conn, rng, base)


def _demo_requests(conn: object, rng: random.Random, base: datetime) -> None:
    import sqlite3

    assert isinstance(conn, sqlite3.Connection)
    plan = [("spokeo.com", "sent", 10), ("whitepages.com", "sent", 50), ("radaris.com", "completed", 60),
            ("mylife.com", "draft", 0), ("beenverified.com", "needs_action", 20)]  # fmt: skip
    with transaction(conn):
        for domain, status, days_ago in plan:
            row = conn.execute("SELECT org_id FROM org_domain WHERE domain = ?", (domain,)).fetchone()
            if row is None:
                continue
            sent = base - timedelta(days=days_ago)
            cur = conn.execute(
                "INSERT INTO request (org_id, right, law, language, channel, status, subject, body, created_at, "
                "sent_at, due_at) VALUES (?, 'erasure', 'ccpa', 'en', 'email', ?, 'Request to delete my personal "
                "information', '(demo)', ?, ?, ?)",
                (
                    row[0], status, base.isoformat(),
                    None if status == "draft" else sent.replace(microsecond=0).isoformat(),
                    None if status == "draft" else (sent + timedelta(days=45)).date().isoformat(),
                ),
            )  # fmt: skip
            conn.execute(
                "INSERT INTO request_event (request_id, kind, at, note) VALUES (?, 'status', ?, ?)",
                (cur.lastrowid, base.isoformat(), f"demo: {status}"),
            )
