"""The supply network of one material family, built from the store (DESIGN section 4).

Buses are (stage, country): stage-s product available in a country. Processing at
(s, c) turns stage s−1 product at bus (s−1, c) into stage s product with yield η; trade
moves stage-s product between countries. A multi-input family (a DAG of stages, e.g. a
magnet made of NdPr and Dy+Tb) is built by `chain.recipes`: there a stage may have several
input stages, each with its own yield (`Network.inputs`, `Network.yields`). Baseline weekly flows come from trade data
where the store has it (an exporter's partner shares from what exporters report; an importer's
supplier shares from its own customs rows) and from production shares where it does not;
`basis` and `import_basis` say which. Final-stage buses carry sector demand.
All masses are tonnes of the family's contained material per week.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from chokepoint.errors import NotFound, list_as_string
from chokepoint.store import Store
from chokepoint.trade.concentration import stage_shares
from chokepoint.trade.importer import flows_sql

ROW = "ROW"
WEEKS_PER_YEAR = 52.0
HOME_SHARE = 0.5  # producers' home use of final-stage output where trade lacks it
MIN_SHARE = 0.01  # producers below 1% of every stage are pooled into ROW
MONTHS_IN_FULL_YEAR = 12
# Named product groups of `trade_monthly` and their HS6 codes (QENNIS_CN_COMTRADE source note),
# keyed by the group's slug; `trade_code` then gives each code's family and stage. Groups not
# listed here are not used: 'Gallium/Germanium' is a broad basket (HS 811292, 811299, 285390,
# 285000, 282590, 282560 — other base metals and compounds; China's 2024 exports of it were
# ~245,000 t against world gallium output of under 1,000 t), so its partner split says
# nothing about gallium or germanium flows.
MONTHLY_GROUPS: dict[str, tuple[str, ...]] = {
    "rare-earths": ("280530", "284690", "850511"),
    "graphite": ("250410", "380110"),
}


@dataclass
class Network:
    """Baseline arrays of a family's chain; shapes (S, C) per node and (S, C, C) per edge."""

    family: str
    year: int
    stages: list[str]
    forms: list[str]
    countries: list[str]
    q: np.ndarray          # baseline output t/wk (S, C)
    capacity: np.ndarray   # capacity t/wk where the store has it, else NaN (S, C)
    eta: np.ndarray        # yield, t out per t in (S, C); stage 0 is 1
    flows: np.ndarray      # baseline shipments of stage-s product c -> c' (S, C, C), diagonal = domestic
    basis: np.ndarray      # 'trade' | 'estimated' (production shares) per (stage, exporter)
    demand: pd.DataFrame   # country, sector, baseline (t/wk), source
    industry_weeks: dict[str, float] = field(default_factory=dict)   # iso3 -> weeks of cover
    strategic_days: dict[str, float] = field(default_factory=dict)   # iso3 -> days of use
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    stock_stage: int | None = None  # stage (form) strategic stocks are held in; None = last stage
    # Multi-input chains (chain.recipes): each stage's input stages, None = linear (stage s takes s−1),
    # and yields (S, S, C): t of stage-k output per t of stage-j input at k's country (0 = no link).
    inputs: list[tuple[int, ...]] | None = None
    yields: np.ndarray | None = None
    # Strategic stocks keyed by (iso3, stage): days of the holder's use of that stage's material,
    # so a neodymium stockpile sits at the NdPr bus only (multi-input chains; linear ones use strategic_days).
    strategic_at: dict[tuple[str, int], float] = field(default_factory=dict)
    # (S, C) 'importer-reported' where an importer's column was seeded from its own customs rows: every
    # edge into it from abroad carries that basis
    import_basis: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return self.q.shape

    @property
    def linear(self) -> bool:
        return self.inputs is None

    def links(self) -> list[tuple[int, ...]]:
        """Input stages of each stage: (s−1,) in a linear chain, () for a root (a mine)."""
        return linear_links(len(self.stages)) if self.inputs is None else list(self.inputs)

    def yield_matrix(self) -> np.ndarray:
        """(S, S, C) t of stage-k output per t of stage-j input; a linear chain's is its η."""
        if self.yields is not None:
            return self.yields
        return linear_yields(self.eta)

    def to_final(self) -> np.ndarray:
        """(S, C) t of final product per t of stage-s product at each country's own yields."""
        return final_factor(self.links(), self.yield_matrix())

    def index(self, iso3: str) -> int:
        return self.countries.index(iso3) if iso3 in self.countries else self.countries.index(ROW)

    def final_demand(self) -> tuple[list[str], np.ndarray]:
        """Sectors and baseline final demand by country and sector (C, K), from `demand`.

        Computed once per network (Monte Carlo compiles thousands of draws on one network);
        a copy is returned, so a caller may change it.
        """
        if getattr(self, "_final", (None,))[0] is not self.demand:
            sectors = sorted(self.demand["sector"].unique())
            arr = np.zeros((len(self.countries), len(sectors)))
            for c, k, v in zip(self.demand["country"], self.demand["sector"], self.demand["baseline"]):
                arr[self.index(c), sectors.index(k)] += v
            self._final = (self.demand, sectors, arr)
        return list(self._final[1]), self._final[2].copy()

    def need(self) -> np.ndarray:
        """Baseline use at each bus (S, C): inputs for the next stage, or final consumption."""
        return self.flows.sum(axis=1)

    def edges(self) -> pd.DataFrame:
        """Baseline edges with their basis, for the output and the docs."""
        s, i, j = np.nonzero(self.flows)
        return pd.DataFrame({"stage": [self.stages[k] for k in s],
                             "exporter": [self.countries[k] for k in i],
                             "importer": [self.countries[k] for k in j],
                             "t_per_week": self.flows[s, i, j],
                             "basis": [self._edge_basis(k, a, b) for k, a, b in zip(s, i, j)]})

    def _edge_basis(self, s: int, i: int, j: int) -> str:
        """'domestic', 'importer-reported' (the importer's customs rows, which rank first), 'trade' (the
        exporter's partner shares) or 'estimated' (production shares)."""
        if i == j:
            return "domestic"
        if self.import_basis is not None and self.import_basis[s, j]:
            return str(self.import_basis[s, j])
        return str(self.basis[s, i])

    def check(self, tol: float = 1e-6) -> None:
        """Baseline mass balance: rows ship the output, each stage's output equals each input × its yield."""
        scale = max(float(self.q.max()), 1.0)
        assert np.allclose(self.flows.sum(axis=2), self.q, atol=tol * scale)
        if self.linear:
            made = self.need()[:-1] * self.eta[1:]
            assert np.allclose(made, self.q[1:], atol=tol * scale)
        else:
            assert np.allclose(input_use(self.links(), self.yield_matrix(), self.q)[:-1], self.need()[:-1],
                               atol=tol * scale)
        assert abs(self.demand["baseline"].sum() - self.q[-1].sum()) <= tol * scale * len(self.countries)


