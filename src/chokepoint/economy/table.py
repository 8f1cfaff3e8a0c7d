"""`IOTable`: a multi-regional input-output table as arrays, loaded through pymrio, aggregated, bundled."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from chokepoint.errors import BadInput, NotFound, list_as_string

BUNDLED = "wiod2011-6x10"


@dataclass(frozen=True)
class IOTable:
    """Industries are region-major (region, sector); money flows per year in `unit`.

    `va` is output minus intermediate inputs, so for WIOD it includes net taxes on products
    and international transport margins; `Y` holds one final-demand column per consuming region.
    """

    Z: np.ndarray
    Y: np.ndarray
    x: np.ndarray
    regions: tuple[str, ...]
    sectors: tuple[str, ...]
    name: str
    unit: str = "million USD"
    year: int | None = None
    source: str = ""
    meta: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def va(self) -> np.ndarray:
        return self.x - self.Z.sum(axis=0)

    @property
    def industries(self) -> pd.MultiIndex:
        return pd.MultiIndex.from_product([self.regions, self.sectors], names=["region", "sector"])

    @property
    def n(self) -> int:
        return len(self.x)

    def index(self, region: str, sector: str | None = None) -> int | slice:
        """Position of an industry, or the slice of a region's industries."""
        if region not in self.regions:
            raise NotFound(f"region '{region}' is not in table {self.name}", field="region",
                           hint=f"regions are {list_as_string(self.regions)}")
        r, S = self.regions.index(region), len(self.sectors)
        if sector is None:
            return slice(r * S, (r + 1) * S)
        if sector not in self.sectors:
            raise NotFound(f"sector '{sector}' is not in table {self.name}", field="sector",
                           hint=f"sectors are {list_as_string(self.sectors)}")
        return r * S + self.sectors.index(sector)

    def check(self) -> None:
        """Raise BadInput unless shapes fit the labels and Z and x are finite with Z ≥ 0."""
        N = len(self.regions) * len(self.sectors)
        if self.Z.shape != (N, N) or self.x.shape != (N,) or self.Y.shape[0] != N:
            raise BadInput(f"table {self.name}: Z {self.Z.shape}, Y {self.Y.shape}, x {self.x.shape} "
                           f"do not fit {len(self.regions)} regions × {len(self.sectors)} sectors")
        if not (np.isfinite(self.Z).all() and np.isfinite(self.x).all()) or (self.Z < 0).any():
            raise BadInput(f"table {self.name}: Z must be finite and non-negative")

    def to_pymrio(self):
        """The same table as a pymrio IOSystem (one 'final demand' category per region)."""
        import pymrio

        idx = self.industries
        cols = pd.MultiIndex.from_product([self.regions, ["final demand"]], names=["region", "category"])
        io = pymrio.IOSystem(Z=pd.DataFrame(self.Z, index=idx, columns=idx),
                             Y=pd.DataFrame(self.Y, index=idx, columns=cols),
                             x=pd.DataFrame({"indout": self.x}, index=idx),
                             name=self.name, description=self.source)
        io.unit = pd.DataFrame({"unit": self.unit}, index=idx)
        return io


def from_pymrio(io, name: str | None = None, unit: str | None = None, year: int | None = None,
                source: str = "") -> IOTable:
    """An IOTable from a pymrio IOSystem (final-demand categories summed per consuming region)."""
    if io.Z is None or io.Y is None:
        io.calc_system()
    Z = io.Z
    x = io.x if io.x is not None else pd.DataFrame({"indout": Z.sum(axis=1) + io.Y.sum(axis=1)})
    regions = tuple(str(r) for r in io.get_regions())
    sectors = tuple(str(s) for s in io.get_sectors())
    order = pd.MultiIndex.from_product([list(io.get_regions()), list(io.get_sectors())])
    Y = io.Y.T.groupby(level=0, sort=False).sum().T.reindex(index=order, columns=list(io.get_regions()))
    if unit is None and io.unit is not None:
        unit = str(pd.Series(np.ravel(io.unit.to_numpy())).mode().iloc[0])
    t = IOTable(Z.reindex(index=order, columns=order).to_numpy(float), Y.to_numpy(float),
                x.reindex(order).to_numpy(float).ravel(), regions, sectors,
                name or str(io.name), unit or "", year, source)
    t.check()
    return t


