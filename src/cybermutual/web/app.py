"""Mounting the web app on the FastAPI app: its static files, its pages, its error pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles

from cybermutual.web.errors import install_errors
from cybermutual.web.pages import ROUTERS, page_context
from cybermutual.web.rendering import HERE
from cybermutual.web.sessions import Viewer

ContextHook = Callable[[Request, Viewer], dict[str, Any]]


def install(app: FastAPI) -> None:
    """Serve the pages at ``/`` beside the API at ``/api/v1``."""
    app.mount("/static/web", StaticFiles(directory=HERE / "static"), name="web-static")
    install_errors(app)
    app.state.page_context = page_context()
    for router in ROUTERS:
        app.include_router(router)
