"""The data behind each page, as JSON: one function per panel, each a call into the library.

A panel whose library API has not landed yet answers `{"available": false, "missing": ...}`
so the page can say "not available yet" instead of failing.
"""
from __future__ import annotations

import json
from collections.abc import Callable

import pandas as pd

from chokepoint import briefing
from chokepoint.trade import concentration
from chokepoint.web import charts
from chokepoint.workbench import Workbench


class Unavailable(Exception):
    """A library API the panel needs is not installed in this build yet."""

    def __init__(self, api: str):
        self.api = api
        super().__init__(f"{api} is not available yet")


def api(wb: Workbench, dotted: str) -> Callable:
    """Resolve 'news.events' to `wb.news.events`, or raise Unavailable naming it."""
    obj = wb
    for i, part in enumerate(dotted.split(".")):
        try:
            obj = getattr(obj, part)
        except (ModuleNotFoundError, AttributeError) as exc:
            raise Unavailable("wb." + ".".join(dotted.split(".")[: i + 1])) from exc
    return obj


def table(df: pd.DataFrame, limit: int | None = None) -> dict:
    """A frame as {columns, rows} of JSON values (NaN → null, dates → ISO strings)."""
    df = df if limit is None else df.head(limit)
    records = json.loads(df.to_json(orient="split", date_format="iso", index=False, default_handler=str))
    return {"columns": records["columns"], "rows": records["data"], "total": int(len(df))}


def guarded(fn: Callable[..., dict]) -> Callable[..., dict]:
    """Wrap a panel so a missing API becomes a payload the page renders as 'not available yet'."""
    def run(*args, **kwargs) -> dict:
        try:
            return {"available": True, **fn(*args, **kwargs)}
        except Unavailable as exc:
            return {"available": False, "missing": exc.api}
    run.__name__, run.__doc__ = fn.__name__, fn.__doc__
    return run


def _families(wb: Workbench) -> list[str]:
    rows = wb.store.con.execute("SELECT DISTINCT family FROM stage ORDER BY family").fetchall()
    return [r[0] for r in rows]


def _sources(wb: Workbench, keys) -> dict:
    keys = sorted({k for k in keys if isinstance(k, str) and k})
    df = wb.store.df("SELECT key, publisher, title, year, url FROM source "
                     "WHERE key IN (SELECT unnest(?::VARCHAR[])) ORDER BY key", [keys])
    return table(df)


# -- overview -------------------------------------------------------------------------
@guarded
def chokepoints(wb: Workbench, focus: str = "CHN") -> dict:
    """Per material family: each stage's concentration and the chokepoint stage."""
    out, keys = [], set()
    for family in _families(wb):
        conc = concentration.stage_concentration(wb.store, family, focus=focus)
        if conc.empty:
            continue
        keys |= {s.strip() for v in conc["source"] for s in str(v).split(",")}
        out.append({"family": family, "chokepoint": concentration.chokepoint_stage(conc),
                    "stages": table(conc.drop(columns=["ord"]))})
    return {"families": out, "sources": _sources(wb, keys)}


@guarded
def dependencies(wb: Workbench, country: str) -> dict:
    """A country's published supplier shares and import totals, largest first."""
    found = {}
    for family in _families(wb):
        for name, df in briefing.supply_sources(wb.store, country, family).items():
            found.setdefault(name, []).append(df)
    frames = {k: pd.concat(v, ignore_index=True).drop_duplicates() for k, v in found.items()}
    shares = frames.get("partner_shares", pd.DataFrame())
    totals = frames.get("import_totals", pd.DataFrame())
    keys = set(shares.get("source", [])) | set(totals.get("source", []))
    return {"partner_shares": table(shares, 40), "import_totals": table(totals, 40),
            "sources": _sources(wb, keys)}


@guarded
def exposure(wb: Workbench, country: str) -> dict:
    """The exposure screen for a country (issue 3's `wb.exposure.screen`)."""
    df = api(wb, "exposure.screen")(country=country)
    return {"screen": table(df, 50)}


@guarded
def signals(wb: Workbench) -> dict:
    """Latest news signals (scenario hints raised by events)."""
    return {"signals": table(api(wb, "news.signals")(), 20)}


