"""A local Have I Been Pwned: pytest-httpserver on loopback, settings pointed at it, a fake clock."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

from exposure.net import hibp
from exposure.services.settings import set_setting


class FakeClock(hibp.Clock):
    """Time that moves only when someone sleeps: no test ever really waits."""

    def __init__(self, start: float = 1000.0) -> None:
        self.t = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self.t

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.t += max(0.0, seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    # Code that is given no clock (the CLI) uses this one too.
    monkeypatch.setattr(hibp, "default_clock", lambda: fake)
    return fake


@pytest.fixture
def server(httpserver: HTTPServer) -> Iterator[HTTPServer]:
    httpserver.clear()
    yield httpserver
    httpserver.clear()


@pytest.fixture
def api(server: HTTPServer, conn: sqlite3.Connection) -> str:
    """Point both HIBP base URLs at the local server; returns the API base URL."""
    url = server.url_for("/api/v3")
    set_setting(conn, "hibp.api_url", url)
    set_setting(conn, "hibp.passwords_url", server.url_for("/pp"))
    return url
