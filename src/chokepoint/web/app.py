"""`create_app(db_path)`: the FastAPI app — HTML pages, a JSON API under /api, static files."""
from __future__ import annotations

from collections.abc import Iterable
from contextlib import asynccontextmanager
from pathlib import Path

import plotly
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from chokepoint import settings
from chokepoint.errors import BadInput, ChokepointError, NotFound
from chokepoint.web import api, pages
from chokepoint.web.cache import ReferenceCache, ResponseCache
from chokepoint.web.database import Database
from chokepoint.web.guard import Guard
from chokepoint.web.jobs import JobRunner, QueueFull

HERE = Path(__file__).parent
# The chart library comes from the installed plotly package: no CDN, works offline.
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _error(request: Request, status: int, exc: ChokepointError) -> Response:
    """One JSON error shape for /api; the same message as an HTML page for browsers."""
    body = exc.as_dict() if isinstance(exc, BadInput) else {"error": "internal", "message": str(exc)}
    if request.url.path.startswith("/api"):
        return JSONResponse(body, status_code=status)
    return request.app.state.templates.TemplateResponse(
        request, "error.html", {"page": "", "nav": pages.NAV, "country": "KOR", "error": body,
                                "status": status}, status_code=status)


def create_app(db_path: str | Path, read_only: bool = False, *, token: str | None = None,
               hosts: Iterable[str] | None = None, max_body: int | None = None) -> FastAPI:
    """The web app over one store file; runs are refused when `read_only`.

    The store is opened when the server starts and closed when it stops (the lifespan), so
    one app object can be started again, as test clients do. `token`, `hosts` and `max_body`
    configure the `Guard` in front of every route (`chokepoint serve` always sets `hosts`).
    """
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.db = Database(db_path, read_only=read_only)
        app.state.jobs = JobRunner(app.state.db, max_open=int(settings.number("web_queue")),
                                   timeout_s=settings.number("web_run_timeout"))
        app.state.cache = ReferenceCache()
        app.state.responses = ResponseCache(enabled=settings.get("web_cache") != "0")
        app.state.jobs.on_commit = app.state.responses.invalidate
        try:
            yield
        finally:
            app.state.jobs.close()
            app.state.db.close()

    app = FastAPI(title="chokepoint", version="1", lifespan=lifespan,
                  description="Critical-mineral exposure, stress tests and news signals.")
    templates = Jinja2Templates(directory=HERE / "templates")  # .html templates autoescape
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(PLOTLY_JS, media_type="text/javascript")

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> JSONResponse:
        return _error(request, 404, exc)

    @app.exception_handler(BadInput)
    async def bad_input(request: Request, exc: BadInput) -> JSONResponse:
        return _error(request, 400, exc)

    @app.exception_handler(ChokepointError)
    async def failed(request: Request, exc: ChokepointError) -> JSONResponse:
        return _error(request, 500, exc)

    @app.exception_handler(QueueFull)
    async def busy(request: Request, exc: QueueFull) -> JSONResponse:
        return JSONResponse({"error": "busy", "message": str(exc)}, status_code=429,
                            headers={"Retry-After": "30"})

    app.include_router(api.router)
    app.include_router(pages.router)
    app.add_middleware(Guard, token=token, hosts=hosts,
                       max_body=int(settings.number("web_max_body")) if max_body is None else max_body)
    return app
