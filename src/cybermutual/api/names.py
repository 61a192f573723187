"""Display names beside member ids, in every response that names a person.

The convention: a field holding a member id keeps its name and value, and gains a sibling with
the person's display name (``owner_id`` -> ``owner_name``, ``from`` -> ``from_name``,
``opened_by`` -> ``opened_by_name``). Existing clients keep working; new ones show names. System
accounts (``commons_fund``) and ids nobody has get ``null``. Names are looked up once per
response, however many people it names.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from fastapi.routing import APIRoute
from pydantic import BaseModel

from cybermutual.services.container import Services

T = TypeVar("T")

#: id field -> name field, for every response field that holds a member id.
PERSON_FIELDS = {
    "from_": "from_name",
    "to": "to_name",
    "member_id": "member_name",
    "owner_id": "owner_name",
    "buyer_id": "buyer_name",
    "seller_id": "seller_name",
    "quoter_id": "quoter_name",
    "applicant_id": "applicant_name",
    "author_id": "author_name",
    "subject_id": "subject_name",  # a review's subject (an inbox item has no subject_name)
    "opened_by": "opened_by_name",
    "proposed_by": "proposed_by_name",
    "contributed_by": "contributed_by_name",
    "actor_id": "actor_name",
}


def _pairs(value: Any) -> Iterator[tuple[BaseModel, str, str]]:
    """(model, id field, name field) for every person named in ``value``, nested included."""
    if isinstance(value, BaseModel):
        fields = type(value).model_fields
        for id_field, name_field in PERSON_FIELDS.items():
            if id_field in fields and name_field in fields:
                yield value, id_field, name_field
        for field in fields:
            yield from _pairs(getattr(value, field))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _pairs(item)


def named(services: Services, value: T) -> T:
    """``value`` (a response model, or a list of them) with every person's name filled in."""
    pairs = list(_pairs(value))
    ids = {getattr(model, id_field) for model, id_field, _ in pairs}
    names = services.auth.names(i for i in ids if isinstance(i, str)) if ids else {}
    unnamed = {i for i in ids if isinstance(i, str) and i not in names and len(i) == 32}
    if unnamed:  # an enterprise's account (wages, shares, its sales) is named by the enterprise
        names = {**names, **services.enterprises.names(unnamed)}
    for model, id_field, name_field in pairs:
        setattr(model, name_field, names.get(getattr(model, id_field)))
    return value


def _with_names(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    def answer(*args: Any, **kwargs: Any) -> Any:
        result = endpoint(*args, **kwargs)
        services = kwargs.get("services")
        return named(services, result) if isinstance(services, Services) else result

    return answer


class NamedRoute(APIRoute):
    """A route whose answer gets every person's display name beside their id (``named``).

    The routers of the ledger, the market and the commons use it, so no endpoint can forget.
    The endpoint's own signature (its parameters and dependencies) is kept as written.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        super().__init__(path, _with_names(endpoint), **options)
