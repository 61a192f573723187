"""Register, get a token, who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from cybermutual.api.deps import BearerToken, CurrentMember, ServicesDep
from cybermutual.api.schemas import (
    MyMembershipPublic,
    PersonPublic,
    RegisterCreate,
    TokenPublic,
)
from cybermutual.domain.login_throttle import KNOWN_CLIENT_FOR

router = APIRouter(tags=["auth"])

#: Sent back on every login; a client that keeps it is *known* to the accounts it logged in to,
#: so a stranger's failed guesses never slow its logins down (see ``domain/login_throttle``).
DEVICE_COOKIE = "cybermutual_device"


@router.post("/auth/register", status_code=status.HTTP_201_CREATED, response_model=PersonPublic)
def register(body: RegisterCreate, services: ServicesDep) -> PersonPublic:
    person = services.auth.register(
        email=body.email, password=body.password, display_name=body.display_name
    )
    return PersonPublic(id=person.id, email=person.email, display_name=person.display_name)


@router.post("/auth/token", response_model=TokenPublic)
def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    services: ServicesDep,
    request: Request,
    response: Response,
) -> TokenPublic:
    """OAuth2 password flow: form fields ``username`` (the email) and ``password``.

    Failed attempts are throttled per account and client with an exponential back-off
    (``429 too_many_login_attempts`` with ``Retry-After``); a client that keeps the
    ``cybermutual_device`` cookie from an earlier success is never slowed down by others.
    """
    login = services.auth.login(
        email=form.username,
        password=form.password,
        client=request.client.host if request.client else "unknown",
        device=request.cookies.get(DEVICE_COOKIE),
    )
    response.set_cookie(
        DEVICE_COOKIE,
        login.device,
        max_age=int(KNOWN_CLIENT_FOR.total_seconds()),
        path="/api/v1/auth",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return TokenPublic(access_token=login.token)


@router.delete("/auth/token", status_code=status.HTTP_204_NO_CONTENT)
def logout(person: CurrentMember, token: BearerToken, services: ServicesDep) -> None:
    """Log out: this token stops working at once."""
    services.auth.logout(token)


@router.get("/me", response_model=PersonPublic)
def me(person: CurrentMember, services: ServicesDep) -> PersonPublic:
    """Who you are, and the collectives you belong to (or asked to join, or left)."""
    return PersonPublic(
        id=person.id,
        email=person.email,
        display_name=person.display_name,
        memberships=[
            MyMembershipPublic(
                collective=slug,
                name=name,
                status=m.status.value,
                joined_at=m.joined_at,
                left_at=m.left_at,
            )
            for slug, name, m in services.collectives.memberships_of(person.id)
        ],
    )