def linear_links(S: int) -> list[tuple[int, ...]]:
    """A linear chain's inputs: stage 0 is the root, stage s takes stage s−1."""
    return [()] + [(s - 1,) for s in range(1, S)]


def linear_yields(eta: np.ndarray) -> np.ndarray:
    """The (S, S, C) yield matrix of a linear chain from its (S, C) yields."""
    S = eta.shape[0]
    Y = np.zeros((S, S) + eta.shape[1:])
    for s in range(1, S):
        Y[s, s - 1] = eta[s]
    return Y


def consumers(links: list[tuple[int, ...]]) -> list[int | None]:
    """The one stage that takes each stage's product (None for the final stage)."""
    out: list[int | None] = [None] * len(links)
    for k, ins in enumerate(links):
        for j in ins:
            out[j] = k
    return out


def input_use(links: list[tuple[int, ...]], Y: np.ndarray, prod: np.ndarray) -> np.ndarray:
    """Input each bus supplies to the stages it feeds, given their output (…, S, C): Σ_k prod_k / Y_kj."""
    use = np.zeros_like(prod)
    for k, ins in enumerate(links):
        for j in ins:
            use[..., j, :] += np.divide(prod[..., k, :], Y[k, j], out=np.zeros_like(prod[..., k, :]),
                                        where=Y[k, j] > 0)
    return use


def final_factor(links: list[tuple[int, ...]], Y: np.ndarray) -> np.ndarray:
    """(S, C) t of final product per t of stage s, along the path to the final stage."""
    cons = consumers(links)
    S = len(links)
    out = np.ones((S,) + Y.shape[2:])
    for s in range(S - 2, -1, -1):
        k = cons[s]
        out[s] = out[k] * Y[k, s] if k is not None else 0.0
    return out


def ras(seed: np.ndarray, rows: np.ndarray, cols: np.ndarray, iters: int = 500) -> np.ndarray:
    """Biproportional fitting (RAS) of a non-negative seed to row and column totals.

    Hand-written: a dozen lines of NumPy, no library offers it without a heavy dependency.
    Totals are reconciled first so the problem is feasible (columns scaled to the row total).
    """
    m = seed.astype(float).copy()
    cols = cols * (rows.sum() / cols.sum()) if cols.sum() > 0 else cols
    for _ in range(iters):
        r = m.sum(axis=1)
        m *= np.divide(rows, r, out=np.zeros_like(rows), where=r > 0)[:, None]
        c = m.sum(axis=0)
        m *= np.divide(cols, c, out=np.zeros_like(cols), where=c > 0)[None, :]
        if np.allclose(m.sum(axis=1), rows, rtol=1e-10, atol=1e-12):
            break
    return m


