"""Disputes: a jury of peers drawn at random, votes, a verdict, or a settlement by agreement.

The jury draw is verifiable and unpredictable: the service takes a 256-bit seed from a CSPRNG
(injected, so tests can reproduce a draw) and publishes only its commitment,
``sha256(seed)``, while the dispute is open; the seed itself is revealed when the dispute
closes. The jury is the ``size`` eligible members (active, not a party) with the lowest
``sha256(seed ":" member_id)``, so anyone can check the draw once the seed is out, and every
member can check that they were not skipped. (Disputes opened before this draw was adopted say
``jury_draw = "mt19937"``: ``random.Random(int(seed)).sample(sorted(eligible), size)``.)

Each juror votes ``release`` (the seller is paid), ``refund`` (the buyer gets the hold back) or
``split`` (half each). A majority of the seated jurors decides as soon as it exists; if every
seated juror voted and no option has a majority, the middle ground (``split``) is the verdict.

A juror who leaves the collective before voting can no longer vote (``juror_left``): their seat
is vacated and the next member in the same seed's ranking takes it (so the replacement is as
checkable as the first draw). Only when nobody is left to draw do the remaining jurors decide
alone, by a majority of the seats still filled. The parties may instead agree on any share at
any time while the dispute is open: one proposes, the other proposes the same, and it is settled.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from cybermutual.domain.errors import (
    AlreadyVoted,
    InvalidTransition,
    InvalidValue,
    JurorLeft,
    NoJuryAvailable,
    NotAJuror,
    NotAParty,
)
from cybermutual.domain.market.deals import Order, OrderStatus
from cybermutual.domain.market.events import EventKind, MarketEvent
from cybermutual.domain.membership import Membership, MembershipStatus

DEFAULT_JURY_SIZE = 3
MAX_JURY_SIZE = 15
#: How juries are drawn from a seed now (see the module's docstring).
JURY_DRAW = "sha256-rank"


class Vote(StrEnum):
    RELEASE = "release"  # pay the seller
    REFUND = "refund"  # return the hold to the buyer
    SPLIT = "split"  # half each (the seller's half rounded down)


class DisputeStatus(StrEnum):
    OPEN = "open"
    DECIDED = "decided"  # by the jury
    SETTLED = "settled"  # by agreement of the parties


@dataclass(frozen=True, slots=True)
class Juror:
    member_id: str
    vote: Vote | None = None
    voted_at: datetime | None = None
    vacated_at: datetime | None = None  # left the collective before voting

    @property
    def seated(self) -> bool:
        return self.vacated_at is None


@dataclass(frozen=True, slots=True)
class Dispute:
    id: str
    collective_id: str
    order_id: str
    opened_by: str
    reason: str
    status: DisputeStatus
    seed: str  # secret while the dispute is open: publish ``commitment`` instead
    jurors: tuple[Juror, ...]
    created_at: datetime
    jury_draw: str = JURY_DRAW
    outcome: Vote | None = None  # the jury's verdict, or the nearest one for a settlement
    seller_share: int | None = None  # what the seller finally gets from the escrow
    proposed_by: str | None = None
    proposed_share: int | None = None
    closed_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status is DisputeStatus.OPEN

    @property
    def commitment(self) -> str:
        """``sha256(seed)``, published from the draw on, so the revealed seed can be checked."""
        return seed_commitment(self.seed)

    @property
    def seated(self) -> tuple[Juror, ...]:
        return tuple(j for j in self.jurors if j.seated)

    def juror(self, member_id: str) -> Juror | None:
        return next((j for j in self.jurors if j.member_id == member_id), None)

    def tally(self) -> dict[Vote, int]:
        counts = Counter(j.vote for j in self.seated if j.vote is not None)
        return {vote: counts.get(vote, 0) for vote in Vote}


def check_jury_size(size: int) -> int:
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_JURY_SIZE:
        raise InvalidValue(f"a jury has 1..{MAX_JURY_SIZE} members", field="jury_size")
    return size


def seed_commitment(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()


def jury_rank(seed: str, member_id: str) -> str:
    """A member's place in a seed's draw: lower is drawn first."""
    return hashlib.sha256(f"{seed}:{member_id}".encode()).hexdigest()


def eligible_jurors(
    candidates: Iterable[Membership], *, parties: Iterable[str] = (), leaving: str | None = None
) -> list[str]:
    """Who may sit on a jury, sorted: the collective's active members (not pending applicants,
    not leavers), neither party to the deal, nor ``leaving`` (a member leaving right now)."""
    excluded = set(parties) | ({leaving} if leaving is not None else set())
    return sorted(
        m.member_id
        for m in candidates
        if m.status is MembershipStatus.ACTIVE and m.member_id not in excluded
    )


def draw_jury(
    candidates: Iterable[str],
    *,
    parties: Iterable[str],
    size: int,
    seed: str,
    exclude: Iterable[str] = (),
) -> tuple[str, ...]:
    """``size`` distinct eligible members (fewer if fewer are eligible), in draw order: the
    lowest ``jury_rank`` among the candidates who are neither parties nor ``exclude``d."""
    check_jury_size(size)
    pool = set(candidates) - set(parties) - set(exclude)
    ranked = sorted(pool, key=lambda member: (jury_rank(seed, member), member))
    return tuple(ranked[:size])


def share_for(vote: Vote, amount: int) -> int:
    """The seller's share of the escrow for a verdict."""
    if vote is Vote.RELEASE:
        return amount
    if vote is Vote.REFUND:
        return 0
    return amount // 2