def aggregate(t: IOTable, regions: dict[str, str], sectors: dict[str, str], name: str) -> IOTable:
    """Sum a table onto coarser regions and sectors; maps send every original label to a new one
    (regions not in the map go to 'RoW'; every sector must be mapped)."""
    missing = [s for s in t.sectors if s not in sectors]
    if missing:
        raise BadInput(f"sectors not mapped: {list_as_string(missing)}", field="sectors")
    reg = [regions.get(r, "RoW") for r in t.regions]
    new_r = tuple(r for r in dict.fromkeys([*regions.values(), "RoW"]) if r in reg)
    new_s = tuple(dict.fromkeys(sectors.values()))
    S = len(new_s)
    row = np.array([new_r.index(reg[i // len(t.sectors)]) * S + new_s.index(sectors[t.sectors[i % len(t.sectors)]])
                    for i in range(t.n)])
    P = np.zeros((len(new_r) * S, t.n))
    P[row, np.arange(t.n)] = 1.0
    Q = np.zeros((len(new_r), len(t.regions)))
    Q[[new_r.index(g) for g in reg], np.arange(len(t.regions))] = 1.0
    out = IOTable(P @ t.Z @ P.T, P @ t.Y @ Q.T, P @ t.x, new_r, new_s, name, t.unit, t.year, t.source,
                  {"regions": regions, "sectors": sectors, "from": t.name})
    out.check()
    return out


def save(t: IOTable, folder: Path) -> Path:
    """Write a table as a pymrio folder (Z, Y, x, unit as text) plus `table.yaml` with its provenance."""
    folder.mkdir(parents=True, exist_ok=True)
    t.to_pymrio().save(folder, table_format="txt")
    meta_file = folder / "metadata.json"  # pymrio stamps the time and absolute path: keep builds identical
    pm = json.loads(meta_file.read_text(encoding="utf-8"))
    pm["history"] = [f"saved by chokepoint.economy.table.save from {t.source or t.name}"]
    meta_file.write_text(json.dumps(pm, indent=4), encoding="utf-8")
    meta = {"name": t.name, "unit": t.unit, "year": t.year, "source": t.source, **t.meta}
    (folder / "table.yaml").write_text(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return folder


def _load_saved(path: Path) -> IOTable:
    import pymrio

    io = pymrio.load(path)
    sidecar = path / "table.yaml"
    meta = yaml.safe_load(sidecar.read_text(encoding="utf-8")) if sidecar.exists() else {}
    t = from_pymrio(io, meta.get("name", path.name), meta.get("unit"), meta.get("year"), meta.get("source", ""))
    return IOTable(t.Z, t.Y, t.x, t.regions, t.sectors, t.name, t.unit, t.year, t.source, meta)


def _parser(fn_name: str) -> Callable[[Path], IOTable]:
    def load(path: Path) -> IOTable:
        import pymrio

        return from_pymrio(getattr(pymrio, fn_name)(path), name=f"{fn_name.removeprefix('parse_')}:{path.name}",
                           source=str(path))
    return load


LOADERS: dict[str, Callable[[Path], IOTable]] = {
    "pymrio": _load_saved,                 # a folder written by IOSystem.save / economy.table.save
    "exiobase3": _parser("parse_exiobase3"),
    "oecd": _parser("parse_oecd"),
    "wiod": _parser("parse_wiod"),         # the WIOD 2013 release's WIOT*.xlsx
}


def load(path: str | Path, fmt: str = "pymrio") -> IOTable:
    """A table from files the user has, read by pymrio (formats: LOADERS)."""
    if fmt not in LOADERS:
        raise BadInput(f"unknown table format '{fmt}'", field="format", hint=f"formats are {list_as_string(LOADERS)}")
    path = Path(path)
    if not path.exists():
        raise NotFound(f"no table at {path}", file=str(path))
    return LOADERS[fmt](path)


def bundled(name: str = BUNDLED) -> IOTable:
    """The small aggregated table shipped with the package (built by scripts/build_io_table.py)."""
    root = resources.files("chokepoint.economy") / "data"
    names = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("_"))
    if name not in names:
        raise NotFound(f"no bundled table '{name}'", field="table", hint=f"bundled tables are {list_as_string(names)}")
    with resources.as_file(root / name) as folder:
        return _load_saved(Path(folder))
