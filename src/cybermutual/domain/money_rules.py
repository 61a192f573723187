"""The rules that keep a mutual-credit ledger from draining into its commons fund (issue 13).

The levy moves money from members to ``commons_fund``; whatever the fund does not spend back is
owed, in aggregate, by the members, so without outflows the members drift towards their credit
limits. Three charter rules, each voted, act on that drift:

- **credit limits that follow turnover** (``credit_limit_rule = turnover``): each week a member's
  limit becomes ``multiple x`` their sales over the trailing ``weeks``, within ``[floor, cap]``,
  as Sardex sizes credit lines to business volume. A review never lowers a limit below what the
  member owes at that moment (their debt plus what they hold in escrow): a lower limit only
  stops new spending, it never pushes anyone over their limit.
- **demurrage** (``demurrage_rate`` per week on the part of a member's available balance above
  ``demurrage_threshold``): paid into ``commons_fund`` by journal entries, exact in minor units,
  with each account's remainder below one minor unit carried to the next week like the levy's.
- **dormant debt** (``dormant_weeks``): a member in debt who has not traded for that many weeks
  gets a notice; if they still have not traded ``dormant_grace_weeks`` later, the debt is written
  off against ``commons_fund`` by a recorded ``write_off`` entry (never taking the fund below its
  own floor: the rest waits for the levy to refill it) and their credit line is closed: the
  limit becomes what is still owed (0 once all of it is written off), so nothing more can be
  borrowed and no limit is ever below a debt; only a vote (``set_credit_limit`` for that
  member) opens it again.

Everything here is a plain function of exact integers and decimals: no clock, no store.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

from cybermutual.domain.errors import InvalidValue
from cybermutual.domain.ledger import LEVY_SCALE, rate_millionths
from cybermutual.domain.money import MAX_AMOUNT

#: A demurrage rate is per week, at most 10% (a higher one is confiscation, not a holding fee),
#: with at most 6 decimals so it is a whole number of millionths like the levy rate.
MAX_DEMURRAGE = Decimal("0.1")
#: The multiple of trailing sales a turnover limit may be (10 x a quarter's sales is plenty).
MAX_MULTIPLE = Decimal(10)
MAX_WINDOW_WEEKS = 52
MAX_DORMANT_WEEKS = 520
MAX_GRACE_WEEKS = 52


class CreditLimitRule(StrEnum):
    FIXED = "fixed"  # limits change only by vote (the default)
    TURNOVER = "turnover"  # reviewed weekly from each member's trailing sales


class DormantStage(StrEnum):
    """Where a member's dormant debt stands; the transitions are ``DORMANT_TRANSITIONS``."""

    NOTICED = "noticed"  # told: trade before ``due_at`` or the debt is written off
    WRITTEN_OFF = "written_off"  # the fund took the debt; the credit line is closed


#: None is "no dormant debt on record". A notice lapses (back to None) when the member trades.
DORMANT_TRANSITIONS: dict[DormantStage | None, frozenset[DormantStage | None]] = {
    None: frozenset({DormantStage.NOTICED}),  # in debt, no trade for dormant_weeks
    DormantStage.NOTICED: frozenset({None, DormantStage.WRITTEN_OFF}),  # traded / grace over
    DormantStage.WRITTEN_OFF: frozenset({DormantStage.NOTICED}),  # a vote reopened, dormant again
}


def parse_rate(text: str | Decimal, *, field: str, high: Decimal, places: int = 6) -> Decimal:
    """An exact decimal in ``[0, high]`` with at most ``places`` decimals, from its text."""
    try:
        value = Decimal(str(text).strip())
    except ArithmeticError:
        value = Decimal("NaN")
    exponent = value.as_tuple().exponent
    if (
        not value.is_finite()
        or not Decimal(0) <= value <= high
        or (isinstance(exponent, int) and exponent < -places)
    ):
        raise InvalidValue(
            f"{field} must be a decimal string from 0 to {high} with at most {places} decimals",
            field=field,
        )
    if not value:
        return Decimal(0)
    exact = value.normalize()  # "0.50" and "0.5" are one rate; "10" stays "10", not "1E+1"
    exponent = exact.as_tuple().exponent
    return exact.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else exact


