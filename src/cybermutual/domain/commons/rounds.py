"""Allocation rounds: open for bids -> computed -> published -> closed.

Who may do what (the facilitator is not a boss, and neither is anyone else):

- any active member may open a round for a coming period; at most one round of a collective
  is *open* (open for bids or computed) at a time, and rounds' periods never overlap;
- any active member bids for themself while the round is open and before ``bids_close_at``,
  or for an enterprise in which a role gives them the ``bid`` power: from their own budget
  (no enterprise has tokens of its own), for a share the enterprise holds;
- once bidding has closed (the clock says so), any active member may ask the facilitator to
  compute the round; computing again before publishing gives the same result for the same data,
  because the seed of the rounding lottery is drawn once, at the first computation (after
  bidding closed, so no bid can be fitted to it), stored with the round and shown to everyone:
  recomputing cannot re-draw the lottery until someone wins it;
- any active member may publish a computed round; from then on each member may decline their
  own share, and any active member may re-run the round for the declined units;
- once the period is over, any active member may close the round;
- a round not yet published may be cancelled (its bids are released and it blocks nothing) by
  the member who opened it or, once the opener is no longer an active member, by any active
  member (so nobody can block the commons by leaving). The code has no admin or founder role
  (a founder is not recorded), so until governance exists this is the whole list; published
  shares are binding and are not cancelled.
- a round is scheduled at most ``max_round_horizon_days`` ahead (a charter setting), so no
  round can hold the collective's one open slot for years.

Every transition records who triggered it and when. Rules are plain functions over frozen values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from cybermutual.domain.collective import DEFAULT_HORIZON_DAYS
from cybermutual.domain.commons.assets import Asset, normalise_category
from cybermutual.domain.errors import (
    AssetUnavailable,
    BiddingClosed,
    BiddingStillOpen,
    InvalidTransition,
    InvalidValue,
    NotAllowed,
    OutputNotServed,
    PeriodNotOver,
    RoundInProgress,
)

MAX_PERIOD = timedelta(days=366)
MAX_BUDGET = 1_000_000
DEFAULT_BUDGET = 100


class RoundStatus(StrEnum):
    OPEN = "open"  # taking bids until bids_close_at
    COMPUTED = "computed"  # the facilitator has proposed shares; anyone may recompute
    PUBLISHED = "published"  # shares are binding; members may decline, the round may re-run
    CLOSED = "closed"  # the period is over; only usage is still logged against it
    CANCELLED = "cancelled"  # called off before publishing; its bids are released


class RoundAction(StrEnum):
    COMPUTE = "compute"
    PUBLISH = "publish"
    CLOSE = "close"
    CANCEL = "cancel"


#: The order of the states; a round only ever moves forward (or is cancelled before publishing).
ORDER = (RoundStatus.OPEN, RoundStatus.COMPUTED, RoundStatus.PUBLISHED, RoundStatus.CLOSED)

_OPEN, _COMPUTED, _PUBLISHED = RoundStatus.OPEN, RoundStatus.COMPUTED, RoundStatus.PUBLISHED
#: Every legal step: (from, action) -> to.
TRANSITIONS: dict[tuple[RoundStatus, RoundAction], RoundStatus] = {
    (_OPEN, RoundAction.COMPUTE): _COMPUTED,
    (_COMPUTED, RoundAction.COMPUTE): _COMPUTED,
    (_COMPUTED, RoundAction.PUBLISH): _PUBLISHED,
    (_PUBLISHED, RoundAction.CLOSE): RoundStatus.CLOSED,
    (_OPEN, RoundAction.CANCEL): RoundStatus.CANCELLED,
    (_COMPUTED, RoundAction.CANCEL): RoundStatus.CANCELLED,
}


@dataclass(frozen=True, slots=True)
class AllocationRound:
    """One period's sharing-out of the commons; every member gets ``token_budget`` tokens.

    Tokens are not currency: they exist only inside the round and never touch the ledger.
    ``passes`` counts the facilitator's passes (1 after computing, +1 per re-run).
    ``lottery_seed`` (a decimal integer) is the seed of the lottery that rounds the shares to
    whole units, drawn at the first computation and published with the round.
    """

    id: str
    collective_id: str
    period_start: datetime
    period_end: datetime
    bids_close_at: datetime
    token_budget: int
    status: RoundStatus
    opened_by: str
    opened_at: datetime
    computed_by: str | None = None
    computed_at: datetime | None = None
    published_by: str | None = None
    published_at: datetime | None = None
    closed_by: str | None = None
    closed_at: datetime | None = None
    passes: int = 0
    cancelled_by: str | None = None
    cancelled_at: datetime | None = None
    lottery_seed: str | None = None

    @property
    def seed(self) -> int | None:
        """The lottery's seed as a number, once drawn."""
        return None if self.lottery_seed is None else int(self.lottery_seed)

    @property
    def is_in_progress(self) -> bool:
        """Open for bids or computed: the collective's *open* round."""
        return self.status in (RoundStatus.OPEN, RoundStatus.COMPUTED)

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.period_start < end and start < self.period_end