PRIOR = 0.01  # weight of the production-share seed mixed in where a trade seed's zeros make RAS infeasible


def _fit(seed: np.ndarray, rows: np.ndarray, cols: np.ndarray, tol: float = 1e-6) -> tuple[np.ndarray, bool]:
    """RAS of a stage's seed to output (rows) and use (cols), and whether the seed had to be mixed.

    A trade seed holds zeros (a partner an exporter never ships to); where those leave no way to
    meet both margins, RAS stops with rows off their totals, and the baseline would then take
    output "as shipped", inventing production. A small dense production-share seed makes every
    such problem feasible; it is added only where the seed alone fails."""
    m = ras(seed, rows, cols)
    if np.abs(m.sum(axis=1) - rows).max() <= tol * max(rows.sum(), 1.0):
        return m, False
    dense = np.outer(rows, cols / cols.sum()) if cols.sum() > 0 else np.outer(rows, np.ones_like(cols))
    scale = seed.sum() / dense.sum() if dense.sum() > 0 else 1.0
    return ras(seed + PRIOR * scale * dense, rows, cols, iters=5000), True


def _members(store: Store, family: str) -> list[str]:
    rows = store.con.execute("SELECT material FROM material WHERE family = ?", [family]).fetchall()
    if not rows:
        fams = [r[0] for r in store.con.execute("SELECT DISTINCT family FROM material UNION "
                                                "SELECT DISTINCT family FROM chain_stage ORDER BY 1").fetchall()]
        raise NotFound(f"unknown material family '{family}'", field="family",
                       hint=f"families (and multi-input chains) are {list_as_string(fams)}")
    return [r[0] for r in rows]


