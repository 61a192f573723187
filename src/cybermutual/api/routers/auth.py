"""Register, get a token, who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
from fastapi.security import OAuth2PasswordRequestForm

from cybermutual.api.deps import BearerToken, CurrentMember, ServicesDep
from cybermutual.api.schemas import (
    MyMembershipPublic,
    PersonPublic,
    RegisterCreate,
    TokenPublic,
)

router = APIRouter(tags=["auth"])


@router.post("/auth/register", status_code=status.HTTP_201_CREATED, response_model=PersonPublic)
def register(body: RegisterCreate, services: ServicesDep) -> PersonPublic:
    person = services.auth.register(
        email=body.email, password=body.password, display_name=body.display_name
    )
    return PersonPublic(id=person.id, email=person.email, display_name=person.display_name)


@router.post("/auth/token", response_model=TokenPublic)
def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], services: ServicesDep
) -> TokenPublic:
    """OAuth2 password flow: form fields ``username`` (the email) and ``password``."""
    return TokenPublic(
        access_token=services.auth.login(email=form.username, password=form.password)
    )


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
