"""Who makes a chain's link: a member, or an enterprise some of whose members act for it.

An enterprise's recipe (``Recipe.enterprise_id``) makes the enterprise the link's producer: the
planner leaves the enterprise out after a decline (not the member who answered), any member
whose role there lets them sell (``Power.SELL``) may accept or decline the link, the link's order
is the enterprise's sale (its escrow pays the enterprise's account) and its delivery counts for
the member who delivered. This module answers, for the chain services, which people stand
behind a producer id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from cybermutual.domain.enterprise.kinds import Power, powers
from cybermutual.domain.errors import NotYourLink
from cybermutual.domain.supply.links import ChainLink
from cybermutual.services.ports import UnitOfWork


def enterprises_among(uow: UnitOfWork, ids: Iterable[str]) -> dict[str, str]:
    """The enterprises among producer ids, with their names (members are left out)."""
    return uow.enterprises.names(ids)


def sellers(uow: UnitOfWork, enterprise_id: str) -> list[str]:
    """The members who may act for ``enterprise_id`` on the market now, by id."""
    return sorted(
        {
            p.member_id
            for p in uow.enterprises.positions(enterprise_id)
            if Power.SELL in powers(frozenset({p.role}))
        }
    )


def people(uow: UnitOfWork, producer_ids: Iterable[str]) -> list[str]:
    """Who to tell about producers' links: a member, or each seller of an enterprise."""
    ids = list(dict.fromkeys(producer_ids))
    firms = enterprises_among(uow, ids)
    found: list[str] = []
    for producer in ids:
        found.extend(sellers(uow, producer) if producer in firms else [producer])
    return list(dict.fromkeys(found))


def may_answer(
    uow: UnitOfWork, link: ChainLink, member_id: str, *, firms: Mapping[str, str] | None = None
) -> bool:
    """Whether ``member_id`` may accept or decline ``link``: its producer, or for an
    enterprise's link, a member whose role there lets them sell (``firms``: the enterprises
    among the producers, when the caller knows them)."""
    if link.producer_id == member_id:
        return True
    if link.producer_id not in (
        enterprises_among(uow, [link.producer_id]) if firms is None else firms
    ):
        return False
    return Power.SELL in powers(uow.enterprises.roles_of(link.producer_id, member_id))


def answering_as(uow: UnitOfWork, link: ChainLink, member_id: str) -> str:
    """The producer ``member_id`` answers ``link`` for (``not_your_link`` for anyone else)."""
    if not may_answer(uow, link, member_id):
        raise NotYourLink(
            "only this link's producer (for an enterprise, a member whose role there lets them "
            "sell) may accept or decline it",
            link=link.id,
        )
    return link.producer_id


def acting_member(
    uow: UnitOfWork, link: ChainLink, *, declared_by: str | None, avoid: str
) -> str | None:
    """The member who takes an enterprise link's order as its seller: the one who declared the
    recipe while they may still sell for it, else the first other seller; never ``avoid`` (the
    requester: nobody sells to themselves). None when nobody can."""
    able = [m for m in sellers(uow, link.producer_id) if m != avoid]
    if declared_by in able:
        return declared_by
    return able[0] if able else None
