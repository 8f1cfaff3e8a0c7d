"""Charts of exposure results: PNG through matplotlib, self-contained HTML through plotly.

The writer is chosen by the file suffix from `WRITERS`; both draw the same long frame of
(group, supplier, share) bars so the picture matches the table it comes from.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from chokepoint.errors import BadInput, list_as_string


def _png(bars: pd.DataFrame, title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    wide = bars.pivot_table(index="group", columns="supplier", values="share", aggfunc="sum",
                            sort=False).fillna(0)
    fig, ax = plt.subplots(figsize=(9, 0.5 * len(wide) + 1.8))
    wide.plot.barh(stacked=True, ax=ax, width=0.7)
    ax.set_xlabel("share of imports")
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_title(title, loc="left")
    ax.legend(ncol=6, fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.15))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _html(bars: pd.DataFrame, title: str, path: Path) -> None:
    import plotly.express as px

    fig = px.bar(bars, x="share", y="group", color="supplier", orientation="h", title=title,
                 hover_data=[c for c in ("source", "basis") if c in bars.columns])
    fig.update_layout(barmode="stack", xaxis_range=[0, 1], yaxis={"autorange": "reversed"})
    fig.write_html(path, include_plotlyjs=True, full_html=True)


WRITERS: dict[str, Callable[[pd.DataFrame, str, Path], None]] = {".png": _png, ".html": _html}


def write(bars: pd.DataFrame, title: str, path: str | Path) -> Path:
    """Draw stacked share bars (columns group, supplier, share) to PNG or HTML by suffix."""
    out = Path(path)
    writer = WRITERS.get(out.suffix.lower())
    if writer is None:
        raise BadInput(f"cannot draw a chart to '{out.name}'", field="--chart",
                       hint=f"use a file ending in {list_as_string(WRITERS)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    writer(bars, title, out)
    return out


def supplier_bars(suppliers: pd.DataFrame) -> pd.DataFrame:
    """Bars from `Exposure.report()['suppliers']`: latest year of each stage."""
    if suppliers.empty:
        return pd.DataFrame(columns=["group", "supplier", "share"])
    latest = suppliers[suppliers["year"] == suppliers.groupby("stage")["year"].transform("max")]
    return pd.DataFrame({"group": latest["stage"] + " " + latest["year"].astype(str),
                         "supplier": latest["exporter"], "share": latest["share"],
                         "source": latest["source"]})


def screen_bars(screen: pd.DataFrame, partner: str = "chn") -> pd.DataFrame:
    """Bars from a screen: top supplier, the partner and the rest for each listed product."""
    col = f"{partner.lower()}_share"
    rows = []
    for r in screen.itertuples(index=False):
        group = f"{r.importer} {r.code}"
        top = r.top_share if r.top_supplier != partner.upper() else 0.0
        part = getattr(r, col, 0.0) or 0.0
        rows += [{"group": group, "supplier": partner.upper(), "share": part},
                 {"group": group, "supplier": "top other" if top else "", "share": top},
                 {"group": group, "supplier": "rest", "share": max(0.0, 1 - part - top)}]
    return pd.DataFrame(rows).query("share > 0")
