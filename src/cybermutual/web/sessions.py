"""Who is looking at a page: the session cookie, the CSRF token, the time zone.

The session cookie holds a token of scope ``web`` (``services/auth.Scope``): the JSON API does not
accept it, and pages never read an ``Authorization`` header, so a bearer token does not work on a
form. Forms carry a CSRF token that must match the ``cm_csrf`` cookie (a double-submit token that
another site can neither read nor set), on top of ``SameSite=Lax`` cookies and an ``Origin`` check.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Depends, Request
from starlette.responses import Response

from cybermutual.domain.errors import Unauthenticated
from cybermutual.domain.people import Person
from cybermutual.services.auth import Scope
from cybermutual.services.container import Services

SESSION_COOKIE = "cm_session"
CSRF_COOKIE = "cm_csrf"
FLASH_COOKIE = "cm_flash"  # a one-time notice after a redirect ("Paid 12.00 RIV to Ada")
DEVICE_COOKIE = "cm_device"  # makes this browser a known client to the login throttle
TZ_COOKIE = "cm_tz"  # set by app.js from the browser's Intl time zone
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"  # htmx requests send the token in this header (layout.html)
SESSION_DAYS = 14
UTC = ZoneInfo("UTC")


class SignInRequired(Exception):
    """A page for members only, asked for by someone not signed in."""


class CsrfRefused(Exception):
    """A form post without the page's CSRF token, or from another origin."""


@dataclass(frozen=True, slots=True)
class Viewer:
    """The person behind a request (None when signed out), and what their pages need."""

    person: Person | None
    session: str | None
    csrf: str
    tz: ZoneInfo
    new_csrf: bool = False

    @property
    def signed_in(self) -> bool:
        return self.person is not None

    @property
    def id(self) -> str:
        """The signed-in person's id (member-only pages take ``MemberDep``, so it is set)."""
        if self.person is None:
            raise SignInRequired
        return self.person.id


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _zone(cookie: str | None) -> ZoneInfo:
    name = unquote(cookie or "")  # app.js writes it URL-encoded (Europe%2FBerlin)
    if not name or len(name) > 64:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def current_viewer(request: Request) -> Viewer:
    """The viewer of this request, read once per request."""
    found: Viewer | None = getattr(request.state, "viewer", None)
    if found is not None:
        return found
    session = request.cookies.get(SESSION_COOKIE)
    person = None
    if session:
        try:
            person = services_of(request).auth.authenticate(session, scope=Scope.WEB)
        except Unauthenticated:
            session = None
    csrf = request.cookies.get(CSRF_COOKIE) or ""
    new_csrf = len(csrf) < 20
    if new_csrf:
        csrf = secrets.token_urlsafe(24)
    viewer = Viewer(person, session, csrf, _zone(request.cookies.get(TZ_COOKIE)), new_csrf)
    request.state.viewer = viewer
    return viewer


def signed_in(request: Request) -> Viewer:
    viewer = current_viewer(request)
    if viewer.person is None:
        raise SignInRequired
    return viewer


ViewerDep = Annotated[Viewer, Depends(current_viewer)]
MemberDep = Annotated[Viewer, Depends(signed_in)]
ServicesDep = Annotated[Services, Depends(services_of)]


async def check_csrf(request: Request) -> None:
    """Refuse an unsafe request whose CSRF token is missing or wrong, or that comes from
    another origin (every page router depends on this; safe methods pass)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    origin = request.headers.get("origin")
    host = request.headers.get("host", request.url.netloc)
    if origin and origin != "null" and urlsplit(origin).netloc != host:
        raise CsrfRefused
    expected = request.cookies.get(CSRF_COOKIE) or ""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        field = form.get(CSRF_FIELD)
        sent = field if isinstance(field, str) else ""
    if not expected or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise CsrfRefused


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def remember_csrf(request: Request, response: Response, viewer: Viewer) -> None:
    """Set the CSRF cookie the page's forms were rendered with, if the browser had none."""
    if viewer.new_csrf:
        response.set_cookie(
            CSRF_COOKIE, viewer.csrf, httponly=True, samesite="lax", secure=_secure(request)
        )


def start_session(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_DAYS * 86_400,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )


def remember_device(request: Request, response: Response, device: str) -> None:
    """The device token that makes this browser a known client to the login throttle."""
    response.set_cookie(
        DEVICE_COOKIE,
        device,
        max_age=180 * 86_400,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE)
