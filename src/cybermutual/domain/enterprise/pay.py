"""Pay periods: wages, then the surplus (co-operative) or the profit (firm), exactly.

At a period's close, in this order:

1. **Wages**: every approved, unpaid entry of hours worked before the period's end is paid at its
   contract's hourly wage (``contracts.wage_for``), from the enterprise's account.
2. **Result** = revenue - wages - costs, where revenue is what the market paid the enterprise in
   the period and costs what it paid out on the market (and the levy on its sales).
3. **The loss rule** (written here, shown in the docs): a negative result is a loss. The reserve
   absorbs it first, down to zero; whatever the reserve cannot absorb is *carried* and taken from
   the next surpluses before anything is shared or kept. Wages already earned are always paid,
   nobody is ever charged for a loss, and no payout is made while a loss is carried.
4. **Reserve**: of a positive result (after repaying a carried loss), ``floor(result *
   reserve_share)`` is kept in the enterprise's account as its reserve.
5. **Shares**: the rest is shared with ``profit_sharing.split_profit`` (largest remainder, exact,
   summing to the amount shared): in a co-operative among its worker-owners by the voted merit
   metric (``merits``); in a firm among its shareholders pro rata to their *vested* shares
   (``vested``), employees holding vested grants included. Nothing is shared before a close, and
   a period closes once (``PERIOD_TRANSITIONS``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from fractions import Fraction

from cybermutual.domain.enterprise.contracts import Contract, HoursEntry, HoursStatus, wage_for
from cybermutual.domain.enterprise.kinds import Enterprise, EnterpriseKind, MeritMetric, MixWeights
from cybermutual.domain.errors import InvalidTransition, InvalidValue, PeriodNotOver
from cybermutual.domain.profit_sharing import split_profit

#: peer ratings are whole numbers in this range
MIN_RATING, MAX_RATING = 0, 10


class PeriodStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # wages and shares paid, figures final


class PeriodAction(StrEnum):
    CLOSE = "close"


#: (from, action) -> to. A closed period never closes again: a second close finds it closed.
PERIOD_TRANSITIONS: dict[tuple[PeriodStatus, PeriodAction], PeriodStatus] = {
    (PeriodStatus.OPEN, PeriodAction.CLOSE): PeriodStatus.CLOSED,
}


class PayoutKind(StrEnum):
    WAGE = "wage"
    SURPLUS_SHARE = "surplus_share"  # a co-operative's merit share
    DIVIDEND = "dividend"  # a firm's profit, pro rata to vested shares


@dataclass(frozen=True, slots=True)
class Figures:
    """A closed period's P&L. ``result = revenue - wages - costs`` (negative: a loss)."""

    revenue: int = 0
    wages: int = 0
    costs: int = 0
    loss_recovered: int = 0  # of a carried loss, taken from this result
    reserve_added: int = 0
    reserve_used: int = 0  # to absorb this period's loss
    shared: int = 0  # paid out as surplus shares or dividends
    reserve_after: int = 0
    loss_carried_after: int = 0

    @property
    def result(self) -> int:
        return self.revenue - self.wages - self.costs


@dataclass(frozen=True, slots=True)
class PayPeriod:
    id: str
    enterprise_id: str
    seq: int
    starts_at: datetime
    ends_at: datetime
    status: PeriodStatus = PeriodStatus.OPEN
    closed_at: datetime | None = None
    closed_by: str | None = None
    figures: Figures | None = None


def next_period(
    *,
    period_id: str,
    enterprise: Enterprise,
    last: PayPeriod | None,
    ends_at: datetime,
) -> PayPeriod:
    """The period after ``last`` (or from the enterprise's creation): periods never overlap."""
    starts_at = enterprise.created_at if last is None else last.ends_at
    if ends_at <= starts_at:
        raise InvalidValue(
            "a period ends after it starts (it starts where the last one ended)",
            field="ends_at",
            starts_at=starts_at.isoformat(),
        )
    if last is not None and last.status is PeriodStatus.OPEN:
        raise InvalidTransition("close the open period before opening the next", period=last.id)
    return PayPeriod(
        id=period_id,
        enterprise_id=enterprise.id,
        seq=1 if last is None else last.seq + 1,
        starts_at=starts_at,
        ends_at=ends_at,
    )


