"""Forty emails against a key allowed 10 requests a minute: paced, never a single 429.

The local server enforces the limit itself (a sliding 60-second window on the injected clock),
so a client that went too fast would get 429s: the control test shows that it does.
"""

from __future__ import annotations

import sqlite3
import time
from collections import deque

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from exposure.services.breaches import check_breaches
from tests.hibp import data
from tests.hibp.conftest import FakeClock

pytestmark = pytest.mark.network

EMAILS = [f"user{i:02d}@example.test" for i in range(40)]


class RateLimitedHibp:
    """Answers like HIBP with an ``rpm`` limit per rolling minute of the fake clock."""

    def __init__(self, clock: FakeClock, limit: int, advertised: int) -> None:
        self.clock = clock
        self.limit = limit
        self.advertised = advertised
        self.window: deque[float] = deque()
        self.statuses: list[int] = []

    def __call__(self, request: Request) -> Response:
        t = self.clock.now()
        while self.window and self.window[0] <= t - 60:
            self.window.popleft()
        if len(self.window) >= self.limit:
            wait = int(self.window[0] + 60 - t) + 1  # seconds, rounded up as HIBP does
            self.statuses.append(429)
            return Response(
                '{"statusCode": 429, "message": "Rate limit is exceeded."}',
                429,
                headers={"retry-after": str(wait)},
                content_type="application/json",
            )
        self.window.append(t)
        self.statuses.append(200)
        if request.path.endswith("/subscription/status"):
            return Response(f'{{"SubscriptionName": "Pwned 1", "Rpm": {self.advertised}}}', 200,
                            content_type="application/json")  # fmt: skip
        if request.path.endswith("user07@example.test"):
            import json

            return Response(json.dumps([data.ADOBE]), 200, content_type="application/json")
        return Response("", 404)


def _serve(server: HTTPServer, handler: RateLimitedHibp) -> None:
    import re

    server.expect_request(re.compile(r"^/api/v3/.*")).respond_with_handler(handler)


def test_forty_emails_at_rpm_10_never_trip_the_limit(
    server: HTTPServer, api: str, conn: sqlite3.Connection, clock: FakeClock
) -> None:
    handler = RateLimitedHibp(clock, limit=10, advertised=10)
    _serve(server, handler)
    started = time.monotonic()
    result = check_breaches(conn, EMAILS, clock=clock, api_key=data.API_KEY)
    assert time.monotonic() - started < 30  # no real sleeping (the fake clock slept ~4 minutes)
    assert handler.statuses == [200] * 41  # the status call + 40 lookups, not one 429
    assert all(r.status_code == 200 or r.status_code == 404 for _, r in server.log)
    assert result.rpm == 10
    # 41 requests, 40 pauses of 60/10 s (+ a 0.1 s margin each); nothing else was slept
    assert len(clock.sleeps) == 40
    assert sum(clock.sleeps) == pytest.approx(40 * 6.1, abs=0.01)
    assert result.slept == pytest.approx(sum(clock.sleeps))
    assert [e["email"] for e in result.emails] == EMAILS
    assert [b["name"] for b in result.emails[7]["breaches"]] == ["Adobe"]


def test_control_a_client_trusting_a_wrong_rpm_gets_429s_and_waits_them_out(
    server: HTTPServer, api: str, conn: sqlite3.Connection, clock: FakeClock
) -> None:
    # The subscription claims 100/min but the server allows 10: the server answers 429 and the
    # client honours retry-after; every email is still checked.
    handler = RateLimitedHibp(clock, limit=10, advertised=100)
    _serve(server, handler)
    result = check_breaches(conn, EMAILS[:25], clock=clock, api_key=data.API_KEY)
    assert 429 in handler.statuses
    assert handler.statuses.count(200) == 26
    assert len(result.emails) == 25
    assert sum(clock.sleeps) >= 120  # two more minutes' worth of the limit