def _stage_output(store: Store, family: str, year: int | None) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Annual output by (stage, iso3) in t; published-share stages scaled to the stage before."""
    shares = stage_shares(store, family, year)
    notes: list[str] = []
    if shares.empty:
        raise NotFound(f"no production or stage-share data for family '{family}'", field="family")
    stages = store.df("SELECT stage, form FROM stage WHERE family = ? ORDER BY ord", [family])
    out, prev_total = [], None
    for stage in stages["stage"]:
        grp = shares[shares["stage"] == stage]
        if grp.empty:
            notes.append(f"stage '{stage}' has no production or share data: left out of the chain")
            continue
        grp = grp.groupby("iso3", as_index=False).agg(value_t=("value_t", "sum"), share=("share", "sum"),
                                                      basis=("basis", "first"), source=("source", "first"),
                                                      year=("year", "max"))
        if grp["basis"].iloc[0] == "published":
            if prev_total is None:
                notes.append(f"stage '{stage}' has only published shares and no stage before it: left out")
                continue
            known = grp["share"].clip(upper=1).sum()
            if known < 1:
                grp = pd.concat([grp, pd.DataFrame([{"iso3": ROW, "share": 1 - known, "basis": "published",
                                                     "source": grp["source"].iloc[0], "year": grp["year"].max()}])])
            grp["value_t"] = grp["share"] / max(known, 1.0) * prev_total
            notes.append(f"stage '{stage}': output = published shares × the previous stage's world output "
                         "(yield 1 assumed)")
        grp["stage"] = stage
        out.append(grp)
        prev_total = float(grp["value_t"].sum())
    if not out:
        raise NotFound(f"family '{family}' has no stage with output to build a chain from",
                       field="family", hint="; ".join(notes) + "; add production rows for its first stage")
    table = pd.concat(out, ignore_index=True)
    kept = [s for s in stages["stage"] if s in set(table["stage"])]
    forms = [stages.set_index("stage").loc[s, "form"] for s in kept]
    return table, kept, forms + notes


def _pick_countries(output: pd.DataFrame, focal: str, extra: list[str]) -> list[str]:
    share = output["value_t"] / output.groupby("stage")["value_t"].transform("sum")
    big = set(output.loc[share >= MIN_SHARE, "iso3"]) - {ROW, "WLD"}
    return sorted(big | {focal} | (set(extra) - {ROW, "WLD"})) + [ROW]


def _trade_rows(store: Store, family: str, stage: str | None, year: int) -> tuple[str, list]:
    """SQL (and its parameters) for a family's (or one stage's) annual trade rows up to `year`: the bundled
    `trade` extracts and the user's imported files (`trade_flow`: BACI, Comtrade), one row per (year,
    exporter, importer, code, basis), the imported first where both hold it (as `Exposure.flows` ranks them)."""
    # each code once: `trade_code` lists a code under every HS revision that has it, and a join on the table
    # itself would count a trade row once per revision
    codes = "SELECT DISTINCT code FROM trade_code WHERE family = ? AND (?::VARCHAR IS NULL OR stage = ?)"
    sql = ("SELECT year, exporter, importer, code, value_usd, quantity_t, basis, source, 1 AS bundled FROM trade "
           "WHERE code IN (" + codes + ") AND year <= ?")
    params: list = [family, stage, stage, year]
    if store.con.execute("SELECT EXISTS (SELECT 1 FROM trade_flow)").fetchone()[0]:
        wanted = [int(c) for (c,) in store.con.execute(codes, [family, stage, stage]).fetchall()
                  if c.isdigit() and len(c) == 6]
        if wanted:
            imported = flows_sql(store.con, "f.year <= ? AND f.code IN (SELECT unnest(?::INTEGER[]))")
            sql += (" UNION ALL SELECT year, exporter, importer, code, value_usd, quantity_t, basis, dataset, 0 "
                    f"FROM {imported}")
            params += [year, wanted]
    return ("(SELECT * FROM (" + sql + ") QUALIFY row_number() OVER (PARTITION BY year, exporter, importer, code, "
            "basis ORDER BY bundled, source) = 1)"), params


def _reported(store: Store, family: str, stage: str, year: int, side: str) -> pd.DataFrame:
    """A stage's annual trade rows reported by one side, summed per (year, exporter, importer):
    `side` 'exporter' takes reconciled (BACI), exporter-reported and mirror rows, 'importer'
    importer-reported ones. Of several sources for one (year, exporter, importer, code) one counts, so two
    extracts of a flow are not added up."""
    bases = ["importer-reported"] if side == "importer" else ["reconciled", "exporter-reported", "mirror"]
    rows, params = _trade_rows(store, family, stage, year)
    return store.df(
        f"SELECT year, exporter, importer, sum(quantity_t) q, sum(value_usd) v FROM (SELECT * FROM {rows} "
        "WHERE basis IN (SELECT unnest(?::VARCHAR[])) AND exporter <> importer "
        "QUALIFY row_number() OVER (PARTITION BY year, exporter, importer, code ORDER BY bundled, source) = 1"
        ") GROUP BY 1, 2, 3", params + [bases])


def _weights(df: pd.DataFrame, by: str, other: str, countries: list[str]) -> dict[str, np.ndarray]:
    """Each `by` country's latest year of rows as weights over `other` countries (quantity where
    a row has it, else value; countries outside the network pooled in ROW), summing to 1."""
    if df.empty:
        return {}
    df = _latest(df, by)
    pos = {c: i for i, c in enumerate(countries)}
    out = {}
    for who, grp in df.groupby(by):
        w = grp["q"].where(grp["q"].notna() & (grp["q"] > 0), grp["v"]).fillna(0).to_numpy()
        vec = np.zeros(len(countries))
        for partner, val in zip(grp[other], w):
            vec[pos.get(partner, pos[ROW])] += val
        if vec.sum() > 0:
            out[who] = vec / vec.sum()
    return out


def _trade_seed(store: Store, family: str, stage: str, year: int, countries: list[str]) -> dict[str, np.ndarray]:
    """Exporter -> partner weights from what exporters report. An importer's customs rows say how
    its imports split by supplier, not how a supplier's exports split: they seed `_import_seed`."""
    return _weights(_reported(store, family, stage, year, "exporter"), "exporter", "importer", countries)


def _import_seed(store: Store, family: str, stage: str, year: int, countries: list[str]) -> dict[str, np.ndarray]:
    """Importer -> supplier weights from importer-reported rows (e.g. Korea's customs data)."""
    return _weights(_reported(store, family, stage, year, "importer"), "importer", "exporter", countries)


def _seed_column(seed: np.ndarray, j: int, shares: np.ndarray, q: np.ndarray, total: float) -> bool:
    """Spread `total` t of importer j's imports over its suppliers by its reported shares, keeping its
    home use; suppliers with no output at this stage get none. False if no reported supplier has any."""
    shares = np.where(q > 0, shares, 0.0)
    shares[j] = 0.0
    if shares.sum() <= 0 or total <= 0:
        return False
    home = seed[j, j]
    seed[:, j] = total * shares / shares.sum()
    seed[j, j] = home
    return True


