"""A link between two collectives: its handshake, its states and its limits.

A link exists on each side as its own row and its own *link account* (``AccountKind.CLEARING``)
in that side's ledger. The **position** is that account's balance in our currency: positive when
our members have paid more into the link than they received through it (we owe the peer), negative
when the peer owes us. Every cross-payment moves it, in both directions, so opposite flows net on
the account itself; the peer's link account holds the mirror of ours in its own currency.

Limits, each side its own and both enforced (so the tighter one binds):

- ``limit_out``: our position (with what is held for payments still in flight) never goes above
  it: how much our members may owe the peer in all;
- ``limit_in``: our position never goes below ``-limit_in``: how much credit we extend to the
  peer's members (it is the link account's credit limit, enforced by the ledger like any other).

Handshake: each side passes ``open_link``; the first to pass sends the peer a signed *offer*, and
the second side's passing, if its terms match (the same rate seen from its side), activates the
link on both sides (it answers with a signed *accept*). Suspending stops new payments until the
side that suspended passes ``open_link`` for the same peer again. **Closing** (written rule):
closing never moves money. A link whose position is zero closes at once. Otherwise it is *frozen*
(``closing``): it accepts only payments that bring the position toward zero and never past it,
and it closes by itself when the position reaches zero; until then the position stays on both
ledgers as the recorded claim between the two collectives.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from cybermutual.domain.errors import InvalidTransition, LinkLimitExceeded, LinkNotActive
from cybermutual.domain.federation.rate import Rate


class LinkState(StrEnum):
    AWAITING_PEER = "awaiting_peer"  # we passed open_link; the peer's members have not (yet)
    OFFERED = "offered"  # the peer passed open_link; our members have not (yet)
    ACTIVE = "active"
    SUSPENDED = "suspended"  # by us, the peer or both (``suspended_by``)
    CLOSING = "closing"  # frozen: only payments toward a zero position, then closed
    CLOSED = "closed"


class LinkEvent(StrEnum):
    WE_PASS = "we_pass"  # our open_link passed
    PEER_OFFER = "peer_offer"  # the peer's open_link passed and it told us
    PEER_ACCEPT = "peer_accept"  # the peer passed a matching open_link after ours
    SUSPEND = "suspend"
    PEER_SUSPEND = "peer_suspend"
    CLOSE = "close"
    PEER_CLOSE = "peer_close"
    SETTLED = "settled"  # a frozen link's position reached zero


S = LinkState
E = LinkEvent
#: (state, event) -> next state; ``None`` as state: no row yet. Anything else is refused.
TRANSITIONS: dict[tuple[LinkState | None, LinkEvent], LinkState] = {
    (None, E.WE_PASS): S.AWAITING_PEER,
    (None, E.PEER_OFFER): S.OFFERED,
    (S.AWAITING_PEER, E.WE_PASS): S.AWAITING_PEER,  # new terms, offered again
    (S.AWAITING_PEER, E.PEER_OFFER): S.ACTIVE,  # when the terms match (else it stays)
    (S.AWAITING_PEER, E.PEER_ACCEPT): S.ACTIVE,
    (S.OFFERED, E.PEER_OFFER): S.OFFERED,  # the peer's new terms
    (S.OFFERED, E.WE_PASS): S.ACTIVE,  # when the terms match (else: awaiting the peer)
    (S.ACTIVE, E.PEER_ACCEPT): S.ACTIVE,  # a repeated accept
    (S.ACTIVE, E.PEER_OFFER): S.ACTIVE,  # a repeated offer: answered with an accept again
    (S.ACTIVE, E.SUSPEND): S.SUSPENDED,
    (S.ACTIVE, E.PEER_SUSPEND): S.SUSPENDED,
    (S.SUSPENDED, E.SUSPEND): S.SUSPENDED,
    (S.SUSPENDED, E.PEER_SUSPEND): S.SUSPENDED,
    (S.SUSPENDED, E.WE_PASS): S.SUSPENDED,  # lifts our suspension (active if nobody's is left)
    (S.SUSPENDED, E.PEER_ACCEPT): S.SUSPENDED,  # lifts the peer's (idem)
    (S.SUSPENDED, E.PEER_OFFER): S.SUSPENDED,
    (S.AWAITING_PEER, E.CLOSE): S.CLOSED,  # withdrawn before it ever opened
    (S.OFFERED, E.CLOSE): S.CLOSED,  # declined
    (S.AWAITING_PEER, E.PEER_CLOSE): S.CLOSED,
    (S.OFFERED, E.PEER_CLOSE): S.CLOSED,
    (S.ACTIVE, E.CLOSE): S.CLOSING,
    (S.ACTIVE, E.PEER_CLOSE): S.CLOSING,
    (S.SUSPENDED, E.CLOSE): S.CLOSING,
    (S.SUSPENDED, E.PEER_CLOSE): S.CLOSING,
    (S.CLOSING, E.CLOSE): S.CLOSING,
    (S.CLOSING, E.PEER_CLOSE): S.CLOSING,
    (S.CLOSING, E.SETTLED): S.CLOSED,
    (S.CLOSED, E.WE_PASS): S.AWAITING_PEER,  # reopened (its position is zero)
    (S.CLOSED, E.PEER_OFFER): S.OFFERED,
    (S.CLOSED, E.CLOSE): S.CLOSED,
    (S.CLOSED, E.PEER_CLOSE): S.CLOSED,
}


def next_state(state: LinkState | None, event: LinkEvent) -> LinkState:
    """The table's answer, or ``invalid_transition``."""
    found = TRANSITIONS.get((state, event))
    if found is None:
        now = "no link" if state is None else f"a link that is {state.value}"
        raise InvalidTransition(f"{event.value} does not apply to {now}")
    return found


