"""Plotly figures built from library frames; the web sends them as JSON, reports inline them."""
from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly import colors as px_colors

# Variables of a run drawn as charts, in page order, with their titles.
RUN_VARIABLES = {
    "shortfall": "Shortfall", "supply": "Supply", "imports": "Imports", "stock": "Stock",
    "stock_industry": "Industry stock", "stock_strategic": "Strategic stock",
    "served": "Served demand", "demand": "Demand", "price_index": "Price index",
}
KEY_COLUMNS = ("country", "stage", "sector")
COUNTRY_PALETTE = px_colors.qualitative.Dark24 + px_colors.qualitative.Light24
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf"]


def to_json(fig: go.Figure) -> dict:
    """A figure as a JSON-safe dict for `Plotly.newPlot(el, fig.data, fig.layout)`."""
    return json.loads(pio.to_json(fig, validate=False))


def title_of(variable: str) -> str:
    return RUN_VARIABLES.get(variable, variable.replace("_", " ").capitalize())


def _layout(fig: go.Figure, title: str, ytitle: str = "", xtitle: str = "") -> go.Figure:
    fig.update_layout(title=title, template="plotly_white", height=360,
                      margin=dict(l=60, r=20, t=50, b=45), legend=dict(orientation="h", y=-0.2))
    fig.update_yaxes(title=ytitle)
    fig.update_xaxes(title=xtitle)
    return fig


def _label(row: pd.Series) -> str:
    parts = [str(row[c]) for c in KEY_COLUMNS if c in row and pd.notna(row[c]) and row[c] != ""]
    return " / ".join(parts) or "total"


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _band_traces(part: pd.DataFrame, label: str, colour: str) -> list[go.Scatter]:
    """p-low/p-high as a shaded band and the quantile nearest 0.5 as the line."""
    qs = sorted(part["quantile"].dropna().unique())
    mid = min(qs, key=lambda q: abs(q - 0.5))
    by_q = {q: part[part["quantile"] == q].sort_values("week") for q in (qs[0], qs[-1], mid)}
    lo, hi, med = by_q[qs[0]], by_q[qs[-1]], by_q[mid]
    return [
        go.Scatter(x=hi["week"], y=hi["value"], mode="lines", line=dict(width=0), showlegend=False,
                   hoverinfo="skip", legendgroup=label),
        go.Scatter(x=lo["week"], y=lo["value"], mode="lines", line=dict(width=0), fill="tonexty",
                   fillcolor=_rgba(colour, 0.2), name=f"{label} p{qs[0] * 100:g}–p{qs[-1] * 100:g}",
                   legendgroup=label),
        go.Scatter(x=med["week"], y=med["value"], mode="lines", line=dict(color=colour),
                   name=f"{label} p{mid * 100:g}", legendgroup=label),
    ]


def run_figures(series: pd.DataFrame) -> dict[str, go.Figure]:
    """One time-series figure per run variable, one line (or p-band) per country/stage/sector; lines
    that are zero throughout, and figures left empty, are dropped."""
    figures: dict[str, go.Figure] = {}
    if series.empty:
        return figures
    df = series.copy()
    df["label"] = df.apply(_label, axis=1) if len(df) else []
    known = [v for v in RUN_VARIABLES if v in set(df["variable"])]
    for variable in known + sorted(set(df["variable"]) - set(known)):
        part, title = df[df["variable"] == variable], title_of(variable)
        live = part.groupby("label")["value"].transform(lambda v: v.abs().max() > 0)
        part = part[live.astype(bool)]  # a line that is zero all along says nothing (e.g. stages KOR lacks)
        if part.empty:
            continue
        fig = go.Figure()
        for i, (label, g) in enumerate(part.groupby("label", sort=True)):
            colour = PALETTE[i % len(PALETTE)]
            if g["quantile"].notna().any() and g["quantile"].nunique() > 1:
                fig.add_traces(_band_traces(g, label, colour))
            else:
                g = g.sort_values("week")
                fig.add_trace(go.Scatter(x=g["week"], y=g["value"], mode="lines", name=label,
                                         line=dict(color=colour)))
        unit = ", ".join(sorted(part["unit"].dropna().astype(str).unique()))
        figures[variable] = _layout(fig, title, unit, "week")
    return figures


