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
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = _panels(series)
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 9), sharex=True)
    for ax, (name, df) in zip(axes, panels.items()):
        df.plot(ax=ax, legend=df.shape[1] > 1)
        ax.set_title(name, fontsize=10)
    axes[-1].set_xlabel("week")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


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
