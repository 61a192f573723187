"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse

from cybermutual import __version__
from cybermutual.api import problems
from cybermutual.api.guards import RequestGuard
from cybermutual.api.routers import (
    auth,
    collectives,
    commons,
    ledger,
    market,
    market_justice,
    policy,
)
from cybermutual.services.container import Services

API = "/api/v1"


def create_app(services: Services) -> FastAPI:
    """An app serving ``services``; bootstrap builds them."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        services.policy_impact.pool.shutdown()  # running simulations stop at their next step

    app = FastAPI(
        lifespan=lifespan,
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
    for module in (auth, collectives, ledger, commons, market, market_justice, policy):
        api.include_router(module.router)

    @api.get("/health", tags=["meta"])
    def health() -> dict[str, str]:
        """200 when this server can serve and write; 503 ``storage_unavailable`` otherwise."""
        return services.health.check()

    app.include_router(api)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/docs")

    return app