def _basket_codes(store: Store, family: str, stage: str, year: int) -> list[str]:
    """A stage's trade codes with trade rows up to `year` whose trade_code note marks them as a basket
    ("Basket: also covers ..."): their flows are an upper bound on the material's."""
    rows, params = _trade_rows(store, family, stage, year)
    return [r[0] for r in store.con.execute(
        f"SELECT DISTINCT k.code FROM trade_code k JOIN {rows} t ON t.code = k.code "
        "WHERE k.family = ? AND k.stage = ? AND k.note ILIKE 'basket%' ORDER BY 1", params + [family, stage]).fetchall()]


def slug(name: str) -> str:
    """'Rare Earths' -> 'rare-earths': how a named trade group is matched to a family or key."""
    return "-".join(name.lower().replace("/", " ").split())


def _monthly_codes(store: Store, family: str, stage: str) -> set[str]:
    """trade_monthly products (HS6 codes or named groups) that carry a family's stage."""
    codes = {r[0] for r in store.con.execute("SELECT DISTINCT code FROM trade_code WHERE family = ? AND stage = ?",
                                             [family, stage]).fetchall()}
    groups = {g for g, members in MONTHLY_GROUPS.items() if codes & set(members)}
    products = [r[0] for r in store.con.execute("SELECT DISTINCT product FROM trade_monthly").fetchall()]
    return {p for p in products if p in codes or slug(p) in groups}


def _monthly_seed(store: Store, family: str, stage: str, year: int, countries: list[str]) -> dict[str, np.ndarray]:
    """Exporter -> partner weights from monthly trade: the latest full year ≤ `year`.

    Quantity where every partner row has it, else value. A 'WLD' partner row is the
    exporter's total: the part no named partner takes goes to ROW.
    """
    products = _monthly_codes(store, family, stage)
    if not products:
        return {}
    where = "product IN (SELECT unnest(?::VARCHAR[])) AND year(month) <= ?"
    months = store.df(f"SELECT exporter, year(month) y, count(DISTINCT month) n FROM trade_monthly WHERE {where} "
                      "GROUP BY 1, 2", [sorted(products), year])
    latest = months[months["n"] == MONTHS_IN_FULL_YEAR].groupby("exporter")["y"].max()
    df = store.df(f"SELECT exporter, importer, year(month) y, sum(quantity_t) q, count(quantity_t) nq, count(*) nr, "
                  f"sum(value_usd) v FROM trade_monthly WHERE {where} GROUP BY 1, 2, 3", [sorted(products), year])
    pos = {c: i for i, c in enumerate(countries)}
    seeds = {}
    for exp, y in latest.items():
        grp = df[(df["exporter"] == exp) & (df["y"] == y)]
        col = "q" if (grp["nq"] == grp["nr"]).all() and grp["q"].sum() > 0 else "v"
        named = grp[grp["importer"] != "WLD"]
        vec = np.zeros(len(countries))
        for imp, val in zip(named["importer"], named[col].fillna(0)):
            vec[pos.get(imp, pos[ROW])] += val
        world = grp.loc[grp["importer"] == "WLD", col].sum()
        vec[pos[ROW]] += max(world - vec.sum(), 0.0)
        if vec.sum() > 0:
            seeds[exp] = vec / vec.sum()
    return seeds


def _traders(store: Store, family: str, year: int) -> list[str]:
    """Exporters and importers holding at least 1% of an exporter's trade (annual or monthly) in a
    family's codes, in tonnes or in dollars, each share taken over the rows that give that measure
    (every row has a value, not every row a tonnage: summing the two would mix units)."""
    rows, params = _trade_rows(store, family, None, year)
    df = store.df(f"SELECT exporter, importer, sum(quantity_t) t, sum(value_usd) usd FROM {rows} GROUP BY 1, 2",
                  params)
    stages = [r[0] for r in store.con.execute("SELECT stage FROM stage WHERE family = ?", [family]).fetchall()]
    products = sorted(set().union(*[_monthly_codes(store, family, s) for s in stages])) if stages else []
    monthly = store.df("SELECT exporter, importer, sum(quantity_t) t, sum(value_usd) usd FROM trade_monthly "
                       "WHERE product IN (SELECT unnest(?::VARCHAR[])) AND year(month) <= ? AND importer <> 'WLD' "
                       "GROUP BY 1, 2", [products, year])
    df = pd.concat([df, monthly], ignore_index=True)
    if df.empty:
        return []
    big = pd.Series(False, index=df.index)
    for measure in ("t", "usd"):
        w = df[measure].fillna(0.0)
        big |= (w > 0) & (w >= MIN_SHARE * w.groupby(df["exporter"]).transform("sum"))
    return sorted(set(df.loc[big, "exporter"]) | set(df.loc[big, "importer"]))


