"""The store: migrations, transactions, read-only readers, relocation by environment."""
from __future__ import annotations

import duckdb
import pytest

from chokepoint import migrations
from chokepoint.errors import NotFound
from chokepoint.schema import ALL_TABLES
from chokepoint.store import Store, default_path


def test_migrations_create_every_declared_table_once(tmp_path):
    path = tmp_path / "s.duckdb"
    with Store(path) as store:
        assert set(ALL_TABLES) <= set(store.tables())
        versions = [r[0] for r in store.con.execute("SELECT version FROM schema_migrations").fetchall()]
    assert sorted(versions) == sorted(migrations.MIGRATIONS)
    with Store(path) as store:  # reopening applies nothing new
        assert migrations.pending(store.con) == []
        assert store.count("schema_migrations") == len(migrations.MIGRATIONS)


def test_transaction_rolls_back_everything_on_error(tmp_path):
    with Store(tmp_path / "s.duckdb") as store:
        store.con.execute("INSERT INTO fx VALUES (2020, 'KRW', 1180.0, 'X')")
        before = store.checksums()
        with pytest.raises(RuntimeError):
            with store.transaction() as con:
                con.execute("DELETE FROM fx")
                con.execute("INSERT INTO fx VALUES (2021, 'KRW', 1.0, 'Y')")
                raise RuntimeError("boom")
        assert store.checksums() == before
        assert store.count("fx") == 1


def test_read_only_store_refuses_writes(tmp_path):
    path = tmp_path / "s.duckdb"
    Store(path).close()
    with Store(path, read_only=True) as store:
        with pytest.raises(duckdb.Error):
            store.con.execute("INSERT INTO fx VALUES (2020, 'KRW', 1180.0, 'X')")


def test_read_only_on_missing_store_says_how_to_build(tmp_path):
    with pytest.raises(NotFound, match="data build"):
        Store(tmp_path / "missing.duckdb", read_only=True)


def test_environment_relocates_the_store(tmp_path, monkeypatch):
    monkeypatch.setenv("CHOKEPOINT_DB", str(tmp_path / "elsewhere.duckdb"))
    assert default_path() == tmp_path / "elsewhere.duckdb"
    with Store() as store:
        assert store.path == tmp_path / "elsewhere.duckdb"
    assert (tmp_path / "elsewhere.duckdb").exists()


def test_checksum_ignores_row_order_but_not_content(tmp_path):
    with Store(tmp_path / "s.duckdb") as store:
        store.con.execute("INSERT INTO fx VALUES (2020, 'KRW', 1.0, 'X'), (2021, 'KRW', 2.0, 'X')")
        a = store.checksum("fx")
        store.con.execute("DELETE FROM fx")
        store.con.execute("INSERT INTO fx VALUES (2021, 'KRW', 2.0, 'X'), (2020, 'KRW', 1.0, 'X')")
        assert store.checksum("fx") == a
        store.con.execute("UPDATE fx SET per_usd = 3.0 WHERE year = 2021")
        assert store.checksum("fx") != a
