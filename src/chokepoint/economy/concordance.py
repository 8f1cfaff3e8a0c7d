"""The concordance from a chain family's end uses to input-output sectors (intensity, substitutability, source).

A row says: a share `intensity` of `io_sector`'s output needs `material` (at `stage`) through
the chain's end use `chain_sector`, and a share `substitutability` of that need can be met
otherwise within a year. A family's own rows win over the `*` rows for the same end use.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from chokepoint.errors import BadInput, BadInputs, list_as_string

COLUMNS = ["family", "chain_sector", "io_sector", "material", "stage", "intensity", "substitutability",
           "note", "source"]
ANY = "*"


def load(path: str | Path | None = None) -> pd.DataFrame:
    """The bundled concordance, or a user's CSV with the same columns (checked, errors name the line)."""
    if path is None:
        with resources.as_file(resources.files("chokepoint.economy") / "data" / "concordance.csv") as p:
            df, label = pd.read_csv(p, dtype={"note": str}), "concordance.csv"
    else:
        df, label = pd.read_csv(path, dtype={"note": str}), str(path)
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise BadInput(f"missing columns {list_as_string(missing)}", file=label, line=1)
    errors = []
    for col in ("intensity", "substitutability"):
        vals = pd.to_numeric(df[col], errors="coerce")
        for i in np.nonzero(~vals.between(0, 1).to_numpy())[0]:
            errors.append(BadInput(f"{col} must be a number in [0, 1], got '{df[col].iloc[i]}'", file=label,
                                   line=int(i) + 2, field=col))
        df[col] = vals
    for i in np.nonzero(df["source"].isna().to_numpy())[0]:
        errors.append(BadInput("every row needs a source", file=label, line=int(i) + 2, field="source"))
    if errors:
        raise BadInputs(errors)
    return df[COLUMNS]


def rows(conc: pd.DataFrame, family: str, chain_sectors: list[str]) -> pd.DataFrame:
    """The rows that apply to a family's end uses: its own where it has them, else the `*` rows."""
    own = conc[conc["family"] == family]
    generic = conc[(conc["family"] == ANY) & ~conc["chain_sector"].isin(own["chain_sector"])]
    out = pd.concat([own, generic])
    return out[out["chain_sector"].isin(chain_sectors)].reset_index(drop=True)


def weights(applied: pd.DataFrame, chain_sectors: list[str], io_sectors: tuple[str, ...]) -> np.ndarray:
    """(K chain sectors × S io sectors) share of each io sector's output lost per unit of end-use shortfall."""
    unknown = sorted(set(applied["io_sector"]) - set(io_sectors))
    if unknown:
        raise BadInput(f"concordance names sectors the table lacks: {list_as_string(unknown)}", field="io_sector",
                       hint=f"the table's sectors are {list_as_string(io_sectors)}")
    W = np.zeros((len(chain_sectors), len(io_sectors)))
    for r in applied.itertuples():
        W[chain_sectors.index(r.chain_sector), io_sectors.index(r.io_sector)] += r.intensity * (1 - r.substitutability)
    return W
