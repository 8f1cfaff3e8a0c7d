"""Self-contained HTML reports of runs (charts inlined, opens offline)."""
from chokepoint.report.run_report import render, write

__all__ = ["render", "write"]
