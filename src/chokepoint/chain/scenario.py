"""Scenario specs: pydantic models loaded from YAML, with `extends` and documented defaults.

Every parameter carries its default and the source of that default in its description
(`Field(description=...)`); `docs/model.md` lists them. Shipped scenarios live in
`chokepoint/scenarios/*.yaml`; a user YAML path works wherever a name does.
"""
from __future__ import annotations

import math
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from chokepoint.chain import uncertainty
from chokepoint.chain.uncertainty import Distribution, Sampler
from chokepoint.errors import BadInput, NotFound, list_as_string

SHIPPED = "chokepoint.scenarios"
SPRECHER = "SPRECHER_2017_EST"
ASSUMPTION = "CHOKEPOINT_ASSUMPTION"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Restriction(Strict):
    """An export restriction by one or more countries on some stages, with a profile f(t)."""

    by: list[str] = Field(["CHN"], description="ISO3 codes of the restricting countries.")
    stages: list[str] | None = Field(None, description="Stages restricted; None = every stage.")
    scope: Literal["all", "non_allied", "named"] = Field(
        "non_allied", description="Who is restricted: everyone, countries outside `allies`, or `targets`.")
    allies: list[str] = Field([], description="Bloc names (bloc table) or ISO3 codes exempt under non_allied.")
    targets: list[str] = Field([], description="ISO3 codes restricted under scope 'named'.")
    start_week: int = Field(4, ge=0, description="First week of the restriction.")
    announced_week: int | None = Field(
        None, ge=0, description="Week the restriction becomes known; None = its start week. Neither "
                                "engine acts on it earlier; from then until it starts, restricted buyers "
                                "may pre-position stock (`hoard_weeks`; 2010: buyers stocked up ahead of quota cuts).")
    duration_weeks: int = Field(26, ge=0, description="Weeks the restriction lasts (0 = no shock).")
    depth: float = Field(1.0, ge=0, le=1, description="Share of baseline exports to targets withheld.")
    profile: Literal["ban", "licensing"] = Field(
        "ban", description="'ban': f = depth while active; 'licensing': f = depth for "
                           "`licence_delay_weeks`, then depth × (1 − approval_share).")
    licence_delay_weeks: int = Field(6, ge=0, description="Weeks before licences are granted "
                                     "(April 2025: first approvals ~6-8 weeks after 4 April; assumption).")
    approval_share: float = Field(0.5, ge=0, le=1, description="Share of requests approved once licences flow (assumption).")

    @model_validator(mode="after")
    def _announced(self) -> Restriction:
        if self.announced_week is not None and self.announced_week > self.start_week:
            raise ValueError("announced_week must not be after start_week")
        return self

    def announced(self) -> int:
        """Week the restriction becomes known to buyers and to the LP's look-ahead."""
        return self.start_week if self.announced_week is None else self.announced_week


class Project(Strict):
    """A new project adding capacity from a start week (e.g. an MSP member's new plant)."""

    country: str
    stage: str
    capacity_t_per_year: float = Field(ge=0)
    start_week: int = Field(ge=0)


class Tolling(Strict):
    """A stock one country owns in an intermediate form (oxide), held at a host that converts it
    for the owner with conversion capacity reserved there; the converted product is the owner's."""

    holder: str = Field(description="ISO3 of the owner, whose final use the converted product serves.")
    host: str = Field(description="ISO3 of the country that converts (it needs capacity at every later stage).")
    stage: str = Field(description="Stage (form) the stock is held in, e.g. 'separation' (oxide).")
    tonnes: float = Field(ge=0, description="Stock held for tolling, t of the stage's product.")
    capacity_t_per_year: float = Field(ge=0, description="Conversion reserved at the host, t/yr of final-stage "
                                       "output; taken off the host's own output ceiling, and never more than it.")
    lead_weeks: int = Field(4, ge=0, description="Weeks from the release start to the first converted product "
                            "(conversion and shipping; assumption).")


