"""Allocation rounds: open, bid, compute with the facilitator, publish, decline, re-run, close."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TypedDict

from cybermutual.domain.allocation import BudgetRule
from cybermutual.domain.collective import Collective
from cybermutual.domain.commons import rounds as rules
from cybermutual.domain.commons.assets import Asset, require_commons
from cybermutual.domain.commons.rounds import AllocationRound, Bid, RoundStatus
from cybermutual.domain.commons.shares import PassSummary, Share, decline, declined_units
from cybermutual.domain.enterprise.kinds import Enterprise, Power, powers
from cybermutual.domain.errors import (
    AllocationNotFound,
    BidNotFound,
    InvalidValue,
    RoundNotFound,
)
from cybermutual.domain.membership import require_active
from cybermutual.services.commons import PRODUCTIVITY_WINDOW, load_asset
from cybermutual.services.commons_facilitation import (
    Facilitator,
    PassOutcome,
    RoundProblem,
    redraw,
)
from cybermutual.services.enterprise_common import acting, load_enterprise
from cybermutual.services.ids import new_id
from cybermutual.services.loading import (
    active_member_collective,
    check_id_cursor,
    check_limit,
    load_collective,
)
from cybermutual.services.ports import Clock, Page, UnitOfWork, UnitOfWorkFactory

#: How far back sales count as recent demand.
DEMAND_WINDOW = timedelta(days=30)
#: Bits of the rounding lottery's seed.
SEED_BITS = 128


def secure_seed() -> int:
    """A fresh lottery seed from the operating system's CSPRNG (``secrets``), never from a
    generator anyone could predict or replay."""
    return secrets.randbits(SEED_BITS)


@dataclass(frozen=True, slots=True)
class RoundReport:
    """A round with everything the facilitator decided in it (every pass, every share)."""

    round: AllocationRound
    passes: Sequence[PassSummary]
    shares: Sequence[Share]
    assets: Mapping[str, Asset]
    bids: Sequence[Bid]
    #: the names of the enterprises its bids and shares are for, by id
    enterprises: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EnterpriseShare:
    """A share an enterprise holds, with its round and asset (for the enterprise's page)."""

    round: AllocationRound
    share: Share
    asset_name: str
    asset_unit: str


@dataclass(frozen=True, slots=True)
class LotteryCheck:
    """One pass's lottery re-drawn from its published seed, against the stored shares.

    ``checked`` is false for a pass stored without its lottery (before migration 0010);
    ``differing`` names the shares whose units the re-draw does not reproduce.
    """

    pass_no: int
    seed: str | None
    checked: bool
    shares: int
    differing: tuple[str, ...]

    @property
    def matches(self) -> bool:
        return self.checked and not self.differing


@dataclass(frozen=True, slots=True)
class BidDraft:
    """A bid as typed, before it is placed (what ``place_bid`` takes)."""

    asset_id: str
    max_units: int
    min_units: int
    output_category: str
    enterprise_id: str | None = None


@dataclass(frozen=True, slots=True)
class BidForecast:
    """What one of your bids would receive if bidding closed now."""

    asset_id: str
    asset_name: str
    asked: int
    units: int  # whole units
    price_per_unit: float  # tokens
    tokens: float  # what the bid spends of your budget at that price


@dataclass(frozen=True, slots=True)
class BudgetForecast:
    """Your token budget against the bids as they stand (with the one you are typing).

    In the facilitator's market every bidder spends their budget on the assets others want too:
    an asset whose bids all fit is free (price 0); tokens left over mean every asset you asked
    for is free at your bids, so asking for more costs nothing.
    """

    budget: float
    bids: Sequence[BidForecast]

    @property
    def spent(self) -> float:
        return sum(b.tokens for b in self.bids)

    @property
    def left(self) -> float:
        return max(0.0, self.budget - self.spent)


def _load_round(
    uow: UnitOfWork, collective: Collective, round_id: str, *, lock: bool = False
) -> AllocationRound:
    round_ = (uow.allocation_rounds.lock if lock else uow.allocation_rounds.get)(round_id)
    if round_ is None or round_.collective_id != collective.id:
        raise RoundNotFound("no such allocation round in this collective", round=round_id)
    return round_


def bidding_for(
    uow: UnitOfWork, collective: Collective, enterprise_id: str, member_id: str
) -> Enterprise:
    """The enterprise ``member_id`` bids for (``not_permitted`` without the ``bid`` power)."""
    act = acting(uow, collective, enterprise_id, member_id)
    act.require(Power.BID)
    return act.enterprise


def in_enterprise(
    uow: UnitOfWork, collective: Collective, enterprise_id: str | None, member_id: str
) -> bool:
    """Whether ``member_id`` holds any role in the enterprise (who may log use of its shares,
    decline them, or withdraw its bids)."""
    if enterprise_id is None:
        return False
    enterprise = load_enterprise(uow, collective, enterprise_id)
    return bool(uow.enterprises.roles_of(enterprise.id, member_id))


class AllocationService:
    """Each period, the commons is shared out among the members who ask for it."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        clock: Clock,
        facilitator: Facilitator,
        draw_seed: Callable[[], int] = secure_seed,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._facilitator = facilitator
        self._draw_seed = draw_seed

    # rounds

    def open_round(
        self,
        slug: str,
        *,
        member_id: str,
        period_start: datetime,
        period_end: datetime,
        bids_close_at: datetime,
        token_budget: int = rules.DEFAULT_BUDGET,
    ) -> AllocationRound:
        """Any active member opens the round for a coming period."""
        with self._uow() as uow:
            collective = require_commons(load_collective(uow, slug))
            require_active(uow.memberships.get(collective.id, member_id))
            now = self._clock.now()
            horizon = collective.charter.max_round_horizon_days
            period_start, period_end, bids_close_at = rules.check_schedule(
                period_start=period_start,
                period_end=period_end,
                bids_close_at=bids_close_at,
                now=now,
                horizon_days=horizon,
            )
            round_ = rules.open_round(
                round_id=new_id(),
                collective_id=collective.id,
                opened_by=member_id,
                period_start=period_start,
                period_end=period_end,
                bids_close_at=bids_close_at,
                token_budget=token_budget,
                now=now,
                horizon_days=horizon,
                others=uow.allocation_rounds.conflicting(
                    collective.id, start=period_start, end=period_end
                ),
            )
            uow.allocation_rounds.add(round_)
            uow.commit()
        return round_

    def cancel_round(self, slug: str, round_id: str, *, member_id: str) -> AllocationRound:
        """Call off a round not yet published and release its bids (see ``rules.cancel``)."""
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, member_id)
            round_ = _load_round(uow, collective, round_id, lock=True)
            opener = uow.memberships.get(collective.id, round_.opened_by)
            cancelled = rules.cancel(
                round_,
                by=member_id,
                now=self._clock.now(),
                opener_active=opener is not None and opener.is_active,
            )
            for bid in uow.allocation_rounds.bids(round_.id):
                uow.allocation_rounds.delete_bid(bid.id)
            uow.allocation_rounds.replace_shares(round_.id, [])
            uow.allocation_rounds.save(cancelled)
            uow.commit()
        return cancelled

    def rounds(
        self, slug: str, *, limit: int = 50, cursor: str | None = None
    ) -> Page[AllocationRound]:
        """The collective's rounds, latest period first (public, like the assets)."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            return uow.allocation_rounds.of_collective(
                collective.id, limit=check_limit(limit), cursor=cursor
            )

    def report(self, slug: str, round_id: str, *, viewer_id: str | None = None) -> RoundReport:
        """A round with its passes, shares and bids (for members, when a viewer is named)."""
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            if viewer_id is not None:
                require_active(uow.memberships.get(collective.id, viewer_id))
            return self._report(uow, collective, _load_round(uow, collective, round_id))

    def check_lottery(self, slug: str, round_id: str) -> list[LotteryCheck]:
        """Re-draw every pass's lottery from its published seed and compare with the shares.

        Public, like the round: it tells anyone whether the published units are the ones the
        published seed draws, and names only share ids.
        """
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            round_ = _load_round(uow, collective, round_id)
            passes = uow.allocation_rounds.passes(round_.id)
            shares = uow.allocation_rounds.shares(round_.id)
        checks = []
        for summary in passes:
            mine = [s for s in shares if s.pass_no == summary.pass_no]
            units = redraw(summary.summary, mine)
            lottery = summary.summary.get("lottery")
            seed = str(lottery["seed"]) if isinstance(lottery, Mapping) else None
            differing = (
                () if units is None else tuple(s.id for s in mine if units.get(s.id) != s.units)
            )
            checks.append(
                LotteryCheck(summary.pass_no, seed, units is not None, len(mine), differing)
            )
        return checks

    # bids

    def place_bid(
        self,
        slug: str,
        round_id: str,
        *,
        member_id: str,
        asset_id: str,
        max_units: int,
        min_units: int = 0,
        output_category: str | None = None,
        listing_id: str | None = None,
        enterprise_id: str | None = None,
    ) -> Bid:
        """Bid for an asset (replacing your earlier bid for it), planning a category or listing.

        With ``enterprise_id`` the bid is for that enterprise (you need a role with the ``bid``
        power there): it spends your own token budget and the enterprise holds the share.
        """
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, member_id)
            round_ = _load_round(uow, collective, round_id, lock=True)
            asset = load_asset(uow, collective, asset_id)
            if enterprise_id is not None:
                enterprise_id = bidding_for(uow, collective, enterprise_id, member_id).id
            if (output_category is None) == (listing_id is None):
                raise InvalidValue(
                    "name the planned output: an output_category or one of your listings",
                    field="output_category",
                )
            if listing_id is not None:
                listing = uow.demand.listing(collective.id, listing_id)
                mine = listing is not None and (
                    listing[2] == enterprise_id
                    if enterprise_id is not None
                    else listing[0] == member_id and listing[2] is None
                )
                if listing is None or not mine:
                    raise InvalidValue(
                        "listing_id must be one of your own listings"
                        if enterprise_id is None
                        else "listing_id must be one of the enterprise's listings",
                        field="listing_id",
                    )
                output_category = listing[1]
            assert output_category is not None
            bid = rules.place_bid(
                round_,
                asset,
                bid_id=new_id(),
                member_id=member_id,
                max_units=max_units,
                min_units=min_units,
                output_category=output_category,
                listing_id=listing_id,
                enterprise_id=enterprise_id,
                now=self._clock.now(),
            )
            uow.allocation_rounds.save_bid(bid)
            uow.commit()
        return bid

    def withdraw_bid(self, slug: str, round_id: str, bid_id: str, *, member_id: str) -> None:
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            round_ = _load_round(uow, collective, round_id, lock=True)
            bid = uow.allocation_rounds.bid(bid_id)
            if bid is None or bid.round_id != round_.id:
                raise BidNotFound("no such bid in this round", bid=bid_id)
            rules.withdraw_bid(
                round_,
                bid,
                member_id=member_id,
                now=self._clock.now(),
                in_enterprise=in_enterprise(uow, collective, bid.enterprise_id, member_id),
            )
            uow.allocation_rounds.delete_bid(bid.id)
            uow.commit()

    def bids(
        self,
        slug: str,
        round_id: str,
        *,
        viewer_id: str,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[Bid]:
        """A round's bids in id order, for members (bids are open, like the facilitator's reasons).

        The cursor is the last id of the previous page: a round holds at most one bid per member
        and asset, so paging the round's list in memory is cheap and stable.
        """
        check_limit(limit)
        check_id_cursor(cursor)
        with self._uow(readonly=True) as uow:
            collective = active_member_collective(uow, slug, viewer_id)
            every = uow.allocation_rounds.bids(_load_round(uow, collective, round_id).id)
        after = sorted((b for b in every if cursor is None or b.id > cursor), key=lambda b: b.id)
        page = after[:limit]
        return Page(page, page[-1].id if len(after) > limit else None)

    def forecast(
        self, slug: str, round_id: str, *, member_id: str, draft: BidDraft | None = None
    ) -> BudgetForecast:
        """Your budget and what your bids would get if bidding closed now, with ``draft`` in
        place of your bid for its asset (refused as ``place_bid`` would refuse it). Nothing is
        stored: this is the facilitator's first pass over today's bids."""
        with self._uow(readonly=True) as uow:
            collective = active_member_collective(uow, slug, member_id)
            round_ = _load_round(uow, collective, round_id)
            now = self._clock.now()
            rules.require_bidding(round_, now=now)
            bids = self._live_bids(uow, collective, round_)
            if draft is not None:
                if draft.enterprise_id is not None:
                    bidding_for(uow, collective, draft.enterprise_id, member_id)
                typed = rules.place_bid(
                    round_,
                    load_asset(uow, collective, draft.asset_id),
                    bid_id="draft",
                    member_id=member_id,
                    max_units=draft.max_units,
                    min_units=draft.min_units,
                    output_category=draft.output_category,
                    enterprise_id=draft.enterprise_id,
                    now=now,
                )
                bids = [b for b in bids if (b.member_id, b.asset_id) != (member_id, typed.asset_id)]
                bids.append(typed)
            problem = _first_pass(uow, collective, round_, bids, now=now)
            budget = float(
                round_.token_budget
                * uow.governance.weights(collective.id).get(member_id, Decimal(1))
            )
        mine = {b.id: b for b in bids if b.member_id == member_id}
        outcome = self._facilitator.allocate(problem) if mine else None
        forecasts = []
        for o in outcome.outcomes if outcome is not None else ():
            if o.bid_id in mine:
                share = o.explanation.get("fractional_share", o.units)
                forecasts.append(
                    BidForecast(
                        asset_id=o.asset_id,
                        asset_name=problem.asset_names.get(o.asset_id, o.asset_id),
                        asked=mine[o.bid_id].max_units,
                        units=o.units,
                        price_per_unit=o.price_per_unit,
                        tokens=o.price_per_unit * float(share),
                    )
                )
        return BudgetForecast(budget=budget, bids=forecasts)

    # the facilitator

    def compute(self, slug: str, round_id: str, *, member_id: str) -> RoundReport:
        """Once bidding has closed, any active member asks the facilitator to share out."""
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, member_id)
            report = self._compute(uow, collective, round_id, by=member_id)
            uow.commit()
        return report

    def allocate_collective(self, slug: str, *, by: str = "facilitator") -> RoundReport:
        """Compute the open round of a collective (``cybermutual allocate --collective SLUG``)."""
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            page = uow.allocation_rounds.conflicting(
                collective.id, start=self._clock.now(), end=self._clock.now()
            )
            in_progress = [r for r in page if r.is_in_progress]
            if not in_progress:
                raise RoundNotFound(f"'{slug}' has no open allocation round", slug=slug)
            report = self._compute(uow, collective, in_progress[0].id, by=by)
            uow.commit()
        return report

    def publish(self, slug: str, round_id: str, *, member_id: str) -> RoundReport:
        """Make the computed shares binding; from now on members may decline theirs."""
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, member_id)
            round_ = rules.publish(
                _load_round(uow, collective, round_id, lock=True),
                by=member_id,
                now=self._clock.now(),
            )
            uow.allocation_rounds.save(round_)
            report = self._report(uow, collective, round_)
            uow.commit()
        return report

    def decline(self, slug: str, round_id: str, share_id: str, *, member_id: str) -> Share:
        """Decline your own share; the next re-run shares its units among the others."""
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, member_id)
            round_ = _load_round(uow, collective, round_id, lock=True)
            share = uow.allocation_rounds.share(share_id)
            if share is None or share.round_id != round_.id:
                raise AllocationNotFound("no such allocation in this round", allocation=share_id)
            declined = decline(
                share,
                round_,
                member_id=member_id,
                now=self._clock.now(),
                in_enterprise=in_enterprise(uow, collective, share.enterprise_id, member_id),
            )
            uow.allocation_rounds.save_share(declined)
            uow.commit()
        return declined

    def rerun(self, slug: str, round_id: str, *, member_id: str) -> RoundReport:
        """A second (third, ...) pass shares the declined units among the other bidders."""
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, member_id)
            round_ = _load_round(uow, collective, round_id, lock=True)
            shares = uow.allocation_rounds.shares(round_.id)
            freed = declined_units(shares)
            round_ = rules.rerun(round_, declined_units=sum(freed.values()))
            if round_.lottery_seed is None:  # computed before seeds were stored (0010)
                round_ = replace(round_, lottery_seed=str(self._draw_seed()))
            now = self._clock.now()
            refused = {(s.member_id, s.asset_id) for s in shares if s.is_declined}
            held: dict[tuple[str, str], int] = {}
            for s in shares:
                if not s.is_declined:
                    held[s.member_id, s.asset_id] = held.get((s.member_id, s.asset_id), 0) + s.units
            bids = [
                b
                for b in self._live_bids(uow, collective, round_)
                if b.asset_id in freed and (b.member_id, b.asset_id) not in refused
            ]
            limits = {b.id: b.max_units - held.get((b.member_id, b.asset_id), 0) for b in bids}
            bids = [b for b in bids if limits[b.id] > 0]
            outcome = self._facilitator.allocate(
                RoundProblem(
                    capacities=freed,
                    budgets=_budgets(uow, collective, round_, bids),
                    bids=bids,
                    usage=uow.usage.stats(collective.id, since=now - PRODUCTIVITY_WINDOW),
                    demand=uow.demand.by_category(
                        collective.id, since=now - DEMAND_WINDOW, now=now
                    ),
                    limits=limits,
                    pass_no=round_.passes,
                    asset_names={a.id: a.name for a in uow.assets.all_of(collective.id)},
                    **_fairness(collective, round_),
                )
            )
            for s in shares:
                if s.awaiting_rerun:
                    uow.allocation_rounds.save_share(replace(s, rerun_pass=round_.passes))
            self._store_pass(uow, round_, outcome, now=now, fresh=False)
            uow.allocation_rounds.save(round_)
            report = self._report(uow, collective, round_)
            uow.commit()
        return report

    def close(self, slug: str, round_id: str, *, member_id: str) -> AllocationRound:
        """Close a published round once its period is over."""
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, member_id)
            round_ = rules.close(
                _load_round(uow, collective, round_id, lock=True),
                by=member_id,
                now=self._clock.now(),
            )
            uow.allocation_rounds.save(round_)
            uow.commit()
        return round_

    def enterprise_shares(
        self, slug: str, enterprise_id: str, *, viewer_id: str, limit: int = 50
    ) -> list[EnterpriseShare]:
        """The commons shares an enterprise holds, latest round first (members see them, as
        they see every round's allocations)."""
        with self._uow(readonly=True) as uow:
            collective = active_member_collective(uow, slug, viewer_id)
            enterprise = load_enterprise(uow, collective, enterprise_id)
            assets = {a.id: a for a in uow.assets.all_of(collective.id)}
            held = uow.allocation_rounds.of_enterprise(enterprise.id, limit=check_limit(limit))
        return [
            EnterpriseShare(
                round=round_,
                share=share,
                asset_name=assets[share.asset_id].name if share.asset_id in assets else "",
                asset_unit=assets[share.asset_id].unit if share.asset_id in assets else "",
            )
            for round_, share in held
            if round_.status not in (RoundStatus.OPEN, RoundStatus.CANCELLED)
        ]

    def enterprise_names(self, slug: str, enterprise_ids: Iterable[str | None]) -> dict[str, str]:
        """The names of these enterprises of the collective, by id (unknown ids left out)."""
        with self._uow(readonly=True) as uow:
            return _enterprise_names(uow, load_collective(uow, slug), enterprise_ids)

    # internals

    def _compute(
        self, uow: UnitOfWork, collective: Collective, round_id: str, *, by: str
    ) -> RoundReport:
        now = self._clock.now()
        round_ = rules.compute(
            _load_round(uow, collective, round_id, lock=True),
            by=by,
            now=now,
            seed=self._draw_seed(),
        )
        bids = self._live_bids(uow, collective, round_)
        outcome = self._facilitator.allocate(_first_pass(uow, collective, round_, bids, now=now))
        self._store_pass(uow, round_, outcome, now=now, fresh=True)
        uow.allocation_rounds.save(round_)
        return self._report(uow, collective, round_)

    @staticmethod
    def _live_bids(uow: UnitOfWork, collective: Collective, round_: AllocationRound) -> list[Bid]:
        """Bids of members still active, on assets still available; a bid for an enterprise
        only while its member still holds a role there that bids (one who left the co-op no
        longer spends tokens for it).

        The active members are read in one streamed query, not one query per bidder: a round of
        a million bidders would otherwise spend minutes on round trips before any computing.
        """
        available = {a.id for a in uow.assets.all_of(collective.id) if a.is_available}
        active = uow.memberships.active_ids(collective.id)
        bidding: dict[tuple[str, str], bool] = {}
        live = []
        for bid in uow.allocation_rounds.bids(round_.id):
            if bid.member_id not in active or bid.asset_id not in available:
                continue
            if bid.enterprise_id is not None:
                key = (bid.enterprise_id, bid.member_id)
                if key not in bidding:
                    roles = uow.enterprises.roles_of(bid.enterprise_id, bid.member_id)
                    bidding[key] = Power.BID in powers(roles)
                if not bidding[key]:
                    continue
            live.append(bid)
        return live

    @staticmethod
    def _store_pass(
        uow: UnitOfWork,
        round_: AllocationRound,
        outcome: PassOutcome,
        *,
        now: datetime,
        fresh: bool,
    ) -> None:
        """Store a pass's shares (the facilitator never gives a bid less than its minimum:
        the minimum or nothing) and the pass's prices and figures."""
        shares = [
            Share(
                id=new_id(),
                round_id=round_.id,
                member_id=o.member_id,
                asset_id=o.asset_id,
                bid_id=o.bid_id,
                units=o.units,
                pass_no=round_.passes,
                price_per_unit=o.price_per_unit,
                value_per_unit=o.value_per_unit,
                explanation=dict(o.explanation),
                enterprise_id=o.enterprise_id,
            )
            for o in outcome.outcomes
        ]
        if fresh:
            uow.allocation_rounds.replace_shares(round_.id, shares)
        else:
            uow.allocation_rounds.add_shares(shares)
        uow.allocation_rounds.save_pass(
            PassSummary(round_.id, round_.passes, outcome.prices, outcome.summary, now)
        )

    @staticmethod
    def _report(uow: UnitOfWork, collective: Collective, round_: AllocationRound) -> RoundReport:
        visible = round_.status is not RoundStatus.OPEN
        shares = uow.allocation_rounds.shares(round_.id) if visible else []
        bids = uow.allocation_rounds.bids(round_.id)
        enterprises = _enterprise_names(
            uow, collective, [*(s.enterprise_id for s in shares), *(b.enterprise_id for b in bids)]
        )
        return RoundReport(
            round=round_,
            passes=uow.allocation_rounds.passes(round_.id) if visible else (),
            shares=shares,
            assets={a.id: a for a in uow.assets.all_of(collective.id)},
            bids=bids,
            enterprises=enterprises,
        )


