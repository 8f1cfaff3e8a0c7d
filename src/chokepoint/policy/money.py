"""Currency conversion with the bundled annual FX table (reference/data/fx.csv, FRED G.5A)."""
from __future__ import annotations

import functools
from importlib import resources

import pandas as pd

from chokepoint.errors import BadInput, list_as_string

FX_SOURCE = "FRED_G5A"


@functools.cache
def _table() -> pd.DataFrame:
    with (resources.files("chokepoint.reference") / "data" / "fx.csv").open(encoding="utf-8") as f:
        return pd.read_csv(f)


def per_usd(currency: str, year: int | None = None) -> float:
    """Units of `currency` per USD in `year` (default: the latest bundled year); USD → 1."""
    cur = currency.upper()
    if cur == "USD":
        return 1.0
    df = _table()
    rows = df[df["currency"] == cur]
    if rows.empty:
        raise BadInput(f"no bundled FX rate for '{currency}'", field="currency",
                       hint=f"currencies are {list_as_string(['USD', *sorted(df['currency'].unique())])}")
    if year is not None:
        rows = rows[rows["year"] == year]
        if rows.empty:
            raise BadInput(f"no {cur} rate for {year}", field="year",
                           hint=f"years are {df['year'].min()}-{df['year'].max()}")
    return float(rows.sort_values("year")["per_usd"].iloc[-1])


def to_krw(amount: float, currency: str, year: int | None = None) -> float:
    """An amount in `currency` expressed in KRW."""
    return amount / per_usd(currency, year) * per_usd("KRW", year)


def krw_to(amount_krw: float, currency: str, year: int | None = None) -> float:
    """An amount in KRW expressed in `currency`."""
    return amount_krw / per_usd("KRW", year) * per_usd(currency, year)


def fx_year() -> int:
    """The latest year in the bundled FX table (the default conversion year)."""
    return int(_table()["year"].max())