class Scenario(Strict):
    """A stress-test scenario: the shock, the responses and the model settings."""

    name: str = Field("unnamed", description="Short name.")
    description: str = Field("", description="What the scenario represents.")
    extends: str | None = Field(None, description="Name or path of a scenario this one overrides.")
    family: str = Field("rare-earths", description="Material family (material.family in the store), or a "
                        "multi-input chain (chain_stage.family, e.g. ree-magnets: NdPr and Dy+Tb into magnets).")
    year: int | None = Field(None, description="Data year for the baseline; None = latest in the store.")
    weeks: int = Field(78, ge=1, le=520, description="Horizon in weeks.")
    restrictions: list[Restriction] = Field([], description="Export restrictions (the shock).")
    # responses
    ramp_share_per_year: float = Field(
        0.04, ge=0, description="Non-restricting producers' combined ramp-up, share of world output "
                                "per year (Sprecher et al. 2017: 4%/yr) [SPRECHER_2017_EST].")
    spare_capacity: float = Field(0.15, ge=0, description="Spare capacity as a share of output where "
                                  "the store has no capacity figure (assumption).")
    substitution_per_year: float = Field(
        0.10, ge=0, le=1, description="Demand a short country substitutes away per year while it is short "
                                      "(Sprecher et al. 2017: up to 10%/yr) [SPRECHER_2017_EST]; it unwinds at "
                                      "`substitution_unwind_per_year` once supply is back.")
    substitution_unwind_per_year: float = Field(
        0.10, ge=0, description="Substituted demand that returns per year once a country is no longer short "
                                "(assumption: as fast as it left).")
    substitution_max: float = Field(0.3, ge=0, le=1, description="Most of a country's demand that can be "
                                    "substituted (assumption).")
    hoard_weeks: float = Field(4.0, ge=0, description="Extra weeks of baseline use restricted buyers try to hold "
                               "between a restriction's announcement and its end (assumption).")
    restock_weeks: float = Field(4.0, gt=0, description="Weeks over which buyers close the gap between their "
                                 "industry stock and its target (fast engine's ordering rule; assumption).")
    elasticity: float = Field(0.2, gt=0, description="Price flexibility: price index = "
                              "(served/baseline)^(−1/ε) (assumption; short-run metal demand elasticity).")
    demand_elasticity: float = Field(0.0, ge=0, description="Demand destroyed by price: demand × "
                                     "price(previous block)^(−ε_d); 0 = off (assumption).")
    price_cap: float = Field(9.0, ge=1, description="Cap on the price index (2010-11: prices rose up "
                             "to ninefold, NEWS_CHOSUNBIZ_2025_12_10).")
    recycling_share: float = Field(0.0, ge=0, le=1, description="End-of-life scrap re-entering, share of "
                                   "baseline demand (Sprecher 2017: no appreciable increase in 2010-11).")
    recycling_lag_weeks: int = Field(26, ge=0, description="Weeks from shock to recycled supply (assumption).")
    recycling_stage: str | None = Field(None, description="Stage recycled material re-enters; None = second stage.")
    recycling_countries: list[str] | None = Field(None, description="ISO3 codes whose end-of-life scrap "
                                                  "re-enters; None = every country (a policy lever recycles "
                                                  "in one country only).")
    industry_cover_weeks: float = Field(4.0, ge=0, description="Industry inventory at every node, weeks "
                                        "of baseline throughput, where the store has none (assumption).")
    strategic_stage: str | None = Field(None, description="Stage (form) strategic stocks are held in; "
                                        "None = `Network.stock_stage` (metal stage, else the last stage "
                                        "before a missing metal stage, else the last).")
    strategic_days: dict[str, float] = Field({}, description="Override strategic stock, days of the "
                                             "holder's baseline use, by ISO3 (default: stock table; in a "
                                             "multi-input chain each stock row sits at its own material's "
                                             "stage, an override at `strategic_stage`).")
    release_start_week: int | None = Field(None, description="Week strategic release may begin; None = "
                                           "shock start.")
    release_weeks: float = Field(8.0, gt=0, description="Minimum weeks to release a full strategic stock "
                                 "(rate limit; assumption).")
    projects: list[Project] = Field([], description="New capacity with start weeks.")
    tolling: list[Tolling] = Field([], description="Stocks converted abroad for their owner (tolling); "
                                   "released from the release start by the owner's final use, up to the "
                                   "reserved conversion, in weeks the host may ship to the owner.")
    priorities: dict[str, float] = Field({}, description="Sector weights in rationing (default 1; higher "
                                         "is served first); a sector the network lacks is an error.")
    # engine settings
    window_weeks: int = Field(12, ge=1, description="LP rolling-horizon look-ahead.")
    commit_weeks: int = Field(4, ge=1, description="Weeks committed per LP window; also the lag of the "
                              "price feedback on demand, in both engines.")
    # Monte Carlo (chokepoint montecarlo); last, so its check sees every other field
    sampler: Sampler = Field("sobol", description="How draws are spread: 'sobol' (scrambled Sobol "
                             "points), 'lhs' (Latin hypercube) or 'random' (scipy.stats.qmc, numpy).")
    uncertain: dict[str, Distribution] = Field({}, description="Uncertain parameters: a path to a "
                                               "numeric field (e.g. restrictions.0.duration_weeks) → a "
                                               "distribution (fixed, uniform, triangular, normal, "
                                               "lognormal, choice); see docs/model.md, Monte Carlo.")

    @field_validator("uncertain")
    @classmethod
    def _uncertain(cls, value: dict, info: ValidationInfo) -> dict:
        uncertainty.check(cls, info.data, value)
        return value

    @model_validator(mode="before")
    @classmethod
    def _finite(cls, data):
        """Infinite or NaN numbers are bad input (they would reach the engines and the store)."""
        if isinstance(data, dict):
            where = non_finite(data)
            if where:
                raise ValueError(f"'{where}' must be a finite number")
        return data

    @model_validator(mode="after")
    def _window(self) -> Scenario:
        if self.commit_weeks > self.window_weeks:
            raise ValueError("commit_weeks must not exceed window_weeks")
        return self

    def shock_start(self) -> int | None:
        """First week any restriction bites, or None for a zero shock."""
        starts = [r.start_week for r in self.restrictions if r.duration_weeks > 0 and r.depth > 0]
        return min(starts) if starts else None

    def shock_known(self) -> int | None:
        """First week any biting restriction is announced, or None for a zero shock."""
        weeks = [r.announced() for r in self.restrictions if r.duration_weeks > 0 and r.depth > 0]
        return min(weeks) if weeks else None


