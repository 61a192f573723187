"""The one map from errors to RFC 9457 problem documents with a stable ``code``.

Domain errors map by branch (NotFound 404, Unauthenticated 401, Forbidden 403, Conflict 409,
TooManyAttempts 429, Unavailable 503, RuleViolation 422); request validation is 422
``validation_error`` (400 ``malformed_json`` when the body is not JSON); a body not declared as
JSON is refused before routing with 415 ``unsupported_media_type`` (``guards.py``); nothing else
escapes as a bare 500.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from cybermutual.domain import errors

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"

_STATUS: list[tuple[type[errors.DomainError], int]] = [
    (errors.NotFound, 404),
    (errors.Unauthenticated, 401),
    (errors.Forbidden, 403),
    (errors.Conflict, 409),
    (errors.TooManyAttempts, 429),
    (errors.Unavailable, 503),
    (errors.RuleViolation, 422),
]
_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def status_of(error: errors.DomainError) -> int:
    for branch, status in _STATUS:
        if isinstance(error, branch):
            return status
    return 400


def problem(
    status: int,
    *,
    code: str,
    title: str,
    detail: str,
    request: Request | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """The problem document; outside ``/api/`` the web app's error page for it, when the app
    serves pages (``app.state.page_errors``, set by ``web.install``)."""
    if request is not None and not request.url.path.startswith(("/api/", "/federation/")):
        page = getattr(request.app.state, "page_errors", None)
        if page is not None:
            shown: Response = page(request, status, code, title, detail, headers)
            return shown
    body = problem_body(status, code=code, title=title, detail=detail, **extra)
    if request is not None:
        body["instance"] = request.url.path
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def problem_body(
    status: int, *, code: str, title: str, detail: str, **extra: Any
) -> dict[str, Any]:
    """An RFC 9457 problem document with this system's stable ``code``."""
    return {
        "type": f"https://cybermutual.org/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }


def _safe(value: Any) -> Any:
    """Context values that are plain JSON; anything else as text."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [_safe(v) for v in value]
    if isinstance(value, dict):  # e.g. a chain's shortfall: [{"good", "units"}]
        return {str(k): _safe(v) for k, v in value.items()}
    return str(value)


async def _domain(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.DomainError)
    status = status_of(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, errors.Unauthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, errors.TooManyAttempts | errors.Unavailable):
        headers["Retry-After"] = str(exc.retry_after_seconds)
    context = {k: _safe(v) for k, v in exc.context.items()}
    return problem(
        status,
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        request=request,
        headers=headers or None,
        **({"context": context} if context else {}),
    )


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    found = [
        {
            "loc": [_safe(p) for p in e.get("loc", ())],
            "message": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in exc.errors()
    ]
    if any(e["type"] == "json_invalid" for e in found):
        return problem(
            400,
            code="malformed_json",
            title="Malformed JSON",
            detail="the request body is not valid JSON",
            request=request,
        )
    where = ", ".join(f"{'.'.join(map(str, e['loc']))}: {e['message']}" for e in found[:5])
    return problem(
        422,
        code="validation_error",
        title="Invalid request",
        detail=where or "the request is not valid",
        request=request,
        errors=found,
    )


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    return problem(
        exc.status_code,
        code=code,
        title=code.replace("_", " ").capitalize(),
        detail=str(exc.detail),
        request=request,
        headers=dict(exc.headers) if exc.headers else None,
    )


async def _storage(request: Request, exc: Exception) -> Response:
    """A storage refusal the store can name (a race: 409; storage that cannot write now: 503),
    else a 500."""
    named = request.app.state.services.faults.translate(exc)
    if named is None:
        return await _unexpected(request, exc)
    if isinstance(named, errors.Unavailable):
        log.warning("storage unavailable on %s %s: %s", request.method, request.url.path, exc)
    return await _domain(request, named)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(
        500,
        code="internal_error",
        title="Internal error",
        detail="something went wrong on our side; nothing was changed",
        request=request,
        headers={"Connection": "close"},  # say so before the server drops a keep-alive
    )


def install(app: FastAPI, storage_faults: tuple[type[Exception], ...] = ()) -> None:
    """Register every translation on ``app``; ``storage_faults`` are the store's driver errors."""
    app.add_exception_handler(errors.DomainError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    for kind in storage_faults:
        app.add_exception_handler(kind, _storage)
    app.add_exception_handler(Exception, _unexpected)
