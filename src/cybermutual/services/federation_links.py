"""Links as governance applies them: ``open_link``, ``suspend_link``, ``close_link``.

Each runs inside the transaction that closes the passed proposal, changes only this side's rows
and leaves in the link's *outbox* the signed message the peer must receive (offer, accept,
suspend, close); ``FederationService.tick`` delivers it after the commit and keeps resending
until the peer answers, so a vote is never lost to a peer that is down.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from cybermutual.domain.collective import Collective
from cybermutual.domain.errors import LinkNotFound
from cybermutual.domain.federation.links import (
    Link,
    LinkEvent,
    LinkState,
    Peer,
    Terms,
    after_suspensions,
    next_state,
)
from cybermutual.domain.federation.messages import MessageKind
from cybermutual.domain.governance import kinds as k
from cybermutual.domain.ledger import Account, AccountKind
from cybermutual.services.ids import new_id
from cybermutual.services.ports import UnitOfWork

Changes = list[dict[str, Any]]


def _change(field: str, before: object, after: object) -> dict[str, Any]:
    return {"field": field, "from": before, "to": after}


def new_link(
    uow: UnitOfWork,
    collective: Collective,
    peer: Peer,
    terms: Terms,
    state: LinkState,
    *,
    now: datetime,
) -> Link:
    """A link row and its link account (credit limit: how far the peer's members may draw)."""
    link_id = new_id()
    account = Account(
        new_id(), collective.id, AccountKind.CLEARING, link_id, credit_limit=terms.limit_in
    )
    uow.accounts.add(account)
    return Link(
        id=link_id,
        collective_id=collective.id,
        peer=peer,
        state=state,
        terms=terms,
        account_id=account.id,
        created_at=now,
    )


def open_link(
    uow: UnitOfWork, collective: Collective, effect: k.OpenLink, *, now: datetime
) -> Changes:
    peer = Peer(effect.peer, effect.peer_url)
    terms = Terms(effect.rate, effect.limit_out, effect.limit_in)
    link = uow.federation.link_to(collective.id, peer)
    if link is None:
        link = new_link(uow, collective, peer, terms, next_state(None, LinkEvent.WE_PASS), now=now)
        uow.federation.add_link(link, outbox=MessageKind.LINK_OFFER.value)
        return [
            _change("links", None, {"id": link.id, "state": link.state.value, **effect.params()})
        ]
    before = link.state
    next_state(link.state, LinkEvent.WE_PASS)  # refuses a closing link
    changed = replace(link, terms=terms)
    uow.accounts.set_credit_limit(link.account_id, terms.limit_in)
    outbox: str | None = MessageKind.LINK_OFFER.value
    if link.state is LinkState.CLOSED:  # reopened: offered to the peer again, from nothing
        changed = replace(
            changed,
            peer_terms=None,
            suspended_by_us=False,
            suspended_by_peer=False,
            activated_at=None,
            closed_at=None,
        ).with_state(LinkState.AWAITING_PEER, now=now)
    elif link.state is LinkState.OFFERED and changed.terms_match:
        changed = changed.with_state(LinkState.ACTIVE, now=now)
        outbox = MessageKind.LINK_ACCEPT.value
    elif link.state is LinkState.OFFERED:
        changed = changed.with_state(LinkState.AWAITING_PEER, now=now)
    elif link.state in (LinkState.ACTIVE, LinkState.SUSPENDED):
        # new limits take effect at once; a suspension of ours is lifted
        changed = after_suspensions(replace(changed, suspended_by_us=False), now=now)
        outbox = MessageKind.LINK_SUSPEND.value if link.suspended_by_us else None
        if link.terms.rate != terms.rate:
            changed = replace(changed, terms=replace(terms, rate=link.terms.rate))
    uow.federation.save_link(changed, outbox=outbox)
    return [
        _change(f"links[{link.id}].state", before.value, changed.state.value),
        _change(f"links[{link.id}].terms", _terms(link.terms), _terms(changed.terms)),
    ]


def _terms(terms: Terms) -> dict[str, Any]:
    return {"rate": str(terms.rate), "limit_out": terms.limit_out, "limit_in": terms.limit_in}


def _locked(uow: UnitOfWork, collective: Collective, link_id: str) -> Link:
    found = uow.federation.lock_link(link_id)
    if found is None or found[0].collective_id != collective.id:
        raise LinkNotFound("no such link in this collective", link=link_id)
    return found[0]


def suspend_link(
    uow: UnitOfWork, collective: Collective, effect: k.SuspendLink, *, now: datetime
) -> Changes:
    link = _locked(uow, collective, effect.link)
    next_state(link.state, LinkEvent.SUSPEND)
    changed = after_suspensions(replace(link, suspended_by_us=True), now=now)
    uow.federation.save_link(changed, outbox=MessageKind.LINK_SUSPEND.value)
    return [_change(f"links[{link.id}].state", link.state.value, changed.state.value)]


def close_link(
    uow: UnitOfWork, collective: Collective, effect: k.CloseLink, *, now: datetime
) -> Changes:
    link = _locked(uow, collective, effect.link)
    changed = closed(uow, link, LinkEvent.CLOSE, now=now)
    uow.federation.save_link(changed, outbox=MessageKind.LINK_CLOSE.value)
    return [_change(f"links[{link.id}].state", link.state.value, changed.state.value)]


def closed(uow: UnitOfWork, link: Link, event: LinkEvent, *, now: datetime) -> Link:
    """The link after a close (ours or the peer's): closed at once if nothing is owed either way
    and nothing is in flight, frozen (``closing``) otherwise."""
    state = next_state(link.state, event)
    changed = link.with_state(state, now=now)
    if state is LinkState.CLOSING:
        changed = settled_if_zero(uow, changed, now=now)
    return changed


def settled_if_zero(uow: UnitOfWork, link: Link, *, now: datetime) -> Link:
    if link.state is not LinkState.CLOSING:
        return link
    account = uow.accounts.get(link.account_id)
    held = uow.federation.held(link.id)
    if account is not None and account.balance == 0 and held.out == 0 and held.into == 0:
        return link.with_state(next_state(link.state, LinkEvent.SETTLED), now=now)
    return link
