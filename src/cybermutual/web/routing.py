"""The one way page routers are made: CSRF-checked, HTML by default, out of the API schema."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from cybermutual.web.sessions import FLASH_COOKIE, check_csrf


def page_router() -> APIRouter:
    """A router whose every unsafe request must carry the page's CSRF token."""
    return APIRouter(
        include_in_schema=False,
        dependencies=[Depends(check_csrf)],
        default_response_class=HTMLResponse,
    )


async def form_values(request: Request) -> dict[str, str]:
    """The posted form's text fields (files are not taken by any page)."""
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


FormDep = Annotated[dict[str, str], Depends(form_values)]


def see_other(url: str, *, flash: str | None = None) -> RedirectResponse:
    """After a successful form: to the page that shows the result (POST/redirect/GET), with a
    one-time notice."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        response.set_cookie(FLASH_COOKIE, quote(flash[:300]), httponly=True, samesite="lax")
    return response
