"""Small helpers every use case shares."""

from __future__ import annotations

import uuid

from cybermutual.domain.collective import Collective
from cybermutual.domain.errors import CollectiveNotFound, InvalidValue
from cybermutual.services.ports import UnitOfWork

MAX_PAGE = 200


def new_id() -> str:
    """A fresh opaque identifier (32 hex digits)."""
    return uuid.uuid4().hex


def load_collective(uow: UnitOfWork, slug: str) -> Collective:
    collective = uow.collectives.by_slug(slug)
    if collective is None:
        raise CollectiveNotFound(f"no collective '{slug}'", slug=slug)
    return collective


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidValue(f"limit must be 1..{MAX_PAGE}", field="limit")
    return limit