def open_dispute(
    order: Order,
    *,
    dispute_id: str,
    actor: str,
    reason: str,
    seed: str,
    jury: tuple[str, ...],
    now: datetime,
) -> tuple[Dispute, tuple[MarketEvent, ...]]:
    """A dispute on an order that the order's own transition has just moved to ``disputed``."""
    if not jury:
        raise NoJuryAvailable("no member outside the parties can sit on a jury")
    if order.status is not OrderStatus.DISPUTED:
        raise InvalidTransition("move the order to disputed first")
    if set(jury) & {order.buyer_id, order.seller_id}:
        raise NotAJuror("a party cannot sit on the jury of their own dispute")
    reason = reason.strip()
    if not 1 <= len(reason) <= 2000:
        raise InvalidValue("say why, in 1-2000 characters", field="reason")
    dispute = Dispute(
        id=dispute_id,
        collective_id=order.collective_id,
        order_id=order.id,
        opened_by=actor,
        reason=reason,
        status=DisputeStatus.OPEN,
        seed=seed,
        jurors=tuple(Juror(m) for m in jury),
        created_at=now,
    )
    events = (
        MarketEvent(
            EventKind.DISPUTE_OPENED,
            (order.other_party(actor),),
            "dispute",
            dispute.id,
            "{actor} opened a dispute on one of your orders; the payment stays on hold.",
            actor,
        ),
        MarketEvent(
            EventKind.JURY_SUMMONS,
            jury,
            "dispute",
            dispute.id,
            "You were drawn for a jury: read the dispute and vote release, refund or split.",
        ),
    )
    return dispute, events


def _closed(dispute: Dispute, order: Order, *, now: datetime) -> MarketEvent:
    return MarketEvent(
        EventKind.DISPUTE_CLOSED,
        (order.buyer_id, order.seller_id),
        "dispute",
        dispute.id,
        f"The dispute is {dispute.status.value}: the seller receives {dispute.seller_share} "
        f"of {order.amount}.",
    )


def cast_vote(
    dispute: Dispute,
    order: Order,
    *,
    juror: str,
    vote: Vote,
    now: datetime,
    juror_is_member: bool = True,
) -> tuple[Dispute, tuple[MarketEvent, ...]]:
    """A juror's vote; the dispute is decided once a majority exists or everyone has voted.

    ``juror_is_member``: whether the juror is still an active member of the collective."""
    if not dispute.is_open:
        raise InvalidTransition(f"this dispute is {dispute.status.value}")
    seat = dispute.juror(juror)
    if seat is None:
        raise NotAJuror("only the jurors drawn for this dispute may vote")
    if seat.vote is not None:
        raise AlreadyVoted("you have already voted on this dispute")
    if not seat.seated or not juror_is_member:
        raise JurorLeft("you left the collective, so your seat on this jury went to another member")
    jurors = tuple(
        replace(j, vote=vote, voted_at=now) if j.member_id == juror else j for j in dispute.jurors
    )
    return _decide(replace(dispute, jurors=jurors), order, now=now)


