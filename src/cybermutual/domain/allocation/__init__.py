"""The facilitator: shares out the use of the commons by a Fisher-market equilibrium.

Pure: numpy only; no I/O, no clock, no global randomness (the rounding lottery takes its
generator as an argument, built from a seed the caller publishes). Positions, not ids,
index everything (member ``i`` is ``budgets[i]``, asset ``a`` is ``capacity[a]``). Entry points::

    Bids.of(member, asset, value_per_unit, max_units, min_units=None) -> Bids
    fisher_equilibrium(bids: Bids, budgets: NDArray, capacity: NDArray, *,
                       tolerance: float = 0.005, max_iterations: int = 5000,
                       warm_start: WarmStart | Equilibrium | None = None) -> Equilibrium
    round_to_units(bids: Bids, capacity: NDArray, units: NDArray, *, rng: Generator,
                   budgets: NDArray | None = None) -> NDArray[int64]   # a lottery
    lottery_rng(seed: int, pass_no: int = 1) -> Generator   # a published seed's generator
    reallocate_declined(bids, budgets, capacity, *, received, declined,
                        whole_units=False, rng=None, tolerance=0.005) -> Reallocation
    explain_round(bids, capacity, equilibrium, *, member_ids, asset_ids,
                  whole_units=None, valuations=None) -> RoundExplanation
    value_bids(requests, usage, signals, *, prior_units=10.0) -> list[Valuation]
    equilibrium_gaps(bids, budgets, capacity, units, prices) -> NDArray  # per member
    solve_instance(data: Mapping[str, object], *, fractional: bool = False) -> dict

Warm starts: pass the previous ``Equilibrium`` to resume an unchanged (or barely changed)
market; after bids or values changed, pass ``WarmStart(prices=previous.prices)``.

``Equilibrium`` holds ``units`` (per bid), ``prices`` (tokens per unit, per asset),
``spending``, ``utilities``, ``member_gap``, ``equilibrium_gap``, ``iterations``, ``converged`` and
``nash_welfare``. The method is described in :mod:`.equilibrium`, envy in :mod:`.envy`.
"""

from cybermutual.domain.allocation.budgets import (
    BidProductivity,
    BudgetRule,
    MemberBudget,
    describe_rule,
    member_budgets,
    parse_budget_policy,
    relative_productivity,
)
from cybermutual.domain.allocation.decline import Reallocation, reallocate_declined
from cybermutual.domain.allocation.equilibrium import (
    DEFAULT_MAX_ITERATIONS,
    DEFAULT_TOLERANCE,
    fisher_equilibrium,
    nash_welfare,
)
from cybermutual.domain.allocation.explanation import (
    BidExplanation,
    RoundExplanation,
    explain_round,
    utilitarian_allocation,
)
from cybermutual.domain.allocation.fairness import (
    BundleEnvy,
    WelfareCost,
    bundle_envy,
    welfare_cost,
)
from cybermutual.domain.allocation.gap import equilibrium_gaps
from cybermutual.domain.allocation.instance import solve_instance
from cybermutual.domain.allocation.lottery import dependent_rounding, lottery_rng
from cybermutual.domain.allocation.market import Bids, Equilibrium, WarmStart
from cybermutual.domain.allocation.rounding import round_to_units
from cybermutual.domain.allocation.valuation import (
    BidRequest,
    DemandEstimate,
    DemandSignal,
    ProductivityEstimate,
    UsageObservation,
    Valuation,
    demand_index,
    estimate_productivity,
    value_bids,
)

__all__ = [
    "DEFAULT_MAX_ITERATIONS",
    "DEFAULT_TOLERANCE",
    "BidExplanation",
    "BidProductivity",
    "BidRequest",
    "Bids",
    "BudgetRule",
    "BundleEnvy",
    "DemandEstimate",
    "DemandSignal",
    "Equilibrium",
    "MemberBudget",
    "ProductivityEstimate",
    "Reallocation",
    "RoundExplanation",
    "UsageObservation",
    "Valuation",
    "WarmStart",
    "WelfareCost",
    "bundle_envy",
    "demand_index",
    "dependent_rounding",
    "describe_rule",
    "equilibrium_gaps",
    "estimate_productivity",
    "explain_round",
    "fisher_equilibrium",
    "lottery_rng",
    "member_budgets",
    "nash_welfare",
    "parse_budget_policy",
    "reallocate_declined",
    "relative_productivity",
    "round_to_units",
    "solve_instance",
    "utilitarian_allocation",
    "value_bids",
    "welfare_cost",
]