def _consumption(store: Store, members: list[str], countries: list[str], year: int) -> tuple[dict[str, float], list[str]]:
    """Final consumption t/yr by country where the demand table, else its total imports, give it in tonnes,
    and notes on where an import total stands in."""
    df = store.df("SELECT iso3, year, sum(value) v FROM demand WHERE material IN (SELECT unnest(?::VARCHAR[])) "
                  "AND unit = 't' AND scenario = 'observed' AND year <= ? GROUP BY 1, 2", [members, year])
    out = {r.iso3: float(r.v) for r in _latest(df, "iso3").itertuples() if r.iso3 in countries and r.iso3 != ROW}
    # Fallback: a country's total imports in tonnes (e.g. Korea's customs totals) stand in for
    # its final use where the demand table has no tonnes for it (assumption, docs/model.md).
    imp = store.df("SELECT importer iso3, year, sum(quantity_t) v, bool_or(coalesce(note, '') ILIKE '%basket%') basket "
                   "FROM import_total WHERE material IN (SELECT unnest(?::VARCHAR[])) AND quantity_t > 0 AND year <= ? "
                   "GROUP BY 1, 2", [members, year])
    notes = []
    for r in _latest(imp, "iso3").itertuples():
        if r.iso3 in countries and r.iso3 != ROW and r.iso3 not in out:
            out[r.iso3] = float(r.v)
            # a basket of forms (ores, chemicals, batteries) weighed together is no contained tonnage
            notes.append(f"{r.iso3}'s final use: its total imports, {r.v:,.0f} t in {r.year} (import_total; assumption: "
                         "imports stand in for use)" + ("; its note calls it a basket: forms weighed together, not the "
                                                        "contained material, so an upper bound" if r.basket else ""))
    return out, notes


def _latest(df: pd.DataFrame, by: str) -> pd.DataFrame:
    """Each `by` group's rows of its latest year."""
    return df[df["year"] == df.groupby(by)["year"].transform("max")] if not df.empty else df


def sector_split(store: Store, members: list[str], iso3: str) -> tuple[dict[str, float], str]:
    """Sector shares of a country's final use (its own rows, else the world's), with the source."""
    df = store.df("SELECT iso3, sector, year, value, source FROM demand WHERE material IN "
                  "(SELECT unnest(?::VARCHAR[])) AND scenario = 'observed'", [members])
    for who in (iso3, "WLD"):
        rows = df[df["iso3"] == who]
        if not rows.empty:
            rows = rows[rows["year"] == rows["year"].max()].groupby("sector", as_index=False).agg(
                value=("value", "sum"), source=("source", "first"))
            total = rows["value"].sum()
            if total > 0:
                return dict(zip(rows["sector"], rows["value"] / total)), ",".join(sorted(set(rows["source"])))
    return {"all": 1.0}, "CHOKEPOINT_ASSUMPTION"


def _customs_use(store: Store, family: str, stage: str, year: int, countries: list[str], q_last: np.ndarray,
                 known: dict[str, float]) -> tuple[dict[str, float], list[str]]:
    """Final use t/yr of importers that `known` (demand, import totals) lacks, from their own customs rows
    of the final stage's codes (latest year), with notes. Where the rows give tonnes, their sum: Korea's
    gallium lines (8112.92-3000, 8112.99-3000) are gallium alone, where the annual HS6 code is a basket.
    Where they give values only, each supplier's exports ((1 − HOME_SHARE) of its output) times the
    importer's value share of them: its imports over the supplier's reported exports where the store has
    those, else the importers that report the supplier split all of its exports (an upper bound)."""
    rep = _latest(_reported(store, family, stage, year, "importer"), "importer")
    rep = rep[~rep["importer"].isin(list(known)) & rep["importer"].isin(countries) & (rep["importer"] != ROW)]
    if rep.empty:
        return {}, []
    out, notes = {}, []
    tonnes = rep[rep["q"] > 0].groupby(["importer", "year"])["q"].sum()
    for (iso3, y), t_year in tonnes.items():
        out[iso3] = float(t_year)
        notes.append(f"{iso3}'s final use: its customs-reported imports of the {stage} codes, {t_year:,.1f} t in {y} "
                     "(no demand or import-total rows in t; assumption: imports stand in for use)")
    rep = rep[~rep["importer"].isin(list(out))]
    if rep.empty:
        return out, notes
    exp = _latest(_reported(store, family, stage, year, "exporter"), "exporter")
    totals = exp.groupby("exporter")["v"].sum() if not exp.empty else pd.Series(dtype=float)
    reported = rep.groupby("exporter")["v"].sum()
    valued, bounded = {}, set()
    for r in rep.itertuples():
        if r.exporter not in countries or not r.v or r.v <= 0:
            continue
        exports = (1 - HOME_SHARE) * q_last[countries.index(r.exporter)] * WEEKS_PER_YEAR
        base = totals.get(r.exporter, 0.0)
        if base < r.v:
            base = reported[r.exporter]
            bounded.add(r.importer)
        valued[r.importer] = valued.get(r.importer, 0.0) + exports * r.v / base
    notes += [f"{iso3}'s final use, {t_year:,.0f} t/yr, is estimated from its customs rows, which give values only: "
              "its share of its suppliers' exports" + (" (an upper bound: the store lacks the suppliers' total exports, so "
                                                       "the importers that report them take all of them)" if iso3 in bounded else "")
              for iso3, t_year in sorted(valued.items())]
    return {**out, **valued}, notes


