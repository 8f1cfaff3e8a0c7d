"""Charts of an impact: weekly output by region against baseline (plotly), and with VA at risk by sector (PNG)."""
from __future__ import annotations

from pathlib import Path

from chokepoint.economy.impact import Impact


def png(result: Impact, path: Path, title: str) -> Path:
    """Two panels: each region's weekly output as % of baseline; the focal region's VA at risk by sector."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = result.totals
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 8))
    (100 * result.weekly).plot(ax=top)
    top.set_title("output, % of baseline (ARIO, weekly)", fontsize=10)
    top.set_xlabel("week")
    focal = result.sectors[result.sectors["region"] == t["region"]].sort_values("va_at_risk")
    bottom.barh(focal["sector"], focal["va_at_risk"])
    bottom.set_title(f"{t['region']}: value added at risk by sector ({t['unit']}, {t['weeks']} weeks)", fontsize=10)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def figure(result: Impact):
    """Each region's weekly output as % of baseline, a plotly figure (web page and report)."""
    import plotly.graph_objects as go

    fig = go.Figure([go.Scatter(x=list(result.weekly.index), y=list(100 * result.weekly[r]), name=r)
                     for r in result.weekly.columns])
    fig.update_layout(title="output, % of baseline (ARIO, weekly)", height=380, xaxis_title="week")
    return fig
