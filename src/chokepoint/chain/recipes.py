"""Multi-input chains (linked sub-chains, e.g. NdPr and Dy+Tb into NdFeB magnets) from the
`chain_stage` and `chain_input` tables: a DAG of stages with a Leontief recipe.

A root stage's output comes from its material's published country shares (`stage_share`),
anchored by one country's published tonnes (`production_partial`: world = tonnes / share).
A multi-input stage makes what its scarcest input allows at the recipe (t of input per t of
output); an input's output beyond that goes to uses outside the chain (not modelled, and
the network says so). Each stage keeps its own mass basis (`chain_stage.basis`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from chokepoint.chain.network import ROW, WEEKS_PER_YEAR, Network, consumers, ras
from chokepoint.errors import BadInput, NotFound
from chokepoint.store import Store

LATEST = 9999  # `year <= ?` when no data year is asked for
ESTIMATE_SCENARIOS = ("observed", "estimate")  # demand rows a chain reads: statistics and derived estimates


def families(store: Store) -> list[str]:
    """Names of the multi-input chains in the store."""
    return [r[0] for r in store.con.execute("SELECT DISTINCT family FROM chain_stage ORDER BY 1").fetchall()]


def is_chain(store: Store, family: str) -> bool:
    return family in families(store)


def _links(stages: pd.DataFrame, recipe: pd.DataFrame, family: str) -> tuple[list[tuple[int, ...]], np.ndarray]:
    """Each stage's input stages and their t-per-t coefficients (S, S): a checked DAG with one final stage."""
    names = list(stages["stage"])
    S = len(names)
    coef = np.zeros((S, S))
    links: list[list[int]] = [[] for _ in names]
    for r in recipe.itertuples():
        if r.stage not in names or r.input not in names:
            raise BadInput(f"chain '{family}': recipe row {r.stage} <- {r.input} names a stage the chain lacks",
                           file="chain_input", field="input", hint=f"stages are {', '.join(names)}")
        k, j = names.index(r.stage), names.index(r.input)
        if j >= k or not r.t_per_t > 0:
            raise BadInput(f"chain '{family}': input '{r.input}' of '{r.stage}' must come earlier (ord) and have "
                           "t_per_t > 0", file="chain_input", field="t_per_t")
        links[k].append(j)
        coef[k, j] = r.t_per_t
    out = [tuple(sorted(x)) for x in links]
    taken = [j for x in out for j in x]
    sinks = [s for s in range(S) if s not in taken]
    if len(set(taken)) != len(taken) or sinks != [S - 1]:
        raise BadInput(f"chain '{family}': every stage but the last must feed exactly one later stage",
                       file="chain_input",
                       hint="one final stage carries demand; stages feeding two stages are not modelled")
    return out, coef


def _published(store: Store, material: str, stage: str,
               year: int | None) -> tuple[dict[str, float], int, tuple | None, list[str]]:
    """A stage's published country shares (the latest year with rows; the rest is ROW), and the anchor
    that sizes it: the latest tonnes of a country with a share (iso3, year, t, source), or None."""
    sh = store.df("SELECT iso3, year, share, source FROM stage_share WHERE material = ? AND stage = ? AND year <= ?",
                  [material, stage, year or LATEST])
    if sh.empty:
        raise NotFound(f"no stage_share rows for {material} at {stage}", field="family",
                       hint="every stage of a multi-input chain needs published country shares")
    sh = sh[sh["year"] == sh["year"].max()].drop_duplicates("iso3")
    shares = {c: float(v) for c, v in zip(sh["iso3"], sh["share"]) if c not in (ROW, "WLD")}
    shares[ROW] = shares.get(ROW, 0.0) + max(1.0 - sum(shares.values()), 0.0)
    part = store.df("SELECT iso3, year, value, source FROM production WHERE material = ? AND stage = ? "
                    "AND measure IN ('production', 'production_partial') AND iso3 IN (SELECT unnest(?::VARCHAR[])) "
                    "AND year <= ? ORDER BY year DESC, value DESC", [material, stage, list(sh["iso3"]), year or LATEST])
    anchor = None if part.empty else tuple(part.iloc[0][["iso3", "year", "value", "source"]])
    return shares, int(sh["year"].max()), anchor, sorted(set(sh["source"]) | ({anchor[3]} if anchor else set()))