def non_finite(value, path: str = "") -> str | None:
    """The dotted path of the first infinite or NaN number inside `value`, or None."""
    if isinstance(value, float) and not math.isfinite(value):
        return path or "value"
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = non_finite(item, f"{path}.{key}" if path else str(key))
        if found:
            return found
    return None


def shipped() -> list[str]:
    """Names of the shipped scenarios."""
    root = resources.files(SHIPPED)
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".yaml"))


def is_path(name_or_path: str) -> bool:
    """A user file is named by an explicit path (a .yaml/.yml suffix or a folder part); anything
    else is a shipped scenario's name, so a file in the working folder cannot shadow one."""
    path = Path(name_or_path)
    return path.suffix in (".yaml", ".yml") or len(path.parts) > 1 or name_or_path.startswith(".")


def _read(name_or_path: str) -> tuple[dict, str]:
    path = Path(name_or_path)
    if is_path(name_or_path):
        if not path.exists():
            raise NotFound(f"no scenario file {path}")
        text, label = path.read_text(encoding="utf-8"), str(path)
    else:
        res = resources.files(SHIPPED) / f"{name_or_path}.yaml"
        if not res.is_file():
            raise NotFound(f"unknown scenario '{name_or_path}'",
                           hint=f"shipped scenarios are {list_as_string(shipped())}, or give a YAML path")
        text, label = res.read_text(encoding="utf-8"), f"{name_or_path}.yaml"
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise BadInput(f"not valid YAML: {exc}", file=label, line=None if line is None else line + 1) from exc
    if not isinstance(data, dict):
        raise BadInput("a scenario must be a mapping of parameters", file=label)
    return data, label


def _merge(base: dict, over: dict) -> dict:
    """Deep-merge `over` onto `base` (mappings merge, everything else replaces)."""
    out = dict(base)
    for key, val in over.items():
        out[key] = _merge(out[key], val) if isinstance(val, dict) and isinstance(out.get(key), dict) else val
    return out


def raw(name_or_path: str, _seen: tuple[str, ...] = ()) -> tuple[dict, str]:
    """A scenario's parameters with its `extends` chain resolved (before validation)."""
    data, label = _read(name_or_path)
    parent = data.get("extends")
    if parent:
        if not isinstance(parent, str):
            raise BadInput("extends names one scenario (a name or a YAML path)", file=label, field="extends")
        if parent in _seen:
            raise BadInput(f"scenario extends itself via {' -> '.join(_seen)}", file=label, field="extends")
        try:
            base, _ = raw(parent, _seen + (name_or_path,))
        except NotFound as exc:  # say which file's `extends` names the missing scenario
            if exc.file is not None:
                raise
            raise NotFound(exc.message, file=label, field="extends", hint=exc.hint) from None
        base.pop("name", None)
        base.pop("description", None)
        data = _merge(base, data)
    return data, label


def load(name_or_path: str) -> Scenario:
    """Load and validate a scenario by shipped name or YAML path (errors name file and field)."""
    data, label = raw(name_or_path)
    data.setdefault("name", Path(name_or_path).stem if label.endswith(("yaml", "yml")) else name_or_path)
    return validate(data, label)


def validate(data: dict, label: str | None = None) -> Scenario:
    """A scenario from its parameters; errors name the file (`label`) and the field."""
    where = non_finite(data)
    if where:
        raise BadInput("must be a finite number", file=label, field=where)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise BadInput(first["msg"], file=label, field=field,
                       hint=f"{len(exc.errors())} problem(s); see docs/model.md for parameters") from exc


def parameters() -> list[dict]:
    """Every scenario parameter with its default and description (for docs and `--help`)."""
    return [{"parameter": n, "default": f.default, "description": f.description or ""}
            for n, f in Scenario.model_fields.items()]
