"""Mitigation levers: typed objects that map a level (t, t/yr, a share) to a modified Scenario.

A lever never builds a new network: it edits the scenario a Monte Carlo draw produces
(stock days, a `Project`, recycling, substitution), so every draw, every lever level and
every portfolio runs through the same batched engine on the same network (which already
holds every candidate host). Level 0 leaves the scenario unchanged. Each lever has a
linear cost model in USD, converted to KRW with the bundled FX table; every default names
its source in its description (a `source` key, or CHOKEPOINT_ASSUMPTION).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from chokepoint.chain.network import WEEKS_PER_YEAR, Network
from chokepoint.chain.scenario import Project, Scenario
from chokepoint.errors import BadInput, list_as_string
from chokepoint.policy import money

ASSUMPTION = "CHOKEPOINT_ASSUMPTION"
SEED = "NEWS_SEED_KR_REE_STRATEGY_2026"
FLOOR = "NEWS_MARKETSDAILY_MP_2026_03_03"      # MP Materials NdPr floor USD 110/kg (price.csv)
REALIZED = "NEWS_ASSETROOM_MP_10K_2024"         # MP Materials realized NdPr USD 51/kg in 2024 (price.csv)


@dataclass(frozen=True)
class Context:
    """What a lever needs to know about the network: the focal country and its baseline use."""

    net: Network
    country: str
    weeks: int

    @property
    def k(self) -> int:
        return self.net.index(self.country)

    @property
    def use_t_per_week(self) -> float:
        """The country's baseline final use (last stage), t/week."""
        return float(self.net.need()[-1][self.k])

    @property
    def use_t_per_year(self) -> float:
        return self.use_t_per_week * WEEKS_PER_YEAR

    @property
    def years(self) -> float:
        return self.weeks / WEEKS_PER_YEAR

    def stage(self, name: str, field: str) -> int:
        if name not in self.net.stages:
            raise BadInput(f"unknown stage '{name}'", field=field, hint=f"stages are {list_as_string(self.net.stages)}")
        return self.net.stages.index(name)

    def country_index(self, iso3: str, field: str) -> int:
        if iso3 not in self.net.countries:
            raise BadInput(f"'{iso3}' is not in this network", field=field,
                           hint=f"countries are {list_as_string(self.net.countries)}")
        return self.net.index(iso3)


class _Lever(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., description="Label in tables and charts (unique in a portfolio).")
    max_level: float = Field(..., gt=0, description="Largest level the optimizer may choose.")
    unit: ClassVar[str] = ""

    def apply(self, sc: Scenario, level: float, ctx: Context) -> Scenario:
        """The scenario with this lever at `level` (level 0 → unchanged)."""
        if level < 0:
            raise BadInput(f"lever '{self.name}' level must be ≥ 0", field=self.name)
        return sc if level == 0 else self._apply(sc, level, ctx)

    def _apply(self, sc: Scenario, level: float, ctx: Context) -> Scenario:
        raise NotImplementedError

    def unit_cost_usd(self, ctx: Context) -> float:
        """USD per unit of level (every cost model here is linear in the level)."""
        raise NotImplementedError

    def cost_krw(self, level: float, ctx: Context) -> float:
        return money.to_krw(level * self.unit_cost_usd(ctx), "USD")

    def describe(self) -> str:
        raise NotImplementedError


def _update(sc: Scenario, **fields) -> Scenario:
    return Scenario.model_validate({**sc.model_dump(), **fields})


class StrategicStock(_Lever):
    """Extra strategic stock held by the focal country in one form (stage), released by the
    scenario's rule (`release_start_week`, `release_weeks`)."""

    kind: Literal["stock"] = "stock"
    stage: str = Field("magnet", description="Form the stock is held in. Default magnets: Korea has no "
                       "magnet-making capacity in the network, so an oxide stock cannot reach its users "
                       "(measured: 0 and 1,000 days of oxide give the same shortfall) [CHOKEPOINT_ASSUMPTION].")
    price_usd_per_kg: float = Field(60.0, gt=0, description="Purchase price, USD/kg of the held form "
                                    "(magnets: assumption, no magnet price is bundled; oxide: the NdPr floor "
                                    "USD 110/kg [NEWS_MARKETSDAILY_MP_2026_03_03] is the natural choice).")
    holding_usd_per_t_year: float = Field(3000.0, ge=0, description="Holding cost per tonne-year (storage, "
                                          "insurance and 5% cost of capital on USD 60/kg) [CHOKEPOINT_ASSUMPTION].")
    unit: ClassVar[str] = "t"

    def _apply(self, sc: Scenario, level: float, ctx: Context) -> Scenario:
        s = ctx.stage(self.stage, f"{self.name}.stage")
        k = ctx.k
        down = float(np.prod(ctx.net.eta[s + 1:, k])) if s + 1 < len(ctx.net.stages) else 1.0
        extra_days = level * 7.0 * max(down, 1e-9) / max(ctx.use_t_per_week, 1e-9)
        current = sc.strategic_stage or ctx.net.stages[ctx.net.stock_stage if ctx.net.stock_stage is not None
                                                        else len(ctx.net.stages) - 1]
        days = {**ctx.net.strategic_days, **sc.strategic_days}
        if current == self.stage:
            days[ctx.country] = days.get(ctx.country, 0.0) + extra_days
        else:  # the scenario holds one form: the country's existing stock in another form is dropped
            days[ctx.country] = extra_days
        return _update(sc, strategic_stage=self.stage, strategic_days=days)

    def unit_cost_usd(self, ctx: Context) -> float:
        return 1000.0 * self.price_usd_per_kg + self.holding_usd_per_t_year * ctx.years

    def describe(self) -> str:
        return f"strategic stock of {self.stage} (t)"


