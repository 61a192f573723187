"""A policy's impact before the vote: calibrate a collective, run with and without the policy.

This module is pure: the platform side (``cybermutual simulate policy --collective SLUG --proposal
ID`` and the API) reads the database, builds the two plain values below and calls
:func:`policy_impact`. Signatures::

    CollectiveSnapshot(
        slug: str,
        decimals: int,                          # digits of the currency's minor unit
        balances: Sequence[int],                # every member's balance, minor units
        credit_limits: Sequence[int],           # every member's credit limit, minor units
        trade_volume: Mapping[str, int],        # sales per week by category, minor units
        levy_rate: Decimal,
        commons_fund: int,                      # commons_fund balance, minor units
        services: Mapping[str, int] = {},       # funded free services per week, by category
        basic_income: int = 0,                  # per member per week, minor units
        sales: Sequence[int] = (),              # each member's sales per week, as balances
        services_paid: int = 0,                 # public-service claims paid per week
        asset_weights: Mapping[str, float] = {},  # the commons' assets by category served
        commons_sales: int = 0,                 # sales per week made with commons assets
        category_sources: Mapping[str, int] = {},  # how each payment's category was known
    )
    Policy(levy_rate: Decimal | None = None, basic_income: int | None = None,
           services: Mapping[str, int] | None = None, credit_limit: int | None = None)
        # None keeps the collective's current setting
    calibrate(snapshot, *, agents: int | None = None, min_agents: int = 500) -> Calibration
    policy_impact(snapshot, policy, *, seeds: int = 8, steps: int = 260, ...) -> PolicyImpact
    PolicyImpact.as_dict() -> JSON-ready dict

One simulated step is one week. One simulated currency unit is the mean sales per member per
week, so the economy starts at the collective's scale; money figures are reported back in the
collective's minor units. Each seed draws the behavioural parameters from their priors
(:data:`~cybermutual.sim.calibrated_economy.PRIORS`), burns the economy in for
:data:`BURN_IN` weeks under the current policy, puts the observed balances back, then runs the
same state with and without the policy. An estimate is refused
(:class:`~cybermutual.domain.errors.CalibrationMismatch`) when the simulated baseline's turnover
misses the observed one by more than :data:`TURNOVER_TOLERANCE`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from functools import partial
from typing import Any

import numpy as np

from cybermutual.domain.errors import CalibrationMismatch, NoTradeToCalibrate
from cybermutual.sim.calibrated_economy import (
    CalibratedEconomy,
    Members,
    draw_parameters,
    ks_distance,
    with_parameters,
)
from cybermutual.sim.impact_report import (
    AVERAGE_WEEKS,
    BURN_IN,
    FIT_WEEKS,
    HORIZONS,
    TURNOVER_TOLERANCE,
    Change,
    Fit,
    Horizon,
    PolicyImpact,
    Spread,
)
from cybermutual.sim.scenario import (
    Enterprises,
    Population,
    Scenario,
    ScenarioError,
    Sector,
    Technology,
    validate,
)

__all__ = [
    "OTHER",
    "Calibration",
    "CollectiveSnapshot",
    "Policy",
    "PolicyImpact",
    "calibrate",
    "claim_share",
    "policy_impact",
]

MAX_SECTORS = 8
OTHER = "other"


@dataclass(frozen=True, slots=True)
class CollectiveSnapshot:
    """What the simulator needs to know about a real collective (all money in minor units)."""

    slug: str
    decimals: int
    balances: Sequence[int]
    credit_limits: Sequence[int]
    trade_volume: Mapping[str, int]
    levy_rate: Decimal
    commons_fund: int
    services: Mapping[str, int] = field(default_factory=dict)
    basic_income: int = 0
    sales: Sequence[int] = ()
    services_paid: int = 0
    asset_weights: Mapping[str, float] = field(default_factory=dict)
    commons_sales: int = 0
    category_sources: Mapping[str, int] = field(default_factory=dict)

    @property
    def turnover(self) -> int:
        """Trade per week between members, minor units."""
        return sum(max(v, 0) for v in self.trade_volume.values())


@dataclass(frozen=True, slots=True)
class Policy:
    """A proposal's policy; ``None`` keeps the current setting."""

    levy_rate: Decimal | None = None
    basic_income: int | None = None
    services: Mapping[str, int] | None = None
    credit_limit: int | None = None


@dataclass(frozen=True, slots=True)
class Calibration:
    """A scenario at the collective's scale, and the conversion back to minor units."""

    scenario: Scenario
    agents: int
    balances: tuple[float, ...]
    commons_fund: float
    minor_per_unit: float  # minor units of the real currency per simulated currency unit
    members: int
    observed: Members


