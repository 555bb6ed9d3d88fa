"""Merging the sources into one catalog: grouping, order of trust, provenance, stable ids,
adopting placeholder organizations, removing what no source lists, authorities."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from exposure.catalog import bundled
from exposure.catalog.importers import CatalogRecord
from exposure.catalog.importers.merge import choose, cluster, rebuild
from exposure.core.models import Finding
from exposure.services.catalog import authorities, explain, get_organization, search, stats
from exposure.services.inventory import ingest
from exposure.services.update_catalog import import_catalog
from exposure.store.db import now
from tests.catalog.conftest import SYNTHETIC


def rec(
    source: str, source_id: str, name: str, *domains: str, site: str | None = None, **fields: object
) -> CatalogRecord:
    return CatalogRecord(source=source, source_id=source_id, name=name, domains=list(domains),
                         site=site or (domains[0] if domains else None), **fields)  # type: ignore[arg-type]  # fmt: skip


def import_all(conn: sqlite3.Connection) -> None:
    for source, path in SYNTHETIC.items():
        result = import_catalog(conn, path, source)
        assert result.ok, result.as_json()


def org_of(conn: sqlite3.Connection, domain: str) -> sqlite3.Row:
    row = conn.execute(
        "SELECT o.* FROM organization o JOIN org_domain d ON d.org_id = o.id WHERE d.domain = ?", (domain,)
    ).fetchone()
    assert row is not None, domain
    return row


# --- grouping (no database) -------------------------------------------------------------------


def test_records_of_different_sources_with_one_site_become_one_organization() -> None:
    groups = cluster(
        [
            rec("justdeleteme", "acme", "Acme", "acme.example"),
            rec("eraser", "acme", "Acme Inc", "acme.example", site="www.acme.example"[4:]),
            rec("datarequests", "acme-inc", "Acme Incorporated", "acme.example"),
            rec("eraser", "other", "Other", "other.example"),
        ]
    )
    assert len(groups) == 2
    acme = next(g for g in groups if g.top.source_id == "acme-inc")
    assert [r.source for r in acme.records] == ["datarequests", "eraser", "justdeleteme"]  # by trust
    assert acme.domains == ["acme.example"]


def test_one_source_never_merges_two_of_its_own_records() -> None:
    groups = cluster(
        [
            rec("datarequests", "bund-a", "Amt A", "bund.de", site="a.bund.de"),
            rec("datarequests", "bund-b", "Amt B", "bund.de", site="b.bund.de"),
            rec("datarequests", "shop-outlet", "Shop Outlet", "shop.example"),
            rec("datarequests", "shop", "Shop", "shop.example"),
        ]
    )
    assert len(groups) == 4
    domains = {g.top.source_id: g.domains for g in groups}
    # Several organizations only under bund.de: nobody owns bund.de, each keeps its own host.
    assert domains["bund-a"] == ["a.bund.de"] and domains["bund-b"] == ["b.bund.de"]
    # Two records for shop.example: the one named like the domain owns it.
    assert domains["shop"] == ["shop.example"] and domains["shop-outlet"] == []


def test_aliases_go_to_the_most_trusted_claim_and_never_take_a_main_domain() -> None:
    groups = cluster(
        [
            rec("justdeleteme", "mega", "Mega", "mega.example", "small.example", "extra.example"),
            rec("eraser", "small", "Small", "small.example"),
            rec("duckduckgo", "x", "X", "x.example", "extra.example"),
        ]
    )
    domains = {g.top.source_id: g.domains for g in groups}
    assert domains["small"] == ["small.example"]  # its own site: not an alias of Mega
    assert domains["x"] == ["x.example", "extra.example"]  # duckduckgo is trusted more than justdeleteme
    assert domains["mega"] == ["mega.example"]


def test_choose_takes_the_most_trusted_value_and_skips_bad_contacts() -> None:
    (group,) = cluster(
        [
            rec("justdeleteme", "a", "A app", "a.example", privacy_email="support@a.example", deletion_url="https://a.example/del"),
            rec("eraser", "a", "A", "a.example", privacy_email="privacy@a.example", opt_out_url="https://a.example/out"),
            rec("datarequests", "a", "A GmbH", "a.example", privacy_email="dpo@a.example"),
        ]
    )  # fmt: skip
    chosen = {k: v for k, (_r, v) in choose(group).items()}
    assert chosen["name"] == "A GmbH" and chosen["privacy_email"] == "dpo@a.example"
    assert (
        chosen["opt_out_url"] == "https://a.example/out" and chosen["deletion_url"] == "https://a.example/del"
    )
    bad = {("email", "dpo@a.example"): "bounced"}
    assert choose(group, bad)["privacy_email"][1] == "privacy@a.example"
    every = {("email", e): "bounced" for e in ("dpo@a.example", "privacy@a.example", "support@a.example")}
    assert "privacy_email" not in choose(group, every)


# --- the merged catalog in the store ----------------------------------------------------------


def test_importing_every_synthetic_source_merges_duplicates_with_provenance(conn: sqlite3.Connection) -> None:
    before = stats(conn)["organizations"]
    import_all(conn)
    acme = org_of(conn, "acmepeople.example")
    org = get_organization(conn, acme["id"])
    assert org["name"] == "Acme People Search Inc."  # datarequests is trusted over the others
    assert org["privacy_email"] == "privacy@acmepeople.example"
    assert org["opt_out_url"] == "https://acmepeople.example/optout"  # from duckduckgo
    assert org["deletion_url"] == "https://acmepeople.example/account/delete"  # from JustDeleteMe
    assert org["category"] == "data_broker"
    assert set(org["domains"]) == {"acmepeople.example", "acmemirror.example"}
    sources = {s["source"]: s for s in org["sources"]}
    assert set(sources) == {"datarequests", "duckduckgo", "eraser", "california", "justdeleteme"}
    assert "opt_out_url" in sources["duckduckgo"]["chosen"]
    # "/optout/" (eraser) and "/optout" (duckduckgo) are the same page: they agree.
    assert "opt_out_url" in sources["eraser"]["agrees"]
    assert "opt_out_url" not in sources["california"]["agrees"]  # its rights page differs
    assert all(s["date"] and s["fetched_at"] for s in org["sources"])
    assert sources["datarequests"]["date"] == "2026-07-21"
    # the child site names its operator
    child = org_of(conn, "childsite.example")
    assert child["parent_slug"] == acme["slug"]
    data = stats(conn)
    assert data["sources"]["datarequests"]["counts"] == {"companies": 6, "authorities": 4}
    assert (
        data["records"] - data["merged_duplicates"] == data["organizations"]
    )  # every organization has facts
    assert data["organizations"] > before
    assert data["merged_duplicates"] >= 4  # acme: five records, one organization
    assert any("agrees on" in line for line in explain(conn, acme["id"]))


def test_search_finds_other_names_and_filters_by_source(conn: sqlite3.Connection) -> None:
    import_all(conn)
    assert [o["name"] for o in search(conn, "PeopleFinderX")] == ["Acme People Search Inc."]
    assert [o["name"] for o in search(conn, "acme mirror")] == ["Acme People Search Inc."]
    found = search(conn, "bundesamt", source="datarequests")
    assert {o["name"] for o in found} == {"Bundesamt A", "Bundesamt B"}
    assert search(conn, "bundesamt", source="eraser") == []


def test_organization_ids_stay_and_what_no_source_lists_goes(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    import_all(conn)
    hoard = org_of(conn, "datahoard.example")["id"]
    badurl = org_of(conn, "badurl.example")["id"]
    ingest(conn, [Finding(source="manual", domain="badurl.example", key="b", first_seen=now())])
    assert import_catalog(conn, SYNTHETIC["eraser"], "eraser", force=True).ok
    assert org_of(conn, "datahoard.example")["id"] == hoard  # re-import: same ids
    smaller = tmp_path / "brokers.yaml"
    smaller.write_text(
        "brokers:\n  - id: acmepeople\n    name: Acme People Search\n    email: privacy@acmepeople.example\n"
        "    website: https://acmepeople.example\n    region: us\n    category: people-search\n"
    )
    result = import_catalog(conn, smaller, "eraser")
    assert result.ok and result.merge is not None
    assert conn.execute("SELECT 1 FROM organization WHERE id = ?", (hoard,)).fetchone() is None  # gone
    kept = conn.execute("SELECT name FROM organization WHERE id = ?", (badurl,)).fetchone()
    assert kept is not None and kept[0] == "Bad URL Broker"  # a finding refers to it: kept
    assert org_of(conn, "badurl.example")["id"] == badurl  # and keeps its domain


def test_a_placeholder_from_findings_is_adopted_with_everything_on_it(conn: sqlite3.Connection) -> None:
    ingest(
        conn,
        [
            Finding(
                source="manual",
                domain="datahoard.example",
                identifier="me@x.example",
                key="k1",
                first_seen=now(),
            )
        ],
    )
    placeholder = org_of(conn, "datahoard.example")
    assert placeholder["source"] == "finding"
    pid = placeholder["id"]
    conn.execute(
        "INSERT INTO inventory_state (org_id, state, updated_at) VALUES (?, 'active', ?)", (pid, now())
    )
    conn.execute(
        "INSERT INTO request (org_id, right, channel, created_at) VALUES (?, 'erasure', 'email', ?)",
        (pid, now()),
    )
    assert import_catalog(conn, SYNTHETIC["eraser"], "eraser").ok
    adopted = org_of(conn, "datahoard.example")
    assert adopted["source"] == "eraser" and adopted["name"] == "DataHoard"
    assert conn.execute("SELECT 1 FROM organization WHERE id = ?", (pid,)).fetchone() is None
    assert conn.execute("SELECT org_id FROM finding WHERE key = 'k1'").fetchone()[0] == adopted["id"]
    assert conn.execute("SELECT org_id FROM request").fetchone()[0] == adopted["id"]
    assert (
        conn.execute("SELECT state FROM inventory_state WHERE org_id = ?", (adopted["id"],)).fetchone()[0]
        == "active"
    )


def test_the_curated_catalog_wins(conn: sqlite3.Connection, tmp_path: Path) -> None:
    entry = next(e for e in bundled.load().entries if e.get("privacy_email"))
    domain = entry["domains"][0]
    path = tmp_path / "brokers.yaml"
    path.write_text(
        f"brokers:\n  - id: imposter\n    name: Someone Else\n    email: other@{domain}\n"
        f"    website: https://www.{domain}\n    region: us\n    category: marketing\n"
    )
    assert import_catalog(conn, path, "eraser").ok
    org = get_organization(conn, org_of(conn, domain)["id"])
    assert org["slug"] == entry["slug"] and org["name"] == entry["name"]
    assert org["privacy_email"] == entry["privacy_email"] and org["category"] == entry["category"]
    eraser = next(s for s in org["sources"] if s["source"] == "eraser")
    assert eraser["chosen"] == [] or set(eraser["chosen"]) <= {"notes", "country"}
    assert "privacy_email" not in eraser["agrees"]
    assert org["sources"][0]["source"] == "bundled"


def test_a_failed_import_leaves_the_catalog_as_it_was(conn: sqlite3.Connection, tmp_path: Path) -> None:
    import_all(conn)
    before = stats(conn)
    broken = tmp_path / "offline-data.json"
    broken.write_text('{"companies": "[{\\"slug\\": ')
    result = import_catalog(conn, broken, "datarequests")
    assert not result.ok and "not valid JSON" in (result.sources[0].message or "")
    assert stats(conn) == before


def test_a_much_smaller_file_is_refused_unless_forced(conn: sqlite3.Connection, tmp_path: Path) -> None:
    def brokers(count: int) -> Path:
        path = tmp_path / f"brokers-{count}.yaml"
        path.write_text(
            "brokers:\n"
            + "".join(
                f"  - id: b{n}\n    name: Broker {n}\n    email: privacy@b{n}.example\n"
                f"    website: https://b{n}.example\n    region: us\n    category: marketing\n"
                for n in range(count)
            )
        )
        return path

    assert import_catalog(conn, brokers(30), "eraser").ok
    refused = import_catalog(conn, brokers(5), "eraser")
    assert not refused.ok
    assert "has 5 records where the catalog has 30" in (refused.sources[0].message or "")
    assert stats(conn)["sources"]["eraser"]["records"] == 30
    assert import_catalog(conn, brokers(5), "eraser", force=True).ok
    assert stats(conn)["sources"]["eraser"]["records"] == 5


def test_authorities_by_country_competent_first(conn: sqlite3.Connection) -> None:
    import_all(conn)
    german = authorities(conn, "de", "DE-BY")
    assert [a["name"] for a in german][:2] == [
        "Landesamt Beispiel Bayern (invented)",
        "Bundesbeauftragte Beispiel (invented)",
    ]
    assert german[-1]["scope"] == "broadcasting"
    assert german[0]["web_form"] == "https://www.bavaria-dpa.example/beschwerde"
    assert german[0]["phone"] == "+49 981 0000000" and german[0]["language"] == "de"
    (cnil,) = authorities(conn, "FR")
    assert cnil["web_form"] == "https://www.french-dpa.example/plaintes" and cnil["postal_address"]
    assert authorities(conn, "ZZ") == []


def test_rebuild_without_changes_is_idempotent(conn: sqlite3.Connection) -> None:
    import_all(conn)
    before = conn.execute("SELECT id, slug, name, privacy_email FROM organization ORDER BY id").fetchall()
    domains = conn.execute("SELECT * FROM org_domain ORDER BY domain").fetchall()
    stats_ = rebuild(conn)
    assert stats_.new_organizations == 0 and stats_.removed_organizations == 0
    assert (
        conn.execute("SELECT id, slug, name, privacy_email FROM organization ORDER BY id").fetchall()
        == before
    )
    assert conn.execute("SELECT * FROM org_domain ORDER BY domain").fetchall() == domains


@pytest.mark.parametrize("source", ["datarequests", "justdeleteme", "eraser", "duckduckgo", "california"])
def test_each_source_alone(conn: sqlite3.Connection, source: str) -> None:
    result = import_catalog(conn, SYNTHETIC[source], source)
    assert result.ok and result.sources[0].status == "updated"
    assert stats(conn)["sources"][source]["organizations"] >= 2