def open_round(
    *,
    round_id: str,
    collective_id: str,
    opened_by: str,
    period_start: datetime,
    period_end: datetime,
    bids_close_at: datetime,
    token_budget: int = DEFAULT_BUDGET,
    now: datetime,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    others: Iterable[AllocationRound] = (),
) -> AllocationRound:
    """Open a round for ``[period_start, period_end)``, taking bids until ``bids_close_at``."""
    period_start, period_end, bids_close_at = check_schedule(
        period_start=period_start,
        period_end=period_end,
        bids_close_at=bids_close_at,
        now=now,
        horizon_days=horizon_days,
    )
    if not 1 <= token_budget <= MAX_BUDGET:
        raise InvalidValue(f"token_budget must be 1..{MAX_BUDGET}", field="token_budget")
    for other in others:
        if other.collective_id != collective_id or other.status is RoundStatus.CANCELLED:
            continue
        if other.is_in_progress:
            raise RoundInProgress(
                "this collective already has a round open; compute and publish it first",
                round=other.id,
            )
        if other.overlaps(period_start, period_end):
            raise RoundInProgress(
                "another round already covers part of this period", round=other.id
            )
    return AllocationRound(
        id=round_id,
        collective_id=collective_id,
        period_start=period_start,
        period_end=period_end,
        bids_close_at=bids_close_at,
        token_budget=token_budget,
        status=RoundStatus.OPEN,
        opened_by=opened_by,
        opened_at=now,
    )