class Offtake(_Lever):
    """An offtake from an allied supplier: reserved extra output at a stage from a start week,
    paid at a premium over the market. The supplier's own inputs stay exposed (the engine
    feeds the extra output only from its existing suppliers)."""

    kind: Literal["offtake"] = "offtake"
    supplier: str = Field("ROW", description="ISO3 of the supplier (must be in the network; ROW is the "
                          "network's non-Chinese magnet maker by default) [CHOKEPOINT_ASSUMPTION].")
    stage: str = Field("magnet", description="Stage of the reserved output.")
    start_week: int = Field(8, ge=0, description="First week of deliveries (contract lead time) "
                            "[CHOKEPOINT_ASSUMPTION].")
    premium_usd_per_kg: float = Field(12.0, ge=0, description="Premium over market, USD/kg: 20% of the "
                                      "USD 60/kg magnet price; for oxide the floor-minus-realized gap, "
                                      "110 − 51 = USD 59/kg [NEWS_MARKETSDAILY_MP_2026_03_03, "
                                      "NEWS_ASSETROOM_MP_10K_2024] [CHOKEPOINT_ASSUMPTION].")
    unit: ClassVar[str] = "t/yr"

    def _apply(self, sc: Scenario, level: float, ctx: Context) -> Scenario:
        ctx.stage(self.stage, f"{self.name}.stage")
        ctx.country_index(self.supplier, f"{self.name}.supplier")
        p = Project(country=self.supplier, stage=self.stage, capacity_t_per_year=level, start_week=self.start_week)
        return _update(sc, projects=[*sc.projects, p])

    def unit_cost_usd(self, ctx: Context) -> float:
        return 1000.0 * self.premium_usd_per_kg * max(ctx.years - self.start_week / WEEKS_PER_YEAR, 0.0)

    def describe(self) -> str:
        return f"offtake of {self.stage} from {self.supplier} (t/yr)"


class OverseasProject(_Lever):
    """A publicly co-financed overseas project: nameplate capacity (the level) in a host country
    from the end of its lead time, counted as expected capacity = nameplate × success
    probability × (1 − political-risk haircut). Its budget cost is the public loan."""

    kind: Literal["project"] = "project"
    host: str = Field("VNM", description="Host ISO3 (the seed names the US, Vietnam and Laos) "
                      "[NEWS_SEED_KR_REE_STRATEGY_2026].")
    stage: str = Field("separation", description="Stage of the project.")
    start_week: int = Field(104, ge=0, description="Lead time to first output, weeks [CHOKEPOINT_ASSUMPTION].")
    success_probability: float = Field(0.5, ge=0, le=1, description="Exploration/development success "
                                       "probability [CHOKEPOINT_ASSUMPTION].")
    political_haircut: float = Field(0.1, ge=0, le=1, description="Share of capacity lost to host political "
                                     "risk (expropriation, export bans) [CHOKEPOINT_ASSUMPTION].")
    capex_usd_per_t_year: float = Field(60000.0, gt=0, description="Capex per t/yr of nameplate "
                                        "[CHOKEPOINT_ASSUMPTION].")
    loan_ratio: float = Field(0.7, ge=0, le=1, description="Public loan share of capex (new terms 70%) "
                              "[NEWS_SEED_KR_REE_STRATEGY_2026].")
    unit: ClassVar[str] = "t/yr"

    def expected_capacity(self, level: float) -> float:
        return level * self.success_probability * (1 - self.political_haircut)

    def _apply(self, sc: Scenario, level: float, ctx: Context) -> Scenario:
        ctx.stage(self.stage, f"{self.name}.stage")
        ctx.country_index(self.host, f"{self.name}.host")
        p = Project(country=self.host, stage=self.stage, capacity_t_per_year=self.expected_capacity(level),
                    start_week=self.start_week)
        return _update(sc, projects=[*sc.projects, p])

    def unit_cost_usd(self, ctx: Context) -> float:
        return self.loan_ratio * self.capex_usd_per_t_year

    def describe(self) -> str:
        return f"overseas {self.stage} project in {self.host} (t/yr nameplate)"


