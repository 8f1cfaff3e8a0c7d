"""Numbered schema migrations, applied in order and recorded in `schema_migrations`."""
from __future__ import annotations

from collections.abc import Callable

import duckdb

from chokepoint.schema import ALL_TABLES

Migration = Callable[[duckdb.DuckDBPyConnection], None]
MIGRATIONS: dict[int, tuple[str, Migration]] = {}


def migration(number: int, name: str):
    """Register a migration under a unique number."""
    def wrap(fn: Migration) -> Migration:
        if number in MIGRATIONS:
            raise ValueError(f"migration {number} registered twice")
        MIGRATIONS[number] = (name, fn)
        return fn
    return wrap


def _create_declared(number: int) -> Migration:
    def create(con: duckdb.DuckDBPyConnection) -> None:
        for table in ALL_TABLES.values():
            if table.migration == number:
                con.execute(table.ddl())
    return create


migration(1, "declared tables: reference data, runs, news")(_create_declared(1))
migration(2, "claim table")(_create_declared(2))
migration(10, "trade_flow and trade_import: imported bilateral trade")(_create_declared(10))
migration(11, "governance: WGI indicators for supply-risk scores")(_create_declared(11))
migration(12, "sector_map: trade codes to downstream sectors")(_create_declared(12))
migration(20, "run_draw: per-draw Monte Carlo figures")(_create_declared(20))
migration(50, "chain_stage and chain_input: multi-input chains (linked sub-chains)")(_create_declared(50))
migration(40, "llm_cache: answers of the optional LLM news extractor")(_create_declared(40))
migration(60, "reference_build: what each reference build read")(_create_declared(60))


@migration(16, "source.grade: official release or third-party copy")
def _source_grade(con: duckdb.DuckDBPyConnection) -> None:
    con.execute('ALTER TABLE source ADD COLUMN IF NOT EXISTS grade VARCHAR')


# trade_flow as migration 13 left it (migration 14 changes it; the declared table is the newest)
LAYOUT_13 = ("year INTEGER, exporter INTEGER, importer INTEGER, code INTEGER, value_usd DOUBLE, "
             "quantity_t DOUBLE, basis VARCHAR, dataset VARCHAR")


@migration(13, "trade_flow: integer keys (ISO numeric countries, integer HS6 codes)")
def _trade_flow_integer_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild a text-keyed trade_flow with integer keys, re-mapping its rows (a no-op on new stores).

    Runs in the migration's transaction: a row whose country has no ISO numeric code fails
    it and leaves the store as it was.
    """
    from chokepoint.trade.importer import codes_relation  # the trade package imports the store

    kind = con.execute("SELECT data_type FROM information_schema.columns WHERE table_name = "
                       "'trade_flow' AND column_name = 'exporter'").fetchone()
    if kind is None or kind[0] != "VARCHAR":
        return
    codes = codes_relation(con)
    unknown = con.execute(f"SELECT DISTINCT c FROM (SELECT exporter AS c FROM trade_flow UNION ALL "
                          f"SELECT importer FROM trade_flow) WHERE c NOT IN (SELECT iso3 FROM {codes}) "
                          "ORDER BY c LIMIT 5").fetchall()
    if unknown:
        raise ValueError(f"trade_flow names countries without an ISO numeric code: {[u[0] for u in unknown]}")
    con.execute("ALTER TABLE trade_flow RENAME TO trade_flow_text")
    con.execute(f"CREATE TABLE trade_flow ({LAYOUT_13})")
    con.execute(f"INSERT INTO trade_flow SELECT f.year, e.num, i.num, f.code::INTEGER, f.value_usd, "
                f"f.quantity_t, f.basis, f.dataset FROM trade_flow_text f "
                f"JOIN {codes} e ON e.iso3 = f.exporter JOIN {codes} i ON i.iso3 = f.importer")
    con.execute("DROP TABLE trade_flow_text")


@migration(14, "trade_flow: basis as a code and import_id instead of the dataset name")
def _trade_flow_import_ids(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild a trade_flow that names its dataset in every row (a no-op on new stores): each
    row points to its dataset's newest trade_import row instead (one is added for a dataset
    that has none), and the basis becomes its code. Two text columns per row were a third of
    the import's write time."""
    from chokepoint.trade.importer import BASES

    cols = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                      "WHERE table_name = 'trade_flow'").fetchall()}
    if "dataset" not in cols:
        return
    con.execute("INSERT INTO trade_import SELECT (SELECT coalesce(max(import_id), 0) FROM trade_import) "
                "+ row_number() OVER (ORDER BY dataset), dataset, 'unknown', '', count(*), 0, "
                "to_json(list(DISTINCT year ORDER BY year)), now() FROM trade_flow "
                "WHERE dataset NOT IN (SELECT dataset FROM trade_import) GROUP BY dataset")
    con.execute("ALTER TABLE trade_flow RENAME TO trade_flow_13")
    con.execute(ALL_TABLES["trade_flow"].ddl())
    con.execute("INSERT INTO trade_flow SELECT f.year, f.exporter, f.importer, f.code, f.value_usd, "
                "f.quantity_t, list_position(?::VARCHAR[], f.basis) - 1, i.import_id FROM trade_flow_13 f "
                "JOIN (SELECT dataset, max(import_id) AS import_id FROM trade_import GROUP BY dataset) i "
                "USING (dataset)", [list(BASES)])
    con.execute("DROP TABLE trade_flow_13")


@migration(30, "news gazetteer tables; event.fx_note")
def _news_tables(con: duckdb.DuckDBPyConnection) -> None:
    _create_declared(30)(con)
    con.execute('ALTER TABLE event ADD COLUMN IF NOT EXISTS fx_note VARCHAR')


def pending(con: duckdb.DuckDBPyConnection) -> list[int]:
    con.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)")
    done = {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
    return sorted(n for n in MIGRATIONS if n not in done)


def apply(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply every pending migration, each in its own transaction; returns the applied numbers."""
    applied = []
    for number in pending(con):
        name, fn = MIGRATIONS[number]
        con.execute("BEGIN TRANSACTION")
        try:
            fn(con)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [number, name])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(number)
    return applied
