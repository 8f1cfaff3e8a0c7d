"""Known units and their conversion to the canonical unit the store keeps (mass in t)."""
from __future__ import annotations

# unit -> (canonical unit, factor to multiply by). Units not listed here are rejected on input.
UNITS: dict[str, tuple[str, float]] = {
    "t": ("t", 1.0), "kg": ("t", 1e-3), "g": ("t", 1e-6), "kt": ("t", 1e3), "Mt": ("t", 1e6),
    "USD": ("USD", 1.0), "kUSD": ("USD", 1e3), "mUSD": ("USD", 1e6), "bUSD": ("USD", 1e9),
    "USD/kg": ("USD/kg", 1.0), "USD/t": ("USD/kg", 1e-3), "USD/lb": ("USD/kg", 1 / 0.45359237),
    "USD/mtu": ("USD/mtu", 1.0),
    "percent": ("fraction", 0.01), "fraction": ("fraction", 1.0),
    "days": ("days", 1.0), "weeks": ("days", 7.0), "count": ("count", 1.0), "index": ("index", 1.0),
}


def known(unit: str) -> bool:
    return unit in UNITS


def to_canonical(value: float, unit: str) -> tuple[float, str]:
    """Convert a value to the canonical unit of its dimension; raises KeyError for unknown units."""
    canon, factor = UNITS[unit]
    return value * factor, canon


def pct(v: float | None) -> str:
    """0.123 → '12.3%' (None → ''): how tables and reports show a fraction."""
    return "" if v is None else f"{100 * v:.1f}%"

