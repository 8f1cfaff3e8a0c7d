"""The JSON API: every page's data under /api, described by the OpenAPI schema."""
from __future__ import annotations

import functools
import json
from typing import Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, field_validator

from chokepoint import settings
from chokepoint.chain.scenario import validate as validate_scenario
from chokepoint.errors import BadInput
from chokepoint.web import panels
from chokepoint.web.pages import cached
from chokepoint.web.panels import Unavailable

router = APIRouter(prefix="/api", tags=["api"])


def country_query():
    """A fresh Query per parameter: FastAPI must not share one object between parameters."""
    return Query("KOR", pattern="^[A-Za-z]{3}$", description="ISO3 code of the focal country.")


def name_query():
    return Query(None, max_length=80)


def reader(request: Request):
    return request.app.state.db.reader()


def cached_read(route):
    """A read-only route answered from the response cache with an ETag (304 when it matches).

    Keyed by the route and its validated parameters, so stray query parameters cannot grow
    the cache; the writer's commits invalidate it (see `chokepoint.web.cache.ResponseCache`).
    """
    @functools.wraps(route)
    async def answer(**params) -> Response:
        request, cache = params["request"], params["request"].app.state.responses
        key = (route.__name__, tuple(sorted((k, v) for k, v in params.items() if k != "request")))
        # a hit is answered on the event loop; only a miss computes, in a worker thread
        got = cache.peek(key) or await run_in_threadpool(cache.get, key, lambda: route(**params))
        headers = {"ETag": got.etag, "Cache-Control": "no-cache"}
        if got.etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        return Response(got.body, media_type="application/json", headers=headers)
    return answer


@router.get("/overview")
@cached_read
def overview(request: Request, country: str = country_query()) -> dict:
    """A country's dependencies, the chokepoint stage of each chain, latest news signals."""
    country = country.upper()
    with reader(request) as wb:
        return {"country": country, "dependencies": cached(request, panels.dependencies, wb, country),
                "exposure": cached(request, panels.exposure, wb, country),
                "chokepoints": cached(request, panels.chokepoints, wb), "signals": panels.signals(wb)}


@router.get("/materials")
@cached_read
def materials(request: Request) -> dict:
    """Materials and families the store knows."""
    with reader(request) as wb:
        return panels.table(wb.store.df("SELECT material, name, family FROM material ORDER BY family, material"))


@router.get("/material/{material}")
@cached_read
def material(request: Request, material: str, country: str = country_query()) -> dict:
    """Stage shares by country, flows into the country (Sankey) and the sources used."""
    with reader(request) as wb:
        return cached(request, panels.material, wb, material, country.upper())


@router.get("/scenarios")
@cached_read
def scenarios(request: Request) -> dict:
    """Named scenarios and stored runs."""
    with reader(request) as wb:
        return panels.scenarios(wb)


@router.get("/scenarios/{name}")
@cached_read
def scenario(request: Request, name: str) -> dict:
    """One scenario's specification."""
    with reader(request) as wb:
        return panels.scenario_spec(wb, name)


WEB_DRAWS = 2000  # Monte Carlo draws a web request may ask for (larger runs: chokepoint montecarlo)
MAX_SPEC_CHARS = 64 * 1024  # a scenario is a few kB; a bigger spec is a payload, not a scenario


class RunRequest(BaseModel):
    """Run a named scenario, optionally with an edited specification."""

    scenario: str = Field(..., max_length=80)
    spec: dict | None = Field(None, description="Edited scenario (the scenario's fields); replaces it.")
    country: str = Field("KOR", pattern="^[A-Za-z]{3}$")
    engine: Literal["lp", "fast"] = "lp"
    draws: int | None = Field(None, ge=1, le=WEB_DRAWS, description="Monte Carlo draws of the scenario's "
                              "uncertain parameters (fast engine); None = one run.")
    seed: int | None = Field(None, ge=0, le=2**31 - 1, description="Monte Carlo seed (default: a fresh one).")

    @field_validator("spec")
    @classmethod
    def _small(cls, spec: dict | None) -> dict | None:
        if spec is not None and len(json.dumps(spec)) > MAX_SPEC_CHARS:
            raise ValueError(f"spec over {MAX_SPEC_CHARS} characters as JSON")
        return spec


@router.post("/runs", status_code=202)
def start_run(request: Request, body: RunRequest) -> dict:
    """Queue a run on the single writer; poll /api/jobs/{job_id} for progress."""
    if request.app.state.db.read_only:
        raise HTTPException(409, "runs are disabled: the server opened the store read-only")
    with reader(request) as wb:
        try:
            panels.api(wb, "chain.run")
            sc = panels.load_named(wb, body.scenario)
        except Unavailable as exc:
            raise HTTPException(409, f"{exc.api} is not available yet") from exc
        if body.spec is not None:
            sc = validate_scenario(body.spec)
        country, engine, draws, seed = body.country.upper(), body.engine, body.draws, body.seed
        limit = settings.number("web_max_run_cost")
        if draws is None:
            cost = wb.chain.estimate(sc, country=country, engine=engine, max_cost=limit)
        else:  # a Monte Carlo run: `draws` batched draws (chain.cost.draws)
            cost = wb.chain.estimate_draws(sc, country=country, n=draws)
            if cost > limit:
                raise BadInput(f"{draws} draws would cost {cost:,} cell-weeks, over the server's limit of "
                               f"{limit:,.0f}", field="draws", hint="ask for fewer draws, or run chokepoint montecarlo")

    def work(wb, progress) -> str:
        if draws is not None:
            return wb.chain.montecarlo(sc, country=country, n=draws, seed=seed, progress=progress).run_id
        return wb.chain.run(sc, country=country, engine=engine, progress=progress, max_cost=limit).run_id

    label = f"{body.scenario} ({f'Monte Carlo, {draws} draws' if draws else engine}, {country})"
    return request.app.state.jobs.submit(label, work, cost).as_dict()


