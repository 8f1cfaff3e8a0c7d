"""Uncertain scenario parameters: distributions, paths into a scenario and seeded sampling.

A scenario's `uncertain` maps a path to a scalar field (`restrictions.0.duration_weeks`,
`elasticity`, `strategic_days.KOR`) to a distribution. Sampling maps uniform points in
[0, 1)^D (scrambled Sobol, Latin hypercube or plain random; `scipy.stats.qmc`) through
each distribution's inverse CDF, so draw i is the same for a given spec and seed however
the draws are split into chunks or tasks. Integer fields take the nearest integer. SciPy is
imported on first use, so loading a scenario does not pay for it.
"""
from __future__ import annotations

import copy
import functools
import math
import warnings
from typing import Annotated, Any, Literal, Union, get_args

import annotated_types as at
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

Sampler = Literal["sobol", "lhs", "random"]
EDGE = 1e-12            # uniforms are kept inside [EDGE, 1 − EDGE] so normal tails stay finite
RANDOM_BLOCK = 1024     # plain random draws come in seeded blocks of this many (chunk-independent)
# one batch of draws shares these (array shapes, data year; the fast engine takes the batch's
# first priorities), so they cannot vary between draws
SHARED = {"weeks", "window_weeks", "commit_weeks", "year", "priorities"}


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def support(self) -> tuple[float, float]:
        raise NotImplementedError

    def ppf(self, u: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class Fixed(_Dist):
    """Always `value` (a parameter held fixed while others vary)."""

    dist: Literal["fixed"] = "fixed"
    value: float

    def support(self) -> tuple[float, float]:
        return self.value, self.value

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return np.full_like(u, self.value)


class Uniform(_Dist):
    """Every value in [low, high] equally likely."""

    dist: Literal["uniform"] = "uniform"
    low: float
    high: float

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if self.high < self.low:
            raise ValueError("high must not be below low")
        return self

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.low + u * (self.high - self.low)


class Triangular(_Dist):
    """Low, most likely and high values (the usual three-point expert estimate)."""

    dist: Literal["triangular"] = "triangular"
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError("need low <= mode <= high and low < high")
        return self

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def ppf(self, u: np.ndarray) -> np.ndarray:
        from scipy import stats

        width = self.high - self.low
        return stats.triang.ppf(u, (self.mode - self.low) / width, loc=self.low, scale=width)


class Normal(_Dist):
    """Mean and standard deviation, clipped to [low, high] where given."""

    dist: Literal["normal"] = "normal"
    mean: float
    sd: float = Field(gt=0)
    low: float = -math.inf
    high: float = math.inf

    def support(self) -> tuple[float, float]:
        return self.low, self.high

    def ppf(self, u: np.ndarray) -> np.ndarray:
        from scipy import stats

        return np.clip(self.mean + self.sd * stats.norm.ppf(u), self.low, self.high)


class LogNormal(_Dist):
    """Median and sigma of log(value) (a right-skewed positive quantity), clipped to `high`."""

    dist: Literal["lognormal"] = "lognormal"
    median: float = Field(gt=0)
    sigma: float = Field(gt=0)
    high: float = math.inf

    def support(self) -> tuple[float, float]:
        return math.nextafter(0.0, 1.0), self.high  # (0, high]: never zero

    def ppf(self, u: np.ndarray) -> np.ndarray:
        from scipy import stats

        return np.minimum(self.median * np.exp(self.sigma * stats.norm.ppf(u)), self.high)


class Choice(_Dist):
    """One of `values`, with `weights` (default equal)."""

    dist: Literal["choice"] = "choice"
    values: list[float] = Field(min_length=1)
    weights: list[float] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Choice:
        w = self.weights
        if w is not None and (len(w) != len(self.values) or min(w) < 0 or sum(w) <= 0):
            raise ValueError("weights must be as many as values, non-negative, not all zero")
        return self

    def support(self) -> tuple[float, float]:
        return min(self.values), max(self.values)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        w = np.ones(len(self.values)) if self.weights is None else np.asarray(self.weights, float)
        edges = np.cumsum(w) / w.sum()
        return np.asarray(self.values, float)[np.minimum(np.searchsorted(edges, u, side="right"),
                                                         len(self.values) - 1)]


Distribution = Annotated[Union[Fixed, Uniform, Triangular, Normal, LogNormal, Choice],
                         Field(discriminator="dist")]


def _scalar(annotation) -> type | None:
    """int or float for a (possibly Optional) numeric annotation, else None."""
    if annotation in (int, float):
        return annotation
    args = [a for a in get_args(annotation) if a is not type(None)]
    return args[0] if len(args) == 1 and args[0] in (int, float) else None


def _bounds(metadata: list) -> tuple[float, float, bool, bool]:
    """(low, high, low inclusive, high inclusive) from pydantic's ge/gt/le/lt metadata."""
    lo, hi, lo_in, hi_in = -math.inf, math.inf, True, True
    for m in metadata:
        if isinstance(m, at.Ge):
            lo = m.ge
        elif isinstance(m, at.Gt):
            lo, lo_in = m.gt, False
        elif isinstance(m, at.Le):
            hi = m.le
        elif isinstance(m, at.Lt):
            hi, hi_in = m.lt, False
    return lo, hi, lo_in, hi_in


def resolve(model: type[BaseModel], data: dict, path: str) -> tuple[type, tuple[float, float, bool, bool]]:
    """The scalar type and bounds of the field at `path` in validated scenario `data`."""
    parts = path.split(".")
    if parts[0] in SHARED:
        raise ValueError(f"{path}: {parts[0]} is shared by every draw of a batch and cannot be uncertain")
    if parts[0] in model.model_fields and parts[0] not in data:
        raise ValueError(f"{path}: '{parts[0]}' is not valid itself")
    cls, value, info = model, data, None
    for i, part in enumerate(parts):
        where = ".".join(parts[:i + 1])
        if cls is not None:
            if part not in cls.model_fields:
                raise ValueError(f"{path}: no field '{part}' (fields are {', '.join(cls.model_fields)})")
            info = cls.model_fields[part]
            value = value[part] if isinstance(value, dict) else getattr(value, part)
            ann, cls = info.annotation, None
        elif isinstance(value, list):
            if not part.isdigit() or int(part) >= len(value):
                raise ValueError(f"{path}: {where} is not an index of a list of {len(value)}")
            value = value[int(part)]
            ann = get_args(ann)[0]
        elif isinstance(value, dict):
            ann = get_args(ann)[1]
            value = value.get(part)
            info = None
        else:
            raise ValueError(f"{path}: {'.'.join(parts[:i])} is a scalar")
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            cls = ann
    kind = _scalar(ann)
    if kind is None or cls is not None:
        raise ValueError(f"{path}: not a numeric scalar field")
    return kind, _bounds(info.metadata if info is not None else [])


def check(model: type[BaseModel], data: dict, uncertain: dict[str, Any]) -> None:
    """Every path names a numeric field and every distribution stays within its bounds."""
    for path, dist in uncertain.items():
        kind, (lo, hi, lo_in, hi_in) = resolve(model, data, path)
        a, b = dist.support()
        if kind is int:
            a, b = (math.floor(a + 0.5) if math.isfinite(a) else a), (math.floor(b + 0.5) if math.isfinite(b) else b)
        below = a < lo or (a == lo and not lo_in)
        above = b > hi or (b == hi and not hi_in)
        if below or above:
            raise ValueError(f"{path}: the {dist.dist} distribution reaches [{a:g}, {b:g}] but the field "
                             f"allows {'[' if lo_in else '('}{lo:g}, {hi:g}{']' if hi_in else ')'}"
                             + (" (give low/high to clip it)" if dist.dist in ("normal", "lognormal") else ""))


@functools.lru_cache(maxsize=4)
def _lhs(n: int, d: int, seed: int) -> np.ndarray:
    from scipy.stats import qmc

    return qmc.LatinHypercube(d=d, seed=seed).random(n)


def uniforms(d: int, seed: int, sampler: Sampler, start: int, stop: int, n: int) -> np.ndarray:
    """Points start..stop−1 of an n-point design in [0, 1)^d; the same for any split of the range."""
    if d == 0:
        return np.zeros((stop - start, 0))
    if sampler == "sobol":
        from scipy.stats import qmc

        eng = qmc.Sobol(d=d, scramble=True, seed=seed)
        if start:
            eng.fast_forward(start)
        with warnings.catch_warnings():  # a chunk is rarely a power of 2; the sequence is still Sobol's
            warnings.simplefilter("ignore", UserWarning)
            u = eng.random(stop - start) if stop > start else np.zeros((0, d))
    elif sampler == "lhs":
        u = _lhs(n, d, seed)[start:stop]
    else:
        blocks = range(start // RANDOM_BLOCK, (stop - 1) // RANDOM_BLOCK + 1) if stop > start else range(0)
        u = np.concatenate([np.random.default_rng([seed, k]).random((RANDOM_BLOCK, d)) for k in blocks]
                           or [np.zeros((0, d))])
        off = start - (start // RANDOM_BLOCK) * RANDOM_BLOCK
        u = u[off:off + stop - start]
    return np.clip(u, EDGE, 1 - EDGE)


def values(uncertain: dict[str, Any], u: np.ndarray) -> np.ndarray:
    """Parameter values (draws, D) from uniform points (draws, D), one column per path in order."""
    cols = [dist.ppf(u[:, j]) for j, dist in enumerate(uncertain.values())]
    return np.column_stack(cols) if cols else np.zeros((len(u), 0))


def _set(data: dict, path: str, value: float) -> None:
    *head, last = path.split(".")
    node: Any = data
    for part in head:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def apply(base: dict, paths: list[str], kinds: list[type], row: np.ndarray) -> dict:
    """A copy of scenario data `base` with the draw's values set at their paths."""
    data = copy.deepcopy(base)
    for path, kind, v in zip(paths, kinds, row):
        _set(data, path, int(math.floor(v + 0.5)) if kind is int else float(v))
    return data


def kinds(model: type[BaseModel], data: dict, paths: list[str]) -> list[type]:
    """int or float for each path (integer fields take the nearest integer of a draw)."""
    return [resolve(model, data, p)[0] for p in paths]



def defaults(sc: Any) -> dict[str, Any]:
    """The default distributions around a scenario's own values, for a scenario without `uncertain`
    (docs/model.md, Monte Carlo: every spread is our assumption, none is a cited figure)."""
    out: dict[str, Any] = {}

    def tri(path: str, v: float, lo: float, hi: float) -> None:
        if v > 0:
            out[path] = Triangular(low=round(lo * v, 6), mode=v, high=round(hi * v, 6))

    for i, r in enumerate(sc.restrictions):
        if r.duration_weeks > 0 and r.depth > 0:
            tri(f"restrictions.{i}.duration_weeks", r.duration_weeks, 0.5, 2.0)
            out[f"restrictions.{i}.depth"] = Uniform(low=round(0.6 * r.depth, 6), high=r.depth)
            if r.profile == "licensing":
                a = r.approval_share
                out[f"restrictions.{i}.approval_share"] = Uniform(low=max(0.0, round(a - 0.3, 6)),
                                                                 high=min(1.0, round(a + 0.3, 6)))
                tri(f"restrictions.{i}.licence_delay_weeks", r.licence_delay_weeks, 0.5, 2.0)
    if sc.ramp_share_per_year > 0:
        out["ramp_share_per_year"] = LogNormal(median=sc.ramp_share_per_year, sigma=0.5,
                                                high=round(5 * sc.ramp_share_per_year, 6))
    tri("spare_capacity", sc.spare_capacity, 1 / 3, 2.0)
    out["substitution_per_year"] = Uniform(low=0.0, high=min(1.0, round(1.5 * sc.substitution_per_year, 6)))
    out["recycling_share"] = Uniform(low=sc.recycling_share, high=min(1.0, round(sc.recycling_share + 0.05, 6)))
    tri("industry_cover_weeks", sc.industry_cover_weeks, 0.5, 2.0)
    out["release_weeks"] = Uniform(low=0.5 * sc.release_weeks, high=2 * sc.release_weeks)
    tri("elasticity", sc.elasticity, 0.5, 2.0)
    return out
