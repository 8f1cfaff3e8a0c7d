"""The web dashboard: FastAPI pages and JSON API over one store (`create_app`)."""
from chokepoint.web.app import create_app

__all__ = ["create_app"]