@router.delete("/runs/{job_id}")
def cancel_run(request: Request, job_id: str) -> dict:
    """Cancel a queued or running job: queued, it never starts; running, it stops and stores nothing."""
    found = request.app.state.jobs.cancel(job_id)
    if found is None:
        raise HTTPException(404, f"no job '{job_id}'")
    return found.as_dict()


@router.get("/jobs/{job_id}")
def job(request: Request, job_id: str) -> dict:
    """A background job's state and progress; `run_id` once done."""
    found = request.app.state.jobs.jobs.get(job_id)
    if found is None:
        raise HTTPException(404, f"no job '{job_id}'")
    return found.as_dict()


@router.get("/runs/{run_id}")
@cached_read
def run(request: Request, run_id: str) -> dict:
    """A stored run: spec, summary and its charts as Plotly JSON."""
    with reader(request) as wb:
        return panels.run_result(wb, run_id)


MAX_BUDGET = 1e15  # in the budget's currency: more than a thousand trillion is a typo, not a budget


class PlanRequest(BaseModel):
    """Choose a lever portfolio for a named scenario under a budget (`wb.policy.plan`)."""

    scenario: str = Field(..., max_length=80)
    country: str = Field("KOR", pattern="^[A-Za-z]{3}$")
    budget: float = Field(500e9, gt=0, le=MAX_BUDGET, allow_inf_nan=False,
                          description="Budget in `currency` (500e9 KRW = 500 bn KRW).")
    currency: str = Field("KRW", pattern="^[A-Za-z]{3}$", description="Currency of the budget (bundled FX).")
    risk: Literal["expected", "cvar95"] = Field("expected", description="Minimise expected shortfall or "
                                                "CVaR 95% (mean of the worst 5% of draws).")
    n: int = Field(2000, ge=1, le=WEB_DRAWS, description="Monte Carlo draws in the common sample.")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed of the sample (out-of-sample: seed + 1,000,003).")


@router.post("/plans", status_code=202)
def start_plan(request: Request, body: PlanRequest) -> dict:
    """Queue a plan on the single writer (cost: draws × engine evaluations × one fast run); poll
    /api/jobs/{job_id}, then read /api/plans/{run_id}."""
    from chokepoint.policy import limits, money

    if request.app.state.db.read_only:
        raise HTTPException(409, "plans are disabled: the server opened the store read-only")
    country = body.country.upper()
    with reader(request) as wb:
        try:
            panels.api(wb, "policy.plan")
            sc = panels.load_named(wb, body.scenario)
        except Unavailable as exc:
            raise HTTPException(409, f"{exc.api} is not available yet") from exc
        money.per_usd(body.currency)  # an unknown currency is a 400 now, not a failed job later
        cost = limits.check(wb, sc, country, body.n, settings.number("web_max_run_cost"))

    def work(wb, progress) -> str:
        return wb.policy.plan(sc, country=country, budget=body.budget, currency=body.currency.upper(),
                              risk=body.risk, n=body.n, seed=body.seed, progress=progress).run_id

    label = f"plan {body.scenario} ({body.n} draws, {body.risk}, {country})"
    return request.app.state.jobs.submit(label, work, cost).as_dict()


@router.get("/plans")
@cached_read
def plans(request: Request) -> dict:
    """Scenarios a plan can run on, and the stored plan runs."""
    with reader(request) as wb:
        return panels.plans(wb)


@router.get("/plans/{run_id}")
@cached_read
def plan(request: Request, run_id: str) -> dict:
    """A stored plan: portfolio, risk in and out of sample, frontier (table and Plotly figure)."""
    with reader(request) as wb:
        return panels.plan_result(wb, run_id)


@router.get("/news/events")
@cached_read
def events(request: Request, type: str | None = name_query(), actor: str | None = name_query(),
           target: str | None = name_query(), commodity: str | None = name_query(), doc: str | None = name_query()) -> dict:
    """Events from ingested news, filtered by type, actor, target, commodity or document."""
    with reader(request) as wb:
        return panels.events(wb, type=type, actor=actor, target=target, commodity=commodity, doc=doc)


@router.get("/news/tilt")
@cached_read
def tilt(request: Request, country: str = country_query(),
         by: Literal["month", "quarter", "year"] = "month") -> dict:
    """The alignment index of a country by period."""
    with reader(request) as wb:
        return panels.tilt(wb, country.upper(), by)


@router.get("/news/duplicates")
@cached_read
def duplicates(request: Request) -> dict:
    """Duplicate groups (copied wire text and retold stories)."""
    with reader(request) as wb:
        return panels.duplicates(wb)


@router.get("/news/claims")
@cached_read
def claims(request: Request, country: str | None = Query(None, pattern="^[A-Za-z]{3}$")) -> dict:
    """Claims checked against the data, and contradictory framings (of one country, if given)."""
    with reader(request) as wb:
        return panels.claims(wb, country.upper() if country else None)


@router.get("/news/signals")
@cached_read
def signals(request: Request) -> dict:
    """Scenario hints raised by news events."""
    with reader(request) as wb:
        return panels.signals(wb)
