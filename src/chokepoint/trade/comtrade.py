"""Import UN Comtrade bulk CSV/TSV exports (Comtrade+ or legacy column names) into `trade_flow`.

One row per reporter, partner, flow and HS6 code. Imports (M) become partner -> reporter
flows reported by the importer; exports (X) reporter -> partner flows reported by the
exporter. Rows that are breakdowns or aggregates, not bilateral HS6 totals, are skipped and
counted, not errors: partner World, non-country areas ('_X', 'X1', ...), second-partner,
transport-mode or customs-procedure breakdowns, re-exports/re-imports, chapter and heading
totals (2- and 4-digit codes, TOTAL). Values are primaryValue in USD; quantity is netWgt in
kg stored as t. DuckDB sniffs the delimiter and reads .gz directly.
"""
from __future__ import annotations

from pathlib import Path

import duckdb

from chokepoint.errors import BadInput, list_as_string
from chokepoint.store import Store
from chokepoint.trade.importer import (BASES, CANONICAL, CHECK, MAX_BAD, Filters, ImportReport,
                                       Progress, Staging, check_path, country_codes, filter_sql, load)

# canonical field -> accepted header names (Comtrade+ first, legacy bulk CSV after)
FIELDS: dict[str, tuple[str, ...]] = {
    "year": ("refYear", "Year"),
    "reporter": ("reporterISO", "Reporter ISO"),
    "reporter_code": ("reporterCode", "Reporter Code"),
    "partner": ("partnerISO", "Partner ISO"),
    "partner_code": ("partnerCode", "Partner Code"),
    "flow": ("flowCode", "Trade Flow Code"),
    "code": ("cmdCode", "Commodity Code"),
    "value": ("primaryValue", "Trade Value (US$)"),
}
OPTIONAL: dict[str, tuple[str, ...]] = {
    "netwgt": ("netWgt", "Netweight (kg)"),
    "partner2": ("partner2Code", "2nd Partner Code"),
    "mot": ("motCode",),
    "customs": ("customsCode",),
}
IMPORT_FLOWS, EXPORT_FLOWS = ("M", "1"), ("X", "2")
ISO3_ALIASES = {"S19": "TWN"}  # Comtrade's "Other Asia, nes" is Taiwan
KNOWN = "_comtrade_iso3"


def _columns(store: Store, path: Path) -> tuple[dict[str, str], list[str]]:
    """Map canonical fields to the file's header names; BadInput naming the missing one."""
    try:
        header = [r[0] for r in store.con.execute(
            "DESCRIBE SELECT * FROM read_csv(?, all_varchar=true, header=true)", [str(path)]).fetchall()]
    except duckdb.Error as exc:  # the sniffer found no consistent table: say so, on line 1
        raise BadInput(f"not a readable CSV/TSV table ({str(exc).splitlines()[0][:160]})", file=str(path),
                       line=1, field="header") from None
    out = {}
    for name, accepted in {**FIELDS, **OPTIONAL}.items():
        found = next((h for h in accepted if h in header), None)
        if found is None and name in FIELDS:
            raise BadInput(f"missing column {accepted[0]}", file=str(path), line=1, field=accepted[0],
                           hint=f"a Comtrade bulk file has {list_as_string(sorted({a[0] for a in FIELDS.values()}))}")
        if found:
            out[name] = found
    return out, header


def _known_table(store: Store) -> None:
    """Countries a flow may name, with the ISO numeric code `trade_flow` stores."""
    codes = country_codes(store.con)
    store.con.execute(f"CREATE OR REPLACE TEMP TABLE {KNOWN} AS SELECT unnest(?::VARCHAR[]) AS iso3, "
                      "unnest(?::INTEGER[]) AS num", [list(codes), list(codes.values())])


