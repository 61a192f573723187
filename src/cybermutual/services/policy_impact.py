"""What a policy would do, calculated before members vote on it.

Builds a snapshot of a collective's real economy (members' balances and credit limits, sales by
category over the last weeks, levy rate, commons fund) and runs the simulator with and without
the policy on the same seeds (:func:`cybermutual.sim.calibration.policy_impact`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cybermutual.domain.collective import parse_levy_rate
from cybermutual.domain.errors import InvalidValue
from cybermutual.domain.ledger import check_credit_limit
from cybermutual.domain.membership import require_active
from cybermutual.services.common import load_collective
from cybermutual.services.ports import Clock, UnitOfWorkFactory

if TYPE_CHECKING:  # the simulator (numpy, SciPy) loads on first use, not when a server starts
    from cybermutual.sim.calibration import CollectiveSnapshot, Policy

WEEKS = 12  # how much history calibrates the trade volume; one simulated step is one week


@dataclass(frozen=True, slots=True)
class PolicyChange:
    """A policy to estimate; ``None`` keeps the collective's current setting."""

    levy_rate: str | None = None
    basic_income: int | None = None
    credit_limit: int | None = None
    services: dict[str, int] | None = None

    def to_policy(self) -> Policy:
        from cybermutual.sim.calibration import Policy

        if self.basic_income is not None and not 0 <= self.basic_income <= 10**12:
            raise InvalidValue("basic_income must be 0..10^12 minor units per week")
        if self.services and any(not 0 <= v <= 10**12 for v in self.services.values()):
            raise InvalidValue("service budgets must be 0..10^12 minor units per week")
        return Policy(
            levy_rate=None if self.levy_rate is None else parse_levy_rate(self.levy_rate),
            basic_income=self.basic_income,
            services=self.services,
            credit_limit=None
            if self.credit_limit is None
            else check_credit_limit(self.credit_limit),
        )


class PolicyImpactService:
    def __init__(self, uow: UnitOfWorkFactory, *, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def snapshot(self, slug: str) -> CollectiveSnapshot:
        """The collective's economy as the simulator sees it (money per week, minor units)."""
        from cybermutual.sim.calibration import CollectiveSnapshot

        since = self._clock.now() - timedelta(weeks=WEEKS)
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            members = uow.economy.member_accounts(collective.id)
            sales = uow.economy.sales_by_category(collective.id, since=since)
            fund = uow.collectives.stats(collective, now=self._clock.now()).commons_fund
        if not members:
            raise InvalidValue("the collective has no active members to simulate")
        return CollectiveSnapshot(
            slug=slug,
            decimals=collective.currency.decimals,
            balances=[balance for balance, _ in members],
            credit_limits=[limit for _, limit in members],
            trade_volume={category: amount // WEEKS for category, amount in sales.items()},
            levy_rate=Decimal(collective.charter.levy_rate),
            commons_fund=fund,
        )

    def estimate(
        self,
        slug: str,
        change: PolicyChange,
        *,
        viewer_id: str | None = None,
        seeds: int = 8,
        steps: int = 52,
        cluster: str | None = None,
    ) -> dict[str, Any]:
        """Paired runs with and without ``change``: changes with 95% intervals, JSON-ready."""
        from cybermutual.sim.calibration import policy_impact
        from cybermutual.sim.scenario import ScenarioError

        if viewer_id is not None:
            with self._uow(readonly=True) as uow:
                collective = load_collective(uow, slug)
                require_active(uow.memberships.get(collective.id, viewer_id))
        if not 1 <= seeds <= 32 or not 4 <= steps <= 520:
            raise InvalidValue("seeds must be 1..32 and steps 4..520")
        policy = change.to_policy()
        try:
            impact = policy_impact(
                self.snapshot(slug), policy, seeds=seeds, steps=steps, cluster=cluster
            )
        except ScenarioError as exc:
            raise InvalidValue(str(exc)) from exc
        return impact.as_dict()