@dataclass(frozen=True, slots=True)
class Contribution:
    """What a worker-owner put in during a period, for the merit metric."""

    member_id: str
    minutes: int = 0  # approved hours paid in the period
    sales: int = 0  # market sales attributed to them (they delivered), minor units
    ratings: tuple[int, ...] = ()  # what the other worker-owners rated them

    @property
    def productivity(self) -> Fraction:
        """Sales attributed per hour worked (0 without hours)."""
        return Fraction(self.sales * 60, self.minutes) if self.minutes else Fraction(0)

    @property
    def mean_rating(self) -> Fraction:
        return Fraction(sum(self.ratings), len(self.ratings)) if self.ratings else Fraction(0)


def _as_shares(values: list[Fraction]) -> list[Fraction]:
    total = sum(values, Fraction(0))
    return [v / total if total else Fraction(0) for v in values]


def merits(
    metric: MeritMetric, contributions: Sequence[Contribution], *, mix: MixWeights = MixWeights()
) -> list[Fraction]:
    """Each worker-owner's merit (exact), in the order given.

    ``hours``: minutes worked. ``hours_x_productivity``: minutes x sales per minute, that is
    the sales attributed (0 without hours). ``peer_ratings``: the mean rating received. ``mix``:
    each of the three taken as a share of its total, then weighted. When nobody has any merit
    by the metric (no sales yet, no ratings given), hours decide; with no hours either, everyone
    shares equally.
    """
    hours = [Fraction(c.minutes) for c in contributions]
    productive = [c.productivity * c.minutes / 60 for c in contributions]
    rated = [c.mean_rating for c in contributions]
    if metric is MeritMetric.HOURS:
        chosen = hours
    elif metric is MeritMetric.PRODUCTIVITY:
        chosen = productive
    elif metric is MeritMetric.PEER_RATINGS:
        chosen = rated
    else:
        parts = [
            (mix.hours, _as_shares(hours)),
            (mix.productivity, _as_shares(productive)),
            (mix.ratings, _as_shares(rated)),
        ]
        chosen = [sum((w * p[i] for w, p in parts), Fraction(0)) for i in range(len(contributions))]
    return chosen if any(chosen) else hours


@dataclass(frozen=True, slots=True)
class Grant:
    """Equity: ``shares`` of a firm held by a member, vesting linearly from ``vest_start`` to
    ``vest_end`` (both None: vested at once). Founders' shares are a grant vested at once."""

    id: str
    enterprise_id: str
    member_id: str
    shares: int
    granted_at: datetime
    granted_by: str
    vest_start: datetime | None = None
    vest_end: datetime | None = None


MAX_SHARES = 10**12


def new_grant(
    *,
    grant_id: str,
    enterprise_id: str,
    member_id: str,
    shares: int,
    granted_by: str,
    now: datetime,
    vest_start: datetime | None = None,
    vest_end: datetime | None = None,
) -> Grant:
    if isinstance(shares, bool) or not isinstance(shares, int) or not 0 < shares <= MAX_SHARES:
        raise InvalidValue(f"shares must be 1..{MAX_SHARES}", field="shares")
    if (vest_start is None) != (vest_end is None):
        raise InvalidValue("vesting needs both vest_start and vest_end", field="vest_end")
    if vest_start is not None and vest_end is not None and vest_end <= vest_start:
        raise InvalidValue("vesting ends after it starts", field="vest_end")
    return Grant(grant_id, enterprise_id, member_id, shares, now, granted_by, vest_start, vest_end)


def vested(grant: Grant, at: datetime) -> int:
    """Shares of ``grant`` vested at ``at``: linear in time, rounded down, all at ``vest_end``."""
    if grant.vest_start is None or grant.vest_end is None or at >= grant.vest_end:
        return grant.shares
    if at <= grant.vest_start:
        return 0
    done = (at - grant.vest_start) / (grant.vest_end - grant.vest_start)
    return int(Fraction(grant.shares) * Fraction(done).limit_denominator(10**9))


def holdings(grants: Sequence[Grant], at: datetime) -> dict[str, int]:
    """Vested shares per member at ``at`` (members with nothing vested are left out)."""
    held: dict[str, int] = defaultdict(int)
    for grant in grants:
        held[grant.member_id] += vested(grant, at)
    return {m: s for m, s in sorted(held.items()) if s > 0}


@dataclass(frozen=True, slots=True)
class WageLine:
    contract_id: str
    member_id: str
    minutes: int
    hourly_wage: int
    amount: int


