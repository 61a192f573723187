"""Refuse, at the door, requests no handler should ever see.

- Bodies larger than ``MAX_BODY`` bytes: ``413 payload_too_large`` (``MAX_EXPORT_BODY`` where a
  member's signed history export is posted: ``EXPORT_PATHS``).
- A NUL character anywhere in the path, the query or the body (raw, or JSON-escaped as
  ``\\u0000``): ``422 validation_error``. PostgreSQL cannot store NUL in text, and no name,
  memo or id in this system has a use for one.
- A body under ``/api/`` that is not declared as JSON (curl's ``-d`` sends
  ``application/x-www-form-urlencoded`` unless told otherwise): ``415 unsupported_media_type``,
  saying which header to send. The OAuth2 token endpoint takes its standard form instead.

And on the way out, every answer says ``X-Content-Type-Options: nosniff``, every API answer
``Cache-Control: no-store`` (balances and ledgers are nobody's cache's business), and an error
no handler expected becomes a ``500 internal_error`` problem document with
``Connection: close`` (so a keep-alive client is told before the connection is dropped).
"""

from __future__ import annotations

import json
import logging
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cybermutual.api.problems import PROBLEM, problem_body

MAX_BODY = 1 << 20  # 1 MiB: far above any legitimate request here
MAX_EXPORT_BODY = 8 << 20  # a signed history export holds every posting (domain/history_export)
EXPORT_PATHS = re.compile(
    r"^(/api/v1/exports/verify|/api/v1/collectives/[^/]+/memberships(/me/histories)?"
    r"|/c/[^/]+/(join|history))$"
)
_NUL_IN_URL = (b"\x00", b"%00")
_NUL_IN_BODY = (b"\x00", b"\\u0000")
API = "/api/"
#: Endpoints whose body is an HTML form (OAuth2's password grant), not JSON.
FORM_PATHS = frozenset({"/api/v1/auth/token"})
_FORM = "application/x-www-form-urlencoded"
log = logging.getLogger(__name__)


class RequestGuard:
    """Pure ASGI middleware (it must see the raw bytes before FastAPI parses them)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        api = scope.get("path", "").startswith("/api/")

        async def send_safely(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers.append((b"x-content-type-options", b"nosniff"))
                if api and b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self._guard(scope, receive, send_safely)
        except Exception:
            if started:
                raise  # the answer is under way: nothing left to say but what the server does
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            await _problem(
                send_safely,
                500,
                "internal_error",
                "Internal error",
                "something went wrong on our side; nothing was changed",
                close=True,
            )

    async def _guard(self, scope: Scope, receive: Receive, send: Send) -> None:
        url = scope.get("raw_path", b"") + b"?" + scope.get("query_string", b"")
        if any(mark in url for mark in _NUL_IN_URL) or "\x00" in scope.get("path", ""):
            await _problem(
                send, 422, "validation_error", "Invalid request", "the URL contains a NUL character"
            )
            return
        chunks: list[bytes] = []
        size = 0
        limit = MAX_EXPORT_BODY if EXPORT_PATHS.match(scope.get("path", "")) else MAX_BODY
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message], receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _problem(
                    send,
                    413,
                    "payload_too_large",
                    "Payload too large",
                    f"request bodies are limited to {limit} bytes",
                )
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if any(mark in body.lower() for mark in _NUL_IN_BODY):
            await _problem(
                send,
                422,
                "validation_error",
                "Invalid request",
                "the body contains a NUL character",
            )
            return
        if body.strip() and (refusal := _media_type_refusal(scope)):
            await _problem(
                send,
                415,
                "unsupported_media_type",
                "Unsupported media type",
                refusal,
                instance=scope.get("path", ""),
            )
            return
        await self.app(scope, _replay([{"type": "http.request", "body": body}], receive), send)


def _media_type_refusal(scope: Scope) -> str | None:
    """Why this request's body is in the wrong format for its endpoint, or None when it is not."""
    path: str = scope.get("path", "")
    if not path.startswith(API):
        return None
    sent = ""
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            sent = value.decode("latin-1")
    media_type = sent.partition(";")[0].strip().lower()
    got = f"got {sent!r}" if sent else "no Content-Type header was sent"
    if path.rstrip("/") in FORM_PATHS:
        if media_type in (_FORM, "multipart/form-data"):
            return None
        return (
            f"this endpoint takes an OAuth2 form (Content-Type: {_FORM}, "
            f"username=...&password=...), {got}"
        )
    if media_type == "application/json" or media_type.endswith("+json"):
        return None
    return (
        "the body must be JSON, declared with the header 'Content-Type: application/json' "
        f"(with curl: -H 'Content-Type: application/json'); {got}"
    )


def _replay(messages: list[Message], then: Receive) -> Receive:
    """The messages already read, then the client's own (its disconnect comes when it comes).

    Answering ``http.disconnect`` at once instead would make streamed and file responses (the
    docs' static files) stop before their first byte: they end when the client is gone.
    """
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await then()

    return replay


async def _problem(
    send: Send,
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    instance: str | None = None,
    close: bool = False,
) -> None:
    body = problem_body(status, code=code, title=title, detail=detail)
    if instance is not None:
        body["instance"] = instance  # as the app's own problems have (not for a URL with a NUL)
    payload = json.dumps(body).encode()
    headers = [
        (b"content-type", PROBLEM.encode()),
        (b"content-length", str(len(payload)).encode()),
    ]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