def _sizes(names: list[str], links: list[tuple[int, ...]], coef: np.ndarray, data: list[float | None]) -> list[float]:
    """World t/yr of every stage: forward, what the data and the scarcest input allow; back from the
    final stage, each input at the recipe (so an input's output beyond it leaves the chain)."""
    allow: list[float | None] = [None] * len(names)
    for k, ins in enumerate(links):
        limits = [allow[j] / coef[k, j] for j in ins if allow[j] is not None]
        limits += [data[k]] if data[k] is not None else []
        allow[k] = min(limits) if limits else None
    if allow[-1] is None:
        raise NotFound(f"no stage of the chain ending at '{names[-1]}' has tonnes to size it", field="family",
                       hint="add a production or production_partial row for one country of a stage")
    world = [0.0] * len(names)
    world[-1] = allow[-1]
    for k in range(len(names) - 1, -1, -1):
        for j in links[k]:
            world[j] = coef[k, j] * world[k]
    return world


def _demand(store: Store, material: str, focal: str, year: int) -> tuple[dict[str, float], dict[str, float], list[str]]:
    """The focal country's use t/yr by sector (statistic or derived estimate) and its sources."""
    df = store.df("SELECT iso3, sector, year, value, source FROM demand WHERE material = ? AND unit = 't' AND "
                  "scenario IN (SELECT unnest(?::VARCHAR[])) AND year <= ? AND iso3 = ?",
                  [material, list(ESTIMATE_SCENARIOS), year, focal])
    if df.empty:
        return {}, {}, []
    df = df[df["year"] == df["year"].max()]
    by = df.groupby("sector")["value"].sum()
    return {focal: float(by.sum())}, (by / by.sum()).to_dict(), sorted(set(df["source"]))


def _partner_seed(store: Store, material: str, countries: list[str], q: np.ndarray, col: np.ndarray,
                  year: int) -> tuple[np.ndarray, list[str], list[str]]:
    """Seed of the final stage's flows: proportional, except importers with published partner shares."""
    seed = np.outer(q, col / col.sum() if col.sum() > 0 else col)
    df = store.df("SELECT importer, partner, year, share, source FROM import_share WHERE material = ? AND year <= ?",
                  [material, year])
    notes, sources = [], []
    df = df[df["year"] == df.groupby("importer")["year"].transform("max")]
    for imp, grp in df.groupby("importer"):
        if imp not in countries or col[countries.index(imp)] <= 0:
            continue
        i = countries.index(imp)
        w = np.zeros(len(countries))
        for p, v in zip(grp["partner"], grp["share"]):
            if p in countries:
                w[countries.index(p)] += v
        rest = np.where(w > 0, 0.0, q)
        w += max(1 - w.sum(), 0.0) * (rest / rest.sum() if rest.sum() > 0 else 0.0)
        seed[:, i] = col[i] * w
        notes.append(f"{imp}'s suppliers of {material} from import_share ({int(grp['year'].max())}): "
                     + ", ".join(f"{p} {v:.1%}" for p, v in zip(grp["partner"], grp["share"])))
        sources += list(grp["source"])
    return seed, notes, sources