def check_schedule(
    *,
    period_start: datetime,
    period_end: datetime,
    bids_close_at: datetime,
    now: datetime,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> tuple[datetime, datetime, datetime]:
    """The round's three moments in UTC, if the round starts within ``horizon_days`` of ``now``.

    Only differences are taken before the bounds are checked: converting a moment such as
    9999-12-31T23:00-05:00 to UTC overflows the calendar.
    """
    if not period_start < period_end or period_end - period_start > MAX_PERIOD:
        raise InvalidValue(
            "period_end must be after period_start, and a period lasts at most 366 days",
            field="period_end",
        )
    if not now < bids_close_at <= period_start:
        raise InvalidValue(
            "bids_close_at must be in the future and no later than period_start",
            field="bids_close_at",
        )
    if period_start - now > timedelta(days=horizon_days):
        raise InvalidValue(
            f"a round starts at most {horizon_days} days ahead (the charter's "
            "max_round_horizon_days)",
            field="period_start",
            max_round_horizon_days=horizon_days,
        )
    return period_start.astimezone(UTC), period_end.astimezone(UTC), bids_close_at.astimezone(UTC)


def cancel(
    round_: AllocationRound,
    *,
    by: str,
    now: datetime,
    opener_active: bool,
) -> AllocationRound:
    """Call off a round before it is published; who may is in the module docstring."""
    to = TRANSITIONS.get((round_.status, RoundAction.CANCEL))
    if to is None:
        raise InvalidTransition(
            f"a {round_.status.value} round cannot be cancelled", status=round_.status.value
        )
    if by != round_.opened_by and opener_active:
        raise NotAllowed(
            "only the member who opened the round may cancel it (anyone may once they have left)"
        )
    return replace(round_, status=to, cancelled_by=by, cancelled_at=now)


def require_bidding(round_: AllocationRound, *, now: datetime) -> AllocationRound:
    """The round, if it still takes bids."""
    if round_.status is not RoundStatus.OPEN or now >= round_.bids_close_at:
        raise BiddingClosed(
            "this round no longer takes bids",
            status=round_.status.value,
            bids_close_at=round_.bids_close_at.isoformat(),
        )
    return round_


def compute(round_: AllocationRound, *, by: str, now: datetime, seed: int) -> AllocationRound:
    """Mark the facilitator's (re)computation; only once bidding has closed, before publishing.

    ``seed`` (freshly drawn by the caller) becomes the round's lottery seed at the first
    computation; a recomputation keeps the seed already drawn.
    """
    if seed < 0:
        raise InvalidValue("the lottery seed must not be negative", field="seed")
    if round_.status not in (RoundStatus.OPEN, RoundStatus.COMPUTED):
        raise InvalidTransition(
            f"a {round_.status.value} round cannot be computed again; re-run it instead",
            status=round_.status.value,
        )
    if now < round_.bids_close_at:
        raise BiddingStillOpen(
            "bidding is still open; the round is computed once it closes",
            bids_close_at=round_.bids_close_at.isoformat(),
        )
    return replace(
        round_,
        status=RoundStatus.COMPUTED,
        computed_by=by,
        computed_at=now,
        passes=1,
        lottery_seed=round_.lottery_seed if round_.lottery_seed is not None else str(seed),
    )


def publish(round_: AllocationRound, *, by: str, now: datetime) -> AllocationRound:
    """Make the computed shares binding."""
    if round_.status is not RoundStatus.COMPUTED:
        raise InvalidTransition(
            f"only a computed round can be published, this one is {round_.status.value}",
            status=round_.status.value,
        )
    return replace(round_, status=RoundStatus.PUBLISHED, published_by=by, published_at=now)


def require_published(round_: AllocationRound, *, action: str) -> AllocationRound:
    """The round, if its shares are published (to decline or re-run them)."""
    if round_.status is not RoundStatus.PUBLISHED:
        raise InvalidTransition(
            f"can only {action} in a published round, this one is {round_.status.value}",
            status=round_.status.value,
        )
    return round_


def rerun(round_: AllocationRound, *, declined_units: int) -> AllocationRound:
    """Another facilitator pass over the declined units."""
    require_published(round_, action="re-run")
    if declined_units <= 0:
        raise InvalidTransition("nothing has been declined since the last pass")
    return replace(round_, passes=round_.passes + 1)


def close(round_: AllocationRound, *, by: str, now: datetime) -> AllocationRound:
    """Close a published round once its period is over."""
    if round_.status is not RoundStatus.PUBLISHED:
        raise InvalidTransition(
            f"only a published round can be closed, this one is {round_.status.value}",
            status=round_.status.value,
        )
    if now < round_.period_end:
        raise PeriodNotOver(
            "the round's period is not over yet", period_end=round_.period_end.isoformat()
        )
    return replace(round_, status=RoundStatus.CLOSED, closed_by=by, closed_at=now)


@dataclass(frozen=True, slots=True)
class Bid:
    """What a member asks of one asset for one round, and what they would make with it.

    The planned output is a category, or one of the member's listings (then ``output_category``
    is that listing's category). ``enterprise_id`` names the enterprise the member bids *for*
    (a role with the ``bid`` power): the tokens are the member's own budget, the share is held
    by the enterprise (``None``: the member bids for themself).
    """

    id: str
    round_id: str
    member_id: str
    asset_id: str
    max_units: int
    min_units: int
    output_category: str
    listing_id: str | None
    placed_at: datetime
    enterprise_id: str | None = None


def place_bid(
    round_: AllocationRound,
    asset: Asset,
    *,
    bid_id: str,
    member_id: str,
    max_units: int,
    min_units: int = 0,
    output_category: str,
    listing_id: str | None = None,
    enterprise_id: str | None = None,
    now: datetime,
) -> Bid:
    """A member's bid for ``asset`` in an open round (for an enterprise, when one is named:
    whether the member may act for it is the enterprise's rule, checked by the caller)."""
    require_bidding(round_, now=now)
    if asset.collective_id != round_.collective_id:
        raise InvalidValue("the asset belongs to another collective", field="asset_id")
    if not asset.is_available:
        raise AssetUnavailable(
            f"'{asset.name}' cannot be bid for: it is "
            + ("under maintenance" if asset.status.value == "maintenance" else "retired"),
            asset=asset.id,
            status=asset.status.value,
        )
    if not 1 <= max_units <= asset.capacity:
        raise InvalidValue(
            f"max_units must be 1..{asset.capacity} ({asset.unit} per period)", field="max_units"
        )
    if not 0 <= min_units <= max_units:
        raise InvalidValue("min_units must be 0..max_units", field="min_units")
    category = normalise_category(output_category, field="output_category")
    if not asset.serves(category):
        raise OutputNotServed(
            f"'{asset.name}' serves {', '.join(asset.output_categories)}, not '{category}'",
            asset=asset.id,
            output_category=category,
        )
    return Bid(
        id=bid_id,
        round_id=round_.id,
        member_id=member_id,
        asset_id=asset.id,
        max_units=max_units,
        min_units=min_units,
        output_category=category,
        listing_id=listing_id,
        placed_at=now,
        enterprise_id=enterprise_id,
    )


def withdraw_bid(
    round_: AllocationRound,
    bid: Bid,
    *,
    member_id: str,
    now: datetime,
    in_enterprise: bool = False,
) -> Bid:
    """A member withdraws their own bid while bidding is open; a bid for an enterprise is
    withdrawn by anyone with a role in it now (``in_enterprise``; its bidder too, while they
    still hold one)."""
    require_bidding(round_, now=now)
    allowed = in_enterprise if bid.enterprise_id is not None else bid.member_id == member_id
    if not allowed:
        raise NotAllowed(
            "only the bidder (or, for an enterprise's bid, its people) can withdraw it"
        )
    return bid
