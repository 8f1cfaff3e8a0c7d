"""Import CEPII BACI yearly files (inside or outside the release zip) into `trade_flow`.

BACI's yearly CSV has columns t (year), i (exporter), j (importer), k (HS6 product), v (value,
thousand USD) and q (quantity, metric tons, 'NA' when missing); countries are ISO numeric
codes resolved through the release's `country_codes_V*.csv`, and products may be checked
against `product_codes_HS*_V*.csv`. Values are stored in USD (v x 1000), quantities in t.
BACI reconciles exporter and importer reports, so rows are stored with basis 'reconciled'.
"""
from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from chokepoint import scratch
from chokepoint.errors import BadInput, list_as_string
from chokepoint.store import Store
from chokepoint.trade.baci_parser import YearFile
from chokepoint.trade.importer import (MAX_BAD, Filters, ImportReport, Progress, Staging,
                                       check_path, country_codes, filter_sql, load)

YEAR_FILE = re.compile(r"BACI_(HS\d\d)_Y(\d{4})_(V\w+)\.csv$", re.IGNORECASE)
# Dictionary columns across BACI releases (V202301+ first, older names after).
CODE_COLUMNS = ("country_code",)
ISO3_COLUMNS = ("country_iso3", "iso_3digit_alpha")
# BACI codes that are countries under another name: 'S19' (490, "Other Asia, nes") is how
# UN Comtrade, and so BACI, reports Taiwan.
ISO3_ALIASES = {"S19": "TWN"}
COUNTRIES_TABLE, PRODUCTS_TABLE = "_baci_countries", "_baci_products"
# The typed read's code: NULL (and so a failed check) unless 4-6 digits as written, the text
# pass's rule; k is read as text for that, and leading zeros may be missing (10121 = 010121).
HS6 = "CASE WHEN length(trim(r.k)) BETWEEN 4 AND 6 THEN TRY_CAST(trim(r.k) AS INTEGER) END"


def dataset_name(path: Path) -> str:
    """BACI_HS22_V202501 from BACI_HS22_Y2022_V202501.csv (the file stem otherwise)."""
    m = YEAR_FILE.search(path.name)
    return f"BACI_{m.group(1).upper()}_{m.group(3)}" if m else path.stem


