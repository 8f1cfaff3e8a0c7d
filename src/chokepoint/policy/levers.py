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
from chokepoint.chain.scenario import Project, Scenario, Tolling
from chokepoint.errors import BadInput, list_as_string
from chokepoint.policy import money

ASSUMPTION = "CHOKEPOINT_ASSUMPTION"
SEED = "NEWS_SEED_KR_REE_STRATEGY_2026"
FLOOR = "NEWS_MARKETSDAILY_MP_2026_03_03"      # MP Materials NdPr floor USD 110/kg (price.csv)
REALIZED = "NEWS_ASSETROOM_MP_10K_2024"         # MP Materials realized NdPr USD 51/kg in 2024 (price.csv)
# Masses in the network are tonnes of contained rare earths, so a magnet price is per kg contained:
# USD 60 per kg of NdFeB magnet ÷ 0.30 kg rare earths per kg of magnet (both CHOKEPOINT_ASSUMPTION).
MAGNET_USD_PER_KG = 60.0 / 0.30


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

    def buyers_cost_krw(self, level: float, ctx: Context) -> float:
        """Cost that falls on buyers rather than the public budget (reported, never budgeted)."""
        return 0.0

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
                       "(measured: 0 and 1,000 days of oxide give the same shortfall; `tolling` is how oxide reaches "
                       "them) [CHOKEPOINT_ASSUMPTION].")
    price_usd_per_kg: float = Field(MAGNET_USD_PER_KG, gt=0, description="Purchase price, USD per kg of "
                                    "contained rare earths in the held form (the network's mass unit): magnets "
                                    "USD 60/kg of magnet at 30% rare earths = USD 200/kg [CHOKEPOINT_ASSUMPTION], "
                                    "no magnet price is bundled; oxide: the NdPr floor USD 110/kg "
                                    "[NEWS_MARKETSDAILY_MP_2026_03_03] is the natural choice.")
    holding_usd_per_t_year: float = Field(11000.0, ge=0, description="Holding cost per tonne-year (storage and "
                                          "insurance USD 1,000 plus 5% cost of capital on USD 200/kg) "
                                          "[CHOKEPOINT_ASSUMPTION].")
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
    premium_usd_per_kg: float = Field(40.0, ge=0, description="Premium over market, USD/kg contained: 20% of "
                                      "the USD 200/kg magnet price; for oxide the floor-minus-realized gap, "
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


class TollingAbroad(_Lever):
    """Oxide held abroad and converted into magnets for the focal country by a host with magnet
    capacity (Korea has none): the engines' `tolling` (the stock is the holder's; the host's reserved
    conversion comes off its own output; a restriction on the host's magnet route to the holder stops
    deliveries). Helps only where the host has conversion capacity. The oxide is bought, or with
    `existing` it is the holder's own strategic stock (Korea's is held as oxide and cannot reach its
    magnet users otherwise)."""

    kind: Literal["tolling"] = "tolling"
    host: str = Field("ROW", description="ISO3 of the converting host. Default ROW: the network's only "
                      "non-Chinese magnet maker (Japan's and others' plants are pooled there); JPN, USA, MYS have "
                      "no magnet output in the bundled data, so tolling there does nothing [CHOKEPOINT_ASSUMPTION].")
    stage: str = Field("separation", description="Form the stock is held in (oxide).")
    existing: bool = Field(False, description="Toll the holder's existing strategic stock held in this form (the "
                           "stock table's: Korea's 180 days, as oxide) instead of buying oxide: the level is tonnes "
                           "of it sent abroad, at most what is held; only the toll fee is paid.")
    convert_weeks: float = Field(13.0, gt=0, description="Weeks the reserved conversion takes to turn the "
                                 "whole stock into magnets (reserved capacity = stock / this) "
                                 "[CHOKEPOINT_ASSUMPTION].")
    host_share_max: float = Field(0.25, gt=0, le=1, description="Most of the host's magnet output the holder's "
                                  "tolling contracts there may reserve together [CHOKEPOINT_ASSUMPTION].")
    lead_weeks: int = Field(4, ge=0, description="Weeks from the release start to the first tolled magnets "
                            "(shipping and conversion) [CHOKEPOINT_ASSUMPTION].")
    price_usd_per_kg: float = Field(110.0, gt=0, description="Purchase price of bought oxide, USD/kg: the "
                                    "non-Chinese NdPr floor price [NEWS_MARKETSDAILY_MP_2026_03_03].")
    holding_usd_per_t_year: float = Field(6000.0, ge=0, description="Holding cost of bought oxide per tonne-year "
                                          "(storage and insurance USD 500 plus 5% cost of capital on USD 110/kg) "
                                          "[CHOKEPOINT_ASSUMPTION].")
    toll_fee_usd_per_kg: float = Field(20.0, ge=0, description="Conversion (toll) fee and capacity reservation, "
                                       "USD/kg of magnets made, charged on the whole stock [CHOKEPOINT_ASSUMPTION].")
    unit: ClassVar[str] = "t oxide"

    def _yield(self, ctx: Context) -> float:
        s, h = ctx.stage(self.stage, f"{self.name}.stage"), ctx.country_index(self.host, f"{self.name}.host")
        if s >= len(ctx.net.stages) - 1:
            raise BadInput("a tolled stock is held before the last stage", field=f"{self.name}.stage")
        return float(np.prod(ctx.net.eta[s + 1:, h]))

    def capacity_t_per_year(self, level: float, ctx: Context, reserved: float = 0.0) -> float:
        """Reserved conversion, t/yr of magnets: the stock over `convert_weeks`, within what the host's
        share leaves after the holder's `reserved` contracts there."""
        host = float(ctx.net.q[-1, ctx.country_index(self.host, f"{self.name}.host")]) * WEEKS_PER_YEAR
        want = level * self._yield(ctx) * WEEKS_PER_YEAR / self.convert_weeks
        return max(min(want, self.host_share_max * host - reserved), 0.0)

    def _held(self, sc: Scenario, ctx: Context) -> tuple[float, float | None]:
        """The holder's existing stock in this form (t) and t per day of its use where the scenario holds
        it in this form; None where a magnet `stock` lever replaced it (the stock table's is tolled then)."""
        net, s = ctx.net, ctx.stage(self.stage, f"{self.name}.stage")
        per_day = ctx.use_t_per_week / 7.0 / max(float(np.prod(net.eta[s + 1:, ctx.k])), 1e-9)
        default = net.stages[net.stock_stage if net.stock_stage is not None else len(net.stages) - 1]
        if (sc.strategic_stage or default) != self.stage:
            return (net.strategic_days.get(ctx.country, 0.0) * per_day if default == self.stage else 0.0), None
        return {**net.strategic_days, **sc.strategic_days}.get(ctx.country, 0.0) * per_day, per_day

    def _apply(self, sc: Scenario, level: float, ctx: Context) -> Scenario:
        if self.existing:
            held, per_day = self._held(sc, ctx)
            level = min(level, held)
            if level <= 0:
                return sc
            if per_day is not None:  # what is sent abroad leaves the home stock
                days = {**ctx.net.strategic_days, **sc.strategic_days}
                sc = _update(sc, strategic_days={**days, ctx.country: (held - level) / per_day})
        reserved = sum(t.capacity_t_per_year for t in sc.tolling if t.holder == ctx.country and t.host == self.host)
        t = Tolling(holder=ctx.country, host=self.host, stage=self.stage, tonnes=level,
                    capacity_t_per_year=self.capacity_t_per_year(level, ctx, reserved), lead_weeks=self.lead_weeks)
        return _update(sc, tolling=[*sc.tolling, t])

    def unit_cost_usd(self, ctx: Context) -> float:
        fee = 1000.0 * self.toll_fee_usd_per_kg * self._yield(ctx)
        return fee if self.existing else fee + 1000.0 * self.price_usd_per_kg + self.holding_usd_per_t_year * ctx.years

    def describe(self) -> str:
        what = "existing oxide stock" if self.existing else "bought oxide"
        return f"{what} tolled into magnets in {self.host} (t oxide)"


class _PriceSupport(_Lever):
    """A price instrument that raises what some non-restricting producers earn, so they add capacity:
    extra t/yr = supply elasticity × price uplift × volume the uplift covers, as `projects` from
    `lead_weeks` (ramping over 26 weeks), split over the producers by baseline output."""

    stage: str = Field("separation", description="Stage whose producers the instrument pays.")
    producers: list[str] = Field([], description="ISO3 of the covered producers; [] = every producer at the stage "
                                 "outside the scenario's restricting countries.")
    supply_elasticity: float = Field(0.3, ge=0, description="Supply elasticity of the covered producers within "
                                     "the horizon (restarts, debottlenecking; mine and plant supply is inelastic "
                                     "in the short run, below 1) [CHOKEPOINT_ASSUMPTION].")
    lead_weeks: int = Field(26, ge=0, description="Weeks from the decision to the first extra output "
                            "[CHOKEPOINT_ASSUMPTION].")
    market_usd_per_kg: float = Field(51.0, gt=0, description="Market price the uplift is measured against, USD/kg: "
                                     "MP Materials' realized NdPr price in 2024 [NEWS_ASSETROOM_MP_10K_2024].")

    def covered(self, sc: Scenario, ctx: Context) -> dict[int, float]:
        """Covered producers' index → baseline output at the stage, t/yr (restricting ones kept only if named)."""
        s = ctx.stage(self.stage, f"{self.name}.stage")
        if self.producers:
            idx = [ctx.country_index(c, f"{self.name}.producers") for c in self.producers]
        else:
            restricting = {b for r in sc.restrictions for b in r.by}
            idx = [i for i, c in enumerate(ctx.net.countries) if c not in restricting]
        return {i: float(ctx.net.q[s, i]) * WEEKS_PER_YEAR for i in idx if ctx.net.q[s, i] > 0}

    def _added(self, sc: Scenario, ctx: Context, volume_t_per_year: float, uplift: float) -> Scenario:
        out = self.covered(sc, ctx)
        total = sum(out.values())
        if total <= 0 or uplift <= 0:
            return sc
        extra = self.supply_elasticity * uplift * min(volume_t_per_year, total)
        new = [Project(country=ctx.net.countries[i], stage=self.stage, capacity_t_per_year=extra * q / total,
                       start_week=self.lead_weeks) for i, q in out.items()]
        return _update(sc, projects=[*sc.projects, *new])


class PriceFloor(_PriceSupport):
    """A price floor for covered non-Chinese output (the level: covered t/yr): producers earn at
    least the floor. Expected cost = (floor − market price)+ × covered volume over the horizon, on the
    public budget if the government pays, else on buyers (reported apart, never budgeted). The shock's
    own price rise, which would cut the payout, is not netted: an upper bound."""

    kind: Literal["floor"] = "floor"
    floor_usd_per_kg: float = Field(110.0, gt=0, description="Floor price, USD/kg: the US Department of War's "
                                    "NdPr floor for MP Materials [NEWS_MARKETSDAILY_MP_2026_03_03].")
    payer: Literal["government", "buyers"] = Field("government", description="Who pays the gap: the public "
                                                   "budget (counted against it) or buyers (reported apart).")
    unit: ClassVar[str] = "t/yr covered"

    @property
    def uplift(self) -> float:
        return max(self.floor_usd_per_kg / self.market_usd_per_kg - 1.0, 0.0)

    def _apply(self, sc: Scenario, level: float, ctx: Context) -> Scenario:
        return self._added(sc, ctx, level, self.uplift)

    def _gap_usd(self, ctx: Context) -> float:
        return 1000.0 * max(self.floor_usd_per_kg - self.market_usd_per_kg, 0.0) * ctx.years

    def unit_cost_usd(self, ctx: Context) -> float:
        return self._gap_usd(ctx) if self.payer == "government" else 0.0

    def buyers_cost_krw(self, level: float, ctx: Context) -> float:
        return money.to_krw(level * self._gap_usd(ctx), "USD") if self.payer == "buyers" else 0.0

    def describe(self) -> str:
        return f"price floor USD {self.floor_usd_per_kg:g}/kg on {self.stage} ({self.payer} pay; t/yr covered)"


class AdjustmentTariff(_PriceSupport):
    """An adjustment tariff on the restricting countries' product at a stage (the level: the rate):
    under its price umbrella covered producers earn up to the rate more on what the focal country
    buys, and add capacity for it. Buyers pay it (rate × market price × the focal country's use at
    the stage, over the horizon), reported apart; the public budget pays nothing (the revenue is not
    counted), so the optimizer's default set leaves it out."""

    kind: Literal["tariff"] = "tariff"
    stage: str = Field("magnet", description="Stage taxed (the focal country's purchases at it).")
    market_usd_per_kg: float = Field(MAGNET_USD_PER_KG, gt=0, description="Market price of the taxed product, "
                                     "USD/kg contained (magnets: the stock lever's USD 200/kg) [CHOKEPOINT_ASSUMPTION].")
    unit: ClassVar[str] = "tariff rate"

    def _use(self, ctx: Context) -> float:
        """The focal country's baseline use of the stage's product, t/yr."""
        s = ctx.stage(self.stage, f"{self.name}.stage")
        return float(ctx.net.need()[s, ctx.k]) * WEEKS_PER_YEAR

    def _apply(self, sc: Scenario, level: float, ctx: Context) -> Scenario:
        return self._added(sc, ctx, self._use(ctx), level)

    def unit_cost_usd(self, ctx: Context) -> float:
        return 0.0

    def buyers_cost_krw(self, level: float, ctx: Context) -> float:
        return money.to_krw(level * self.market_usd_per_kg * 1000.0 * self._use(ctx) * ctx.years, "USD")

    def describe(self) -> str:
        return f"adjustment tariff on {self.stage} (rate; buyers pay)"


ALL = (StrategicStock, Offtake, OverseasProject, Recycling, DemandReduction, TollingAbroad, PriceFloor,
       AdjustmentTariff)
Lever = Annotated[Union[ALL], Field(discriminator="kind")]
KINDS: dict[str, type[_Lever]] = {c.model_fields["kind"].default: c for c in ALL}


def make(kind: str, **fields) -> _Lever:
    """A lever by kind ('stock', 'offtake', 'project', 'recycling', 'substitution', 'tolling', 'floor', 'tariff')."""
    if kind not in KINDS:
        raise BadInput(f"unknown lever '{kind}'", field="kind", hint=f"levers are {list_as_string(KINDS)}")
    return KINDS[kind](**{"name": kind, **fields})


def defaults() -> list[_Lever]:
    """The default lever set (Korea's rare-earth chain; every default documented on its field). The
    adjustment tariff is left out: it costs the public budget nothing, so the optimizer would take it free."""
    return [make("stock", max_level=4000.0), make("offtake", max_level=2000.0),
            make("project", max_level=5000.0), make("recycling", max_level=0.3),
            make("substitution", max_level=0.5), make("tolling", name="tolling-stock", existing=True, max_level=2000.0),
            make("tolling", max_level=4000.0),
            make("floor", max_level=5000.0)]


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