def wage_lines(
    contracts: Mapping[str, Contract], entries: Sequence[HoursEntry], *, period: PayPeriod
) -> list[WageLine]:
    """What each contract earned from the approved, unpaid hours worked before the period end."""
    minutes: dict[str, int] = defaultdict(int)
    for entry in entries:
        if entry.status is HoursStatus.APPROVED and entry.worked_at < period.ends_at:
            minutes[entry.contract_id] += entry.minutes
    lines = []
    for contract_id in sorted(minutes):
        contract = contracts[contract_id]
        lines.append(
            WageLine(
                contract_id,
                contract.member_id,
                minutes[contract_id],
                contract.hourly_wage,
                wage_for(contract.hourly_wage, minutes[contract_id]),
            )
        )
    return lines


@dataclass(frozen=True, slots=True)
class ShareLine:
    member_id: str
    amount: int
    basis: Fraction  # the merit, or the vested shares, it was split by


@dataclass(frozen=True, slots=True)
class Closing:
    period: PayPeriod
    enterprise: Enterprise  # with its new reserve and carried loss
    wages: list[WageLine]
    shares: list[ShareLine]


def settle(enterprise: Enterprise, *, revenue: int, costs: int, wages: int) -> tuple[Figures, int]:
    """Apply the loss rule and the reserve share: the period's figures, and what is to be shared
    (``Figures.shared``). Pure arithmetic in whole minor units."""
    if min(revenue, costs, wages) < 0:
        raise InvalidValue("revenue, costs and wages are never negative")
    result = revenue - wages - costs
    reserve, carried = enterprise.reserve, enterprise.loss_carried
    if result < 0:
        used = min(-result, reserve)
        figures = Figures(
            revenue=revenue,
            wages=wages,
            costs=costs,
            reserve_used=used,
            reserve_after=reserve - used,
            loss_carried_after=carried + (-result - used),
        )
        return figures, 0
    recovered = min(result, carried)
    rest = result - recovered
    kept = int((Decimal(rest) * enterprise.reserve_share).to_integral_value(ROUND_FLOOR))
    shared = rest - kept
    figures = Figures(
        revenue=revenue,
        wages=wages,
        costs=costs,
        loss_recovered=recovered,
        reserve_added=kept,
        shared=shared,
        reserve_after=reserve + kept,
        loss_carried_after=carried - recovered,
    )
    return figures, shared


def close_period(
    period: PayPeriod,
    enterprise: Enterprise,
    *,
    contracts: Mapping[str, Contract],
    entries: Sequence[HoursEntry],
    revenue: int,
    costs: int,
    contributions: Sequence[Contribution] = (),
    grants: Sequence[Grant] = (),
    by: str,
    now: datetime,
) -> Closing:
    """Close ``period``: wages, the loss rule, the reserve, and the shares, all exact.

    A co-operative shares among ``contributions`` (one per current worker-owner); a firm among
    the holders of vested ``grants`` at the period's end. With nobody to share with, what would
    have been shared stays in the reserve.
    """
    to = PERIOD_TRANSITIONS.get((period.status, PeriodAction.CLOSE))
    if to is None:
        raise InvalidTransition("this period is already closed", period=period.id)
    if now < period.ends_at:
        raise PeriodNotOver(
            "a period closes once it has ended",
            period=period.id,
            ends_at=period.ends_at.isoformat(),
        )
    wages = wage_lines(contracts, entries, period=period)
    figures, shared = settle(
        enterprise, revenue=revenue, costs=costs, wages=sum(w.amount for w in wages)
    )
    shares: list[ShareLine] = []
    if shared > 0:
        if enterprise.kind is EnterpriseKind.COOPERATIVE:
            people = [c.member_id for c in contributions]
            basis = merits(enterprise.merit_metric, contributions, mix=enterprise.mix)
        else:
            held = holdings(grants, period.ends_at)
            people, basis = list(held), [Fraction(s) for s in held.values()]
        if people:
            amounts = split_profit(shared, basis)
            shares = [
                ShareLine(m, a, b) for m, a, b in zip(people, amounts, basis, strict=True) if a
            ]
        else:  # nobody to share with: it is kept
            figures = replace(
                figures,
                shared=0,
                reserve_added=figures.reserve_added + shared,
                reserve_after=figures.reserve_after + shared,
            )
    closed = replace(period, status=to, closed_at=now, closed_by=by, figures=figures)
    after = replace(
        enterprise, reserve=figures.reserve_after, loss_carried=figures.loss_carried_after
    )
    return Closing(closed, after, wages, shares)
