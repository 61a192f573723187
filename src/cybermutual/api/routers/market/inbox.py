"""The market inbox over HTTP."""

from __future__ import annotations

from fastapi import APIRouter

from cybermutual.api.deps import CurrentMember, ServicesDep
from cybermutual.api.names import NamedRoute
from cybermutual.api.params import COLLECTIVE_PATH, Cursor, Limit
from cybermutual.api.routers.market.mappers import inbox_item_public
from cybermutual.api.schemas_market import (
    InboxPublic,
    MarkedPublic,
    MarkReadCreate,
    PersonInboxPublic,
    PlacedInboxItemPublic,
)

router = APIRouter(tags=["market"], route_class=NamedRoute)


@router.get(f"{COLLECTIVE_PATH}/inbox", response_model=InboxPublic)
def inbox(
    slug: str,
    person: CurrentMember,
    services: ServicesDep,
    unread: bool = False,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> InboxPublic:
    """What needs your attention in this collective's market, newest first."""
    found = services.market.inbox(
        slug, member_id=person.id, unread_only=unread, limit=limit, cursor=cursor
    )
    return InboxPublic(
        items=[inbox_item_public(i) for i in found.page.items],
        next_cursor=found.page.next_cursor,
        unread=found.unread,
    )


@router.post(f"{COLLECTIVE_PATH}/inbox/read", response_model=MarkedPublic)
def mark_read(
    slug: str, body: MarkReadCreate, person: CurrentMember, services: ServicesDep
) -> MarkedPublic:
    """Mark these items (or all, without ``ids``) read."""
    return MarkedPublic(marked=services.market.mark_read(slug, member_id=person.id, ids=body.ids))


@router.get("/inbox", response_model=PersonInboxPublic)
def inbox_everywhere(
    person: CurrentMember,
    services: ServicesDep,
    unread: bool = False,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> PersonInboxPublic:
    """Your inbox in every collective you belong or belonged to, newest first, with the
    unread count of all of them (what the web app's header shows)."""
    found = services.market.inbox_of_person(
        person.id, unread_only=unread, limit=limit, cursor=cursor
    )
    return PersonInboxPublic(
        items=[
            PlacedInboxItemPublic(
                **inbox_item_public(p.item).model_dump(),
                collective=p.slug,
                collective_name=p.collective_name,
            )
            for p in found.items
        ],
        next_cursor=found.next_cursor,
        unread=found.unread,
    )


@router.post("/inbox/read", response_model=MarkedPublic)
def mark_read_everywhere(
    body: MarkReadCreate, person: CurrentMember, services: ServicesDep
) -> MarkedPublic:
    """Mark these of your items, in any collective (or all, without ``ids``), read."""
    return MarkedPublic(marked=services.market.mark_read_of_person(person.id, ids=body.ids))
