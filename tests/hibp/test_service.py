"""services.breaches: account checks into the store and the inventory, the keyless breach list,
and the optional password check."""

from __future__ import annotations

import json
import sqlite3

import pytest
from pytest_httpserver import HTTPServer

from exposure.core.errors import Cancelled, SecretError, ValidationError
from exposure.core.models import Finding
from exposure.core.progress import CancelToken
from exposure.services import breaches as svc
from exposure.services.inventory import findings_for, inventory
from exposure.services.profile import update_profile
from exposure.services.settings import set_setting
from tests.hibp import data
from tests.hibp.conftest import FakeClock
from tests.hibp.helpers import ALICE, add_adobe, serve_alice

pytestmark = pytest.mark.network


def _org_by_name(conn: sqlite3.Connection, name: str) -> dict[str, object]:
    (org,) = [o for o in inventory(conn) if o["name"] == name]
    return org


def test_check_stores_breaches_links_and_findings(
    server: HTTPServer, api: str, conn: sqlite3.Connection, clock: FakeClock, memory_keyring: object
) -> None:
    adobe_id = add_adobe(conn)
    serve_alice(server)
    from exposure.secrets import set_secret

    set_secret("hibp", data.API_KEY)
    result = svc.check_breaches(conn, [ALICE], clock=clock)

    (entry,) = result.emails
    assert entry["email"] == ALICE
    by_name = {b["name"]: b for b in entry["breaches"]}
    assert [b["name"] for b in entry["breaches"]] == [
        "ExampleForum",
        "ExampleShop",
        "ExampleSpamList",
        "Adobe",
    ]
    assert by_name["Adobe"]["organization"] == "Adobe (test)"
    assert by_name["Adobe"]["data_classes"] == ["Email addresses", "Password hints", "Passwords", "Usernames"]
    assert by_name["ExampleShop"]["organization"] == "example.test"  # an unknown domain becomes a row
    assert by_name["ExampleSpamList"]["organization"] is None  # no website: not an inventory row
    assert result.unattributed == 1
    assert result.ingest.findings == 4 and result.ingest.new_findings == 3 and result.ingest.skipped == 1

    # breach facts and the link to the email
    row = conn.execute("SELECT * FROM breach WHERE name = 'Adobe'").fetchone()
    assert row["title"] == "Adobe" and row["domain"] == "adobe.com" and row["pwn_count"] == 152445165
    assert json.loads(row["data_classes"])[0] == "Email addresses"
    assert "<" not in row["description_text"] and "disclosed much" in row["description_text"]
    assert json.loads(row["flags"])["verified"] is True
    links = {
        r[0] for r in conn.execute("SELECT breach_name FROM breach_identifier WHERE identifier = ?", (ALICE,))
    }
    assert links == {"Adobe", "ExampleShop", "ExampleSpamList", "ExampleForum"}

    # the findings, on the right organizations
    (finding,) = findings_for(conn, adobe_id)
    assert finding["source"] == "hibp" and finding["identifier"] == ALICE and finding["confidence"] == 1.0
    assert finding["domain"] == "adobe.com" and finding["first_seen"] == "2013-10-04"
    assert finding["evidence"] == {
        "breach": "Adobe", "breach_title": "Adobe", "date": "2013-10-04", "pwn_count": 152445165,
        "data_classes": ["Email addresses", "Password hints", "Passwords", "Usernames"],
    }  # fmt: skip
    shop = _org_by_name(conn, "example.test")
    assert shop["sources"] == ["hibp"] and shop["findings"][0]["evidence"]["breach"] == "ExampleShop"
    forum = _org_by_name(conn, "forum-example.test")
    # HIBP flags this one fabricated: kept, but not as sure
    assert (
        forum["findings"][0]["confidence"] == 0.5 and forum["findings"][0]["evidence"]["fabricated"] is True
    )
    assert str(data.API_KEY) not in json.dumps(inventory(conn))


def test_a_second_check_adds_nothing_and_replaces_links(
    server: HTTPServer, api: str, conn: sqlite3.Connection, clock: FakeClock
) -> None:
    serve_alice(server)
    svc.check_breaches(conn, [ALICE], clock=clock, api_key=data.API_KEY)
    server.clear()
    server.expect_request("/api/v3/subscription/status").respond_with_json(data.SUBSCRIPTION)
    server.expect_request("/api/v3/breachedaccount/ALICE@example.test").respond_with_json([data.ADOBE])
    # the same address in another case is the same account (HIBP ignores case)
    again = svc.check_breaches(conn, ["ALICE@Example.TEST"], clock=clock, api_key=data.API_KEY)
    assert again.ingest.new_findings == 0
    (stored,) = svc.stored_breaches(conn)
    assert [b["name"] for b in stored["breaches"]] == ["Adobe"]
    assert conn.execute("SELECT COUNT(*) FROM breach_check").fetchone()[0] == 1


