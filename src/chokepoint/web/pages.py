"""HTML pages: server-side templates filled from the same panels the /api routes return."""
from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from chokepoint.web import panels

router = APIRouter(include_in_schema=False)
Country = Query("KOR", pattern="^[A-Za-z]{3}$")
Filter = Query(None, max_length=80)

NAV = [("overview", "/", "Overview"), ("material", "/material", "Material"),
       ("scenario", "/scenario", "Scenario"), ("news", "/news", "News")]


def render(request: Request, name: str, page: str, country: str, **context) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(
        request, name, {"page": page, "nav": NAV, "country": country,
                        "read_only": request.app.state.db.read_only, **context})


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, country: str = Country) -> HTMLResponse:
    country = country.upper()
    with request.app.state.db.reader() as wb:
        ctx = {"dependencies": panels.dependencies(wb, country), "exposure": panels.exposure(wb, country),
               "chokepoints": panels.chokepoints(wb), "signals": panels.signals(wb)}
    return render(request, "overview.html", "overview", country, **ctx)


@router.get("/material", response_class=HTMLResponse)
def material(request: Request, m: str = Query("rare-earths", max_length=80),
             country: str = Country) -> HTMLResponse:
    country = country.upper()
    with request.app.state.db.reader() as wb:
        names = wb.store.df("SELECT material, name, family FROM material ORDER BY family, material")
        data = panels.material(wb, m, country)
    return render(request, "material.html", "material", country, m=m, data=data,
                  materials=names.to_dict("records"))


@router.get("/scenario", response_class=HTMLResponse)
def scenario(request: Request, run: str | None = Filter, name: str | None = Filter,
             country: str = Country) -> HTMLResponse:
    country = country.upper()
    with request.app.state.db.reader() as wb:
        listing = panels.scenarios(wb)
        chosen = name or (listing.get("scenarios") or [None])[0]
        spec = panels.scenario_spec(wb, chosen) if chosen else None
        result = panels.run_result(wb, run) if run else None
    return render(request, "scenario.html", "scenario", country, listing=listing, chosen=chosen,
                  spec=spec, result=result)


@router.get("/news", response_class=HTMLResponse)
def news(request: Request, country: str = Country, type: str | None = Filter,
         actor: str | None = Filter, target: str | None = Filter,
         commodity: str | None = Filter, doc: str | None = Filter) -> HTMLResponse:
    country = country.upper()
    filters = {"type": type, "actor": actor, "target": target, "commodity": commodity, "doc": doc}
    with request.app.state.db.reader() as wb:
        ctx = {"events": panels.events(wb, **filters), "tilt": panels.tilt(wb, country),
               "duplicates": panels.duplicates(wb), "claims": panels.claims(wb)}
    return render(request, "news.html", "news", country, filters=filters, **ctx)