# -- material -------------------------------------------------------------------------
@guarded
def material(wb: Workbench, material: str, country: str) -> dict:
    """Stage shares by country, flows into the country as a Sankey, and the sources used."""
    shares = concentration.stage_shares(wb.store, material)
    family = concentration.family_of(wb.store, material)
    flows = briefing.supply_sources(wb.store, country, family)["mirror_flows"]
    figures = {}
    if not shares.empty:
        figures["stage_shares"] = charts.to_json(charts.stage_share_figure(
            shares, f"World output of {material} by stage and country"))
    sankey = _sankey_frame(flows, country)
    if not sankey.empty:
        figures["sankey"] = charts.to_json(charts.sankey_figure(
            sankey, f"Imports into {country} by supplier and stage (USD)"))
    keys = set(shares.get("source", [])) | set(flows.get("source", []))
    return {"material": material, "family": family, "figures": figures,
            "shares": table(shares), "flows": table(flows, 100), "sources": _sources(wb, keys)}


def _sankey_frame(flows: pd.DataFrame, country: str) -> pd.DataFrame:
    """Supplier → stage → country links from bilateral flows (value in USD)."""
    if flows.empty:
        return pd.DataFrame(columns=["source", "target", "value"])
    f = flows.dropna(subset=["value_usd"])
    f = f[f["value_usd"] > 0]
    first = f.groupby(["exporter", "stage"], as_index=False)["value_usd"].sum()
    second = f.groupby("stage", as_index=False)["value_usd"].sum()
    return pd.concat([
        pd.DataFrame({"source": first["exporter"], "target": "stage: " + first["stage"],
                      "value": first["value_usd"]}),
        pd.DataFrame({"source": "stage: " + second["stage"], "target": country,
                      "value": second["value_usd"]}),
    ], ignore_index=True)


# -- scenario -------------------------------------------------------------------------
@guarded
def scenarios(wb: Workbench) -> dict:
    """Named scenarios and the runs stored so far."""
    names = api(wb, "chain.scenarios")()
    runs = api(wb, "chain.runs")()
    return {"scenarios": list(names), "runs": table(runs, 50)}


@guarded
def scenario_spec(wb: Workbench, name: str) -> dict:
    """A named scenario's full specification (editable on the page)."""
    sc = api(wb, "chain.load_scenario")(name)
    return {"name": name, "spec": json.loads(sc.model_dump_json())}


@guarded
def run_result(wb: Workbench, run_id: str) -> dict:
    """A stored run: its spec, summary and one chart per variable."""
    res = api(wb, "chain.result")(run_id)
    figs = charts.run_figures(res.series)
    return {"run_id": res.run_id, "spec": _json_safe(res.spec), "summary": _json_safe(res.summary),
            "figures": {k: charts.to_json(f) for k, f in figs.items()},
            "has_bands": bool(res.series["quantile"].nunique() > 1) if len(res.series) else False}


def _json_safe(obj):
    """Round-trip through JSON so NaN/inf, numpy scalars and dates serialise."""
    def default(v):
        return v.item() if hasattr(v, "item") else str(v)
    text = json.dumps(obj, default=default, allow_nan=True)
    return json.loads(text, parse_constant=lambda c: None if c in ("NaN", "Infinity", "-Infinity") else c)


# -- news -----------------------------------------------------------------------------
EVENT_FILTERS = ("type", "actor", "target", "commodity", "doc")


@guarded
def events(wb: Workbench, **filters) -> dict:
    """Events matching the filters (type, actor, target, commodity, doc)."""
    given = {k: v for k, v in filters.items() if k in EVENT_FILTERS and v}
    return {"filters": given, "events": table(api(wb, "news.events")(**given), 500)}


@guarded
def tilt(wb: Workbench, country: str, by: str = "month") -> dict:
    """The alignment index of a country per period, with its chart."""
    df = api(wb, "news.tilt")(country, by=by)
    period = next((c for c in ("period", by, "month") if c in df.columns), df.columns[0])
    value = next((c for c in ("index", "tilt", "alignment", "score") if c in df.columns), df.columns[-1])
    fig = charts.tilt_figure(df, value, period, f"Alignment index of {country} by {by}") if len(df) else None
    return {"tilt": table(df), "figure": charts.to_json(fig) if fig is not None else None}


@guarded
def duplicates(wb: Workbench) -> dict:
    """Groups of copied or retold articles."""
    return {"duplicates": table(api(wb, "news.duplicates")(), 200)}


@guarded
def claims(wb: Workbench) -> dict:
    """Claims and contradictory framings found in the news."""
    return {"claims": table(api(wb, "news.claims")(), 200)}