def _select(path: Path, cols: dict[str, str], header: list[str], text: bool, filters: Filters) -> str:
    """Canonical columns over one file; `text` reads every cell as text with line numbers."""
    def c(name: str) -> str:
        return f'r."{cols[name]}"'

    def num(name: str, typ: str) -> str:
        return f"TRY_CAST(trim({c(name)}) AS {typ})" if text else c(name)

    def iso(name: str) -> str:
        raw = f"upper(trim({c(name)}))"
        return "CASE " + " ".join(f"WHEN {raw} = '{k}' THEN '{v}'" for k, v in ISO3_ALIASES.items()) + f" ELSE {raw} END"

    year, value = num("year", "INTEGER"), num("value", "DOUBLE")
    rep_code, par_code = num("reporter_code", "INTEGER"), num("partner_code", "INTEGER")
    flow, code = f"upper(trim({c('flow')}))", f"trim({c('code')})"
    rep, par = iso("reporter"), iso("partner")
    is_import = f"{flow} IN {IMPORT_FLOWS}"
    netwgt = num("netwgt", "DOUBLE") if "netwgt" in cols else "NULL::DOUBLE"
    # Rows that are not bilateral HS6 totals: skipped, never errors.
    skip = [f"{flow} NOT IN {IMPORT_FLOWS + EXPORT_FLOWS}",
            f"{par_code} = 0 OR {par} IN ('W00', 'WLD')",
            f"starts_with({par}, '_') OR starts_with({par}, 'X')",
            f"{code} = 'TOTAL' OR regexp_full_match({code}, '[0-9]{{2}}|[0-9]{{4}}')"]
    skip += [f"coalesce(trim({c(k)}), '0') NOT IN ('0', '')" for k in ("partner2", "mot") if k in cols]
    if "customs" in cols:
        skip.append(f"coalesce(trim({c('customs')}), 'C00') NOT IN ('C00', '')")
    keep = " AND ".join(f"coalesce(({s}), false) = false" for s in skip)
    keep += " AND " + filter_sql(filters, year, code, rep)
    checks = [
        (f"{year} IS NULL", cols["year"], f"'year ''' || coalesce({c('year')}::VARCHAR, '') || ''' is not a number'"),
        (f"{rep} NOT IN (SELECT iso3 FROM {KNOWN})", cols["reporter"],
         f"'unknown country ''' || coalesce({c('reporter')}, '') || ''''"),
        (f"{par} NOT IN (SELECT iso3 FROM {KNOWN})", cols["partner"],
         f"'unknown country ''' || coalesce({c('partner')}, '') || ''''"),
        (f"{rep_code} IS NULL OR {par_code} IS NULL", cols["reporter_code"], "'country code is not a number'"),
        (f"NOT regexp_full_match(coalesce({code}, ''), '[0-9]{{6}}')", cols["code"],
         f"'bad HS6 code ''' || coalesce({code}, '') || ''''"),
        (f"{value} IS NULL OR {value} < 0", cols["value"],
         f"'value ''' || coalesce({c('value')}::VARCHAR, '') || ''' is not a non-negative number'"),
    ]
    if "netwgt" in cols:
        checks.append((f"{netwgt} < 0 OR ({netwgt} IS NULL AND nullif(trim({c('netwgt')}::VARCHAR), '') IS NOT NULL)",
                       cols["netwgt"], "'net weight is not a non-negative number'"))
    problem = "CASE " + " ".join(f"WHEN {k} THEN {m}" for k, _, m in checks) + " END"
    fld = "CASE " + " ".join(f"WHEN {k} THEN '{f}'" for k, f, _ in checks) + " END"
    quoted = "'" + str(path).replace("'", "''") + "'"
    types = dict.fromkeys(header, "VARCHAR")
    types |= {cols[k]: t for k, t in (("year", "INTEGER"), ("reporter_code", "INTEGER"),
                                     ("partner_code", "INTEGER"), ("value", "DOUBLE"),
                                     ("netwgt", "DOUBLE")) if k in cols}
    type_sql = "{" + ", ".join(f"'{k}': '{v}'" for k, v in types.items()) + "}"
    reader = (f"read_csv({quoted}, all_varchar=true, header=true)" if text else
              f"read_csv({quoted}, header=true, columns={type_sql})")
    if text:  # line numbers taken before the joins, which need not keep the file's order
        reader = f"(SELECT row_number() OVER () + 1 AS line, * FROM {reader})"
    line = "r.line AS line, " if text else ""
    return f"""SELECT {line}{year} AS year,
        CASE WHEN {is_import} THEN kp.num ELSE kr.num END AS exporter,
        CASE WHEN {is_import} THEN kr.num ELSE kp.num END AS importer,
        TRY_CAST({code} AS INTEGER) AS code, {value} AS value_usd, {netwgt} / 1000 AS quantity_t,
        CASE WHEN {is_import} THEN {BASES.index('importer-reported')}
             ELSE {BASES.index('exporter-reported')} END AS basis,
        {keep} AS keep, {problem} AS problem, {fld} AS field
      FROM {reader} r LEFT JOIN {KNOWN} kr ON kr.iso3 = {rep} LEFT JOIN {KNOWN} kp ON kp.iso3 = {par}"""


def import_comtrade(store: Store, paths: str | Path | list[str | Path], *,
                    filters: Filters = Filters(), dataset: str = "COMTRADE",
                    max_bad: float = MAX_BAD, replace: bool = False,
                    progress: Progress = lambda step: None) -> ImportReport:
    """Import one or more Comtrade bulk files as one import (one transaction)."""
    files = [check_path(p) for p in (paths if isinstance(paths, list) else [paths])]
    _known_table(store)
    stagings = []
    cols_sql = ", ".join(CANONICAL)
    for f in files:
        cols, header = _columns(store, f)
        typed = _select(f, cols, header, False, filters)
        # The typed pass already names each row's problem: the fast path fails on the first.
        fast = (f"SELECT {cols_sql} FROM ({typed}) WHERE keep AND "
                f"CASE WHEN problem IS NULL THEN true ELSE error('{CHECK}') END")
        stagings.append(Staging(label=str(f), fast_sql=fast, text_sql=_select(f, cols, header, True, filters),
                                count_sql=f"SELECT count(*) FROM ({typed})"))
    return load(store, stagings, dataset, "comtrade", ", ".join(str(f) for f in files),
                max_bad=max_bad, replace=replace, progress=progress)
