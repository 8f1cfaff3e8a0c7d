"""Alignment index: per country and period, the mean tilt (+1 US camp, -1 China) of the events
the country takes part in (as actor or target), with a chart."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

PERIODS = {"month": "M", "quarter": "Q", "year": "Y", "week": "W"}


def involving(events: pd.DataFrame, country: str) -> pd.DataFrame:
    """Events where the country (or an organisation based there) is actor or target."""
    mask = (events["actor_country"] == country) | (events["target_country"] == country)
    return events[mask]


def index(events: pd.DataFrame, country: str, by: str = "month") -> pd.DataFrame:
    """period, index (mean tilt, -1..+1), n_events, toward_us, toward_china, neutral."""
    cols = ["period", "index", "n_events", "toward_us", "toward_china", "neutral"]
    ev = involving(events, country).copy()
    ev["when"] = pd.to_datetime(ev["date"].fillna(ev["published"]), errors="coerce")
    ev = ev.dropna(subset=["when"])
    if ev.empty:
        return pd.DataFrame(columns=cols)
    ev["period"] = ev["when"].dt.to_period(PERIODS[by]).astype(str)
    g = ev.groupby("period")["tilt"]
    out = pd.DataFrame({"index": g.mean().round(3), "n_events": g.size(),
                        "toward_us": g.apply(lambda s: int((s > 0).sum())),
                        "toward_china": g.apply(lambda s: int((s < 0).sum())),
                        "neutral": g.apply(lambda s: int((s == 0).sum()))}).reset_index()
    out.attrs["unit"] = "mean tilt (-1 China .. +1 US)"
    return out[cols]


def chart(frame: pd.DataFrame, country: str, path: str | Path) -> Path:
    """Bar chart of the index per period (PNG/SVG/PDF by suffix), bar width = events."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    fig, ax = plt.subplots(figsize=(8, 3.5))
    colors = ["#2b6cb0" if v > 0 else "#c53030" if v < 0 else "#718096" for v in frame["index"]]
    ax.bar(frame["period"].astype(str), frame["index"], color=colors)
    for x, (v, n) in enumerate(zip(frame["index"], frame["n_events"])):
        ax.annotate(f"n={n}", (x, v), ha="center", va="bottom" if v >= 0 else "top", fontsize=8)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_ylim(-1.15, 1.15)
    ax.set_ylabel("alignment index (+1 US, -1 China)")
    ax.set_title(f"{country}: news alignment index")
    fig.autofmt_xdate()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