def _stocks(store: Store, members: list[str]) -> tuple[dict[str, float], dict[str, float]]:
    """Held days of use per country: (industry weeks, strategic days)."""
    df = store.df("SELECT iso3, holder, measure, value, unit, as_of FROM stock WHERE material IN "
                  "(SELECT unnest(?::VARCHAR[])) AND measure = 'held_days'", [members])
    df = df[df["as_of"] == df.groupby(["iso3", "holder"])["as_of"].transform("max")]
    ind = {r.iso3: r.value / 7.0 for r in df[df["holder"] == "industry"].itertuples()}
    gov = {r.iso3: float(r.value) for r in df[df["holder"] == "government"].itertuples()}
    return ind, gov


def _capacity(store: Store, members: list[str], stages: list[str], countries: list[str], year: int) -> np.ndarray:
    cap = np.full((len(stages), len(countries)), np.nan)
    df = store.df("SELECT stage, iso3, year, value FROM production WHERE measure = 'capacity' AND "
                  "material IN (SELECT unnest(?::VARCHAR[])) AND year <= ?", [members, year])
    if not df.empty:
        df = df[df["year"] == df.groupby("stage")["year"].transform("max")]
        for r in df.groupby(["stage", "iso3"], as_index=False)["value"].sum().itertuples():
            if r.stage in stages:
                cap[stages.index(r.stage), countries.index(r.iso3) if r.iso3 in countries else -1] = \
                    r.value / WEEKS_PER_YEAR
    return cap


def build(store: Store, family: str, focal: str = "KOR", year: int | None = None) -> Network:
    """Build the baseline network of a family for a focal country from the store."""
    members = _members(store, family)
    output, stages, rest = _stage_output(store, family, year)
    forms, notes = rest[:len(stages)], rest[len(stages):]
    year = int(year or output["year"].max())
    countries = _pick_countries(output, focal, _traders(store, family, year))
    S, C = len(stages), len(countries)
    q = np.zeros((S, C))
    for r in output.itertuples():
        q[stages.index(r.stage), countries.index(r.iso3) if r.iso3 in countries else C - 1] += r.value_t
    q /= WEEKS_PER_YEAR
    totals = q.sum(axis=1)
    eta = np.ones((S, C))
    eta[1:] = (totals[1:] / np.where(totals[:-1] > 0, totals[:-1], 1))[:, None]
    cons, cnotes = _consumption(store, members, countries, year)
    notes += cnotes
    flows, basis = np.zeros((S, C, C)), np.full((S, C), "estimated", dtype=object)
    imported = np.full((S, C), "", dtype=object)
    for s, stage in enumerate(stages):
        trade = {**_monthly_seed(store, family, stage, year, countries),
                 **_trade_seed(store, family, stage, year, countries)}
        if trade and (baskets := _basket_codes(store, family, stage, year)):
            notes.append(f"{stage}: partner shares come partly from basket trade code(s) {', '.join(baskets)}, "
                         "which also carry other goods (see their trade_code note)")
        if s + 1 < S:
            col = q[s + 1] / eta[s + 1]
        else:
            customs, unotes = _customs_use(store, family, stage, year, countries, q[s], cons)
            use = {**cons, **customs}
            col = _final_margin(q[s], trade, use, countries, focal)
            notes += unotes + _scaled_note(use, col, countries)
        seed = np.outer(q[s], col / col.sum() if col.sum() > 0 else col)
        imports = {countries.index(imp): vec for imp, vec in _import_seed(store, family, stage, year, countries).items()
                   if imp in countries}
        abroad = {j: seed[:, j].sum() - seed[j, j] for j in imports}  # each importer's imports in the seed
        for exp, vec in trade.items():
            if exp in countries and q[s, countries.index(exp)] > 0:
                i = countries.index(exp)
                own = col[i] / col.sum() if col.sum() > 0 else 0.0
                seed[i] = q[s, i] * (own * np.eye(C)[i] + (1 - own) * vec)
                basis[s, i] = "trade"
        # an importer's own customs rows rank above its suppliers' reports of the same flows (as in exposure)
        for j, vec in imports.items():
            if _seed_column(seed, j, vec, q[s], abroad[j]):
                imported[s, j] = "importer-reported"
        flows[s], mixed = _fit(seed, q[s], col)
        if mixed:
            notes.append(f"{stage}: the trade shares and the use by country cannot both hold; {PRIOR:.0%} of "
                         "production-share flows were added to the trade seed so that every producer ships its output")
    # RAS may stop a hair short of the margins: take output as shipped and set each node's
    # yield from its own inputs, so the baseline balances exactly.
    q = flows.sum(axis=2)
    need = flows[:-1].sum(axis=1)
    eta[1:] = np.divide(q[1:], need, out=eta[1:].copy(), where=need > 0)
    demand, sources = _demand(store, members, countries, flows[-1].sum(axis=0), focal)
    ind, gov = _stocks(store, members)
    net = Network(family, year, stages, list(forms), countries, q, _capacity(store, members, stages, countries, year),
                  eta, flows, basis, demand, ind, gov,
                  sorted(set(output["source"].dropna()) | sources), notes, _stock_stage(store, family, stages, forms),
                  import_basis=imported)
    if focal not in countries or demand.loc[demand["country"] == focal, "baseline"].sum() <= 0:
        net.notes.append(f"no final use found for {focal}: its demand is zero in this network")
    return net


