"""How fast a levy drains a mutual-credit economy into its commons fund, and what each of the
platform's money rules does about it (issue 13 section 4).

A small weekly model that applies the platform's own rules, the very functions the ledger and
the tick use (``levy_due``, ``demurrage_due``, ``reviewed_limit``, ``dormant_step``,
``write_off_amount``), to a population that starts where a real collective stands: its members'
balances and limits, each member's observed weekly sales, the typical payment and the fund.

Each week every active member is drawn as a buyer about as often as they sell (the circular flow
of a market at its observed turnover) from a seller chosen in proportion to their sales; a
payment goes through only if the buyer is within their credit limit, exactly as the ledger
refuses one. The payee pays the levy to the fund. The fund spends only what governance lets it:
public services paying members up to a weekly budget, never below its floor. A share of the
members may go dormant (stop trading) part-way, which is what the dormant-debt rule is for.

The drain is an identity: the members' balances sum to ``-fund``, so the fund's growth is the
members' aggregate debt. "Members hit their limits in aggregate" is the first week the members'
summed headroom (balance + limit) falls to ``STALL_SHARE`` of their summed limits; the model also
reports the week trade falls below half its first weeks' volume.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np

from cybermutual.domain.ledger import levy_due
from cybermutual.domain.money_rules import (
    Demurrage,
    DormantDebt,
    DormantDebtRule,
    DormantStep,
    TurnoverLimits,
    demurrage_due,
    dormant_step,
    lapsed,
    notice,
    owed,
    reviewed_limit,
    write_off_amount,
    written_off,
)

#: The members are "at their limits in aggregate" when their summed headroom is this share of
#: their summed limits (10%: nine tenths of all the credit the collective extends is used).
STALL_SHARE = 0.1
_EPOCH = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday; the model's weeks count from it


@dataclass(frozen=True, slots=True)
class MoneyEconomy:
    """Where a collective stands: one entry per active member, amounts in minor units."""

    balances: tuple[int, ...]
    limits: tuple[int, ...]
    weekly_sales: tuple[int, ...]  # each member's mean weekly sales over the trailing weeks
    payment: int  # the typical (mean) payment
    fund: int = 0
    fund_floor: int = 0

    def __post_init__(self) -> None:
        n = len(self.balances)
        if n < 2 or len(self.limits) != n or len(self.weekly_sales) != n:
            raise ValueError("an economy needs balances, limits and sales for 2 or more members")
        if self.payment < 1 or min(self.weekly_sales) < 0 or min(self.limits) < 0:
            raise ValueError("payments, sales and limits must be positive")

    @property
    def weekly_volume(self) -> int:
        return sum(self.weekly_sales)


@dataclass(frozen=True, slots=True)
class MoneyRules:
    """The charter's rules for one run (``None``: the rule is off)."""

    levy_rate: Decimal
    turnover: TurnoverLimits | None = None
    demurrage: Demurrage | None = None
    dormant: DormantDebtRule | None = None
    #: public services: paid from the fund to members each week, up to this, above its floor
    service_budget: int = 0


@dataclass(frozen=True, slots=True)
class Conditions:
    """What happens to the members, the same whatever the rules."""

    weeks: int = 260
    #: the share of members who stop trading, each at a week drawn from the first half
    dormant_share: float = 0.0


@dataclass(slots=True)
class MoneySupplyRun:
    """A run's weekly path and the two weeks that answer the question."""

    fund: list[int] = field(default_factory=list)
    headroom: list[int] = field(default_factory=list)  # summed balance + limit of the members
    limits: list[int] = field(default_factory=list)  # summed limits
    volume: list[int] = field(default_factory=list)  # trade that went through
    at_limit: list[float] = field(default_factory=list)  # share of members within a payment
    demurrage: int = 0
    written_off: int = 0
    services_paid: int = 0

    @property
    def weeks_to_limits(self) -> int | None:
        """The first week the members' headroom is down to ``STALL_SHARE`` of their limits."""
        for week, (room, limits) in enumerate(zip(self.headroom, self.limits, strict=True)):
            if room <= STALL_SHARE * limits:
                return week + 1
        return None

    @property
    def weeks_to_stall(self) -> int | None:
        """The first week trade over the last eight weeks falls below half of what it was in
        the first eight (a few weeks' noise in a small collective is not a stall)."""
        span = 8
        if len(self.volume) < 2 * span:
            return None
        start = sum(self.volume[:span])
        for week in range(span, len(self.volume) + 1):
            if sum(self.volume[week - span : week]) < start / 2:
                return week
        return None


