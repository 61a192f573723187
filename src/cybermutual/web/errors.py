"""What a person sees when something is refused or missing: a page, never a stack trace."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from cybermutual.web.rendering import render
from cybermutual.web.sessions import CsrfRefused, SignInRequired

_FRIENDLY = {
    404: ("Page not found", "There is nothing here. The link may be old, or the page was moved."),
    403: ("Not allowed", "You cannot do this here."),
    429: ("Too many attempts", "Please wait a moment and try again."),
    500: ("Something went wrong", "Something went wrong on our side; nothing was changed."),
    503: ("Busy right now", "The system cannot serve this now; nothing was changed. Try again."),
}


def sign_in_first(request: Request) -> RedirectResponse:
    """To the sign-in page, coming back here afterwards (only for a page that can be shown)."""
    back = request.url.path if request.method == "GET" else request.headers.get("referer", "/")
    target = f"/signin?next={quote(back, safe='/')}"
    if request.headers.get("HX-Request"):
        return RedirectResponse(target, status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def error_page(
    request: Request,
    status: int,
    code: str,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """The error page for a status (the domain's own words when they help the reader)."""
    if code in ("not_authenticated", "invalid_credentials") or status == 401:
        return sign_in_first(request)
    heading, default = _FRIENDLY.get(status, ("Request refused", detail))
    message = (
        default if status in (404, 500) and code in ("not_found", "internal_error") else detail
    )
    response = render(
        request,
        "public/error.html",
        {"status": status, "heading": heading, "message": message, "code": code},
        status=status,
    )
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            response.headers[name] = value
    return response


async def _sign_in(request: Request, exc: Exception) -> Response:
    return sign_in_first(request)


async def _csrf(request: Request, exc: Exception) -> Response:
    return error_page(
        request,
        403,
        "csrf_refused",
        "Form expired",
        "This form could not be accepted (it expired or came from another site). "
        "Reload the page and try again; nothing was changed.",
    )


def install_errors(app: FastAPI) -> None:
    app.state.page_errors = error_page
    app.add_exception_handler(SignInRequired, _sign_in)
    app.add_exception_handler(CsrfRefused, _csrf)
