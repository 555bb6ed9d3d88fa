"""The HIBP client against a real local HTTP server serving the documented responses."""

from __future__ import annotations

import time

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from exposure.core.errors import NetworkError, SecretError
from exposure.net.hibp import DEFAULT_RPM, HibpClient, PwnedPasswordsClient, pwned_count
from exposure.net.http import USER_AGENT
from tests.hibp import data
from tests.hibp.conftest import FakeClock

pytestmark = pytest.mark.network

ALICE = "alice@example.test"


def client(
    server: HTTPServer, clock: FakeClock, key: str | None = data.API_KEY, rpm: int | None = None
) -> HibpClient:
    return HibpClient(server.url_for("/api/v3"), key, clock=clock, rpm=rpm)


def test_breached_account_returns_full_models_with_the_right_headers(
    server: HTTPServer, clock: FakeClock
) -> None:
    server.expect_request(
        f"/api/v3/breachedaccount/{ALICE}",
        query_string={"truncateResponse": "false"},
        headers={"hibp-api-key": data.API_KEY, "user-agent": USER_AGENT},
    ).respond_with_json([data.ADOBE, data.SHOP])
    with client(server, clock, rpm=10) as c:
        breaches = c.breached_account(ALICE)
    assert [b.name for b in breaches] == ["Adobe", "ExampleShop"]
    assert breaches[0].data_classes == ("Email addresses", "Password hints", "Passwords", "Usernames")
    assert breaches[1].pwn_count == 120000
    ((request, response),) = server.log
    assert response.status_code == 200
    assert "%40" in request.url or "@" in request.path  # the account is URL-encoded in the path
    assert request.headers["user-agent"].startswith("exposure/")


def test_404_means_no_breaches(server: HTTPServer, clock: FakeClock) -> None:
    server.expect_request(f"/api/v3/breachedaccount/{ALICE}").respond_with_data("", status=404)
    with client(server, clock, rpm=10) as c:
        assert c.breached_account(ALICE) == []


def test_429_is_honoured_with_retry_after_without_real_sleeping(server: HTTPServer, clock: FakeClock) -> None:
    path = f"/api/v3/breachedaccount/{ALICE}"
    server.expect_ordered_request(path).respond_with_data(
        '{"statusCode": 429, "message": "Rate limit is exceeded. Try again in 2 seconds."}',
        status=429,
        headers={"retry-after": "2"},
        content_type="application/json",
    )
    server.expect_ordered_request(path).respond_with_json([data.ADOBE])
    started = time.monotonic()
    with client(server, clock, rpm=10) as c:
        breaches = c.breached_account(ALICE)
        slept = c.slept
    assert [b.name for b in breaches] == ["Adobe"]
    assert [r.status_code for _, r in server.log] == [429, 200]
    assert clock.sleeps == [2.0] and slept == 2.0
    assert time.monotonic() - started < 1.5  # the 2 s were slept on the fake clock only
    server.check_assertions()


def test_429_that_never_ends_gives_up_with_one_line(server: HTTPServer, clock: FakeClock) -> None:
    server.expect_request(f"/api/v3/breachedaccount/{ALICE}").respond_with_data(
        "", status=429, headers={"retry-after": "5"}
    )
    with client(server, clock, rpm=10) as c, pytest.raises(NetworkError) as err:
        c.breached_account(ALICE)
    assert "429" in str(err.value) and "\n" not in str(err.value)
    assert len(server.log) == 9 and sum(clock.sleeps) >= 9 * 5  # every retry waited retry-after


@pytest.mark.parametrize(
    ("status", "error", "words"),
    [
        (400, NetworkError, "not an acceptable account format"),
        (401, SecretError, "rejected the API key"),
        (403, NetworkError, "user agent"),
        (503, NetworkError, "unavailable"),
        (418, NetworkError, "answered 418"),
    ],
)
def test_error_statuses_give_a_clear_line(
    server: HTTPServer, clock: FakeClock, status: int, error: type[Exception], words: str
) -> None:
    server.expect_request(f"/api/v3/breachedaccount/{ALICE}").respond_with_data(
        "Access denied due to invalid hibp-api-key.", status=status
    )
    with client(server, clock, rpm=10) as c, pytest.raises(error) as err:
        c.breached_account(ALICE)
    message = str(err.value)
    assert words in message and "\n" not in message
    assert data.API_KEY not in message
    if status == 401:
        assert "exposure secrets set hibp" in message and "haveibeenpwned.com/API/Key" in message
    assert len(server.log) == 1  # none of these is retried


def test_no_key_no_account_lookup(server: HTTPServer, clock: FakeClock) -> None:
    with client(server, clock, key=None) as c, pytest.raises(SecretError, match="API/Key"):
        c.breached_account(ALICE)
    assert server.log == []