class Recycling(_Lever):
    """Recycling capacity in the focal country: end-of-life scrap equal to a share (the level) of
    its baseline use re-enters at a stage after a lag. It replaces the scenario's own recycling
    share and confines recycling to the focal country (`recycling_countries`)."""

    kind: Literal["recycling"] = "recycling"
    stage: str = Field("magnet", description="Stage recycled material re-enters (magnet-to-magnet "
                       "recycling) [CHOKEPOINT_ASSUMPTION].")
    lag_weeks: int = Field(26, ge=0, description="Weeks from the shock to recycled supply (the scenario "
                           "default) [CHOKEPOINT_ASSUMPTION].")
    capex_usd_per_t_year: float = Field(20000.0, gt=0, description="Capex per t/yr of recycling capacity "
                                        "[CHOKEPOINT_ASSUMPTION].")
    unit: ClassVar[str] = "share of use"

    def _apply(self, sc: Scenario, level: float, ctx: Context) -> Scenario:
        ctx.stage(self.stage, f"{self.name}.stage")
        return _update(sc, recycling_share=min(level, 1.0), recycling_stage=self.stage,
                       recycling_lag_weeks=self.lag_weeks, recycling_countries=[ctx.country])

    def unit_cost_usd(self, ctx: Context) -> float:
        return ctx.use_t_per_year * self.capex_usd_per_t_year

    def describe(self) -> str:
        return f"recycling at {self.stage} (share of use)"


class DemandReduction(_Lever):
    """Faster substitution (redesign, thrifting): adds the level to the scenario's (drawn)
    `substitution_per_year`, the share of demand a short country substitutes away per year."""

    kind: Literal["substitution"] = "substitution"
    cost_usd_per_kg: float = Field(30.0, ge=0, description="Cost per kg of demand substituted (redesign and "
                                   "a dearer substitute) [CHOKEPOINT_ASSUMPTION].")
    unit: ClassVar[str] = "share/yr"

    def _apply(self, sc: Scenario, level: float, ctx: Context) -> Scenario:
        return _update(sc, substitution_per_year=min(1.0, sc.substitution_per_year + level))

    def unit_cost_usd(self, ctx: Context) -> float:
        """One year of substitution at the added rate: level × annual use × cost per t."""
        return ctx.use_t_per_year * 1000.0 * self.cost_usd_per_kg

    def describe(self) -> str:
        return "demand reduction by substitution (share/yr)"


Lever = Annotated[Union[StrategicStock, Offtake, OverseasProject, Recycling, DemandReduction],
                  Field(discriminator="kind")]
KINDS: dict[str, type[_Lever]] = {c.model_fields["kind"].default: c
                                  for c in (StrategicStock, Offtake, OverseasProject, Recycling, DemandReduction)}


def make(kind: str, **fields) -> _Lever:
    """A lever by kind ('stock', 'offtake', 'project', 'recycling', 'substitution')."""
    if kind not in KINDS:
        raise BadInput(f"unknown lever '{kind}'", field="kind", hint=f"levers are {list_as_string(KINDS)}")
    return KINDS[kind](**{"name": kind, **fields})


def defaults() -> list[_Lever]:
    """The default lever set (Korea's rare-earth chain; every default documented on its field)."""
    return [make("stock", max_level=4000.0), make("offtake", max_level=2000.0),
            make("project", max_level=5000.0), make("recycling", max_level=0.3),
            make("substitution", max_level=0.5)]


def apply(sc: Scenario, levers: list[_Lever], levels: dict[str, float], ctx: Context) -> Scenario:
    """The scenario with each named lever at its level (levers not named stay at 0)."""
    unknown = sorted(set(levels) - {lv.name for lv in levers})
    if unknown:
        raise BadInput(f"no lever {list_as_string(unknown)}", field="levels",
                       hint=f"levers are {list_as_string([lv.name for lv in levers])}")
    for lv in levers:
        sc = lv.apply(sc, levels.get(lv.name, 0.0), ctx)
    return sc


def cost_krw(levers: list[_Lever], levels: dict[str, float], ctx: Context) -> float:
    """A portfolio's cost in KRW."""
    return sum(lv.cost_krw(levels.get(lv.name, 0.0), ctx) for lv in levers)