def _stocks(store: Store, stages: pd.DataFrame) -> tuple[dict[tuple[str, int], float], list[str], list[str]]:
    """Government stocks (held days) keyed by country and the stage that holds the stocked material."""
    held = {m: s for s, h in enumerate(stages["holds"].fillna("")) for m in h.split()}
    df = store.df("SELECT iso3, material, holder, value, as_of, source FROM stock WHERE measure = 'held_days' "
                  "AND material IN (SELECT unnest(?::VARCHAR[]))", [sorted(held)])
    df = df[df["as_of"] == df.groupby(["iso3", "material", "holder"])["as_of"].transform("max")]
    out, notes = {}, []
    for r in df[df["holder"] == "government"].itertuples():
        s = held[r.material]
        out[(r.iso3, s)] = out.get((r.iso3, s), 0.0) + float(r.value)
        notes.append(f"{r.iso3}'s {r.material} stock ({r.value:g} days, as of {pd.Timestamp(r.as_of):%Y-%m}) "
                     f"is held as {stages['stage'].iloc[s]} "
                     f"({stages['basis'].iloc[s]}), days of its final use in that form")
    return out, notes, sorted(set(df["source"]))


def _capacity(store: Store, stages: pd.DataFrame, countries: list[str]) -> tuple[np.ndarray, list[str]]:
    """Capacity t/wk: capacity rows, plus operating projects' nameplate (`project` table)."""
    cap = np.full((len(stages), len(countries)), np.nan)
    used = []
    for s, r in enumerate(stages.itertuples()):
        rows = store.df("SELECT iso3, value, source FROM production WHERE measure = 'capacity' AND material = ? "
                        "AND stage = ? UNION ALL SELECT host, capacity_t, source FROM project WHERE material = ? AND "
                        "stage = ? AND capacity_t > 0 AND lower(status) LIKE 'operating%'",
                        [r.material, r.data_stage, r.material, r.data_stage])
        for c, v in zip(rows["iso3"], rows["value"]):
            i = countries.index(c) if c in countries else len(countries) - 1
            cap[s, i] = np.nan_to_num(cap[s, i]) + v / WEEKS_PER_YEAR
        used += list(rows["source"])
    return cap, used