def check_whole(value: object, *, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidValue(f"{field} must be a whole number from {low} to {high}", field=field)
    return value


# --- credit limits that follow turnover -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TurnoverLimits:
    """``limit = clamp(floor(multiple x sales over the trailing weeks), floor, cap)``."""

    multiple: Decimal
    weeks: int
    floor: int
    cap: int

    def __post_init__(self) -> None:
        multiple = parse_rate(
            self.multiple, field="credit_limit_multiple", high=MAX_MULTIPLE, places=4
        )
        object.__setattr__(self, "multiple", multiple)
        check_whole(self.weeks, field="credit_limit_weeks", low=1, high=MAX_WINDOW_WEEKS)
        check_whole(self.floor, field="credit_limit_floor", low=0, high=MAX_AMOUNT)
        check_whole(self.cap, field="credit_limit_cap", low=0, high=MAX_AMOUNT)
        if self.floor > self.cap:
            raise InvalidValue(
                "credit_limit_floor must not be above credit_limit_cap", field="credit_limit_floor"
            )

    def window_start(self, now: datetime) -> datetime:
        return now - timedelta(weeks=self.weeks)

    def limit_for(self, sales: int) -> int:
        """The limit ``sales`` (trade receipts in the window, before levy) earn."""
        earned = int((self.multiple * max(sales, 0)).to_integral_value(ROUND_FLOOR))
        return min(max(earned, self.floor), self.cap)


def owed(balance: int, reserved: int) -> int:
    """What a member owes now: their debt, counting what they hold in escrow (``-available``)."""
    return max(0, reserved - balance)


def reviewed_limit(current: int | None, earned: int, *, balance: int, reserved: int) -> int:
    """The limit after a review: ``earned``, but never below what the member owes now.

    A lower limit only stops new spending. When ``earned`` is below the member's debt, the limit
    stops at the debt (or stays at the current limit, if that was already lower: a review never
    raises a limit because of a debt), so ``available >= -limit`` still holds afterwards.
    """
    debt = owed(balance, reserved)
    if earned >= debt:
        return earned
    return max(earned, min(current if current is not None else debt, debt))


# --- demurrage ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Demurrage:
    """A weekly fee of ``rate`` on the part of each available balance above ``threshold``."""

    rate: Decimal
    threshold: int

    def __post_init__(self) -> None:
        rate = parse_rate(self.rate, field="demurrage_rate", high=MAX_DEMURRAGE)
        object.__setattr__(self, "rate", rate)
        check_whole(self.threshold, field="demurrage_threshold", low=0, high=MAX_AMOUNT)

    @property
    def active(self) -> bool:
        return bool(self.rate)


@dataclass(frozen=True, slots=True)
class DemurrageRun:
    """One week's demurrage: charged right after journal entry ``after_seq``, at these rules,
    on every member account in the order of their ids (so ``verify`` can replay it)."""

    period_key: str
    after_seq: int
    rate: Decimal
    threshold: int

    @property
    def demurrage(self) -> Demurrage:
        return Demurrage(self.rate, self.threshold)


def demurrage_due(balance: int, reserved: int, demurrage: Demurrage, carry: int) -> tuple[int, int]:
    """This week's demurrage on one account, and the account's new remainder.

    Charged on ``available - threshold`` (money held in escrow is already on its way out), in
    millionths of a minor unit; ``carry`` is what earlier weeks left below one minor unit. So
    the charges over many weeks sum to ``floor(carry0 / 10**6 + sum of rate x excess)`` and
    nobody gains by the rounding. The charge is never more than the excess, so paying it never
    takes the account below its threshold, let alone its credit limit.
    """
    if not 0 <= carry < LEVY_SCALE:
        raise InvalidValue("a demurrage remainder is below one minor unit")
    excess = max(0, balance - reserved - demurrage.threshold)
    charged, carry = divmod(carry + excess * rate_millionths(demurrage.rate), LEVY_SCALE)
    return charged, carry


# --- dormant debt ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DormantDebtRule:
    """Notice after ``weeks`` without trade while in debt; write-off ``grace_weeks`` later."""

    weeks: int
    grace_weeks: int

    def __post_init__(self) -> None:
        check_whole(self.weeks, field="dormant_weeks", low=0, high=MAX_DORMANT_WEEKS)
        check_whole(self.grace_weeks, field="dormant_grace_weeks", low=1, high=MAX_GRACE_WEEKS)

    @property
    def active(self) -> bool:
        return self.weeks > 0


@dataclass(frozen=True, slots=True)
class DormantDebt:
    """A member's dormant debt on record: noticed when, due when, and what was written off."""

    member_id: str
    stage: DormantStage
    noticed_at: datetime
    due_at: datetime
    written_off: int = 0  # in total, over every write-off of this member
    written_off_at: datetime | None = None


class DormantStep(StrEnum):
    NOTICE = "notice"
    LAPSE = "lapse"  # the member traded (or repaid) since the notice
    WRITE_OFF = "write_off"


def dormant_step(
    record: DormantDebt | None,
    *,
    debt: int,
    last_trade: datetime,
    now: datetime,
    rule: DormantDebtRule,
) -> DormantStep | None:
    """What a tick does about one member (``last_trade``: their last trade, or joining).

    A notice goes to a member in debt with no trade for ``rule.weeks``; it lapses as soon as
    they trade or are out of debt; when ``due_at`` passes with neither, their debt is written
    off (and again, for what is left, while the fund could not cover it all at once).
    """
    dormant = now - last_trade >= timedelta(weeks=rule.weeks)
    if record is None or record.stage is DormantStage.WRITTEN_OFF:
        # after a write-off, only a new debt (which needs a trade since) starts a new notice
        fresh = record is None or last_trade > (record.written_off_at or record.noticed_at)
        return DormantStep.NOTICE if rule.active and debt > 0 and dormant and fresh else None
    if last_trade >= record.noticed_at or debt <= 0:  # (a notice needs an older trade)
        return DormantStep.LAPSE
    if now >= record.due_at:
        return DormantStep.WRITE_OFF
    return None


def notice(member_id: str, *, now: datetime, rule: DormantDebtRule) -> DormantDebt:
    return DormantDebt(
        member_id, DormantStage.NOTICED, now, now + timedelta(weeks=rule.grace_weeks)
    )


def lapsed(record: DormantDebt) -> DormantDebt | None:
    """A notice that lapses: gone, unless part of the debt was written off already (then the
    record stays, written off, and so does the closed credit line)."""
    return replace(record, stage=DormantStage.WRITTEN_OFF) if record.written_off else None


def written_off(record: DormantDebt, amount: int, *, debt: int, now: datetime) -> DormantDebt:
    """The record after ``amount`` of ``debt`` was written off: done when all of it is gone,
    still noticed (the rest waits for the fund) otherwise."""
    return replace(
        record,
        stage=DormantStage.WRITTEN_OFF if amount >= debt else DormantStage.NOTICED,
        written_off=record.written_off + amount,
        written_off_at=now if amount else record.written_off_at,
    )


def write_off_amount(debt: int, fund_headroom: int | None) -> int:
    """How much of ``debt`` the fund takes now: all of it, or what its floor leaves room for."""
    if fund_headroom is None:
        return max(debt, 0)
    return max(0, min(debt, fund_headroom))
