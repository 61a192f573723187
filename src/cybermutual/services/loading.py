"""Loading what a use case works on: the collective by its slug (with the caller an active
member of it, usually), pages within bounds."""

from __future__ import annotations

from cybermutual.domain.collective import Collective
from cybermutual.domain.errors import CollectiveNotFound, InvalidValue
from cybermutual.domain.membership import require_active
from cybermutual.services.ports import UnitOfWork

MAX_PAGE = 200


def check_id_cursor(cursor: str | None) -> str | None:
    """A cursor that is the last id of the previous page: 32 hex digits, or refused."""
    if cursor is not None and (len(cursor) != 32 or cursor.strip("0123456789abcdef")):
        raise InvalidValue("this cursor was not issued by this server", field="cursor")
    return cursor


def load_collective(uow: UnitOfWork, slug: str) -> Collective:
    collective = uow.collectives.by_slug(slug)
    if collective is None:
        raise CollectiveNotFound(f"no collective '{slug}'", slug=slug)
    return collective


def active_member_collective(uow: UnitOfWork, slug: str, member_id: str) -> Collective:
    """The collective, once ``member_id`` is found to be an active member of it
    (``collective_not_found``, then ``not_a_member``): the opening of most use cases."""
    collective = load_collective(uow, slug)
    require_active(uow.memberships.get(collective.id, member_id))
    return collective


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidValue(f"limit must be 1..{MAX_PAGE}", field="limit")
    return limit
