"""`create_app(db_path)`: the FastAPI app — HTML pages, a JSON API under /api, static files."""
from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

import plotly
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from chokepoint.errors import BadInput, ChokepointError, NotFound
from chokepoint.web import api, pages
from chokepoint.web.database import Database
from chokepoint.web.jobs import JobRunner

HERE = Path(__file__).parent
# The chart library comes from the installed plotly package: no CDN, works offline.
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _error(status: int, exc: ChokepointError) -> JSONResponse:
    body = exc.as_dict() if isinstance(exc, BadInput) else {"error": "internal", "message": str(exc)}
    return JSONResponse(body, status_code=status)


def create_app(db_path: str | Path, read_only: bool = False) -> FastAPI:
    """The web app over one store file; runs are refused when `read_only`."""
    db = Database(db_path, read_only=read_only)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        app.state.jobs.close()
        db.close()

    app = FastAPI(title="chokepoint", version="1", lifespan=lifespan,
                  description="Critical-mineral exposure, stress tests and news signals.")
    app.state.db = db
    app.state.jobs = JobRunner(db)
    templates = Jinja2Templates(directory=HERE / "templates")  # .html templates autoescape
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(PLOTLY_JS, media_type="text/javascript")

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> JSONResponse:
        return _error(404, exc)

    @app.exception_handler(BadInput)
    async def bad_input(request: Request, exc: BadInput) -> JSONResponse:
        return _error(400, exc)

    @app.exception_handler(ChokepointError)
    async def failed(request: Request, exc: ChokepointError) -> JSONResponse:
        return _error(500, exc)

    app.include_router(api.router)
    app.include_router(pages.router)
    return app
