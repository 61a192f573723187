"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse

from cybermutual import __version__
from cybermutual.api import problems
from cybermutual.api.guards import RequestGuard
from cybermutual.api.routers import (
    auth,
    collectives,
    commons,
    governance,
    ledger,
    market,
    market_justice,
    policy,
    public_services,
)
from cybermutual.services.container import Services

API = "/api/v1"


def create_app(services: Services) -> FastAPI:
    """An app serving ``services``; bootstrap builds them."""
    app = FastAPI(
        title="cybermutual",
        version=__version__,
        summary="Cyber-collectives: mutual credit, a facilitated commons, self-government.",
        openapi_url=f"{API}/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.services = services
    app.add_middleware(RequestGuard)
    problems.install(app)
    api = APIRouter(prefix=API)
    for module in (
        auth,
        collectives,
        ledger,
        commons,
        market,
        market_justice,
        policy,
        governance,
        public_services,
    ):
        api.include_router(module.router)

    @api.get("/health", tags=["meta"])
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    app.include_router(api)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/docs")

    return app