def _decide(
    dispute: Dispute, order: Order, *, now: datetime
) -> tuple[Dispute, tuple[MarketEvent, ...]]:
    """The dispute decided, if its seated jurors' votes decide it; else as it is."""
    seated = dispute.seated
    if not seated:
        return dispute, ()  # nobody left to judge: the parties may still settle
    tally = dispute.tally()
    majority = len(seated) // 2 + 1
    verdict = next((v for v in Vote if tally[v] >= majority), None)
    if verdict is None and all(j.vote is not None for j in seated):
        verdict = Vote.SPLIT
    if verdict is None:
        return dispute, ()
    decided = replace(
        dispute,
        status=DisputeStatus.DECIDED,
        outcome=verdict,
        seller_share=share_for(verdict, order.amount),
        closed_at=now,
    )
    return decided, (_closed(decided, order, now=now),)


def vacate_seat(
    dispute: Dispute,
    order: Order,
    *,
    juror: str,
    eligible: Iterable[str],
    now: datetime,
) -> tuple[Dispute, tuple[MarketEvent, ...]]:
    """A juror left the collective before voting: their seat goes to the next member in the
    seed's ranking among ``eligible`` (active members) who never sat on this jury; with
    nobody left to draw, the remaining jurors decide alone (which may decide it at once)."""
    seat = dispute.juror(juror)
    if not dispute.is_open or seat is None or seat.vote is not None or not seat.seated:
        return dispute, ()
    jurors = [replace(j, vacated_at=now) if j.member_id == juror else j for j in dispute.jurors]
    drawn: tuple[str, ...] = ()
    if dispute.jury_draw == JURY_DRAW:  # an older draw's seed is not for ranking
        drawn = draw_jury(
            eligible,
            parties=(order.buyer_id, order.seller_id),
            size=1,
            seed=dispute.seed,
            exclude=[j.member_id for j in dispute.jurors],
        )
    vacated = replace(dispute, jurors=tuple(jurors) + tuple(Juror(m) for m in drawn))
    if drawn:
        summons = MarketEvent(
            EventKind.JURY_SUMMONS,
            drawn,
            "dispute",
            dispute.id,
            "You were drawn for a jury in place of a member who left: read the dispute and "
            "vote release, refund or split.",
        )
        return vacated, (summons,)
    return _decide(vacated, order, now=now)


def propose_settlement(
    dispute: Dispute, order: Order, *, actor: str, seller_share: int, now: datetime
) -> tuple[Dispute, tuple[MarketEvent, ...]]:
    """A party proposes how much of the escrow the seller gets; the same proposal from the
    other party settles the dispute."""
    if not dispute.is_open:
        raise InvalidTransition(f"this dispute is {dispute.status.value}")
    if order.role_of(actor) is None:
        raise NotAParty("only the buyer and the seller can settle their dispute")
    if (
        isinstance(seller_share, bool)
        or not isinstance(seller_share, int)
        or not 0 <= seller_share <= order.amount
    ):
        raise InvalidValue(f"seller_share must be 0..{order.amount}", field="seller_share")
    if (
        dispute.proposed_by is not None
        and dispute.proposed_by != actor
        and dispute.proposed_share == seller_share
    ):
        outcome = (
            Vote.RELEASE
            if seller_share == order.amount
            else Vote.REFUND
            if seller_share == 0
            else Vote.SPLIT
        )
        settled = replace(
            dispute,
            status=DisputeStatus.SETTLED,
            outcome=outcome,
            seller_share=seller_share,
            closed_at=now,
        )
        return settled, (_closed(settled, order, now=now),)
    proposed = replace(dispute, proposed_by=actor, proposed_share=seller_share)
    event = MarketEvent(
        EventKind.SETTLEMENT_PROPOSED,
        (order.other_party(actor),),
        "dispute",
        dispute.id,
        f"{{actor}} proposed a settlement: the seller receives {seller_share} of "
        f"{order.amount}. Propose the same to agree.",
        actor,
    )
    return proposed, (event,)


#: A change to an open dispute: (dispute, order, now) -> (dispute, events).
DisputeChange = Callable[[Dispute, Order, datetime], tuple[Dispute, tuple[MarketEvent, ...]]]
