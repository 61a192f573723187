"""Signing up, in and out, and changing one's password: the session cookie's life."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from cybermutual.domain.errors import DomainError, InvalidValue, TooManyAttempts
from cybermutual.services.auth import Scope
from cybermutual.web.rendering import refused, render
from cybermutual.web.routing import FormDep, page_router, see_other
from cybermutual.web.sessions import (
    DEVICE_COOKIE,
    MemberDep,
    ServicesDep,
    ViewerDep,
    end_session,
    remember_device,
    start_session,
)

router = page_router()


def _next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (never ``//elsewhere``)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/collectives"


def _signed_in(
    request: Request, services: ServicesDep, email: str, password: str, target: str
) -> Response:
    client = request.client.host if request.client else "unknown"
    login = services.auth.login(
        email=email,
        password=password,
        client=client,
        device=request.cookies.get(DEVICE_COOKIE),
        scope=Scope.WEB,
    )
    response = see_other(target)
    start_session(request, response, login.token)
    remember_device(request, response, login.device)
    return response


@router.get("/signup")
def signup_form(request: Request, viewer: ViewerDep, next: str | None = None) -> Response:
    return render(request, "account/signup.html", {"values": {}, "next": _next(next)})


@router.post("/signup")
def signup(request: Request, viewer: ViewerDep, services: ServicesDep, form: FormDep) -> Response:
    """A new person, signed in at once."""
    values = {k: form.get(k, "") for k in ("email", "display_name", "next")}
    try:
        if form.get("password", "") != form.get("password_again", ""):
            raise InvalidValue("the two passwords differ", field="password_again")
        services.auth.register(
            email=values["email"],
            password=form.get("password", ""),
            display_name=values["display_name"],
        )
        return _signed_in(
            request, services, values["email"], form.get("password", ""), _next(values["next"])
        )
    except DomainError as error:
        return refused(
            request, "account/signup.html", error, {"values": values, "next": _next(values["next"])}
        )


@router.get("/signin")
def signin_form(request: Request, viewer: ViewerDep, next: str | None = None) -> Response:
    if viewer.signed_in:
        return see_other(_next(next))
    return render(request, "account/signin.html", {"values": {}, "next": _next(next)})


@router.post("/signin")
def signin(request: Request, viewer: ViewerDep, services: ServicesDep, form: FormDep) -> Response:
    values = {k: form.get(k, "") for k in ("email", "next")}
    try:
        return _signed_in(
            request, services, values["email"], form.get("password", ""), _next(values["next"])
        )
    except DomainError as error:
        response = refused(
            request, "account/signin.html", error, {"values": values, "next": _next(values["next"])}
        )
        if isinstance(error, TooManyAttempts):
            response.headers["Retry-After"] = str(error.retry_after_seconds)
        return response


@router.post("/signout")
def signout(viewer: ViewerDep, services: ServicesDep) -> Response:
    """End this browser's session (the token is revoked, not only forgotten)."""
    if viewer.session:
        services.auth.logout(viewer.session)
    response = see_other("/", flash="You are signed out.")
    end_session(response)
    return response


@router.get("/account/password")
def password_form(request: Request, viewer: MemberDep) -> Response:
    return render(request, "account/password.html", {})


@router.post("/account/password")
def change_password(
    request: Request, viewer: MemberDep, services: ServicesDep, form: FormDep
) -> Response:
    """A new password; every other session and API token of the person is signed out."""
    try:
        if form.get("new_password", "") != form.get("new_password_again", ""):
            raise InvalidValue("the two new passwords differ", field="new_password_again")
        services.auth.change_password(
            viewer.id,
            current=form.get("current_password", ""),
            new=form.get("new_password", ""),
            keep=viewer.session or "",
        )
    except DomainError as error:
        if isinstance(error, InvalidValue) and error.context.get("field") == "password":
            error = InvalidValue(error.detail, field="new_password")
        return refused(request, "account/password.html", error, {}, status=422)
    return see_other("/profile", flash="Your password is changed; other sessions are signed out.")
