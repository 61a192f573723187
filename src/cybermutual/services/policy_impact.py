"""What a policy would do, calculated before members vote on it.

Builds a snapshot of a collective's real economy over the last weeks (each member's balance,
credit limit and sales; trade by category as the platform records it; public services, their
budgets and the claims paid; the commons' assets; levy, basic income, commons fund) and runs the
calibrated simulator with and without the policy from one burned-in state per draw
(:func:`cybermutual.sim.calibration.policy_impact`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cybermutual.domain.collective import parse_levy_rate
from cybermutual.domain.errors import InvalidValue, SimulationTooLarge
from cybermutual.domain.ledger import check_credit_limit
from cybermutual.domain.membership import require_active
from cybermutual.services.loading import load_collective
from cybermutual.services.ports import Clock, UnitOfWorkFactory
from cybermutual.services.simulation_pool import SimulationJob, SimulationPool

if TYPE_CHECKING:  # the simulator (numpy, SciPy) loads on first use, not when a server starts
    from cybermutual.sim.calibration import CollectiveSnapshot, Policy

WEEKS = 12  # how much history calibrates the trade volume; one simulated step is one week
WEEKS_PER_YEAR = 52
OTHER = "other"  # trade whose category the platform cannot tell
MIN_AGENTS = 500  # the simulator repeats a small collective's members up to this many agents
#: seeds x steps x agents per call. Each seed also runs a burn-in and both arms, so one unit of
#: work is about 2.8 us of one core here: the limit is about 6 s (a default call, 16 seeds x
#: 260 weeks x 500 agents, is 2,080,000).
DEFAULT_WORK_LIMIT = 2_100_000
DEFAULT_SEEDS = 16
DEFAULT_STEPS = 260


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


def weekly(amount: int, period: str) -> int:
    """An amount per ``period`` (``week`` or ``month``) as minor units per week."""
    return amount if period == "week" else amount * 12 // WEEKS_PER_YEAR


class PolicyImpactService:
    """Estimates, each within a work budget; requests run them in a bounded pool."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        clock: Clock,
        pool: SimulationPool | None = None,
        work_limit: int = DEFAULT_WORK_LIMIT,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self.pool = pool or SimulationPool()
        self.work_limit = work_limit

    def snapshot(self, slug: str) -> CollectiveSnapshot:
        """The collective's economy as the simulator sees it (money per week, minor units).

        Trade is what members were paid over the last :data:`WEEKS` weeks. Its category is the
        listing's for an order, the output category logged for a sale made with a commons
        asset, and for a direct payment the category the payee usually sells in (most of their
        offers, else most of their logged use of the commons); ``other`` only when the payee
        has neither. ``category_sources`` says how much was found each way.
        """
        from cybermutual.sim.calibration import CollectiveSnapshot

        since = self._clock.now() - timedelta(weeks=WEEKS)
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            members = uow.economy.members(collective.id)
            trade = uow.economy.trade(collective.id, since=since)
            usual = uow.economy.seller_categories(collective.id)
            assets = uow.economy.asset_weights(collective.id)
            paid = uow.economy.services_paid(collective.id, since=since)
            budgets = uow.economy.service_budgets(collective.id)
            fund = uow.collectives.stats(collective, now=self._clock.now()).commons_fund
        if not members:
            raise InvalidValue("the collective has no active members to simulate")
        volume: dict[str, int] = {}
        sources: dict[str, int] = {}
        sales = dict.fromkeys((m for m, _, _ in members), 0)
        commons = 0
        for row in trade:
            category, source = row.category, row.source
            if category is None:
                category = usual.get(row.payee_id or "")
                source = "seller_category" if category is not None else "unknown"
            category = category or OTHER
            volume[category] = volume.get(category, 0) + row.amount
            sources[source] = sources.get(source, 0) + row.amount // WEEKS
            if row.payee_id in sales:
                sales[row.payee_id] += row.amount
            commons += row.amount if row.source == "commons_usage" else 0
        services: dict[str, int] = {}
        for category, budget, period in budgets:
            services[category] = services.get(category, 0) + weekly(budget, period)
        charter = collective.charter
        return CollectiveSnapshot(
            slug=slug,
            decimals=collective.currency.decimals,
            balances=[balance for _, balance, _ in members],
            credit_limits=[limit for _, _, limit in members],
            trade_volume={category: amount // WEEKS for category, amount in volume.items()},
            levy_rate=Decimal(charter.levy_rate),
            commons_fund=fund,
            services=services,
            basic_income=weekly(charter.basic_income, charter.basic_income_period),
            sales=[sales[m] // WEEKS for m, _, _ in members],
            services_paid=paid // WEEKS,
            asset_weights=assets,
            commons_sales=commons // WEEKS,
            category_sources=sources,
        )

    def estimate(
        self,
        slug: str,
        change: PolicyChange,
        *,
        viewer_id: str | None = None,
        seeds: int = DEFAULT_SEEDS,
        steps: int = DEFAULT_STEPS,
        cluster: str | None = None,
        on_step: Callable[[], None] | None = None,
    ) -> dict[str, Any]:
        """Paired runs with and without ``change``: changes with their intervals, JSON-ready.

        Runs in the calling thread (the command line, a proposal's estimate); requests use
        :meth:`submit`. ``on_step`` is called once per simulated step (it may raise to stop).
        """
        snapshot, policy = self._prepare(slug, change, viewer_id, seeds=seeds, steps=steps)
        return _run(snapshot, policy, seeds=seeds, steps=steps, cluster=cluster, on_step=on_step)

    def submit(
        self,
        slug: str,
        change: PolicyChange,
        *,
        viewer_id: str,
        seeds: int = DEFAULT_SEEDS,
        steps: int = DEFAULT_STEPS,
    ) -> SimulationJob[dict[str, Any]]:
        """Check the request now, then queue the runs in the pool (``job.cancel()`` stops them)."""
        snapshot, policy = self._prepare(slug, change, viewer_id, seeds=seeds, steps=steps)
        return self.pool.submit(
            viewer_id,
            lambda job: _run(snapshot, policy, seeds=seeds, steps=steps, on_step=job.check),
        )

    def _prepare(
        self, slug: str, change: PolicyChange, viewer_id: str | None, *, seeds: int, steps: int
    ) -> tuple[CollectiveSnapshot, Policy]:
        if viewer_id is not None:
            with self._uow(readonly=True) as uow:
                collective = load_collective(uow, slug)
                require_active(uow.memberships.get(collective.id, viewer_id))
        if not 1 <= seeds <= 32 or not 4 <= steps <= 520:
            raise InvalidValue("seeds must be 1..32 and steps 4..520")
        policy = change.to_policy()
        snapshot = self.snapshot(slug)
        agents = max(len(snapshot.balances), MIN_AGENTS)
        work = seeds * steps * agents
        if work > self.work_limit:
            raise SimulationTooLarge(
                f"seeds x steps x agents is {work:,}, above the limit of {self.work_limit:,} "
                f"per estimate ({agents} agents): ask for fewer seeds or steps",
                work=work,
                work_limit=self.work_limit,
                agents=agents,
            )
        return snapshot, policy


def _run(
    snapshot: CollectiveSnapshot,
    policy: Policy,
    *,
    seeds: int,
    steps: int,
    cluster: str | None = None,
    on_step: Callable[[], None] | None = None,
) -> dict[str, Any]:
    from cybermutual.sim.calibration import policy_impact
    from cybermutual.sim.scenario import ScenarioError

    try:
        impact = policy_impact(
            snapshot,
            policy,
            seeds=seeds,
            steps=steps,
            agents=max(len(snapshot.balances), MIN_AGENTS),
            cluster=cluster,
            on_step=on_step,
        )
    except ScenarioError as exc:
        raise InvalidValue(str(exc)) from exc
    return impact.as_dict()