def _sectors(snapshot: CollectiveSnapshot, services: Mapping[str, int]) -> tuple[Sector, ...]:
    volume = {k: v for k, v in snapshot.trade_volume.items() if v > 0}
    for name, budget in services.items():
        if budget > 0:  # a zero budget adds no sector (it gave a zero total: ZeroDivisionError)
            volume[name] = volume.get(name, 0) + budget
    if not volume:
        volume = {OTHER: 1}
    # ``other`` is never one of the named seven: it takes what is folded (the old code could
    # name it twice, "sectors: names must be unique", with more than eight categories)
    rest = volume.pop(OTHER, 0)
    ranked = sorted(volume.items(), key=lambda kv: (-kv[1], kv[0]))
    limit = MAX_SECTORS - 1 if len(ranked) + (rest > 0) > MAX_SECTORS else MAX_SECTORS
    keep = ranked[:limit]
    rest += sum(v for _, v in ranked[len(keep) :])
    if rest:
        keep.append((OTHER, rest))
    total = float(sum(v for _, v in keep))
    return tuple(Sector(name=k, share=v / total, general_use=0.2) for k, v in keep)


def _budgets(snapshot: CollectiveSnapshot, policy: Policy) -> dict[str, int]:
    """Service budgets of both settings (the larger per category), for shared sectors."""
    merged = dict(snapshot.services)
    for name, budget in (policy.services or {}).items():
        merged[name] = max(merged.get(name, 0), budget)
    return merged


def claim_share(snapshot: CollectiveSnapshot) -> float:
    """The share of the current public-service budgets that members were seen to claim."""
    budget = sum(snapshot.services.values())
    return min(snapshot.services_paid / budget, 1.0) if budget > 0 else 1.0


def _claimed(snapshot: CollectiveSnapshot, policy: Policy) -> dict[str, float]:
    """What the fund pays per week for each service: claims, not budgets.

    A budget the collective already has is claimed at the rate observed; what a policy adds
    to a budget is assumed claimed in full (the most the fund could pay for it).
    """
    share = claim_share(snapshot)
    wanted = policy.services if policy.services is not None else snapshot.services
    out: dict[str, float] = {}
    for name, budget in wanted.items():
        current = snapshot.services.get(name, 0)
        out[name] = min(budget, current) * share + max(budget - current, 0)
    return out


def _service_sector(sectors: tuple[Sector, ...], services: Mapping[str, float]) -> str:
    if not services:
        return ""
    names = {s.name for s in sectors}
    best = max(sorted(services), key=lambda k: services[k])
    return best if best in names else OTHER


def _asset_weights(sectors: tuple[Sector, ...], weights: Mapping[str, float]) -> dict[str, float]:
    """Asset weights by sector, categories folded into ``other`` counted there."""
    names = {s.name for s in sectors}
    out: dict[str, float] = {}
    for category, weight in weights.items():
        name = category if category in names else OTHER
        if name in names:
            out[name] = out.get(name, 0.0) + weight
    return out


def calibrate(
    snapshot: CollectiveSnapshot,
    *,
    policy: Policy | None = None,
    agents: int | None = None,
    min_agents: int = 500,
    sector_budgets: Mapping[str, int] | None = None,
) -> Calibration:
    """Turn a snapshot (optionally with ``policy`` applied) into a runnable scenario.

    Sectors are the trade categories (the largest seven, the rest as ``other``) plus funded
    service categories; ``sector_budgets`` fixes the service budgets used for the sector shares,
    so the runs with and without a policy share one population.
    """
    members = len(snapshot.balances)
    if members == 0:
        raise ScenarioError(f"{snapshot.slug}: a collective without members cannot be simulated")
    policy = policy or Policy()
    services = _claimed(snapshot, policy)
    levy = policy.levy_rate if policy.levy_rate is not None else snapshot.levy_rate
    income = policy.basic_income if policy.basic_income is not None else snapshot.basic_income
    limits = list(snapshot.credit_limits) or [0]
    limit = policy.credit_limit if policy.credit_limit is not None else int(np.median(limits))
    minor_per_unit = max(snapshot.turnover / members, 1.0)
    sectors = _sectors(snapshot, sector_budgets or _budgets(snapshot, policy))
    population = replace(Population(), agents=agents or max(members, min_agents), collectives=1)
    settings = replace(
        Scenario(name="", regime="cybermutualism", sectors=sectors).policy,
        levy_rate=Fraction(levy),
        basic_income=income / minor_per_unit,
        services_share=0.0,
        # the fund and its budgets are the real collective's, scaled to the simulated population
        services_budget=sum(services.values()) / minor_per_unit * population.agents / members,
        service_sector=_service_sector(sectors, services),
        credit_limit=limit / minor_per_unit,
        commons_investment=0.0,  # the platform's fund cannot buy capital
    )
    scenario = validate(
        Scenario(
            name=f"{snapshot.slug}",
            regime="cybermutualism",
            sectors=sectors,
            population=population,
            technology=Technology(depreciation=0.0),
            enterprises=Enterprises(),
            policy=settings,
            description=f"calibrated from collective {snapshot.slug}",
        )
    )
    sales = [max(s, 0) / minor_per_unit for s in snapshot.sales]
    if len(sales) != members:
        sales = [1.0] * members
    commons_share = min(snapshot.commons_sales / snapshot.turnover, 0.9) if snapshot.turnover else 0
    observed = Members(
        balances=tuple(b / minor_per_unit for b in snapshot.balances),
        credit_limits=tuple(
            (policy.credit_limit if policy.credit_limit is not None else x) / minor_per_unit
            for x in (snapshot.credit_limits or [0] * members)
        ),
        sales=tuple(sales),
        commons_fund=snapshot.commons_fund / minor_per_unit,
        asset_weights=_asset_weights(sectors, snapshot.asset_weights),
        commons_share=float(commons_share),
    )
    return Calibration(
        scenario=scenario,
        agents=population.agents,
        balances=observed.balances,
        commons_fund=snapshot.commons_fund / minor_per_unit * population.agents / members,
        minor_per_unit=minor_per_unit,
        members=members,
        observed=observed,
    )