def test_rpm_comes_from_the_subscription_status(server: HTTPServer, clock: FakeClock) -> None:
    server.expect_request(
        "/api/v3/subscription/status", headers={"hibp-api-key": data.API_KEY}
    ).respond_with_json({**data.SUBSCRIPTION, "Rpm": 50})
    with client(server, clock) as c:
        assert c.subscription_rpm() == 50
        assert c.pacer.interval == pytest.approx(60 / 50 + 0.1)


@pytest.mark.parametrize(
    "answer", [Response("", 404), Response("not json", 200), Response('{"Rpm": 0}', 200)]
)
def test_rpm_defaults_to_10(server: HTTPServer, clock: FakeClock, answer: Response) -> None:
    server.expect_request("/api/v3/subscription/status").respond_with_response(answer)
    with client(server, clock) as c:
        assert c.subscription_rpm() == DEFAULT_RPM
        assert c.pacer.interval == pytest.approx(60 / 10 + 0.1)


def test_bad_key_is_reported_at_the_status_call(server: HTTPServer, clock: FakeClock) -> None:
    server.expect_request("/api/v3/subscription/status").respond_with_data("Access denied", status=401)
    with client(server, clock) as c, pytest.raises(SecretError, match="401"):
        c.subscription_rpm()


def test_breach_list_needs_no_key_and_sends_none(server: HTTPServer, clock: FakeClock) -> None:
    server.expect_request("/api/v3/breaches").respond_with_json([data.ADOBE, data.SHOP, data.SPAM_LIST])
    with client(server, clock, key=data.API_KEY) as c:
        names = [b.name for b in c.all_breaches()]
    assert names == ["Adobe", "ExampleShop", "ExampleSpamList"]
    ((request, _),) = server.log
    assert "hibp-api-key" not in request.headers


def test_breach_list_error_status(server: HTTPServer, clock: FakeClock) -> None:
    server.expect_request("/api/v3/breaches").respond_with_data("down", status=503)
    with client(server, clock, key=None) as c, pytest.raises(NetworkError, match="503"):
        c.all_breaches()


def test_unreachable_host_is_one_line(clock: FakeClock) -> None:
    # port 9 (discard) on loopback: nothing listens there
    with HibpClient("http://127.0.0.1:9/api/v3", data.API_KEY, clock=clock, rpm=10) as c:
        with pytest.raises(NetworkError, match="cannot reach 127.0.0.1"):
            c.breached_account(ALICE)


def _range_handler(seen: list[Request]):  # type: ignore[no-untyped-def]
    def handler(request: Request) -> Response:
        seen.append(request)
        body = data.padded_range({data.PASSWORD_SUFFIX: data.PASSWORD_COUNT, "0" * 34 + "1": 0})
        return Response(body, 200, content_type="text/plain")

    return handler


def test_padded_range_response(server: HTTPServer, clock: FakeClock) -> None:
    seen: list[Request] = []
    server.expect_request(f"/pp/range/{data.PASSWORD_PREFIX}").respond_with_handler(_range_handler(seen))
    with PwnedPasswordsClient(server.url_for("/pp"), clock=clock) as c:
        assert pwned_count(c, "password") == data.PASSWORD_COUNT
        assert pwned_count(c, "password") == data.PASSWORD_COUNT  # cached: asked once
        assert c.requests == 1
    (request,) = seen
    assert request.headers["Add-Padding"] == "true"
    assert request.path == f"/pp/range/{data.PASSWORD_PREFIX}"
    # nothing but the 5-character prefix leaves: not the suffix, not the password
    raw = request.url + str(request.headers) + request.get_data(as_text=True)
    assert data.PASSWORD_SUFFIX not in raw and "password" not in raw.lower().replace("add-padding", "")


def test_a_password_only_present_as_padding_counts_zero(server: HTTPServer, clock: FakeClock) -> None:
    # the padding line 000…0 has count 0: "not found", not "found 0 times"
    import hashlib

    pw = "not in any breach"
    prefix = hashlib.sha1(pw.encode()).hexdigest().upper()[:5]
    suffix = hashlib.sha1(pw.encode()).hexdigest().upper()[5:]
    server.expect_request(f"/pp/range/{prefix}").respond_with_data(f"{suffix}:0\r\n{'F' * 35}:2")
    with PwnedPasswordsClient(server.url_for("/pp"), clock=clock) as c:
        assert pwned_count(c, pw) == 0
        assert pwned_count(c, "") == 0


def test_range_error_status(server: HTTPServer, clock: FakeClock) -> None:
    server.expect_request(f"/pp/range/{data.PASSWORD_PREFIX}").respond_with_data("", status=400)
    with (
        PwnedPasswordsClient(server.url_for("/pp"), clock=clock) as c,
        pytest.raises(NetworkError, match="400"),
    ):
        pwned_count(c, "password")
