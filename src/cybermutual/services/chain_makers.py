"""Who makes a chain's link: a member, or an enterprise some of whose members act for it.

An enterprise's recipe (``Recipe.enterprise_id``) gives links whose producer is the enterprise
(``ChainLink.maker_id``): the planner leaves the enterprise out after a decline (not only the
member who answered), any member whose role there lets them sell (``Power.SELL``) may accept or
decline the link, the link's order is the enterprise's sale (its escrow pays the enterprise's
account) taken by the member who accepted it, and its delivery counts for whoever delivered.
This module answers, for the chain services, which people stand behind a producer.
"""

from __future__ import annotations

from collections.abc import Iterable

from cybermutual.domain.enterprise.kinds import Power, powers
from cybermutual.domain.errors import NotYourLink
from cybermutual.domain.supply.links import ChainLink
from cybermutual.services.ports import UnitOfWork


def sellers(uow: UnitOfWork, enterprise_id: str) -> list[str]:
    """The members who may act for ``enterprise_id`` on the market now, by id."""
    return sorted(
        {
            p.member_id
            for p in uow.enterprises.positions(enterprise_id)
            if Power.SELL in powers(frozenset({p.role}))
        }
    )


def people(uow: UnitOfWork, links: Iterable[ChainLink]) -> list[str]:
    """Who to tell about ``links``: each member producer, or each seller of an enterprise."""
    found: list[str] = []
    for link in links:
        found.extend(sellers(uow, link.enterprise_id) if link.enterprise_id else [link.producer_id])
    return list(dict.fromkeys(found))


def may_answer(uow: UnitOfWork, link: ChainLink, member_id: str) -> bool:
    """Whether ``member_id`` may accept or decline ``link``: its producer, or for an
    enterprise's link, a member whose role there lets them sell."""
    if link.enterprise_id is None:
        return link.producer_id == member_id
    return Power.SELL in powers(uow.enterprises.roles_of(link.enterprise_id, member_id))


def answering_as(uow: UnitOfWork, link: ChainLink, member_id: str) -> str:
    """The producer ``member_id`` answers ``link`` for (``not_your_link`` for anyone else)."""
    if not may_answer(uow, link, member_id):
        raise NotYourLink(
            "only this link's producer (for an enterprise, a member whose role there lets them "
            "sell) may accept or decline it",
            link=link.id,
        )
    return link.maker_id


def acting_member(uow: UnitOfWork, link: ChainLink, *, avoid: str) -> str | None:
    """The member who takes a link's order as its seller. A member's link: its producer. An
    enterprise's: the member who accepted it while they may still sell for it, else the first
    other seller; never ``avoid`` (the requester: nobody sells to themselves). None when
    nobody can."""
    if link.enterprise_id is None:
        return link.producer_id
    able = [m for m in sellers(uow, link.enterprise_id) if m != avoid]
    if link.producer_id in able:
        return link.producer_id
    return able[0] if able else None
