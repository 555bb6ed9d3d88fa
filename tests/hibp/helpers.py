"""Shared set-up for the HIBP tests: a catalog organization and a served account."""

from __future__ import annotations

import sqlite3

from pytest_httpserver import HTTPServer

from exposure.catalog.sync import upsert_organization
from exposure.store.db import transaction
from tests.hibp import data

ALICE = "alice@example.test"


def add_adobe(conn: sqlite3.Connection) -> int:
    """Adobe as a catalog organization (the bundled catalog's content is not ours to rely on)."""
    with transaction(conn):
        return upsert_organization(
            conn,
            "adobe-test",
            {
                "name": "Adobe (test)",
                "domains": ["adobe.com"],
                "category": "tech",
                "source_url": "https://www.adobe.com/privacy.html",
                "source_date": "2025-01",
            },
        )


def serve_alice(server: HTTPServer, breaches: list[dict[str, object]] | None = None) -> None:
    server.expect_request("/api/v3/subscription/status").respond_with_json(data.SUBSCRIPTION)
    server.expect_request(
        f"/api/v3/breachedaccount/{ALICE}",
        query_string={"truncateResponse": "false"},
        headers={"hibp-api-key": data.API_KEY},
    ).respond_with_json(
        breaches if breaches is not None else [data.ADOBE, data.SHOP, data.SPAM_LIST, data.FORUM]
    )