def simulate(
    economy: MoneyEconomy,
    rules: MoneyRules,
    *,
    rng: np.random.Generator,
    conditions: Conditions | None = None,
) -> MoneySupplyRun:
    """Run the economy forward under ``rules``; one generator, one run."""
    conditions = conditions or Conditions()
    n = len(economy.balances)
    balance = list(economy.balances)
    reserved = [0] * n  # the model holds nothing in escrow
    limit = list(economy.limits)
    levy_carry = [0] * n
    fee_carry = [0] * n
    fund = economy.fund
    sales = np.asarray(economy.weekly_sales, dtype=float)
    seller_odds = sales / sales.sum() if sales.sum() > 0 else np.full(n, 1 / n)
    trades_per_week = max(1, round(economy.weekly_volume / economy.payment))
    window = rules.turnover.weeks if rules.turnover else 13
    history = [list(economy.weekly_sales) for _ in range(window)]  # sales, newest last
    stops = _dormancy(n, conditions, rng)
    last_trade = [_EPOCH] * n
    records: dict[int, DormantDebt] = {}
    closed: set[int] = set()
    run = MoneySupplyRun()
    for week in range(conditions.weeks):
        now = _EPOCH + timedelta(weeks=week + 1)
        active = np.array([(stop := stops[i]) is None or week < stop for i in range(n)])
        sold = [0] * n
        volume = 0
        buyers = rng.choice(n, size=trades_per_week, p=seller_odds)
        sellers = rng.choice(n, size=trades_per_week, p=seller_odds)
        sizes = rng.exponential(economy.payment, size=trades_per_week).round().astype(int) + 1
        for buyer, seller, size in zip(
            buyers.tolist(), sellers.tolist(), sizes.tolist(), strict=True
        ):
            if buyer == seller or not (active[buyer] and active[seller]):
                continue
            if balance[buyer] - reserved[buyer] - size < -limit[buyer]:
                continue  # refused: credit_limit_exceeded
            balance[buyer] -= size
            balance[seller] += size
            levy, levy_carry[seller] = levy_due(size, rules.levy_rate, levy_carry[seller])
            balance[seller] -= levy
            fund += levy
            sold[seller] += size
            volume += size
            last_trade[buyer] = last_trade[seller] = now
        history = [*history[1:], sold]
        if rules.service_budget:
            paid = _pay_services(balance, fund, economy.fund_floor, rules, active, seller_odds, rng)
            fund -= paid
            run.services_paid += paid
        if rules.demurrage is not None and rules.demurrage.active:
            for i in range(n):
                charged, fee_carry[i] = demurrage_due(
                    balance[i], reserved[i], rules.demurrage, fee_carry[i]
                )
                balance[i] -= charged
                fund += charged
                run.demurrage += charged
        if rules.turnover is not None:
            trailing = np.sum(history[-rules.turnover.weeks :], axis=0).tolist()
            for i in range(n):
                if i not in closed:
                    earned = rules.turnover.limit_for(int(trailing[i]))
                    limit[i] = reviewed_limit(
                        limit[i], earned, balance=balance[i], reserved=reserved[i]
                    )
        if rules.dormant is not None and rules.dormant.active:
            fund, taken = _dormant_debts(
                balance, limit, records, closed, last_trade, fund, economy, rules.dormant, now
            )
            run.written_off += taken
        assert sum(balance) + fund == sum(economy.balances) + economy.fund  # nothing is lost
        run.fund.append(fund)
        run.limits.append(sum(limit))
        run.headroom.append(sum(b + lim for b, lim in zip(balance, limit, strict=True)))
        run.volume.append(volume)
        run.at_limit.append(
            sum(1 for b, lim in zip(balance, limit, strict=True) if b + lim < economy.payment) / n
        )
    return run


