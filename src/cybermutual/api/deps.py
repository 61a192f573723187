"""FastAPI dependencies: the services, the current person, the idempotency key."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import OAuth2PasswordBearer

from cybermutual.domain.errors import IdempotencyKeyRequired, Unauthenticated
from cybermutual.domain.people import Person
from cybermutual.services.container import Services

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def bearer_token(token: Annotated[str | None, Depends(_bearer)]) -> str:
    if not token:
        raise Unauthenticated("send 'Authorization: Bearer <token>' (POST /api/v1/auth/token)")
    return token


BearerToken = Annotated[str, Depends(bearer_token)]


def current_person(services: ServicesDep, token: BearerToken) -> Person:
    return services.auth.authenticate(token)


CurrentMember = Annotated[Person, Depends(current_person)]


#: The description that marks the header required in the OpenAPI document (``app.py``): it is
#: declared optional to FastAPI, so a missing key gets our ``idempotency_key_required`` problem
#: instead of a generic validation error.
REQUIRED_KEY = "Required: a unique key per intended request; a retry with the same key replays it."


def idempotency_key(
    key: Annotated[str | None, Header(alias="Idempotency-Key", description=REQUIRED_KEY)] = None,
) -> str:
    if not key or not key.strip():
        raise IdempotencyKeyRequired("money-moving requests need an 'Idempotency-Key' header")
    return key


IdempotencyKey = Annotated[str, Depends(idempotency_key)]
