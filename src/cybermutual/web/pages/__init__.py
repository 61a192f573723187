"""The web app's pages, one module per area; ``ROUTERS`` is what ``web.install`` mounts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request

from cybermutual.web.pages import (
    account,
    chains,
    collective,
    commons,
    enterprises,
    governance,
    history,
    inbox,
    links,
    market,
    profile,
    public,
    wallet,
    whatif,
)
from cybermutual.web.sessions import Viewer

ROUTERS: tuple[APIRouter, ...] = (
    public.router,
    account.router,
    collective.router,
    market.router,
    commons.router,
    whatif.router,
    governance.router,
    wallet.router,
    inbox.router,
    profile.router,
    chains.router,
    history.router,
    links.router,
    enterprises.router,
)


def page_context() -> list[Callable[[Request, Viewer], dict[str, Any]]]:
    """What the layout shows on every page (the viewer's collectives in the header menu, the
    unread count of their inbox)."""
    return [collective.my_collectives, inbox.unread_count]