def build(store: Store, family: str, focal: str = "KOR", year: int | None = None) -> Network:
    """The baseline network of a multi-input chain for a focal country."""
    stages = store.df("SELECT * FROM chain_stage WHERE family = ? ORDER BY ord", [family])
    if stages.empty:
        raise NotFound(f"unknown chain '{family}'", field="family")
    recipe = store.df("SELECT * FROM chain_input WHERE family = ?", [family])
    links, coef = _links(stages, recipe, family)
    S = len(stages)
    names = list(stages["stage"])
    bases = "; ".join(f"{s}: {b}" for s, b in zip(names, stages["basis"]))
    notes = [f"{family} is a multi-input chain (linked sub-chains); each stage's own basis — {bases}"]
    sources = set(stages["source"]) | set(recipe["source"])
    pub = [_published(store, r.material, r.data_stage, year) for r in stages.itertuples()]
    data = [None if a is None else float(a[2]) / shares[a[0]] for shares, _, a, _ in pub]
    world = _sizes(names, links, coef, data)
    years = [y for _, y, _, _ in pub]
    cons_of = consumers(links)
    for s, (shares, y, anchor, src) in enumerate(pub):
        sources |= set(src)
        how = (f"{anchor[0]} {anchor[2]:,.0f} t ({int(anchor[1])}, {anchor[3]}) / its share {shares[anchor[0]]:.3f}"
               if anchor else f"sized from {names[cons_of[s]]} at the recipe" if cons_of[s] is not None
               else "the scarcest input / its recipe")
        note = f"{names[s]}: world {world[s]:,.0f} t/yr ({how}); country output = published shares of {y} (estimated)"
        if data[s] is not None and world[s] < data[s] * (1 - 1e-9) and cons_of[s] is None:
            note += (f"; published figures imply {data[s]:,.0f} t/yr, more than its inputs allow at the recipe: "
                     "the chain follows the recipe")
        elif data[s] is not None and world[s] < data[s] * (1 - 1e-9):
            note += (f"; {world[s]:,.0f} of {data[s]:,.0f} t/yr go into the chain at the recipe, the other "
                     f"{data[s] - world[s]:,.0f} t/yr to uses outside it (not modelled)")
        notes.append(note)
    for k, ins in enumerate(links):
        for j in ins:
            notes.append(f"{names[k]} uses {coef[k, j]:g} t of {names[j]} per t (recipe, estimated)")
    out = [{c: v * w for c, v in shares.items()} for (shares, _, _, _), w in zip(pub, world)]
    final = S - 1
    year = int(max(years))
    countries = sorted(({c for o in out for c in o} | {focal}) - {ROW, "WLD"}) + [ROW]
    C = len(countries)
    q = np.zeros((S, C))
    for s, o in enumerate(out):
        for c, v in o.items():
            q[s, countries.index(c)] += v / WEEKS_PER_YEAR
    Y = np.zeros((S, S, C))
    for k, ins in enumerate(links):
        for j in ins:
            Y[k, j] = 1.0 / coef[k, j]
    cons, sectors, dsrc = _demand(store, stages["material"].iloc[final], focal, year)
    sources |= set(dsrc)
    flows = np.zeros((S, C, C))
    for s in range(S - 1):  # inputs go to the stage that uses them, in proportion (no element-level trade data)
        k = consumers(links)[s]
        col = q[k] / Y[k, s]
        flows[s] = ras(np.outer(q[s], col / col.sum()), q[s], col)
    col = _final_use(q[final], cons, countries)
    seed, pnotes, psrc = _partner_seed(store, stages["material"].iloc[final], countries, q[final], col, year)
    flows[final] = ras(seed, q[final], col)
    notes += pnotes + ["every trade edge is estimated from production shares (no element-level trade data)"]
    sources |= set(psrc)
    q = flows.sum(axis=2)
    if cons:
        notes.append(f"{focal}'s final use {cons[focal]:,.0f} t/yr by sector from demand rows "
                     f"({', '.join(dsrc)}; estimated where the row says so)")
    else:
        notes.append(f"no demand rows in t for {focal}: its final use is its share of output (estimated)")
    split = sectors or {"all": 1.0}
    use = flows[final].sum(axis=0)
    demand = pd.DataFrame([{"country": c, "sector": k, "baseline": u * v,
                            "source": ",".join(dsrc) if c in cons else "CHOKEPOINT_ASSUMPTION"}
                           for c, u in zip(countries, use) for k, v in split.items()])
    if sectors:
        notes.append(f"other countries' sector split is taken as {focal}'s (assumption)")
    at, snotes, ssrc = _stocks(store, stages)
    cap, csrc = _capacity(store, stages, countries)
    eta = np.ones((S, C))
    for k, ins in enumerate(links):
        if ins:
            eta[k] = Y[k, ins[0]]  # yield on the first input (for tables; the engines read `yields`)
    net = Network(family, year, names, list(stages["form"]), countries, q, cap, eta, flows,
                  np.full((S, C), "estimated", dtype=object), demand, {}, {},
                  sorted(sources | set(ssrc) | set(csrc)), notes + snotes, None, links, Y, at)
    return net


def _final_use(q_last: np.ndarray, cons: dict[str, float], countries: list[str]) -> np.ndarray:
    """Final use t/wk by country: the demand rows where a country has them; what is left of world
    output goes to the other countries in proportion to their own output (assumption, docs/model.md)."""
    col = q_last.astype(float).copy()
    fixed = np.zeros(len(countries), bool)
    for c, t_year in cons.items():
        col[countries.index(c)] = t_year / WEEKS_PER_YEAR
        fixed[countries.index(c)] = True
    rest = q_last.sum() - col[fixed].sum()
    if rest < 0:
        col[fixed] *= q_last.sum() / col[fixed].sum()
        rest = 0.0
    free = np.where(fixed, 0.0, q_last)
    col[~fixed] = free[~fixed] / free.sum() * rest if free.sum() > 0 else 0.0
    col[-1] += q_last.sum() - col.sum()
    return col