@dataclass(frozen=True, slots=True)
class Draw:
    """One seed: its baseline and policy runs after the shared burn-in."""

    without: dict[str, list[float]]
    with_policy: dict[str, list[float]]
    fit_balances: np.ndarray[Any, np.dtype[np.float64]]


def _run_draw(
    seed: int,
    base: Calibration,
    changed: Calibration,
    *,
    steps: int,
    on_step: Callable[[], None] | None,
) -> Draw:
    parameter_rng, run_rng = np.random.default_rng(seed).spawn(2)
    parameters = draw_parameters(parameter_rng)
    scenario = with_parameters(base.scenario, parameters)
    economy = CalibratedEconomy(scenario, base.observed, agents=base.agents, rng=run_rng)
    economy.burn_in(BURN_IN, on_step=on_step)
    other = copy.deepcopy(economy)
    other.apply(
        with_parameters(changed.scenario, parameters).policy,
        credit_limits=changed.observed.credit_limits,
    )
    fit_balances = np.zeros(0)

    def run(e: CalibratedEconomy, *, fit: bool) -> dict[str, list[float]]:
        nonlocal fit_balances
        table: dict[str, list[float]] = {}
        for week in range(steps):
            for key, value in e.step().items():
                table.setdefault(key, []).append(value)
            if on_step is not None:
                on_step()
            if fit and week + 1 == min(FIT_WEEKS, steps):
                fit_balances = e.balances()[: base.members * (base.agents // base.members)]
        return table

    without = run(economy, fit=True)
    return Draw(without, run(other, fit=False), fit_balances)


def _run_draws(
    seeds: Sequence[int],
    base: Calibration,
    changed: Calibration,
    *,
    steps: int,
    cluster: str | None,
    on_step: Callable[[], None] | None,
) -> list[Draw]:
    """Every draw, in this process or (``cluster``: ``tcp://host:port``) on a Dask cluster."""
    if cluster is None:
        return [_run_draw(s, base, changed, steps=steps, on_step=on_step) for s in seeds]
    import distributed

    dask: Any = distributed  # its stubs leave Client untyped
    work = partial(_run_draw, base=base, changed=changed, steps=steps, on_step=None)
    with dask.Client(cluster, set_as_default=False) as client:
        return [f.result() for f in client.map(work, list(seeds), pure=False)]


def _at(table: dict[str, list[float]], metric: str, weeks: int) -> float:
    values = np.asarray(table[metric][max(0, weeks - AVERAGE_WEEKS) : weeks], np.float64)
    return float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")


def _quantiles(values: Sequence[float] | np.ndarray[Any, Any], unit: float) -> dict[str, float]:
    q = np.percentile(np.asarray(values, np.float64) * unit, [10, 50, 90])
    return {"p10": float(q[0]), "p50": float(q[1]), "p90": float(q[2])}


def policy_impact(
    snapshot: CollectiveSnapshot,
    policy: Policy,
    *,
    seeds: int = 8,
    steps: int = 260,
    agents: int | None = None,
    first_seed: int = 0,
    cluster: str | None = None,
    on_step: Callable[[], None] | None = None,
) -> PolicyImpact:
    """Run the collective with and without ``policy`` from the same burned-in state, per seed.

    Each seed draws the priors once for both runs, so every change is paired; the spread over
    seeds includes what the priors leave open. Figures are reported after each of
    :data:`HORIZONS` weeks within ``steps`` and at ``steps`` itself (the top-level figures).

    Raises :class:`NoTradeToCalibrate` when the collective traded nothing, and
    :class:`CalibrationMismatch` when the baseline misses the observed turnover.
    """
    if seeds < 1 or steps < 1:
        raise ScenarioError("seeds and steps must be positive")
    members = len(snapshot.balances)
    if members and snapshot.turnover <= 0:
        raise NoTradeToCalibrate(
            f"{snapshot.slug} recorded no trade between members in the weeks the estimate "
            "learns from, so there is no turnover to calibrate the simulation to",
            collective=snapshot.slug,
        )
    budgets = _budgets(snapshot, policy)
    without = calibrate(snapshot, agents=agents, sector_budgets=budgets)
    with_policy = calibrate(snapshot, policy=policy, agents=agents, sector_budgets=budgets)
    draws = _run_draws(
        range(first_seed, first_seed + seeds),
        without,
        with_policy,
        steps=steps,
        cluster=cluster,
        on_step=on_step,
    )
    unit = without.minor_per_unit
    scale = unit * without.members / without.agents  # simulated totals -> the real collective
    fit = _fit(snapshot, without, draws, steps=steps)
    if not fit.ok:
        raise CalibrationMismatch(
            f"the simulated collective trades {fit.simulated_turnover.mean:,.0f} minor units a "
            f"week where {snapshot.slug} traded {fit.observed_turnover:,.0f}: "
            f"{fit.turnover_error:.0%} off, more than the {TURNOVER_TOLERANCE:.0%} an estimate "
            "may miss by, so none is reported",
            observed_turnover=fit.observed_turnover,
            simulated_turnover=fit.simulated_turnover.mean,
            tolerance=TURNOVER_TOLERANCE,
            calibration=fit.as_dict(),
        )
    weeks = sorted({h for h in HORIZONS if h < steps} | {steps})

    def horizon(h: int) -> Horizon:
        def pair(metric: str, factor: float = 1.0) -> Change:
            return Change.of(
                [_at(d.without, metric, h) * factor for d in draws],
                [_at(d.with_policy, metric, h) * factor for d in draws],
            )

        a = [_at(d.without, "median_consumption", h) for d in draws]
        b = [_at(d.with_policy, "median_consumption", h) for d in draws]
        relative = [(y - x) / x if x else float("nan") for x, y in zip(a, b, strict=True)]
        fund = Change.of(
            [d.without["commons_fund"][h - 1] * scale for d in draws],
            [d.with_policy["commons_fund"][h - 1] * scale for d in draws],
        )
        return Horizon(
            weeks=h,
            median_consumption=Change.of(a, b),
            median_consumption_relative=Spread.of(relative),
            gini_income=pair("gini_income"),
            gini_wealth=pair("gini_wealth"),
            commons_fund=fund,
            turnover=pair("turnover", scale),
        )

    notes = [
        "one step is one week; consumption is in units of the basket, so read its relative change",
        f"each figure is the mean of the {AVERAGE_WEEKS} weeks ending at its horizon",
        f"the economy first runs {BURN_IN} weeks under the current policy at the observed "
        "balances (prices, the commons' allocation and incomes settle); both runs start there",
        "the commons fund pays only funded public services (assuming each budget is fully "
        "claimed while the fund has the money); it never buys capital",
    ]
    if without.agents != without.members:
        notes.append(f"{without.members} members repeated to {without.agents} agents")
    sectors = {s.name: s.share for s in without.scenario.sectors}
    return PolicyImpact(
        collective=snapshot.slug,
        seeds=seeds,
        steps=steps,
        agents=without.agents,
        horizons=tuple(horizon(h) for h in weeks),
        fit=fit,
        sectors=sectors,
        category_sources=dict(snapshot.category_sources),
        notes=tuple(notes),
    )


def _fit(snapshot: CollectiveSnapshot, cal: Calibration, draws: list[Draw], *, steps: int) -> Fit:
    unit = cal.minor_per_unit
    scale = unit * cal.members / cal.agents
    window = min(FIT_WEEKS, steps)
    observed = float(snapshot.turnover + snapshot.services_paid)
    simulated = Spread.of([float(np.mean(d.without["turnover"][:window])) * scale for d in draws])
    error = abs(simulated.mean / observed - 1.0) if observed > 0 else 0.0
    balances = np.asarray(cal.observed.balances, np.float64)
    simulated_balances = np.concatenate([d.fit_balances for d in draws])
    room = sum(b + lim for b, lim in zip(snapshot.balances, snapshot.credit_limits, strict=True))
    return Fit(
        observed_turnover=observed,
        simulated_turnover=simulated,
        turnover_error=error,
        balance_distance=Spread.of([ks_distance(balances, d.fit_balances) for d in draws]),
        observed_balances=_quantiles(balances, unit),
        simulated_balances=_quantiles(simulated_balances, unit),
        velocity=observed / room if room > 0 else float("nan"),
    )