def test_emails_default_to_the_profile(
    server: HTTPServer, api: str, conn: sqlite3.Connection, clock: FakeClock
) -> None:
    update_profile(conn, emails=[ALICE, "bob@example.test"])
    serve_alice(server, [data.ADOBE])
    server.expect_request("/api/v3/breachedaccount/bob@example.test").respond_with_data("", status=404)
    result = svc.check_breaches(conn, clock=clock, api_key=data.API_KEY)
    assert [(e["email"], len(e["breaches"])) for e in result.emails] == [(ALICE, 1), ("bob@example.test", 0)]
    assert [e["email"] for e in svc.stored_breaches(conn, ["BOB@example.test"])] == ["bob@example.test"]


def test_no_key_says_how_to_get_one_and_sends_nothing(
    server: HTTPServer, api: str, conn: sqlite3.Connection, clock: FakeClock
) -> None:
    with pytest.raises(SecretError) as err:
        svc.check_breaches(conn, [ALICE], clock=clock)
    assert "haveibeenpwned.com/API/Key" in str(err.value) and "exposure secrets set hibp" in str(err.value)
    assert server.log == []


def test_no_email_is_a_clear_error(server: HTTPServer, api: str, conn: sqlite3.Connection) -> None:
    with pytest.raises(ValidationError, match="--email"):
        svc.check_breaches(conn, api_key=data.API_KEY)
    with pytest.raises(ValidationError, match="not a valid email"):
        svc.check_breaches(conn, ["not-an-email"], api_key=data.API_KEY)
    assert server.log == []


def test_cancel_keeps_the_emails_done(
    server: HTTPServer, api: str, conn: sqlite3.Connection, clock: FakeClock
) -> None:
    serve_alice(server, [data.ADOBE])
    token = CancelToken()

    class CancelAfterFirst:
        def start(self, description: str, total: float | None = None) -> None: ...
        def message(self, text: str) -> None: ...
        def done(self) -> None: ...
        def advance(self, amount: float = 1) -> None:
            token.cancel()

    with pytest.raises(Cancelled):
        svc.check_breaches(conn, [ALICE, "bob@example.test"], progress=CancelAfterFirst(), cancel=token,
                           clock=clock, api_key=data.API_KEY)  # fmt: skip
    assert [e["email"] for e in svc.stored_breaches(conn)] == [ALICE]
    assert not any("bob" in r.path for r, _ in server.log)


def test_progress_names_the_host_before_contacting_it(
    server: HTTPServer, api: str, conn: sqlite3.Connection, clock: FakeClock
) -> None:
    serve_alice(server, [])
    events: list[tuple[str, int]] = []

    class Recorder:
        def start(self, description: str, total: float | None = None) -> None: ...
        def advance(self, amount: float = 1) -> None: ...
        def done(self) -> None: ...
        def message(self, text: str) -> None:
            events.append((text, len(server.log)))

    svc.check_breaches(conn, [ALICE], progress=Recorder(), clock=clock, api_key=data.API_KEY)
    assert events[0] == ("Contacting localhost…", 0)


def test_keyless_breach_list_is_cached_with_its_date_and_matched_to_the_inventory(
    server: HTTPServer, api: str, conn: sqlite3.Connection, clock: FakeClock
) -> None:
    from exposure.services.inventory import add_manual

    add_adobe(conn)
    add_manual(conn, "adobe.com", identifier=ALICE)
    add_manual(conn, "shop.example.test")
    add_manual(conn, "unbreached.example")
    assert svc.breach_list_status(conn) == {"downloaded_at": None, "breaches": 0}
    server.expect_request("/api/v3/breaches").respond_with_json([data.ADOBE, data.SHOP, data.SPAM_LIST])
    got = svc.download_breach_list(conn, clock=clock)
    assert got["breaches"] == 3
    status = svc.breach_list_status(conn)
    assert status["breaches"] == 3 and status["downloaded_at"] == got["downloaded_at"]
    ((request, _),) = server.log
    assert "hibp-api-key" not in request.headers  # nothing about the user is sent

    matches = svc.match_breach_list_to_inventory(conn)
    assert [(m["name"], [b["name"] for b in m["breaches"]]) for m in matches] == [
        ("Adobe (test)", ["Adobe"]),
        ("example.test", ["ExampleShop"]),
    ]
    assert matches[0]["breaches"][0]["confirmed"] == []  # the email itself was not checked
    assert matches[0]["domains"] == ["adobe.com"]
    assert svc.describe_match(matches[1]) == (
        "example.test was breached in 2019: Email addresses, Names, Passwords, Physical addresses"
    )
    # offline from here: the list is read from the store
    server.clear()
    assert len(svc.match_breach_list_to_inventory(conn)) == 2 and server.log == []


def test_a_hidden_inventory_row_is_not_matched(
    server: HTTPServer, api: str, conn: sqlite3.Connection, clock: FakeClock
) -> None:
    from exposure.services.inventory import add_manual, set_state

    added = add_manual(conn, "shop.example.test")
    server.expect_request("/api/v3/breaches").respond_with_json([data.SHOP])
    svc.download_breach_list(conn, clock=clock)
    assert len(svc.match_breach_list_to_inventory(conn)) == 1
    set_state(conn, added["id"], "not_mine")
    assert svc.match_breach_list_to_inventory(conn) == []