def stage_share_figure(shares: pd.DataFrame, title: str) -> go.Figure:
    """Stacked bars: each stage's world output split by country (columns stage, iso3, share)."""
    fig = go.Figure()
    stages = list(dict.fromkeys(shares["stage"]))
    order = shares.groupby("iso3")["share"].max().sort_values(ascending=False).index
    for i, iso3 in enumerate(order):
        g = shares[shares["iso3"] == iso3]
        fig.add_trace(go.Bar(x=g["stage"], y=g["share"] * 100, name=str(iso3),
                             marker_color=COUNTRY_PALETTE[i % len(COUNTRY_PALETTE)]))
    fig.update_layout(barmode="stack", legend_traceorder="normal")
    fig.update_xaxes(categoryorder="array", categoryarray=stages)
    return _layout(fig, title, "% of world output")


def chokepoint_figure(summary: pd.DataFrame, focus: str) -> go.Figure:
    """Each family's chokepoint stage as a bar of its HHI, labelled with the stage and top producer."""
    df = summary.sort_values("hhi")
    labels = [f"{f} · {s}" for f, s in zip(df["family"], df["chokepoint"])]
    fig = go.Figure(go.Bar(x=df["hhi"], y=labels, orientation="h", marker_color=PALETTE[1],
                           text=[f"{p} {v:.0%}" for p, v in zip(df["top_producer"], df["top_share"])],
                           textposition="auto", name="HHI"))
    _layout(fig, "Chokepoint stage per chain: HHI of world output (label: top producer and share)", "", "HHI (0–1)")
    fig.update_layout(height=max(300, 26 * len(df) + 90), showlegend=False)
    return fig


def sankey_figure(flows: pd.DataFrame, title: str) -> go.Figure:
    """Flows source → target with a value (columns source, target, value)."""
    nodes = list(dict.fromkeys([*flows["source"], *flows["target"]]))
    index = {n: i for i, n in enumerate(nodes)}
    fig = go.Figure(go.Sankey(
        node=dict(label=nodes, pad=12, thickness=14),
        link=dict(source=[index[s] for s in flows["source"]],
                  target=[index[t] for t in flows["target"]], value=list(flows["value"]))))
    fig.update_layout(title=title, height=420, margin=dict(l=20, r=20, t=50, b=20))
    return fig


def tilt_figure(tilt: pd.DataFrame, title: str) -> go.Figure:
    """The alignment index per period (columns period, index, n_events): blue toward the US, red China."""
    colours = [PALETTE[0] if v > 0 else PALETTE[1] if v < 0 else "#7f7f7f" for v in tilt["index"]]
    fig = go.Figure(go.Bar(x=tilt["period"].astype(str), y=tilt["index"], marker_color=colours,
                           text=[f"n={n}" for n in tilt["n_events"]], textposition="outside",
                           name="alignment index"))
    _layout(fig, title, "mean tilt")
    fig.update_yaxes(range=[-1.15, 1.15], zeroline=True)
    return fig


def frontier_figure(summary: dict, title: str) -> go.Figure:
    """A plan's efficient frontier (risk after the chosen portfolio against the budget, bn KRW), each
    lever alone at the budget's worth as a point, and the plan's budget as a vertical line."""
    risk = "expected shortfall" if summary["risk"] == "expected" else "CVaR 95% shortfall"
    front = pd.DataFrame(summary["frontier"]).sort_values("budget_krw")
    fig = go.Figure(go.Scatter(x=(front["budget_krw"] / 1e9).tolist(), y=front["risk_t"].tolist(),
                               mode="lines+markers", name="portfolio", line=dict(color="black", width=2),
                               customdata=front["chosen_by"].tolist(),
                               hovertemplate="budget %{x:,.0f} bn KRW<br>%{y:,.0f} t<br>chosen by %{customdata}"))
    key = "expected_t" if summary["risk"] == "expected" else "cvar95_t"
    for i, a in enumerate(summary["alone"]):
        fig.add_trace(go.Scatter(x=[a["cost_bn_krw"]], y=[a[key]], mode="markers", name=f"{a['lever']} alone",
                                 marker=dict(color=PALETTE[i % len(PALETTE)], size=9, symbol="diamond")))
    fig.add_vline(x=summary["budget_krw"] / 1e9, line=dict(color="grey", width=1, dash="dot"))
    _layout(fig, title, f"{risk} (t)", "budget (bn KRW)")
    fig.update_yaxes(rangemode="tozero")
    return fig
