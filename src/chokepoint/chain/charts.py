"""Charts of a run: a PNG (matplotlib) and a self-contained HTML (plotly) of the focal country."""
from __future__ import annotations

from pathlib import Path

import pandas as pd


def _panels(series: pd.DataFrame) -> dict[str, pd.DataFrame]:
    s = series
    return {
        "shortfall by sector (t/week)": s[s["variable"] == "shortfall"].pivot_table(
            index="week", columns="sector", values="value", aggfunc="sum"),
        "stocks by stage (t)": s[s["variable"].str.startswith("stock")].pivot_table(
            index="week", columns="stage", values="value", aggfunc="sum"),
        "price index": s[s["variable"] == "price_index"].pivot_table(index="week", values="value"),
    }


def png(series: pd.DataFrame, path: Path, title: str) -> Path:
    """Three stacked panels: shortfall by sector, stocks by stage, price index."""
    plt = _pyplot()
    panels = _panels(series)
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 9), sharex=True)
    for ax, (name, df) in zip(axes, panels.items()):
        df.plot(ax=ax, legend=df.shape[1] > 1)
        ax.set_title(name, fontsize=10)
    axes[-1].set_xlabel("week")
    return _save(plt, fig, path, title)


def html(series: pd.DataFrame, path: Path, title: str) -> Path:
    """The same panels as one self-contained plotly page (plotly.js embedded, no CDN)."""
    from plotly.subplots import make_subplots

    panels = _panels(series)
    fig = make_subplots(rows=len(panels), cols=1, shared_xaxes=True, subplot_titles=list(panels))
    for row, df in enumerate(panels.values(), 1):
        for col in df.columns:
            fig.add_scatter(x=df.index, y=df[col], name=str(col), row=row, col=1)
    fig.update_layout(title=title, height=900)
    fig.write_html(path, include_plotlyjs=True, full_html=True)
    return path


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(plt, fig, path: Path, title: str | None = None) -> Path:
    """Title (if given), lay out, write the PNG and free the figure."""
    if title is not None:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def fan(bands: pd.DataFrame, path: Path, title: str) -> Path:
    """Monte Carlo fan chart: p5–p95 band and median of the weekly shortfall share by sector, and price."""
    plt = _pyplot()
    short = bands[bands["variable"] == "shortfall_share"]
    panels = [(k, short[short["sector"] == k]) for k in short["sector"].unique()]
    panels.append(("price index", bands[bands["variable"] == "price_index"]))
    cols = 2
    rows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(10, 2.8 * rows), sharex=True, squeeze=False)
    for ax, (name, df) in zip(axes.ravel(), panels):
        q = df.pivot_table(index="week", columns="quantile", values="value")
        scale = 1 if name == "price index" else 100
        ax.fill_between(q.index, q[0.05] * scale, q[0.95] * scale, alpha=0.3, label="p5–p95")
        ax.plot(q.index, q[0.5] * scale, label="median")
        ax.set_title(name if name == "price index" else f"{name}: shortfall (% of demand)", fontsize=10)
    for ax in axes.ravel()[len(panels):]:
        ax.set_visible(False)
    axes.ravel()[0].legend(fontsize=8)
    for ax in axes[-1]:
        ax.set_xlabel("week")
    return _save(plt, fig, path, title)


def sensitivity(indices: pd.DataFrame, path: Path, title: str) -> Path:
    """Horizontal bars of first-order and total Sobol indices by parameter, largest total first."""
    plt = _pyplot()
    df = indices.sort_values("ST")
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(df) + 1.5))
    y = range(len(df))
    ax.barh([i + 0.2 for i in y], df["ST"], height=0.4, label="total (ST)")
    ax.barh([i - 0.2 for i in y], df["S1"], height=0.4, label="first order (S1)")
    ax.set_yticks(list(y), df["parameter"], fontsize=8)
    ax.set_xlabel("share of the variance of the metric")
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=10)
    return _save(plt, fig, path)
