"""One run (a stress test, a Monte Carlo run or a plan) as one self-contained HTML file: charts
(plotly.js inlined), tables, spec, sources."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jinja2
import pandas as pd
import plotly.io as pio
from plotly.offline import get_plotlyjs

from chokepoint.web import charts
from chokepoint.workbench import Workbench

ENV = jinja2.Environment(loader=jinja2.PackageLoader("chokepoint.report", "templates"),
                         autoescape=jinja2.select_autoescape(default=True))


def final_values(series: pd.DataFrame) -> pd.DataFrame:
    """Each series' value in the last week (the median where percentiles exist), for the table."""
    if series.empty:
        return series
    last = series[series["week"] == series["week"].max()]
    if last["quantile"].notna().any():
        qs = last["quantile"].dropna().unique()
        mid = min(qs, key=lambda q: abs(q - 0.5))
        last = last[last["quantile"].isna() | (last["quantile"] == mid)]
    cols = [c for c in ("variable", "country", "stage", "sector", "quantile", "value", "unit") if c in last]
    return last[cols].sort_values(cols[:4]).reset_index(drop=True)


def cell(value) -> str:
    """A summary value as text: numbers to 4 significant figures, mappings and lists as JSON."""
    if value is None:
        return "—"
    if isinstance(value, bool) or isinstance(value, str):
        return str(value)
    if isinstance(value, (int, float)):
        return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return json.dumps(value, default=str)


def source_keys(result) -> list[str]:
    """Source keys the run cites: its own list when it carries one, else keys named in its spec."""
    keys = getattr(result, "sources", None)
    if keys is None:
        keys = (result.summary or {}).get("sources") or (result.spec or {}).get("sources")
    if isinstance(keys, pd.DataFrame):
        keys = keys["key"].tolist() if "key" in keys else []
    return sorted({str(k) for k in (keys or [])})


def impact_section(wb: Workbench, run_id: str) -> dict:
    """The economy section: focal region's value added at risk by sector, a weekly output chart, source keys."""
    from chokepoint.cli.impact import COLUMNS
    from chokepoint.economy.charts import figure

    imp = wb.economy.impact(run_id)
    t = imp.totals
    focal = imp.sectors[imp.sectors["region"] == t["region"]].sort_values("va_at_risk", ascending=False)
    fig = figure(imp)
    return {"totals": t, "notes": imp.notes, "keys": imp.sources,
            "table": focal[list(COLUMNS)].rename(columns=COLUMNS),
            "chart": pio.to_html(fig, full_html=False, include_plotlyjs=False, div_id="chart-impact",
                                 config={"displaylogo": False})}


def summary_tables(summary: dict) -> dict[str, pd.DataFrame]:
    """The summary as the tables an analyst reads: a stress run's, or a Monte Carlo run's risk figures."""
    if "cvar95_shortfall_t" in summary:
        from chokepoint.chain import montecarlo

        return {"Risk figures": montecarlo.risk_table(summary), "By sector": montecarlo.sector_table(summary)}
    if "stocks" in summary:
        from chokepoint.chain.results import readable

        t = readable(summary)
        return {"Timing and price": t["timing"], "Shortfall by sector": t["sectors"],
                "Opening stocks by stage and form": t["stocks"]}
    return {}


def plan_section(wb: Workbench, run_id: str) -> tuple[dict[str, pd.DataFrame], list[tuple[str, str]], list[str]]:
    """A plan run's tables (budget, portfolio, risk in and out of sample, frontier, each lever alone),
    its frontier chart and the source keys behind its levers' defaults."""
    from chokepoint.policy import results

    rec = results.load(wb, run_id)
    tables = {"Budget and cost": results.headline(rec), "Portfolio": results.portfolio(rec),
              "Risk before and after: in-sample and out-of-sample (a fresh seed)": results.risk(rec.summary),
              "Efficient frontier (joint re-evaluation, in-sample)": results.frontier(rec),
              "Each lever alone at the budget's worth (in-sample)": results.alone(rec.summary)}
    fig = charts.frontier_figure(rec.summary, f"Efficient frontier: {rec.title()}")
    chart = pio.to_html(fig, full_html=False, include_plotlyjs=False, div_id="chart-frontier",
                        config={"displaylogo": False})
    return tables, [("Efficient frontier", chart)], results.source_keys(rec)


def render(wb: Workbench, run_id: str, impact: bool = False) -> str:
    """The report of a stored run as an HTML string (with `impact`, its value added at risk too)."""
    result = wb.chain.result(run_id)
    kind = wb.store.con.execute("SELECT kind FROM run WHERE run_id = ?", [run_id]).fetchone()[0]
    plan = plan_section(wb, run_id) if kind == "plan" else None
    figures = charts.run_figures(result.series)
    keys = plan[2] if plan else source_keys(result)
    sources = (wb.store.df("SELECT key, publisher, title, year, url FROM source WHERE key IN "
                           "(SELECT unnest(?::VARCHAR[])) ORDER BY key", [keys]) if keys
               else wb.sources())
    economy = impact_section(wb, run_id) if impact else None
    if economy:
        extra = wb.economy.sources(economy["keys"])
        sources = pd.concat([sources, extra[~extra["key"].isin(sources["key"])][sources.columns]], ignore_index=True)
    return ENV.get_template("report.html").render(
        run_id=result.run_id, spec=json.dumps(result.spec, indent=2, default=str),
        scenario=result.spec.get("name", ""), summary={k: cell(v) for k, v in (result.summary or {}).items()},
        tables=plan[0] if plan else summary_tables(result.summary or {}),
        kind="Plan" if plan else "Monte Carlo" if "cvar95_shortfall_t" in (result.summary or {}) else "Stress test",
        notes=(result.summary or {}).get("notes", []),
        plotly_js=get_plotlyjs(),
        charts=plan[1] if plan else [(charts.title_of(k), pio.to_html(f, full_html=False, include_plotlyjs=False,
                                                                      div_id=f"chart-{k}", config={"displaylogo": False}))
                                     for k, f in figures.items()],
        final=final_values(result.series), sources=sources, sources_cited=bool(keys), economy=economy,
        generated=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))


def write(wb: Workbench, run_id: str, path: str | Path, impact: bool = False) -> Path:
    """Write the report; the file is complete or not written at all."""
    path = Path(path)
    html = render(wb, run_id, impact)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
    return path
