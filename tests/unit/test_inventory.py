from __future__ import annotations

import sqlite3

import pytest

from exposure.core.errors import Cancelled, NotFound, ValidationError
from exposure.core.models import Finding
from exposure.core.progress import CancelToken
from exposure.services.inventory import add_manual, findings_for, ingest, inventory, inventory_rows, set_state


def _f(domain: str, ident: str = "ada@example.com", **kw: object) -> Finding:
    return Finding(source="test", domain=domain, identifier=ident, evidence={"title": domain}, **kw)  # type: ignore[arg-type]


def test_ingest_matches_catalog_and_creates_unknowns(conn: sqlite3.Connection) -> None:
    stats = ingest(conn, [_f("spokeo.com"), _f("tiny-unknown-shop-example.com"), _f(None)])  # type: ignore[arg-type]
    assert stats.findings == 3 and stats.skipped == 1
    assert len(stats.matched) == 1 and len(stats.unknown) == 1
    rows = {r["name"]: r for r in inventory_rows(conn)}
    assert rows["tiny-unknown-shop-example.com"]["category"] == "unknown"
    assert any(r["category"] == "people_search" for r in rows.values())


def test_ingest_is_idempotent_and_merges_dates(conn: sqlite3.Connection) -> None:
    ingest(conn, [_f("netflix.com", first_seen="2020-01-01")])
    again = ingest(conn, [_f("netflix.com", first_seen="2019-05-01", last_seen="2024-01-01")])
    assert again.new_findings == 0 and not again.new_organizations
    (row,) = inventory_rows(conn)
    assert row["first_seen"] == "2019-05-01" and row["last_seen"] == "2024-01-01"
    assert row["finding_count"] == 1


def test_inventory_json_shape(conn: sqlite3.Connection) -> None:
    ingest(conn, [_f("spokeo.com"), _f("spokeo.com", "ada2@example.com")])
    (org,) = inventory(conn)
    assert set(org) >= {"id", "name", "domains", "category", "sources", "identifiers", "first_seen",
                        "last_seen", "findings", "request"}  # fmt: skip
    assert org["identifiers"] == ["ada2@example.com", "ada@example.com"]
    assert org["request"] is None
    assert {f["identifier"] for f in org["findings"]} == {"ada@example.com", "ada2@example.com"}
    assert set(org["findings"][0]) >= {"domain", "identifier", "source", "evidence", "first_seen", "last_seen",
                                       "confidence"}  # fmt: skip


def test_filters(conn: sqlite3.Connection) -> None:
    ingest(conn, [_f("spokeo.com"), _f("netflix.com")])
    assert [r["name"] for r in inventory_rows(conn, category="people_search")] == ["Spokeo"]
    assert [r["name"] for r in inventory_rows(conn, search="netfl")] == ["Netflix"]


def test_add_manual_by_name_domain_and_unknown(conn: sqlite3.Connection) -> None:
    assert add_manual(conn, "Spokeo")["new"] is True
    assert add_manual(conn, "https://www.spokeo.com/x", identifier="ada")["new"] is False
    added = add_manual(conn, "brand-new-example-org.com", note="met them at a fair")
    assert added["new"] is True
    names = {r["name"] for r in inventory_rows(conn)}
    assert {"Spokeo", "brand-new-example-org.com"} <= names
    with pytest.raises(NotFound):
        add_manual(conn, "No Such Company")
    with pytest.raises(ValidationError):
        add_manual(conn, "spokeo.com", identifier="a\r\nb")


def test_not_mine_hides_a_row(conn: sqlite3.Connection) -> None:
    ingest(conn, [_f("spokeo.com")])
    (row,) = inventory_rows(conn)
    set_state(conn, row["id"], "not_mine")
    assert inventory_rows(conn) == []
    assert inventory_rows(conn, include_hidden=True)[0]["state"] == "not_mine"
    assert findings_for(conn, row["id"])[0]["domain"] == "spokeo.com"


def test_cancel_keeps_batches_already_written(
    conn: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    import exposure.services.inventory as inv

    monkeypatch.setattr(inv, "BATCH", 10)
    token = CancelToken()

    def findings():  # type: ignore[no-untyped-def]
        for i in range(1000):
            if i == 300:
                token.cancel()
            yield _f(f"site{i}-example.com")

    with pytest.raises(Cancelled):
        ingest(conn, findings(), cancel=token)
    kept = conn.execute("SELECT COUNT(*) FROM finding").fetchone()[0]
    assert kept == 300  # the batches written before the cancel, nothing after


def test_bundled_catalog_adopts_a_placeholder_with_its_request(conn: sqlite3.Connection) -> None:
    from exposure.catalog.sync import _adopt_placeholders, _placeholders_by_domain, upsert_organization
    from exposure.store.db import now, transaction

    ingest(conn, [_f("newly-listed-broker-example.com")])
    (row,) = inventory_rows(conn)
    placeholder = row["id"]
    conn.execute(
        "INSERT INTO request (org_id, right, channel, created_at) VALUES (?, 'erasure', 'email', ?)",
        (placeholder, now()),
    )
    entry = {
        "slug": "newly-listed", "name": "Newly Listed", "domains": ["newly-listed-broker-example.com"],
        "category": "data_broker", "source_url": "https://newly-listed-broker-example.com/privacy",
        "source_date": "2026-11",
    }  # fmt: skip
    with transaction(conn):
        before = _placeholders_by_domain(conn)
        org_id = upsert_organization(conn, "newly-listed", entry)
        _adopt_placeholders(conn, before)
    (row,) = inventory_rows(conn)
    assert row["id"] == org_id and row["name"] == "Newly Listed" and row["category"] == "data_broker"
    assert conn.execute("SELECT org_id FROM request").fetchone()[0] == org_id
    assert conn.execute("SELECT COUNT(*) FROM organization WHERE id = ?", (placeholder,)).fetchone()[0] == 0
