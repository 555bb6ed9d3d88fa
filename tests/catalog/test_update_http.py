"""`catalog update` against a real local HTTP server: 200, 304 Not Modified (a conditional
request is sent), 500, a timeout, a truncated body, a wrong content type, an oversized body.
Every failure leaves the previous catalog exactly as it was."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from exposure.services.catalog import stats
from exposure.services.settings import set_setting
from exposure.services.update_catalog import update_catalog
from tests.catalog.conftest import DATA, SYNTHETIC
from tests.cli.helpers import run

pytestmark = pytest.mark.network

PATHS = {
    "datarequests": "/dr/offline-data.json",
    "justdeleteme": "/jdm/sites.json",
    "eraser": "/eraser/brokers.yaml",
    "duckduckgo": "/ddg/listing",
    "california": "/ca/registry.csv",
}
TYPES = {
    "datarequests": "application/json",
    "justdeleteme": "application/json; charset=utf-8",
    "eraser": "text/plain; charset=utf-8",
    "california": "text/csv",
}


class Sleeper:
    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.sleeps.append(seconds)


@pytest.fixture
def server(httpserver: HTTPServer) -> Iterator[HTTPServer]:
    httpserver.clear()
    yield httpserver
    httpserver.clear()


@pytest.fixture
def pointed(server: HTTPServer, conn: sqlite3.Connection) -> HTTPServer:
    for source, path in PATHS.items():
        set_setting(conn, f"catalog.url.{source}", server.url_for(path))
    return server


def serve(server: HTTPServer, source: str, **headers: str) -> None:
    if source == "duckduckgo":
        listing = []
        for path in sorted((DATA / "ddg").glob("*.json")):
            url = server.url_for(f"/ddg/files/{path.name}")
            listing.append({"name": path.name, "type": "file", "download_url": url})
            server.expect_request(f"/ddg/files/{path.name}").respond_with_data(
                path.read_bytes(), content_type="application/json"
            )
        server.expect_request(PATHS[source]).respond_with_data(
            json.dumps(listing), content_type="application/json", headers=headers
        )
        return
    server.expect_request(PATHS[source]).respond_with_data(
        SYNTHETIC[source].read_bytes(), content_type=TYPES[source], headers=headers
    )


def update(conn: sqlite3.Connection, *sources: str, **options: Any) -> Any:
    options.setdefault("sleep", Sleeper())
    options.setdefault("timeout", 5.0)
    return update_catalog(conn, list(sources), **options)


def snapshot(conn: sqlite3.Connection) -> tuple[Any, ...]:
    return (
        stats(conn),
        conn.execute(
            "SELECT id, slug, name, privacy_email, opt_out_url FROM organization ORDER BY id"
        ).fetchall(),
        conn.execute("SELECT * FROM org_domain ORDER BY domain").fetchall(),
        conn.execute("SELECT source, etag, digest, records FROM catalog_source ORDER BY source").fetchall(),
    )


@pytest.fixture
def loaded(conn: sqlite3.Connection, pointed: HTTPServer) -> sqlite3.Connection:
    """A catalog updated once from the local server (every source), then the server cleared."""
    for source in PATHS:
        serve(pointed, source, ETag=f'"{source}-v1"', **{"Last-Modified": "Tue, 21 Jul 2026 11:37:13 GMT"})
    result = update(conn)
    assert result.ok, result.as_json()
    pointed.clear()
    return conn


def test_200_updates_every_source_naming_each_host_first(
    conn: sqlite3.Connection, pointed: HTTPServer
) -> None:
    events: list[str] = []
    for source in PATHS:
        serve(pointed, source)
    original = pointed.dispatch

    def record(request: Request) -> Response:
        events.append(f"GET {request.path}")
        return original(request)

    pointed.dispatch = record  # type: ignore[method-assign]
    try:
        result = update(conn, announce=lambda message: events.append(message))
    finally:
        pointed.dispatch = original  # type: ignore[method-assign]
    assert [s.status for s in result.sources] == ["updated"] * 5
    assert {s.source: s.records for s in result.sources} == {
        "datarequests": 10, "justdeleteme": 4, "eraser": 4, "duckduckgo": 2, "california": 3,
    }  # fmt: skip
    assert events[0].startswith("Contacting localhost for the datarequests.org")
    for index, event in enumerate(events):
        if event.startswith("GET "):
            assert any(e.startswith("Contacting") for e in events[:index])
    data = stats(conn)
    assert set(data["sources"]) >= set(PATHS)
    assert result.merge is not None and result.merge.organizations == data["organizations"]
    (request, _response) = pointed.log[0]
    assert request.headers["User-Agent"].startswith("exposure/")
    assert "If-None-Match" not in request.headers  # nothing stored yet: no conditional request


def test_304_not_modified_sends_the_stored_validators(
    loaded: sqlite3.Connection, pointed: HTTPServer
) -> None:
    before = snapshot(loaded)
    pointed.expect_request(
        PATHS["eraser"],
        headers={"If-None-Match": '"eraser-v1"', "If-Modified-Since": "Tue, 21 Jul 2026 11:37:13 GMT"},
    ).respond_with_data("", status=304)
    result = update(loaded, "eraser")
    assert result.ok and result.sources[0].status == "unchanged"
    assert result.merge is None
    pointed.check_assertions()
    assert snapshot(loaded)[:3] == before[:3]
    checked = loaded.execute(
        "SELECT checked_at, fetched_at FROM catalog_source WHERE source = 'eraser'"
    ).fetchone()
    assert checked[0] >= checked[1]


def test_same_content_without_validators_is_unchanged(
    loaded: sqlite3.Connection, pointed: HTTPServer
) -> None:
    serve(pointed, "justdeleteme")  # a server that ignores conditional requests
    result = update(loaded, "justdeleteme")
    assert result.sources[0].status == "unchanged" and result.merge is None


def test_500_is_retried_with_backoff_then_fails_keeping_the_catalog(
    loaded: sqlite3.Connection, pointed: HTTPServer
) -> None:
    before = snapshot(loaded)
    pointed.expect_request(PATHS["datarequests"]).respond_with_data("oops", status=500)
    sleeper = Sleeper()
    result = update(loaded, "datarequests", retries=2, backoff=0.5, sleep=sleeper)
    assert not result.ok
    assert result.sources[0].message == "localhost answered HTTP 500 (3 tries); try again later"
    assert sleeper.sleeps == [0.5, 1.0]
    assert len(pointed.log) == 3
    assert snapshot(loaded) == before


def test_a_timeout_fails_and_keeps_the_catalog(loaded: sqlite3.Connection, pointed: HTTPServer) -> None:
    before = snapshot(loaded)
    release = threading.Event()

    def slow(request: Request) -> Response:
        release.wait(2.0)
        return Response(SYNTHETIC["eraser"].read_bytes(), content_type="text/plain")

    pointed.expect_request(PATHS["eraser"]).respond_with_handler(slow)
    started = time.monotonic()
    try:
        result = update(loaded, "eraser", timeout=0.3, retries=1)
    finally:
        release.set()
    assert time.monotonic() - started < 5
    assert not result.ok and "did not answer in time" in (result.sources[0].message or "")
    assert snapshot(loaded) == before


def test_a_truncated_body_is_refused(loaded: sqlite3.Connection, pointed: HTTPServer) -> None:
    before = snapshot(loaded)
    body = SYNTHETIC["datarequests"].read_bytes()
    pointed.expect_request(PATHS["datarequests"]).respond_with_data(
        body[: len(body) // 2], content_type="application/json"
    )
    result = update(loaded, "datarequests")
    assert not result.ok and "not valid JSON" in (result.sources[0].message or "")
    assert snapshot(loaded) == before


def test_a_body_cut_short_of_its_length_is_refused(loaded: sqlite3.Connection, pointed: HTTPServer) -> None:
    before = snapshot(loaded)
    body = SYNTHETIC["eraser"].read_bytes()

    def cut(request: Request) -> Response:
        response = Response(body[: len(body) // 2], content_type="text/plain")
        response.headers["Content-Length"] = str(len(body))
        response.headers["Connection"] = "close"
        return response

    pointed.expect_request(PATHS["eraser"]).respond_with_handler(cut)
    result = update(loaded, "eraser", timeout=1.0, retries=0)
    assert not result.ok
    assert any(
        words in (result.sources[0].message or "")
        for words in ("broke off", "did not answer", "cannot reach")
    )
    assert snapshot(loaded) == before


def test_a_truncated_csv_that_still_parses_is_refused_as_too_small(
    conn: sqlite3.Connection, pointed: HTTPServer
) -> None:
    header = (DATA / "california-2024.csv").read_text(encoding="utf-8").splitlines()[0]
    rows = [
        f'"Broker {n} Inc","","https://b{n}.example","privacy@b{n}.example","","1 St","City","CA","90000"'
        for n in range(40)
    ]
    full = "\r\n".join([header, *rows]) + "\r\n"
    pointed.expect_request(PATHS["california"]).respond_with_data(full, content_type="text/csv")
    assert update(conn, "california").ok
    pointed.clear()
    before = snapshot(conn)
    pointed.expect_request(PATHS["california"]).respond_with_data(
        full[: len(full) // 8], content_type="text/csv"
    )
    result = update(conn, "california")
    assert not result.ok and "a truncated or emptied file?" in (result.sources[0].message or "")
    assert snapshot(conn) == before


@pytest.mark.parametrize(
    ("content_type", "body", "message"),
    [
        (
            "text/html; charset=utf-8",
            b"<html><body>Please log in</body></html>",
            "sent text/html, not JSON; refused",
        ),
        ("application/json", b"<!DOCTYPE html><html>Error</html>", "this is an HTML page"),
        ("image/png", b"\x89PNG....", "sent image/png, not JSON; refused"),
    ],
)
def test_a_wrong_content_type_is_refused(
    loaded: sqlite3.Connection, pointed: HTTPServer, content_type: str, body: bytes, message: str
) -> None:
    before = snapshot(loaded)
    pointed.expect_request(PATHS["datarequests"]).respond_with_data(body, content_type=content_type)
    result = update(loaded, "datarequests")
    assert not result.ok and message in (result.sources[0].message or "")
    assert snapshot(loaded) == before


def test_an_oversized_body_is_refused(loaded: sqlite3.Connection, pointed: HTTPServer) -> None:
    before = snapshot(loaded)
    serve(pointed, "justdeleteme")
    result = update(loaded, "justdeleteme", max_bytes=100, force=True)
    assert not result.ok and "refused" in (result.sources[0].message or "")
    assert snapshot(loaded) == before


def test_one_failing_source_does_not_stop_the_others(loaded: sqlite3.Connection, pointed: HTTPServer) -> None:
    eraser_before = loaded.execute(
        "SELECT data FROM catalog_record WHERE source = 'eraser' ORDER BY source_id"
    ).fetchall()
    changed = json.loads(SYNTHETIC["justdeleteme"].read_text())
    changed[0]["difficulty"] = "hard"
    pointed.expect_request(PATHS["justdeleteme"]).respond_with_data(
        json.dumps(changed), content_type="application/json"
    )
    pointed.expect_request(PATHS["eraser"]).respond_with_data("gone", status=404)
    result = update(loaded, "justdeleteme", "eraser")
    assert [s.status for s in result.sources] == ["updated", "failed"]
    assert result.sources[1].message == f"localhost answered HTTP 404 for {pointed.url_for(PATHS['eraser'])}"
    assert (
        loaded.execute(
            "SELECT data FROM catalog_record WHERE source = 'eraser' ORDER BY source_id"
        ).fetchall()
        == eraser_before
    )
    acme = loaded.execute(
        "SELECT data FROM catalog_record WHERE source = 'justdeleteme' AND source_id = 'acme-people'"
    ).fetchone()
    assert json.loads(acme[0])["difficulty"] == "hard"


def test_a_duckduckgo_file_that_fails_keeps_the_old_definitions(
    loaded: sqlite3.Connection, pointed: HTTPServer
) -> None:
    before = snapshot(loaded)
    listing = [{"name": "a.json", "type": "file", "download_url": pointed.url_for("/ddg/files/a.json")}]
    pointed.expect_request(PATHS["duckduckgo"]).respond_with_data(
        json.dumps(listing), content_type="application/json"
    )
    pointed.expect_request("/ddg/files/a.json").respond_with_data("no", status=404)
    result = update(loaded, "duckduckgo", force=True)
    assert not result.ok and "HTTP 404" in (result.sources[0].message or "")
    assert snapshot(loaded) == before


def test_cli_update_names_the_hosts_and_prints_json(
    capsys: pytest.CaptureFixture[str], conn: sqlite3.Connection, pointed: HTTPServer
) -> None:
    serve(pointed, "eraser")
    result = run(capsys, "catalog", "update", "eraser", "--json")
    assert result.code == 0, result.err
    assert result.err.startswith("Downloading public catalogs from localhost (nothing about you is sent).")
    data = result.json()
    assert data["sources"][0]["status"] == "updated" and data["sources"][0]["records"] == 4
    assert data["merge"]["organizations"] >= 4
    pointed.clear()
    pointed.expect_request(PATHS["eraser"]).respond_with_data("down", status=503)
    monkey_sleep = pytest.MonkeyPatch()
    monkey_sleep.setattr(time, "sleep", lambda seconds: None)
    try:
        failed = run(capsys, "catalog", "update", "eraser")
    finally:
        monkey_sleep.undo()
    assert failed.code == 1
    assert "answered HTTP 503" in failed.out + failed.err
    assert "keep their previous records" in failed.err
