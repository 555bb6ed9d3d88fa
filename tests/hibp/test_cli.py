"""`exposure breaches` against the local server (the acceptance check) and without a key."""

from __future__ import annotations

import sqlite3

import pytest
from pytest_httpserver import HTTPServer

from exposure.secrets import set_secret
from tests.cli.helpers import run
from tests.hibp import data
from tests.hibp.conftest import FakeClock
from tests.hibp.helpers import ALICE, add_adobe, serve_alice

#: Every test talks to the local server (settings pointed at it) with time on the fake clock.
pytestmark = [pytest.mark.network, pytest.mark.usefixtures("api", "clock")]


def test_breaches_json_lists_breaches_and_the_inventory_shows_them(
    capsys: pytest.CaptureFixture[str], server: HTTPServer, conn: sqlite3.Connection
) -> None:
    add_adobe(conn)
    serve_alice(server)
    set_secret("hibp", data.API_KEY)

    result = run(capsys, "breaches", "--email", ALICE, "--json")
    assert result.code == 0, result.err
    assert "Contacting localhost…" in result.err.splitlines()[0]
    doc = result.json()
    (entry,) = doc["emails"]
    assert entry["email"] == ALICE
    got = {b["name"]: b for b in entry["breaches"]}
    assert set(got) == {"Adobe", "ExampleShop", "ExampleSpamList", "ExampleForum"}
    for b in entry["breaches"]:
        assert {"name", "title", "domain", "date", "data_classes", "organization"} <= set(b)
    assert got["Adobe"]["data_classes"] == ["Email addresses", "Password hints", "Passwords", "Usernames"]
    assert got["Adobe"]["date"] == "2013-10-04" and got["Adobe"]["domain"] == "adobe.com"
    assert got["Adobe"]["organization"] == "Adobe (test)"
    assert got["ExampleShop"]["organization"] == "example.test"
    assert got["ExampleSpamList"]["organization"] is None and got["ExampleSpamList"]["domain"] is None
    assert data.API_KEY not in result.out + result.err

    inv = run(capsys, "inventory", "--json").json()["organizations"]
    by_name = {o["name"]: o for o in inv}
    adobe = by_name["Adobe (test)"]
    assert adobe["sources"] == ["hibp"] and adobe["identifiers"] == [ALICE]
    (finding,) = adobe["findings"]
    assert finding["evidence"]["breach"] == "Adobe"
    assert finding["evidence"]["data_classes"] == got["Adobe"]["data_classes"]
    assert finding["domain"] == "adobe.com" and finding["identifier"] == ALICE
    assert by_name["example.test"]["findings"][0]["evidence"]["breach_title"] == "Example Shop"
    assert not any(o["name"] == "Example Spam List" for o in inv)

    # offline afterwards: what was found, without contacting anything
    server.clear()
    stored = run(capsys, "breaches", "--stored", "--json")
    assert stored.code == 0 and server.log == []
    assert {b["name"] for b in stored.json()["emails"][0]["breaches"]} == set(got)


def test_breaches_text_output(
    capsys: pytest.CaptureFixture[str], server: HTTPServer, clock: FakeClock
) -> None:
    serve_alice(server, [data.SHOP, data.SPAM_LIST])
    server.expect_request("/api/v3/breachedaccount/bob@example.test").respond_with_data("", status=404)
    set_secret("hibp", data.API_KEY)
    result = run(capsys, "breaches", "--email", ALICE, "--email", "bob@example.test")
    assert result.code == 0, result.err
    assert "Example Shop" in result.out and "2019-03-01" in result.out
    assert "bob@example.test: in no known breach." in result.err
    assert "spam or combination lists" in result.err
    # the rate limit pauses happened on the (fake) clock: status, alice, bob = 2 pauses of 6.1 s
    assert sum(clock.sleeps) == pytest.approx(2 * 6.1)


def test_without_a_key_it_says_how_to_get_one_and_matches_the_free_list(
    capsys: pytest.CaptureFixture[str], server: HTTPServer
) -> None:
    run(capsys, "inventory", "add", "shop.example.test", "--identifier", ALICE)
    server.expect_request("/api/v3/breaches").respond_with_json([data.ADOBE, data.SHOP])
    result = run(capsys, "breaches", "--email", ALICE, "--json")
    assert result.code == 0, result.err
    assert "haveibeenpwned.com/API/Key" in result.err and "exposure secrets set hibp" in result.err
    doc = result.json()
    assert doc["emails"] == [] and doc["api_key"] is False
    assert doc["breach_list"]["breaches"] == 2
    (org,) = doc["organizations"]
    assert org["organization"] == "example.test"
    assert (
        org["breaches"][0]["name"] == "ExampleShop"
        and org["breaches"][0]["data_classes"][0] == "Email addresses"
    )
    # no email address went to the server
    assert [r.path for r, _ in server.log] == ["/api/v3/breaches"]
    assert all(ALICE not in r.url for r, _ in server.log)


def test_list_only_text_and_cached(capsys: pytest.CaptureFixture[str], server: HTTPServer) -> None:
    missing = run(capsys, "breaches", "--list-only", "--cached")
    assert missing.code == 1 and "no breach list has been downloaded yet" in missing.err
    assert server.log == []
    run(capsys, "inventory", "add", "shop.example.test")
    server.expect_request("/api/v3/breaches").respond_with_json([data.SHOP])
    first = run(capsys, "breaches", "--list-only")
    assert first.code == 0, first.err
    assert "Contacting localhost…" in first.err and "1 known breaches" in first.err
    assert "Example Shop" in first.out and "2019-03-01" in first.out
    server.clear()
    again = run(capsys, "breaches", "--list-only", "--cached", "--json")
    assert again.code == 0 and server.log == []  # the cached list, nothing contacted
    assert again.json()["organizations"][0]["breaches"][0]["name"] == "ExampleShop"
    assert "Contacting" not in again.err


def test_errors_are_one_line(capsys: pytest.CaptureFixture[str], server: HTTPServer) -> None:
    set_secret("hibp", "wrong-key")
    server.expect_request("/api/v3/subscription/status").respond_with_data("Access denied", status=401)
    result = run(capsys, "breaches", "--email", ALICE)
    assert result.code == 1
    (line,) = [x for x in result.err.splitlines() if x.startswith("exposure: error:")]
    assert "rejected the API key" in line and "wrong-key" not in result.err
    usage = run(capsys, "breaches", "--cached")
    assert usage.code == 1 and "--cached only goes with --list-only" in usage.err
    nomail = run(capsys, "breaches")
    assert nomail.code == 1 and "no email address to check" in nomail.err
    bad = run(capsys, "breaches", "--email", "not an email")
    assert bad.code == 1 and "not a valid email" in bad.err