def _stock_stage(store: Store, family: str, kept: list[str], forms: list[str]) -> int:
    """The stage strategic stocks of a family's materials are held in (DESIGN section 4).

    Stockpiled elements are held refined (oxide or metal), never as finished product: the
    'metal' stage if modelled; if the family has a metal stage the data lack, the last
    modelled stage before it (the holder must convert the stock onward with its own
    capacity); with no metal stage at all, the last stage.
    """
    if "metal" in forms:
        return forms.index("metal")
    table = store.df("SELECT stage, ord, form FROM stage WHERE family = ? ORDER BY ord", [family])
    metal = table.loc[table["form"] == "metal", "ord"]
    if metal.empty:
        return len(kept) - 1
    before = table.loc[table["stage"].isin(kept) & (table["ord"] < metal.iloc[0]), "stage"]
    return kept.index(before.iloc[-1]) if len(before) else len(kept) - 1


def _scaled_note(given: dict[str, float], col: np.ndarray, countries: list[str]) -> list[str]:
    """A note where the final use the data give a country was scaled down to fit world output
    (`_final_margin` scales every country's use when their sum exceeds it)."""
    out = []
    for iso3, t_year in sorted(given.items()):
        if iso3 in countries and t_year > 0:
            got = col[countries.index(iso3)] * WEEKS_PER_YEAR
            if got < t_year * (1 - 1e-6):
                out.append(f"{iso3}'s final use was scaled from {t_year:,.0f} to {got:,.0f} t/yr "
                           f"({got / (col.sum() * WEEKS_PER_YEAR):.0%} of world output) so that use by country fits "
                           "world output")
    return out


def _final_margin(q_last: np.ndarray, trade: dict[str, np.ndarray], cons: dict[str, float],
                  countries: list[str], focal: str) -> np.ndarray:
    """Final consumption by country: demand-table tonnes, else trade-derived partner weights."""
    C = len(countries)
    col = np.zeros(C)
    for exp, vec in trade.items():
        if exp in countries:
            col += q_last[countries.index(exp)] * vec
    # Assumption (docs/model.md): where trade data gives partner shares but no domestic
    # share, producers are taken to use half their final-stage output at home.
    col = HOME_SHARE * q_last + (1 - HOME_SHARE) * col if col.sum() > 0 else q_last.astype(float)
    for iso3, t_year in cons.items():
        col[countries.index(iso3)] = t_year / WEEKS_PER_YEAR
    if col.sum() > q_last.sum():
        col *= q_last.sum() / col.sum()
    col[-1] += max(q_last.sum() - col.sum(), 0.0)
    return col


def _demand(store: Store, members: list[str], countries: list[str], use: np.ndarray,
            focal: str) -> tuple[pd.DataFrame, set[str]]:
    rows, sources = [], set()
    world, wsrc = sector_split(store, members, "WLD")
    for c, total in zip(countries, use):
        split, src = sector_split(store, members, c) if c == focal else (world, wsrc)
        sources |= set(src.split(","))
        rows += [{"country": c, "sector": k, "baseline": total * v, "source": src} for k, v in split.items()]
    return pd.DataFrame(rows), sources
