from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from exposure import paths
from exposure.core.errors import ExposureError
from exposure.store.db import available_migrations, connect, migrate, transaction


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_fresh_home_is_0700_and_database_0600(exposure_home: Path) -> None:
    assert not exposure_home.exists()
    conn = connect()
    conn.execute("INSERT INTO meta (key, value) VALUES ('x', 'y')")  # creates -wal / -shm
    assert _mode(exposure_home) == 0o700
    for name in ("exposure.db", "exposure.db-wal", "exposure.db-shm"):
        file = exposure_home / name
        assert file.exists(), name
        assert _mode(file) == 0o600, name
    conn.close()


def test_an_open_home_is_tightened(exposure_home: Path) -> None:
    exposure_home.mkdir(mode=0o755)
    exposure_home.chmod(0o755)
    paths.home()
    assert _mode(exposure_home) == 0o700


def test_wal_and_foreign_keys_are_on() -> None:
    conn = connect()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_migrations_are_named_and_recorded() -> None:
    conn = connect()
    names = [row[0] for row in conn.execute("SELECT name FROM migration ORDER BY name")]
    assert names == [name for name, _ in available_migrations()]
    assert names[0] == "0001_initial"
    assert migrate(conn) == []  # nothing pending twice


def test_upgrade_from_an_older_schema_keeps_data(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    migrations = available_migrations()
    old = sqlite3.connect(db, isolation_level=None)
    migrate(old, migrations[:1])  # a database made by the first release
    old.execute(
        "INSERT INTO organization (slug, name, category, source) VALUES ('acme', 'Acme', 'other', 'manual')"
    )
    old.close()
    conn = connect(db)
    applied = {row[0] for row in conn.execute("SELECT name FROM migration")}
    assert applied == {name for name, _ in migrations}
    assert conn.execute("SELECT name FROM organization WHERE slug = 'acme'").fetchone()[0] == "Acme"


def test_failing_migration_leaves_nothing(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    bad = [("0001_ok", "CREATE TABLE a (x);"), ("0002_bad", "CREATE TABLE b (y); CREATE TABLE a (x);")]
    with pytest.raises(ExposureError, match="0002_bad"):
        migrate(conn, bad)
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "a" in tables and "b" not in tables
    assert [row[0] for row in conn.execute("SELECT name FROM migration")] == ["0001_ok"]


def test_transaction_rolls_back_on_error() -> None:
    conn = connect()
    with pytest.raises(RuntimeError), transaction(conn):
        conn.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
        raise RuntimeError("boom")
    assert conn.execute("SELECT COUNT(*) FROM meta WHERE key = 'k'").fetchone()[0] == 0


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.db"
    bogus.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ExposureError, match="cannot open the database"):
        connect(bogus)
