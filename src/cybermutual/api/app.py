"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from cybermutual import __version__
from cybermutual.api import problems
from cybermutual.api.deps import REQUIRED_KEY, ServicesDep
from cybermutual.api.guards import RequestGuard
from cybermutual.api.routers import (
    auth,
    budget_rounds,
    chains,
    collectives,
    commons,
    coop,
    enterprise_pay,
    enterprises,
    exports,
    federation,
    governance,
    ledger,
    market,
    policy,
    public_services,
)
from cybermutual.services.container import Services
from cybermutual.web import app as web

API = "/api/v1"


def create_app(services: Services) -> FastAPI:
    """An app serving ``services``; bootstrap builds them."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        served: Services = app.state.services
        served.policy_impact.pool.shutdown()  # running simulations stop at their next step
        served.proposal_impact.stop()  # so does a proposal's estimate (it stays pending)

    app = FastAPI(
        lifespan=lifespan,
        title="cybermutual",
        version=__version__,
        summary="Cyber-collectives: mutual credit, a facilitated commons, self-government.",
        openapi_url=f"{API}/openapi.json",
        docs_url=None,  # served below from vendored files, so /docs works offline
        redoc_url=None,
    )
    app.state.services = services
    app.add_middleware(RequestGuard)
    problems.install(app, services.faults.kinds)
    api = APIRouter(prefix=API)
    for module in (
        auth,
        collectives,
        ledger,
        commons,
        market,
        policy,
        governance,
        public_services,
        budget_rounds,
        chains,
        exports,
        federation,
        enterprises,
        enterprise_pay,
        coop,
    ):
        api.include_router(module.router)

    @api.get("/health", tags=["meta"])
    def health(served: ServicesDep) -> dict[str, str]:
        """200 when this server can serve and write; 503 ``storage_unavailable`` otherwise."""
        return served.health.check()

    app.include_router(api)
    app.include_router(federation.server_router)  # /federation/v1: servers only, signed
    _document_required_keys(app)

    _serve_docs(app)
    web.install(app)  # the pages, at / (web/)
    return app


def _document_required_keys(app: FastAPI) -> None:
    """Mark ``Idempotency-Key`` required in the OpenAPI document where the server requires it."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    for parameter in operation.get("parameters", []):
                        if parameter.get("description") == REQUIRED_KEY:
                            parameter["required"] = True
                            parameter["schema"] = {"type": "string", "minLength": 1}
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


SWAGGER_UI = Path(__file__).with_name("static") / "swagger-ui"


def _serve_docs(app: FastAPI) -> None:
    """Swagger UI at ``/docs`` from files shipped with the package (see VENDORED.md there)."""
    app.mount("/static/swagger-ui", StaticFiles(directory=SWAGGER_UI), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=f"{API}/openapi.json",
            title="cybermutual API",
            swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/swagger-ui/favicon-32x32.png",
            oauth2_redirect_url="/docs/oauth2-redirect",
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()