def _enterprise_names(
    uow: UnitOfWork, collective: Collective, enterprise_ids: Iterable[str | None]
) -> dict[str, str]:
    names = {}
    for enterprise_id in sorted({e for e in enterprise_ids if e is not None}):
        enterprise = uow.enterprises.get(collective.id, enterprise_id)
        if enterprise is not None:
            names[enterprise_id] = enterprise.name
    return names


class _Fairness(TypedDict):
    lottery_seed: int
    budget_rule: BudgetRule
    productivity_weight: float
    token_budget: float


#: the lottery seed of a forecast while bidding is open (the round's own is drawn at compute)
PREVIEW_SEED = 0


def _fairness(collective: Collective, round_: AllocationRound) -> _Fairness:
    """The round's lottery seed (a fixed preview seed before it has one: forecasts only) and
    the charter's budget rule, as the facilitator takes them."""
    seed = PREVIEW_SEED if round_.seed is None else round_.seed
    return _Fairness(
        lottery_seed=seed,
        budget_rule=BudgetRule(collective.charter.allocation_budgets),
        productivity_weight=float(collective.charter.allocation_productivity_weight),
        token_budget=float(round_.token_budget),
    )


def _first_pass(
    uow: UnitOfWork,
    collective: Collective,
    round_: AllocationRound,
    bids: Sequence[Bid],
    *,
    now: datetime,
) -> RoundProblem:
    """A round's first pass over ``bids`` (every available asset's capacity, warm-started from
    the previous round's prices): what ``_compute`` runs, and a forecast while bidding."""
    assets = {a.id: a for a in uow.assets.all_of(collective.id) if a.is_available}
    warm = uow.allocation_rounds.previous_prices(collective.id, before=round_.period_start)
    return RoundProblem(
        capacities={a.id: a.capacity for a in assets.values()},
        budgets=_budgets(uow, collective, round_, bids),
        bids=bids,
        usage=uow.usage.stats(collective.id, since=now - PRODUCTIVITY_WINDOW),
        demand=uow.demand.by_category(collective.id, since=now - DEMAND_WINDOW, now=now),
        warm_prices=None if warm is None else warm.prices,
        pass_no=1,
        asset_names={a.id: a.name for a in assets.values()},
        **_fairness(collective, round_),
    )


def _budgets(
    uow: UnitOfWork, collective: Collective, round_: AllocationRound, bids: Sequence[Bid]
) -> dict[str, float]:
    """Each bidder's token budget: the round's, times the weight a passed
    ``set_allocation_budgets`` gave them (1 for anyone it did not name)."""
    weights = uow.governance.weights(collective.id)
    return {
        b.member_id: float(round_.token_budget * weights.get(b.member_id, Decimal(1))) for b in bids
    }