@dataclass(frozen=True, slots=True)
class Peer:
    """Where the other collective lives: a slug on this server (``url=None``) or on another."""

    slug: str
    url: str | None = None

    def label(self) -> str:
        return self.slug if self.url is None else f"{self.url}#{self.slug}"


@dataclass(frozen=True, slots=True)
class Terms:
    """What one side's members voted for: rate (ours to theirs) and its own limits."""

    rate: Rate
    limit_out: int
    limit_in: int


@dataclass(frozen=True, slots=True)
class Link:
    id: str
    collective_id: str
    peer: Peer
    state: LinkState
    terms: Terms  # ours
    account_id: str
    created_at: datetime
    peer_link_id: str | None = None
    peer_terms: Terms | None = None  # the peer's, as offered (from its side)
    peer_decimals: int | None = None
    peer_currency: str | None = None
    peer_key_id: str | None = None
    peer_public_key: str | None = None
    suspended_by_us: bool = False
    suspended_by_peer: bool = False
    activated_at: datetime | None = None
    closed_at: datetime | None = None

    def with_state(self, state: LinkState, *, now: datetime) -> Link:
        changed = replace(self, state=state)
        if state is LinkState.ACTIVE and self.activated_at is None:
            changed = replace(changed, activated_at=now)
        if state is LinkState.CLOSED and self.closed_at is None:
            changed = replace(changed, closed_at=now)
        return changed

    @property
    def terms_match(self) -> bool:
        return self.peer_terms is not None and self.terms.rate.matches(self.peer_terms.rate)


def after_suspensions(link: Link, *, now: datetime) -> Link:
    """Active again when neither side's suspension is left, suspended while one is."""
    if link.state not in (LinkState.ACTIVE, LinkState.SUSPENDED):
        return link
    held = link.suspended_by_us or link.suspended_by_peer
    return link.with_state(LinkState.SUSPENDED if held else LinkState.ACTIVE, now=now)


def check_outgoing(link: Link, *, position: int, held_out: int, amount: int) -> None:
    """May our member pay ``amount`` (ours) to the peer now? ``held_out``: in flight already."""
    _check_open(link)
    after = position + held_out + amount
    if link.state is LinkState.CLOSING:
        if after > 0:
            raise LinkNotActive(
                "this link is closing: only payments that bring its position toward zero are "
                "accepted",
                link=link.id,
                position=position,
            )
        return
    if after > link.terms.limit_out:
        raise LinkLimitExceeded(
            f"this would take the link's position to {after}, above its limit of "
            f"{link.terms.limit_out} that our members set",
            link=link.id,
            position=position,
            limit_out=link.terms.limit_out,
        )


def check_incoming(link: Link, *, position: int, held_in: int, amount: int) -> None:
    """May the peer's member pay ``amount`` (converted into ours) to one of ours now?"""
    _check_open(link)
    after = position - held_in - amount
    if link.state is LinkState.CLOSING:
        if after < 0:
            raise LinkNotActive(
                "this link is closing: only payments that bring its position toward zero are "
                "accepted",
                link=link.id,
                position=position,
            )
        return
    if after < -link.terms.limit_in:
        raise LinkLimitExceeded(
            f"this would take the link's position to {after}, below the -{link.terms.limit_in} "
            "our members allow",
            link=link.id,
            position=position,
            limit_in=link.terms.limit_in,
        )


def _check_open(link: Link) -> None:
    if link.state not in (LinkState.ACTIVE, LinkState.CLOSING):
        raise LinkNotActive(
            f"this link is {link.state.value}: it carries no payments now",
            link=link.id,
            state=link.state.value,
        )


@dataclass(frozen=True, slots=True)
class Netting:
    """One period's clearing of a link: gross flows each way, and what they net to."""

    paid_out: int  # ours, to the peer's members
    paid_in: int  # ours, credited to our members from the peer's
    payments_out: int
    payments_in: int

    @property
    def net(self) -> int:
        """The change of the position over the period (out minus in)."""
        return self.paid_out - self.paid_in

    @property
    def netted(self) -> int:
        """What opposite flows cancelled: the part of the gross that never became a claim."""
        return min(self.paid_out, self.paid_in)