def _sql_text(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def _load_countries(store: Store, path: Path) -> dict[str, list[int]]:
    """The country dictionary as (num, iso3, iso) in a temp table, iso the ISO numeric code
    stored in `trade_flow` (unknown ISO3 become NULL); returns the BACI codes of each ISO3."""
    df = store.con.execute("SELECT * FROM read_csv(?, all_varchar=true, header=true)", [str(path)]).df()
    code = next((c for c in CODE_COLUMNS if c in df.columns), None)
    iso = next((c for c in ISO3_COLUMNS if c in df.columns), None)
    if code is None or iso is None:
        raise BadInput("not a BACI country dictionary", file=str(path), line=1,
                       field=code and "country_iso3" or "country_code",
                       hint=f"expected columns {list_as_string(CODE_COLUMNS + ISO3_COLUMNS)}")
    known = country_codes(store.con)
    rows = []
    for n, (num, raw) in enumerate(zip(df[code], df[iso]), start=2):
        if not str(num).strip().isdigit():
            raise BadInput(f"country code '{num}' is not a number", file=str(path), line=n, field=code)
        iso3 = ISO3_ALIASES.get(str(raw).strip(), str(raw).strip())
        rows.append((int(num), iso3 if iso3 in known else None, known.get(iso3)))
    store.con.execute(f"CREATE OR REPLACE TEMP TABLE {COUNTRIES_TABLE} (num INTEGER, iso3 VARCHAR, iso INTEGER)")
    if rows:  # one statement (executemany took 0.2 s for BACI's ~240 rows)
        values = ", ".join(f"({n}, {_sql_text(i3)}, {'NULL' if iso is None else iso})" for n, i3, iso in rows)
        store.con.execute(f"INSERT INTO {COUNTRIES_TABLE} VALUES {values}")
    nums: dict[str, list[int]] = {}
    for num, iso3, _ in rows:
        nums.setdefault(iso3, []).append(num)
    return nums


def _load_products(store: Store, path: Path | None) -> frozenset[int] | None:
    """The product dictionary as a temp table of 6-digit codes (the text pass checks it) and
    as the set of integer codes (the fast path checks the distinct codes written)."""
    if path is None:
        return None
    store.con.execute(f"CREATE OR REPLACE TEMP TABLE {PRODUCTS_TABLE} AS SELECT DISTINCT "
                      "lpad(trim(code), 6, '0') AS code FROM read_csv(?, all_varchar=true, header=true)",
                      [str(path)])
    rows = store.con.execute(f"SELECT TRY_CAST(code AS INTEGER) FROM {PRODUCTS_TABLE}").fetchall()
    return frozenset(r[0] for r in rows if r[0] is not None)


def _reader(path: Path, text: bool) -> str:
    """The file as typed columns (the typed read), or as text fields with line numbers.

    The text reader takes each line whole (a separator no BACI line has, no quoting), keeps
    its number, skips blank lines as the other readers do, and splits it on commas itself:
    a line with a stray quote, another separator or a seventh field is then one bad row
    named by its line, where DuckDB's sniffer would have guessed another layout for the
    whole file. Fields lose one pair of surrounding quotes, as the typed read takes them.
    """
    quoted = "'" + str(path).replace("'", "''") + "'"
    if text:
        fields = ", ".join(f"""regexp_replace(trim(f[{n + 1}]), '^"(.*)"$', '\1') AS {c}"""
                           for n, c in enumerate("tijkvq"))
        lines = (f"SELECT row_number() OVER () + 1 AS line, raw FROM read_csv({quoted}, "
                 "columns={'raw': 'VARCHAR'}, delim=chr(31), quote='', escape='', header=false, "
                 "skip=1, auto_detect=false, strict_mode=false)")
        split = (f"SELECT line, string_split(rtrim(raw, chr(13)), ',') AS f FROM ({lines}) "
                 "WHERE trim(raw, chr(13) || ' ') <> ''")
        return f"(SELECT line, {fields}, len(f) AS n_fields FROM ({split}))"
    # q is 'NA' (BACI pads it to the column width) where the quantity is unknown
    return (f"read_csv({quoted}, header=true, delim=',', nullstr=['NA', '         NA', ''], "
            "columns={'t': 'INTEGER', 'i': 'INTEGER', 'j': 'INTEGER', 'k': 'VARCHAR', 'v': 'DOUBLE', "
            "'q': 'DOUBLE'})")


def _checks(t: str, i: str, j: str, v: str, products: bool) -> list[tuple[str, str, str]]:
    """(condition, field, message) of each row check; the first that holds is reported."""
    q = "TRY_CAST(nullif(trim(r.q), 'NA') AS DOUBLE)"
    code = "lpad(trim(r.k), 6, '0')"
    known = f"(SELECT num FROM {COUNTRIES_TABLE} WHERE iso3 IS NOT NULL)"
    checks = [
        ("r.n_fields <> 6", "line", "'expected 6 comma-separated fields (t,i,j,k,v,q), found ' || r.n_fields"),
        (f"{t} IS NULL", "t", "'year ''' || coalesce(r.t::VARCHAR, '') || ''' is not a number'"),
        (f"{i} IS NULL OR {i} NOT IN {known}", "i",
         "'unknown exporter code ''' || coalesce(r.i::VARCHAR, '') || ''' (not a country in the dictionary)'"),
        (f"{j} IS NULL OR {j} NOT IN {known}", "j",
         "'unknown importer code ''' || coalesce(r.j::VARCHAR, '') || ''' (not a country in the dictionary)'"),
        ("length(trim(r.k)) NOT BETWEEN 4 AND 6 OR TRY_CAST(trim(r.k) AS UINTEGER) IS NULL", "k",
         "'bad HS6 code ''' || coalesce(r.k, '') || ''''"),
    ]
    if products:
        checks.append((f"{code} NOT IN (SELECT code FROM {PRODUCTS_TABLE})", "k",
                       f"'code ''' || {code} || ''' is not in the product dictionary'"))
    checks += [
        (f"{v} IS NULL OR {v} < 0 OR NOT isfinite({v})", "v",
         "'value ''' || coalesce(r.v::VARCHAR, '') || ''' is not a non-negative number'"),
        (f"{q} < 0 OR NOT isfinite({q}) OR ({q} IS NULL AND coalesce(trim(r.q), '') NOT IN ('NA', ''))", "q",
         "'quantity ''' || r.q || ''' is not a non-negative number or NA'"),
    ]
    return checks


def _keep(filters: Filters, t: str, j: str, code: str, nums: dict[str, list[int]]) -> str:
    """Filters on the raw columns; reporters become the importer's BACI country codes."""
    keep = filter_sql(Filters(filters.codes, filters.years), t, code, "")
    if filters.reporters:
        codes = [n for r in filters.reporters for n in nums.get(r, [])] or [-1]
        keep += f" AND coalesce({j} IN ({', '.join(map(str, codes))}), true)"
    return keep


def _country_lookup(store: Store) -> np.ndarray:
    """BACI country code -> the ISO numeric code stored (-1: not a known country)."""
    rows = store.con.execute(f"SELECT num, coalesce(iso, -1) FROM {COUNTRIES_TABLE} WHERE num >= 0").fetchall()
    lut = np.full(max((n for n, _ in rows), default=0) + 1, -1, dtype=np.int32)
    for num, iso in rows:
        lut[num] = iso
    return lut


def _country_list(lut: np.ndarray) -> str:
    """The lookup as a SQL list indexed by BACI code + 1 (NULL: unknown), for the typed read."""
    return "[" + ", ".join(str(n) if n >= 0 else "NULL" for n in lut.tolist()) + "]"


def _allowed(products: frozenset[int] | None) -> np.ndarray:
    """The HS6 codes a row may carry, by integer code: the product dictionary's, or all of 1000-999999."""
    allowed = np.zeros(1_000_000, dtype=np.bool_)
    if products is None:
        allowed[1000:] = True
    else:
        allowed[[c for c in products if 1000 <= c <= 999_999]] = True
    return allowed


def _keep_rows(filters: Filters, lut: np.ndarray, nums: dict[str, list[int]]) -> Callable | None:
    """The filters on parsed columns (the compiled reader's), as `_keep` is on the raw ones:
    code prefixes of the 6-digit code, years, and importers that are the reporters."""
    if not filters:
        return None
    isos = [int(lut[n]) for r in filters.reporters for n in nums.get(r, []) if 0 <= n < len(lut)]

    def keep(cols: dict[str, np.ndarray]) -> np.ndarray:
        mask = np.ones(len(cols["year"]), dtype=bool)
        if filters.years:
            mask &= np.isin(cols["year"], list(filters.years))
        if filters.codes:
            code = cols["code"]
            mask &= np.logical_or.reduce([code // 10 ** (6 - len(c)) == int(c) for c in filters.codes
                                          if len(c) <= 6] or [np.zeros(len(code), dtype=bool)])
        if filters.reporters:
            mask &= np.isin(cols["importer"], isos)
        return mask
    return keep


def _staging(path: Path, products: frozenset[int] | None, filters: Filters,
             nums: dict[str, list[int]], lut: np.ndarray, allowed: np.ndarray) -> Staging:
    """The compiled reader, the typed pass and the slow text pass.

    The compiled reader (`baci_parser`) reads the usual file and checks each row as it goes.
    The typed pass, for files it does not read, maps BACI's country codes through a SQL list
    indexed by code (cheaper than joining the dictionary, and it keeps the file's order) and
    does no row checks of its own: `importer.load` checks what was written with a few
    aggregates. It reads k as text: a code that is not 4-6 digits becomes NULL, fails the
    checks, and the text pass reports it.
    """
    keep = _keep(filters, "r.t", "r.j", "lpad(trim(r.k), 6, '0')", nums)
    countries = _country_list(lut)
    fast = (f"SELECT r.t AS year, {countries}[greatest(r.i + 1, 0)] AS exporter, "
            f"{countries}[greatest(r.j + 1, 0)] AS importer, {HS6} AS code, r.v * 1000 AS value_usd, "
            f"r.q AS quantity_t, 0 AS basis FROM {_reader(path, False)} r WHERE {keep}")
    t, i, j, v = (f"TRY_CAST(trim(r.{c}) AS {typ})" for c, typ in
                  (("t", "INTEGER"), ("i", "INTEGER"), ("j", "INTEGER"), ("v", "DOUBLE")))
    slow = _checks(t, i, j, v, products is not None)
    problem = "CASE " + " ".join(f"WHEN {c} THEN {m}" for c, _, m in slow) + " END"
    fld = "CASE " + " ".join(f"WHEN {c} THEN '{f}'" for c, f, _ in slow) + " END"
    quantity = "TRY_CAST(nullif(trim(r.q), 'NA') AS DOUBLE)"
    text = f"""SELECT r.line, {t} AS year, ce.iso AS exporter,
        ci.iso AS importer, TRY_CAST(trim(r.k) AS INTEGER) AS code, {v} * 1000 AS value_usd,
        {quantity} AS quantity_t, 0 AS basis,
        {_keep(filters, t, j, "lpad(trim(r.k), 6, '0')", nums)} AS keep, {problem} AS problem,
        {fld} AS field
      FROM {_reader(path, True)} r
      LEFT JOIN {COUNTRIES_TABLE} ce ON ce.num = {i}
      LEFT JOIN {COUNTRIES_TABLE} ci ON ci.num = {j}"""
    count = f"SELECT count(*) FROM {_reader(path, True)}" if filters else None
    keep_rows = _keep_rows(filters, lut, nums)
    return Staging(label=str(path), fast_sql=fast, text_sql=text, count_sql=count, codes=products,
                   direct=lambda progress: YearFile(path, lut, allowed, keep_rows, progress))


def _find(folder: Path, pattern: str, what: str, given: Path | None) -> Path:
    if given is not None:
        return check_path(given)
    found = sorted(folder.glob(pattern))
    if not found:
        raise BadInput(f"no BACI {what} ({pattern}) next to the data", file=str(folder),
                       hint=f"pass --{what.split()[0]} PATH")
    return found[-1]


def _year_files(path: Path, filters: Filters) -> list[Path]:
    files = sorted(path.glob("BACI_*_Y*_V*.csv")) if path.is_dir() else [path]
    if filters.years:
        files = [f for f in files if not (m := YEAR_FILE.search(f.name)) or int(m.group(2)) in filters.years]
    if not files:
        raise BadInput("no BACI yearly files (BACI_HSxx_Yyyyy_Vxxxx.csv) to import", file=str(path))
    return files


def _check_header(path: Path) -> None:
    """A BACI yearly file starts with t,i,j,k,v,q: say so on line 1 rather than fail later."""
    with open(path, "rb") as f:
        first = f.readline().decode("utf-8", "replace").strip().lstrip("\ufeff")
    names = tuple(c.strip().strip('"') for c in first.split(","))
    if names != tuple("tijkvq"):
        raise BadInput(f"header '{first[:80]}' is not t,i,j,k,v,q", file=str(path), line=1, field="header",
                       hint="BACI's yearly files (BACI_HSxx_Yyyyy_Vxxxx.csv) start with t,i,j,k,v,q")


def _unzip(path: Path, into: Path, filters: Filters) -> Path:
    """Extract the zip's dictionaries and the wanted yearly files (streamed, not in memory)."""
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            name = Path(info.filename).name
            m = YEAR_FILE.search(name)
            wanted = name.startswith(("country_codes", "product_codes")) or (
                m and (not filters.years or int(m.group(2)) in filters.years))
            if wanted and name.endswith(".csv"):
                with zf.open(info) as src, open(into / name, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
    return into


def import_baci(store: Store, path: str | Path, *, countries_file: str | Path | None = None,
                products_file: str | Path | None = None, filters: Filters = Filters(),
                dataset: str | None = None, max_bad: float = MAX_BAD, replace: bool = False,
                progress: Progress = lambda step: None) -> ImportReport:
    """Import a BACI release zip, a folder of yearly CSVs, or one yearly CSV (one transaction)."""
    src = check_path(path)
    with scratch.folder("baci") as tmp:
        if src.suffix.lower() == ".zip":
            progress(f"extracting {src.name}")
            src = _unzip(src, Path(tmp), filters)
        folder = src if src.is_dir() else src.parent
        files = _year_files(src, filters)
        for f in files:
            _check_header(f)
        cfile = _find(folder, "country_codes_*.csv", "countries dictionary",
                      Path(countries_file) if countries_file else None)
        pfile = Path(products_file) if products_file else next(iter(sorted(folder.glob("product_codes_*.csv"))), None)
        nums = _load_countries(store, cfile)
        products = _load_products(store, pfile)
        lut, allowed = _country_lookup(store), _allowed(products)
        stagings = [_staging(f, products, filters, nums, lut, allowed) for f in files]
        return load(store, stagings, dataset or dataset_name(files[0]), "baci", str(path),
                    max_bad=max_bad, replace=replace, progress=progress)
