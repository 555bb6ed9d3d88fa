"""The threaded batch writer stores exactly what the one-thread path stores."""

from __future__ import annotations

import random
import sqlite3
import sys
import threading
from pathlib import Path

import pytest

import exposure.services.inventory as inv
from exposure.core.errors import Cancelled
from exposure.core.models import Finding
from exposure.core.progress import CancelToken
from exposure.services import open_store
from exposure.store.db import transaction


def _findings(count: int, seed: int = 5) -> list[Finding]:
    """A mix: catalog domains, unknown ones (placeholders, repeated across batches), dated and
    undated rows, two sources and locations, duplicates of earlier keys, hints naming an
    organization without a domain, and findings with nothing to match."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        kind = i % 11
        if kind == 0:
            domain: str | None = rng.choice(["spokeo.com", "netflix.com", "www.amazon.com"])
        elif kind == 1:
            domain = None
        else:
            domain = f"shop{rng.randrange(count // 3)}-example.com"
        hint = "spokeo" if kind == 1 and i % 2 else None
        dated = i % 3 == 0
        out.append(
            Finding(
                source="test" if i % 17 else "other",  # runs of rows sharing source and location
                domain=domain,
                identifier=f"user{i % 7}@example.com",
                location="/tmp/x.csv" if i % 13 else ("/tmp/y.csv" if i % 2 else None),
                evidence={"title": f"item {i % 50}", "row": i % 50},
                first_seen=f"2021-01-0{1 + i % 9}" if dated else None,
                last_seen=f"2023-05-0{1 + i % 9}" if dated else None,
                confidence=0.5 + (i % 5) / 10,
                key=f"k{rng.randrange(count)}",  # some keys repeat: upserts within and across batches
                org_hint=hint,
            )
        )
    return out


def _contents(conn: sqlite3.Connection) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    findings = conn.execute(
        "SELECT f.id, o.slug, f.source, f.key, f.domain, f.identifier, f.location, f.evidence, "
        "f.first_seen, f.last_seen, f.confidence FROM finding f JOIN organization o ON o.id = f.org_id "
        "ORDER BY f.id"
    ).fetchall()
    orgs = conn.execute(
        "SELECT o.id, o.slug, o.category, d.domain FROM organization o JOIN org_domain d ON d.org_id = o.id "
        "WHERE o.source = 'finding' ORDER BY o.id"
    ).fetchall()
    return [tuple(r) for r in findings], [tuple(r) for r in orgs]


def _run(
    home: Path, monkeypatch: pytest.MonkeyPatch, threaded: bool, json_each: bool = True
) -> tuple[object, ...]:
    """Two ingests into a fresh home, in small batches: what they report and store."""
    monkeypatch.setenv("EXPOSURE_HOME", str(home))
    monkeypatch.setattr(inv, "BATCH", 700)
    monkeypatch.setattr(inv, "MIN_HANDOFF", 256)
    if not json_each:
        monkeypatch.setattr(inv, "_has_json_each", lambda conn: False)
    used: list[str] = []
    original = inv._ThreadedWriter.__init__

    def spy(self: inv._ThreadedWriter, *args: object) -> None:
        used.append(threading.current_thread().name)
        original(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(inv._ThreadedWriter, "__init__", spy)
    if not threaded:
        monkeypatch.setattr(inv, "_database_file", lambda conn: None)
    conn = open_store()
    try:
        first = inv.ingest(conn, _findings(3000))
        second = inv.ingest(conn, _findings(3000, seed=6))  # merges into the first
        assert bool(used) == threaded
        return (first.as_json(), second.as_json(), *_contents(conn))
    finally:
        conn.close()
        monkeypatch.undo()


def test_threaded_writer_stores_what_one_thread_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = _run(tmp_path / "one", monkeypatch, threaded=False)
    two = _run(tmp_path / "two", monkeypatch, threaded=True)
    assert one[0] == two[0] and one[1] == two[1]
    assert one[2] == two[2]  # every finding: same id, organization, values
    assert one[3] == two[3]  # the same placeholder organizations, with the same ids
    assert len(one[2]) > 1000 and len(one[3]) > 300


def test_threaded_writer_restores_the_switch_interval(
    conn: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inv, "BATCH", 500)
    before = sys.getswitchinterval()
    seen: list[float] = []
    original = inv._BatchWriter.write

    def spy(self: inv._BatchWriter, batch: inv._Batch) -> None:
        seen.append(sys.getswitchinterval())
        original(self, batch)

    monkeypatch.setattr(inv._BatchWriter, "write", spy)
    stats = inv.ingest(conn, _findings(2000))
    assert stats.findings == 2000
    assert seen and max(seen) <= inv.WRITER_SWITCH_INTERVAL
    assert sys.getswitchinterval() == before


def test_an_error_in_the_writer_reaches_the_caller_and_keeps_earlier_batches(
    conn: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inv, "BATCH", 500)
    monkeypatch.setattr(inv, "MIN_HANDOFF", 500)
    original = inv._BatchWriter.write
    calls: list[str] = []

    def failing(self: inv._BatchWriter, batch: inv._Batch) -> None:
        calls.append(threading.current_thread().name)
        if len(calls) == 3:
            raise sqlite3.OperationalError("disk I/O error")
        original(self, batch)

    monkeypatch.setattr(inv._BatchWriter, "write", failing)
    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
        inv.ingest(conn, _findings(5000))
    assert calls[0] == "exposure-ingest-writer"
    kept = conn.execute("SELECT COUNT(*) FROM finding").fetchone()[0]
    assert 0 < kept <= 1000  # the two batches written before the error, nothing of the third
    assert not any(t.name == "exposure-ingest-writer" for t in threading.enumerate())


def test_cancel_with_the_threaded_writer_keeps_handed_over_batches(
    conn: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inv, "BATCH", 400)
    monkeypatch.setattr(inv, "MIN_HANDOFF", 400)
    token = CancelToken()
    findings = _findings(4000)

    def stream():  # type: ignore[no-untyped-def]
        for i, finding in enumerate(findings):
            if i == 2000:
                token.cancel()
            yield finding

    with pytest.raises(Cancelled):
        inv.ingest(conn, stream(), cancel=token)
    stored_keys = conn.execute("SELECT COUNT(DISTINCT key) FROM finding").fetchone()[0]
    expected = len({f.key for f in findings[:2000] if f.domain or f.org_hint})
    assert stored_keys == expected  # all five batches before the cancel, nothing after


def test_inside_a_transaction_ingest_writes_on_the_callers_connection(
    conn: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inv, "BATCH", 300)

    def refuse(self: object, *args: object) -> None:
        raise AssertionError("a second connection would wait for the caller's lock")

    monkeypatch.setattr(inv._ThreadedWriter, "__init__", refuse)
    with transaction(conn):
        stats = inv.ingest(conn, _findings(1500))
    assert stats.findings == 1500
    assert conn.execute("SELECT COUNT(*) FROM finding").fetchone()[0] == stats.new_findings


def test_checkpoints_run_beside_the_writer_and_end_with_it(
    conn: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inv, "BATCH", 500)
    monkeypatch.setattr(inv, "MIN_HANDOFF", 500)
    checkpoints: list[str] = []
    original = inv._Checkpointer._run

    def spy(self: inv._Checkpointer) -> None:
        checkpoints.append(threading.current_thread().name)
        original(self)

    wakes: list[str] = []
    original_wake = inv._Checkpointer.wake

    def wake(self: inv._Checkpointer) -> None:
        wakes.append(threading.current_thread().name)
        original_wake(self)

    monkeypatch.setattr(inv._Checkpointer, "_run", spy)
    monkeypatch.setattr(inv._Checkpointer, "wake", wake)
    stats = inv.ingest(conn, _findings(4000))
    assert checkpoints == ["exposure-ingest-checkpoint"]
    assert len(wakes) >= 7 and set(wakes) == {"exposure-ingest-writer"}  # after each batch
    assert not any(t.name.startswith("exposure-ingest") for t in threading.enumerate())
    assert conn.execute("SELECT COUNT(*) FROM finding").fetchone()[0] == stats.new_findings > 0


def test_the_writer_starts_before_the_first_batch_and_prepares_its_statement(
    conn: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = 0
    started_at: list[tuple[int, int]] = []
    original = inv._ThreadedWriter.__init__

    def spy(self: inv._ThreadedWriter, *args: object) -> None:
        started_at.append((read, int(args[-1])))  # type: ignore[call-overload]
        original(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(inv._ThreadedWriter, "__init__", spy)
    undated = [f for f in _findings(5000) if f.first_seen is None and f.last_seen is None]

    def stream():  # type: ignore[no-untyped-def]
        nonlocal read
        for finding in undated:
            read += 1
            yield finding

    stats = inv.ingest(conn, stream())
    assert started_at == [(inv.WRITER_START, 6)]  # before the first batch (MIN_HANDOFF) is full
    assert stats.findings == len(undated)


def test_preparing_a_statement_runs_nothing(conn: sqlite3.Connection) -> None:
    inv._prepare(conn, 6)
    inv._prepare(conn, 8)
    assert conn.execute("SELECT COUNT(*) FROM finding").fetchone()[0] == 0
    assert not conn.in_transaction
    path = inv._database_file(conn)
    assert path is not None
    bulk = inv._bulk_connection(path)  # begins transactions itself: none is left open
    try:
        inv._prepare(bulk, 6)
        assert not bulk.in_transaction
        assert bulk.execute("PRAGMA temp_store").fetchone()[0] == 2  # statement journals in memory
        assert bulk.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    finally:
        bulk.close()


def test_each_value_lands_in_its_column(conn: sqlite3.Connection) -> None:
    dated = Finding(
        source="src-a", domain="shop-one.example", identifier="me@example.com", location="/a.csv",
        evidence={"title": "One"}, first_seen="2020-01-02", last_seen="2021-03-04", confidence=0.7,
        key="k1",
    )  # fmt: skip
    undated = Finding(
        source="src-b", domain="shop-two.example", identifier=None, location=None,
        evidence={"title": "Two"}, confidence=0.6, key="k2",
    )  # fmt: skip
    inv.ingest(conn, [dated, undated])
    rows = conn.execute(
        "SELECT f.source, f.key, f.domain, f.identifier, f.location, f.evidence, f.first_seen, "
        "f.last_seen, f.confidence, f.created_at IS NOT NULL, o.slug FROM finding f "
        "JOIN organization o ON o.id = f.org_id ORDER BY f.id"
    ).fetchall()
    assert [tuple(r) for r in rows] == [
        ("src-a", "k1", "shop-one.example", "me@example.com", "/a.csv", '{"title": "One"}',
         "2020-01-02", "2021-03-04", 0.7, 1, "domain:shop-one.example"),
        ("src-b", "k2", "shop-two.example", None, None, '{"title": "Two"}', None, None, 0.6, 1,
         "domain:shop-two.example"),
    ]  # fmt: skip


def test_a_placeholder_slug_that_exists_already_is_reused(conn: sqlite3.Connection) -> None:
    with transaction(conn):  # an organization with the placeholder's slug but not its domain
        conn.execute(
            "INSERT INTO organization (slug, name, source) VALUES ('domain:kept.example', 'Kept', 'manual')"
        )
    (kept,) = conn.execute("SELECT id FROM organization WHERE slug = 'domain:kept.example'").fetchone()
    findings = [
        Finding(source="t", domain=d, identifier=None, location=None, evidence={}, key=d)
        for d in ["new-one.example", "kept.example", "new-two.example"]
    ]
    inv.ingest(conn, findings)
    rows = conn.execute(
        "SELECT f.domain, o.slug, o.id = ? FROM finding f JOIN organization o ON o.id = f.org_id ORDER BY f.id",
        (kept,),
    ).fetchall()
    assert [tuple(r) for r in rows] == [
        ("new-one.example", "domain:new-one.example", 0),
        ("kept.example", "domain:kept.example", 1),
        ("new-two.example", "domain:new-two.example", 0),
    ]


def test_placeholders_are_the_same_without_sqlites_json_functions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_json = _run(tmp_path / "json", monkeypatch, threaded=False)
    without = _run(tmp_path / "plain", monkeypatch, threaded=False, json_each=False)
    assert with_json == without and len(with_json[3]) > 300  # type: ignore[arg-type]


def test_statements_cover_the_rows_in_order_with_few_sizes() -> None:
    sizes: set[int] = set()
    for count in [*range(0, 1300), 4000, 4500, 7500, 11_500, 12_000, 11_999]:
        parts = list(inv._statements(10, count, 6, 4000))
        assert sum(rows for _, rows in parts) == count
        starts = [at for at, _ in parts]
        assert starts == sorted(starts) and (not parts or starts[0] == 10)
        assert all(b[0] - a[0] == a[1] * 6 for a, b in zip(parts, parts[1:], strict=False))
        if count % inv.HANDOFF_STEP == 0 and count:
            assert len(parts) <= count // 4000 + 3  # whole statements, then at most three halves
        sizes.update(rows for _, rows in parts)
    assert sizes <= {4000, 2000, 1000, 500, 250} | {1 << k for k in range(8)}
