"""HTML pages: server-side templates filled from the same panels the /api routes return."""
from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from chokepoint import settings
from chokepoint.errors import ChokepointError
from chokepoint.web import panels

router = APIRouter(include_in_schema=False)


def country_query():
    """A fresh Query per parameter: FastAPI must not share one object between parameters."""
    return Query("KOR", pattern="^[A-Za-z]{3}$")


def filter_query():
    return Query(None, max_length=80)

NAV = [("overview", "/", "Overview"), ("material", "/material", "Material"),
       ("scenario", "/scenario", "Scenario"), ("plan", "/plan", "Plan"), ("news", "/news", "News")]


def shown(panel, *args, **kwargs) -> dict:
    """One panel of a page; its error (a bad filter, data it lacks) is shown in place of it."""
    try:
        return panel(*args, **kwargs)
    except ChokepointError as exc:
        return {"available": True, "error": str(exc)}


def cached(request: Request, panel, wb, *args) -> dict:
    """A reference-only panel through the server's cache (see `chokepoint.web.cache`)."""
    return request.app.state.cache.get((panel.__name__, *args), lambda: panel(wb, *args))


def render(request: Request, name: str, page: str, country: str, **context) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(
        request, name, {"page": page, "nav": NAV, "country": country,
                        "read_only": request.app.state.db.read_only, **context})


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, country: str = country_query()) -> HTMLResponse:
    country = country.upper()
    with request.app.state.db.reader() as wb:
        ctx = {"dependencies": shown(cached, request, panels.dependencies, wb, country),
               "exposure": shown(cached, request, panels.exposure, wb, country),
               "chokepoints": shown(cached, request, panels.chokepoints, wb), "signals": shown(panels.signals, wb)}
    ctx["cited"] = panels.merge_sources(ctx["chokepoints"], ctx["dependencies"], ctx["exposure"])
    return render(request, "overview.html", "overview", country, **ctx)


@router.get("/material", response_class=HTMLResponse)
def material(request: Request, m: str | None = filter_query(), country: str = country_query()) -> HTMLResponse:
    country = country.upper()
    with request.app.state.db.reader() as wb:
        names = wb.store.df("SELECT material, name, family FROM material ORDER BY family, material")
        m = m or next(iter(sorted(set(names["family"]))), None)
        data = cached(request, panels.material, wb, m, country) if m else None
    return render(request, "material.html", "material", country, m=m, data=data,
                  materials=names.to_dict("records"))


@router.get("/scenario", response_class=HTMLResponse)
def scenario(request: Request, run: str | None = filter_query(), name: str | None = filter_query(),
             country: str = country_query(), impact: bool = Query(False)) -> HTMLResponse:
    country = country.upper()
    with request.app.state.db.reader() as wb:
        listing = panels.scenarios(wb)
        chosen = name or panels.run_scenario(wb, run, listing.get("scenarios") or []) or (listing.get("scenarios") or [None])[0]
        spec = panels.scenario_spec(wb, chosen) if chosen else None
        bound = shown(cached, request, panels.montecarlo_limit, wb, chosen, country,
                      settings.number("web_max_run_cost")) if spec and spec.get("available") else None
        result = panels.run_result(wb, run) if run else None
        economy = panels.impact(wb, run) if run and impact else None
    return render(request, "scenario.html", "scenario", country, listing=listing, chosen=chosen,
                  spec=spec, result=result, economy=economy, bound=bound)


@router.get("/plan", response_class=HTMLResponse)
def plan(request: Request, run: str | None = filter_query(), name: str | None = filter_query(),
         country: str = country_query()) -> HTMLResponse:
    country = country.upper()
    limit = settings.number("web_max_run_cost")
    with request.app.state.db.reader() as wb:
        listing = panels.plans(wb)
        names = listing.get("scenarios") or []
        chosen = name or panels.run_scenario(wb, run, names) or (names[0] if names else None)
        bound = shown(cached, request, panels.plan_limit, wb, chosen, country, limit) if chosen else None
        result = shown(panels.plan_result, wb, run) if run else None
    return render(request, "plan.html", "plan", country, listing=listing, chosen=chosen, bound=bound,
                  result=result, limit=limit)


@router.get("/news", response_class=HTMLResponse)
def news(request: Request, country: str = country_query(), type: str | None = filter_query(),
         actor: str | None = filter_query(), target: str | None = filter_query(),
         commodity: str | None = filter_query(), doc: str | None = filter_query()) -> HTMLResponse:
    country = country.upper()
    filters = {"type": type, "actor": actor, "target": target, "commodity": commodity, "doc": doc}
    with request.app.state.db.reader() as wb:
        ctx = {"events": shown(panels.events, wb, **filters), "tilt": shown(panels.tilt, wb, country),
               "duplicates": shown(panels.duplicates, wb), "claims": shown(panels.claims, wb, country)}
    return render(request, "news.html", "news", country, filters=filters, **ctx)
