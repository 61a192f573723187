"""Where a collective's money stands, for the money-supply model (``sim/money_supply.py``).

Reads the active members' balances and limits, each member's sales over the trailing weeks,
the mean payment and the commons fund, and runs the model's scenarios on them: how many weeks
until the members are at their limits in aggregate, with each money rule on and off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from cybermutual.domain.collective import parse_levy_rate
from cybermutual.domain.errors import InvalidValue
from cybermutual.domain.ledger import AccountKind
from cybermutual.services.loading import load_collective
from cybermutual.services.ports import Clock, UnitOfWorkFactory

if TYPE_CHECKING:  # the simulator (numpy) loads on first use
    from cybermutual.sim.money_supply import MoneyEconomy

WEEKS = 13  # the trailing window the turnover is measured over
MAX_WEEKS = 1_040
MAX_SEEDS = 32


@dataclass(frozen=True, slots=True)
class ScenarioOutcome:
    """One scenario over several seeds: the median week (None: not within the horizon)."""

    name: str
    weeks_to_limits: tuple[int | None, ...]
    weeks_to_stall: tuple[int | None, ...]
    fund_at_end: int  # median over the seeds
    written_off: int
    demurrage: int
    services_paid: int

    @staticmethod
    def median(weeks: tuple[int | None, ...]) -> int | None:
        """The median week, counting "not within the horizon" as later than any week."""
        ordered = sorted(weeks, key=lambda w: (w is None, w or 0))
        return ordered[len(ordered) // 2]


@dataclass(frozen=True, slots=True)
class MoneySupplyReport:
    members: int
    weekly_volume: int
    payment: int
    limits: int
    fund: int
    levy_rate: Decimal
    #: the drain's identity, if trade went on at the observed volume and nothing else moved:
    #: the headroom down to ``STALL_SHARE`` of the limits / (levy x weekly volume)
    weeks_by_arithmetic: float | None
    outcomes: tuple[ScenarioOutcome, ...]


class MoneySupplyService:
    def __init__(self, uow: UnitOfWorkFactory, *, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def economy(self, slug: str, *, weeks: int = WEEKS) -> MoneyEconomy:
        """The collective as it stands: active members, their trailing weekly sales."""
        from cybermutual.sim.money_supply import MoneyEconomy

        now = self._clock.now()
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            since = now - timedelta(weeks=weeks)
            count, total, first = uow.money_rules.trades_since(collective.id, since)
            if count == 0 or first is None:
                raise InvalidValue(
                    f"'{slug}' has no trade in the last {weeks} weeks to measure turnover by"
                )
            span = max(1.0, (now - max(first, since)) / timedelta(weeks=1))
            sales = uow.money_rules.sales_since(collective.id, since)
            accounts = [
                a
                for a in uow.accounts.all_of(collective.id)
                if a.kind is AccountKind.MEMBER and a.owner_id
            ]
            standing = uow.memberships.get_many(collective.id, [a.owner_id or "" for a in accounts])
            members = [
                a
                for a in accounts
                if (s := standing.get(a.owner_id or "")) is not None and s.is_active
            ]
            fund = uow.accounts.system(collective.id, AccountKind.COMMONS_FUND)
        if len(members) < 2:
            raise InvalidValue(f"'{slug}' needs two active members or more to trade")
        return MoneyEconomy(
            balances=tuple(m.balance for m in members),
            limits=tuple(m.credit_limit or 0 for m in members),
            weekly_sales=tuple(round(sales.get(m.id, 0) / span) for m in members),
            payment=max(1, total // count),
            fund=fund.balance,
            fund_floor=fund.credit_limit or 0,
        )

    def report(
        self,
        slug: str,
        *,
        levy_rate: str,
        weeks: int = 260,
        seeds: int = 8,
        dormant_share: float = 0.1,
    ) -> MoneySupplyReport:
        """Every scenario of ``sim.money_supply.scenarios`` on this collective, over seeds."""
        import numpy as np

        from cybermutual.sim.money_supply import STALL_SHARE, Conditions, scenarios, simulate

        rate = parse_levy_rate(levy_rate)
        if not 1 <= weeks <= MAX_WEEKS or not 1 <= seeds <= MAX_SEEDS:
            raise InvalidValue(f"weeks must be 1..{MAX_WEEKS} and seeds 1..{MAX_SEEDS}")
        if not 0 <= dormant_share <= 1:
            raise InvalidValue("dormant_share must be from 0 to 1")
        economy = self.economy(slug)
        conditions = Conditions(weeks=weeks, dormant_share=dormant_share)
        outcomes = []
        for name, rules in scenarios(economy, rate).items():
            runs = [
                simulate(economy, rules, rng=np.random.default_rng(seed), conditions=conditions)
                for seed in range(seeds)
            ]
            outcomes.append(
                ScenarioOutcome(
                    name,
                    tuple(r.weeks_to_limits for r in runs),
                    tuple(r.weeks_to_stall for r in runs),
                    int(np.median([r.fund[-1] for r in runs])),
                    int(np.median([r.written_off for r in runs])),
                    int(np.median([r.demurrage for r in runs])),
                    int(np.median([r.services_paid for r in runs])),
                )
            )
        headroom = sum(b + lim for b, lim in zip(economy.balances, economy.limits, strict=True))
        to_use = headroom - STALL_SHARE * sum(economy.limits)
        drain = float(rate) * economy.weekly_volume
        return MoneySupplyReport(
            members=len(economy.balances),
            weekly_volume=economy.weekly_volume,
            payment=economy.payment,
            limits=sum(economy.limits),
            fund=economy.fund,
            levy_rate=rate,
            weeks_by_arithmetic=max(0.0, to_use / drain) if drain else None,
            outcomes=tuple(outcomes),
        )