def _dormancy(n: int, conditions: Conditions, rng: np.random.Generator) -> list[int | None]:
    """The week each member stops trading (None: never)."""
    count = round(conditions.dormant_share * n)
    who = set(rng.choice(n, size=count, replace=False).tolist()) if count else set()
    half = max(1, conditions.weeks // 2)
    return [int(rng.integers(0, half)) if i in who else None for i in range(n)]


def _pay_services(
    balance: list[int],
    fund: int,
    floor: int,
    rules: MoneyRules,
    active: np.ndarray,
    odds: np.ndarray,
    rng: np.random.Generator,
) -> int:
    """A week of public services: providers (drawn like sellers) paid from the fund, up to the
    budget and never below the fund's floor. What was paid."""
    room = min(rules.service_budget, fund + floor)
    if room <= 0:
        return 0
    weights = np.where(active, odds, 0.0)
    if weights.sum() <= 0:
        return 0
    providers = rng.choice(len(balance), size=4, p=weights / weights.sum()).tolist()
    shares = [room // 4 + (1 if k < room % 4 else 0) for k in range(4)]
    for provider, share in zip(providers, shares, strict=True):
        balance[provider] += share
    return room


def _dormant_debts(
    balance: list[int],
    limit: list[int],
    records: dict[int, DormantDebt],
    closed: set[int],
    last_trade: list[datetime],
    fund: int,
    economy: MoneyEconomy,
    rule: DormantDebtRule,
    now: datetime,
) -> tuple[int, int]:
    """The tick's dormant-debt step, member by member; the fund after it and what it took."""
    taken = 0
    for i in range(len(balance)):
        debt = max(0, -balance[i])
        step = dormant_step(records.get(i), debt=debt, last_trade=last_trade[i], now=now, rule=rule)
        record = records.get(i)
        if step is DormantStep.NOTICE:
            records[i] = notice(str(i), now=now, rule=rule)
        elif step is DormantStep.LAPSE and record is not None:
            kept = lapsed(record)
            if kept is None:
                del records[i]
            else:
                records[i] = kept
        elif step is DormantStep.WRITE_OFF and record is not None:
            amount = write_off_amount(debt, fund + economy.fund_floor)
            fund -= amount
            balance[i] += amount
            taken += amount
            limit[i] = owed(balance[i], 0)  # closed: no new borrowing, never below the debt
            closed.add(i)
            records[i] = written_off(record, amount, debt=debt, now=now)
    return fund, taken


def scenarios(economy: MoneyEconomy, levy_rate: Decimal) -> dict[str, MoneyRules]:
    """Each rule on its own and with the fund's outflows, at one levy, with the settings
    ``docs/money.md`` reports (sized to the economy's own turnover and limits)."""
    mean_limit = sum(economy.limits) // len(economy.limits)
    # the same credit in all at today's turnover, but following each member's own sales
    multiple = (Decimal(sum(economy.limits)) / (13 * max(1, economy.weekly_volume))).quantize(
        Decimal("0.01")
    )
    turnover = TurnoverLimits(min(multiple, Decimal(10)), 13, mean_limit // 5, mean_limit * 4)
    # a holding fee of 0.5% a week on what is above one month of the mean member's sales
    threshold = 4 * economy.weekly_volume // len(economy.weekly_sales)
    demurrage = Demurrage(Decimal("0.005"), threshold)
    dormant = DormantDebtRule(8, 4)
    # services that spend, each week, what the levy brings in at the observed turnover
    budget = int(levy_rate * economy.weekly_volume)
    base = MoneyRules(levy_rate)
    return {
        "no levy (the control)": MoneyRules(Decimal(0)),
        "fixed limits (today)": base,
        "turnover limits": replace(base, turnover=turnover),
        "demurrage": replace(base, demurrage=demurrage),
        "dormant debts written off": replace(base, dormant=dormant),
        "services spend the levy": replace(base, service_budget=budget),
        "all three + services": replace(
            base, turnover=turnover, demurrage=demurrage, dormant=dormant, service_budget=budget
        ),
    }
