"""CSV for spreadsheets: text cells that a spreadsheet would run as a formula are defused."""
from __future__ import annotations

from pathlib import Path
from typing import IO

import pandas as pd

FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")  # OWASP CSV injection: cells starting so are formulas


def defuse(value):
    """A text cell starting like a formula gets a leading apostrophe; anything else is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_LEAD):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with every text column defused (numbers, including negative ones, stay numbers)."""
    text = [c for c in df.columns if df[c].dtype == object or pd.api.types.is_string_dtype(df[c])]
    if not text:
        return df
    out = df.copy()
    for col in text:
        out[col] = out[col].map(defuse)
    out.columns = [defuse(str(c)) for c in out.columns]
    return out


def to_csv(df: pd.DataFrame, target: str | Path | IO[str]) -> None:
    """Write `df` as CSV with formula-leading text cells defused."""
    safe_frame(df).to_csv(target, index=False)
