"""Refuse, at the door, requests no handler should ever see.

- Bodies larger than ``MAX_BODY`` bytes: ``413 payload_too_large``.
- A NUL character anywhere in the path, the query or the body (raw, or JSON-escaped as
  ``\\u0000``): ``422 validation_error``. PostgreSQL cannot store NUL in text, and no name,
  memo or id in this system has a use for one.

And on the way out, every answer says ``X-Content-Type-Options: nosniff``, every API answer
``Cache-Control: no-store`` (balances and ledgers are nobody's cache's business), and an error
no handler expected becomes a ``500 internal_error`` problem document with
``Connection: close`` (so a keep-alive client is told before the connection is dropped).
"""

from __future__ import annotations

import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cybermutual.api.problems import PROBLEM, problem_body

MAX_BODY = 1 << 20  # 1 MiB: far above any legitimate request here
_NUL_IN_URL = (b"\x00", b"%00")
_NUL_IN_BODY = (b"\x00", b"\\u0000")
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
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message], receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY:
                await _problem(
                    send,
                    413,
                    "payload_too_large",
                    "Payload too large",
                    f"request bodies are limited to {MAX_BODY} bytes",
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
        await self.app(scope, _replay([{"type": "http.request", "body": body}], receive), send)


def _replay(messages: list[Message], then: Receive) -> Receive:
    """The messages already read, then the server's own (so a handler hears a disconnect)."""
    pending = list(messages)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        return await then()

    return receive


async def _problem(
    send: Send, status: int, code: str, title: str, detail: str, *, close: bool = False
) -> None:
    payload = json.dumps(problem_body(status, code=code, title=title, detail=detail)).encode()
    headers = [
        (b"content-type", PROBLEM.encode()),
        (b"content-length", str(len(payload)).encode()),
    ]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
