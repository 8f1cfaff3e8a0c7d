"""`wb.economy`: tables, the concordance and the impact of a stored chain run (DESIGN section 5)."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from chokepoint.economy import ario, concordance, impact, shock, table
from chokepoint.economy.impact import Impact
from chokepoint.economy.table import IOTable


class Economy:
    """From a run's end-use shortfalls to value added at risk by region and sector."""

    def __init__(self, workbench):
        self.wb = workbench

    def table(self, path: str | Path | None = None, fmt: str = "pymrio") -> IOTable:
        """The bundled table, or one read by pymrio from the user's files."""
        return table.bundled() if path is None else table.load(path, fmt)

    def concordance(self, path: str | Path | None = None) -> pd.DataFrame:
        return concordance.load(path)

    def impact(self, run_id: str, io: IOTable | None = None, conc: pd.DataFrame | None = None,
               params: ario.Params = ario.Params(), tail_weeks: int = 26) -> Impact:
        """Value added at risk from a stored stress run (its focal country's weekly end-use shortfalls)."""
        run = self.wb.chain.result(run_id)
        io = io if io is not None else table.bundled()
        conc = conc if conc is not None else concordance.load()
        frac = shock.shortfall_fractions(run.series)
        chain_sectors = [str(c) for c in frac.columns]
        applied = concordance.rows(conc, run.spec["family"], chain_sectors)
        region = shock.region_of(run.spec["country"], io)
        delta = shock.capacity_loss(frac, concordance.weights(applied, chain_sectors, io.sectors), io, region)
        out = impact.assess(io, delta, params, tail_weeks)
        out.totals.update({"run_id": run_id, "country": run.spec["country"], "region": region,
                           "family": run.spec["family"], "scenario": run.spec.get("name"), "table": io.name,
                           "va_region": float(io.va[io.index(region)].sum())})
        out.sources = sorted(set(out.sources) | set(applied["source"]))
        unmapped = sorted(set(chain_sectors) - set(applied["chain_sector"]))
        if unmapped:
            out.notes.append(f"end uses without a concordance row (no shock applied): {', '.join(unmapped)}")
        if region != run.spec["country"]:
            out.notes.append(f"{run.spec['country']} is not a region of {io.name}: its shock is applied to {region}")
        out.notes.append("only the focal country's shortfalls shock the table; other regions feel them through trade")
        return out

    def sources(self, keys: list[str]) -> pd.DataFrame:
        """The source rows behind an impact (from the store; the bundled rows if the store predates them)."""
        cols = ["key", "publisher", "title", "year", "url", "licence"]
        got = self.wb.store.df(f"SELECT {', '.join(cols)} FROM source WHERE key IN (SELECT unnest(?::VARCHAR[]))",
                               [keys]) if self.wb.is_built() else pd.DataFrame(columns=cols)
        with resources.as_file(resources.files("chokepoint.reference") / "data" / "source__economy.csv") as p:
            bundled = pd.read_csv(p)[cols]
        extra = bundled[bundled["key"].isin(keys) & ~bundled["key"].isin(got["key"])]
        return pd.concat([got, extra], ignore_index=True).sort_values("key", ignore_index=True)
