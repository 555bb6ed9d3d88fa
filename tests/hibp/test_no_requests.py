"""No request reaches Have I Been Pwned unless the user asks for that one action.

Both base URLs point at a local server that records every request; everything else a user
does (profile, imports, inventory, reports, the stored breach view, the dashboard queries) must
leave its log empty.
"""

from __future__ import annotations

import sqlite3

import pytest
from pytest_httpserver import HTTPServer

from exposure.secrets import set_secret
from exposure.services import breaches as svc
from exposure.services.inventory import inventory, inventory_rows
from exposure.services.settings import set_setting
from tests.cli.helpers import run
from tests.hibp import data

pytestmark = [pytest.mark.network, pytest.mark.usefixtures("api", "clock")]


def test_nothing_is_requested_without_an_explicit_command(
    capsys: pytest.CaptureFixture[str], server: HTTPServer, conn: sqlite3.Connection
) -> None:
    # a key is stored and the password check is on: still nothing may be sent on its own
    set_secret("hibp", data.API_KEY)
    set_setting(conn, "hibp.check_passwords", "true")
    server.expect_request("/api/v3/breaches").respond_with_json([data.ADOBE])
    for argv in (
        ("profile", "set", "--name", "Alice", "--email", "alice@example.test"),
        ("profile", "show", "--json"),
        ("inventory", "add", "adobe.com", "--identifier", "alice@example.test"),
        ("inventory", "--json"),
        ("catalog", "search", "adobe", "--json"),
        ("settings", "show", "--json"),
        ("breaches", "--stored", "--json"),
        ("breaches", "--list-only", "--cached", "--json"),  # fails (no list yet) without contacting
    ):
        run(capsys, *argv)
    from exposure.services import demo

    demo.populate()
    inventory(conn)
    inventory_rows(conn)
    svc.stored_breaches(conn)
    svc.match_breach_list_to_inventory(conn)
    svc.breach_list_status(conn)
    checker = svc.password_checker(conn)  # created, but only contacts when a password is checked
    assert checker is not None
    checker.close()
    assert server.log == []

    # the control: the explicit command does reach the server
    assert run(capsys, "breaches", "--list-only", "--json").code == 0
    assert [r.path for r, _ in server.log] == ["/api/v3/breaches"]