def test_confirmed_breaches_show_in_the_match(
    server: HTTPServer, api: str, conn: sqlite3.Connection, clock: FakeClock
) -> None:
    serve_alice(server, [data.SHOP])
    svc.check_breaches(conn, [ALICE], clock=clock, api_key=data.API_KEY)
    (match,) = svc.match_breach_list_to_inventory(conn)  # works without ever downloading the list
    assert match["breaches"][0]["confirmed"] == [ALICE]
    assert "(your email was in it)" in svc.describe_match(match)


def test_empty_breach_list_keeps_the_cached_one(
    server: HTTPServer, api: str, conn: sqlite3.Connection, clock: FakeClock
) -> None:
    from exposure.core.errors import NetworkError

    server.expect_ordered_request("/api/v3/breaches").respond_with_json([data.SHOP])
    server.expect_ordered_request("/api/v3/breaches").respond_with_json([])
    first = svc.download_breach_list(conn, clock=clock)
    with pytest.raises(NetworkError, match="empty"):
        svc.download_breach_list(conn, clock=clock)
    assert svc.breach_list_status(conn) == {"downloaded_at": first["downloaded_at"], "breaches": 1}


# --- Pwned Passwords hook ------------------------------------------------------------------------


def test_password_checker_is_off_by_default(conn: sqlite3.Connection) -> None:
    assert svc.password_checker(conn) is None


def test_password_checker_records_only_a_count(
    server: HTTPServer, api: str, conn: sqlite3.Connection, clock: FakeClock
) -> None:
    set_setting(conn, "hibp.check_passwords", "true")
    server.expect_request(
        f"/pp/range/{data.PASSWORD_PREFIX}", headers={"Add-Padding": "true"}
    ).respond_with_data(data.padded_range({data.PASSWORD_SUFFIX: data.PASSWORD_COUNT}))
    import hashlib

    strong = "correct horse battery staple 8731!"
    strong_prefix = hashlib.sha1(strong.encode()).hexdigest().upper()[:5]
    server.expect_request(f"/pp/range/{strong_prefix}").respond_with_data(data.padded_range({}))
    said: list[str] = []
    checker = svc.password_checker(conn, on_contact=said.append, clock=clock)
    assert checker is not None
    with checker:
        found = Finding(
            source="bitwarden_csv", domain="adobe.com", identifier=ALICE, evidence={"title": "Adobe"}
        )
        weak = checker.annotate(found, "password")
        fine = checker.annotate(found, strong)
        unchanged = checker.annotate(found, "")
    assert said == ["Contacting localhost…"]
    assert weak.evidence == {"title": "Adobe", "password_pwned_count": data.PASSWORD_COUNT}
    assert fine.evidence == {"title": "Adobe", "password_pwned_count": 0}
    assert unchanged is found
    assert (checker.checked, checker.pwned, checker.error) == (2, 1, None)
    # only the two prefixes left the machine
    assert sorted(r.path for r, _ in server.log) == sorted(
        [f"/pp/range/{data.PASSWORD_PREFIX}", f"/pp/range/{strong_prefix}"]
    )
    # nothing of the password is in what would be stored
    blob = json.dumps([weak.evidence, fine.evidence])
    assert 'password"' not in blob.replace("password_pwned_count", "") and data.PASSWORD_SUFFIX not in blob


def test_password_checker_stops_after_a_network_failure(
    server: HTTPServer, api: str, conn: sqlite3.Connection, clock: FakeClock
) -> None:
    server.expect_request(f"/pp/range/{data.PASSWORD_PREFIX}").respond_with_data("", status=503)
    checker = svc.password_checker(conn, force=True, clock=clock)
    assert checker is not None
    with checker:
        assert checker("password") is None
        assert checker.error is not None and "503" in checker.error
        assert checker("password") is None  # not asked again
    assert len([1 for r, _ in server.log]) == 4  # one lookup: request_with_retries tried 503 4 times


def test_cancel_during_a_rate_limit_pause_stops_at_once(
    server: HTTPServer, api: str, conn: sqlite3.Connection, clock: FakeClock
) -> None:
    serve_alice(server, [])
    token = CancelToken()
    original = clock.sleep

    def sleep(seconds: float) -> None:
        original(seconds)
        if clock.t > 1001.0:  # a second into the first pause, the user presses Cancel
            token.cancel()

    clock.sleep = sleep  # type: ignore[method-assign]
    with pytest.raises(Cancelled):
        svc.check_breaches(conn, [ALICE], cancel=token, clock=clock, api_key=data.API_KEY)
    assert sum(clock.sleeps) < 2  # not the whole 6.1 s pause
    assert [r.path for r, _ in server.log] == ["/api/v3/subscription/status"]
