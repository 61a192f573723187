"""A policy's impact before the vote: calibrate a collective, run with and without the policy.

This module is pure: the platform side (``cybermutual simulate policy --collective SLUG --proposal
ID`` and the API) reads the database, builds the two plain values below and calls
:func:`policy_impact`. Signatures::

    CollectiveSnapshot(
        slug: str,
        decimals: int,                          # digits of the currency's minor unit
        balances: Sequence[int],                # every member's balance, minor units
        credit_limits: Sequence[int],           # every member's credit limit, minor units
        trade_volume: Mapping[str, int],        # sales per period by listing category, minor units
        levy_rate: Decimal,
        commons_fund: int,                      # commons_fund balance, minor units
        services: Mapping[str, int] = {},       # funded free services per period, by category
        basic_income: int = 0,                  # per member per period, minor units
    )
    Policy(levy_rate: Decimal | None = None, basic_income: int | None = None,
           services: Mapping[str, int] | None = None, credit_limit: int | None = None)
        # None keeps the collective's current setting
    calibrate(snapshot, *, agents: int | None = None, min_agents: int = 500) -> Calibration
    policy_impact(snapshot, policy, *, seeds: int = 8, steps: int = 52, agents: int | None = None,
                  first_seed: int = 0, cluster: str | None = None, workers: int | None = 1)
        -> PolicyImpact
    PolicyImpact.as_dict() -> JSON-ready dict

One simulated step is one period of the snapshot (a week by convention). One simulated currency
unit is the mean sales per member per period, so the economy starts at the collective's scale;
money figures are reported back in the collective's minor units.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from cybermutual.sim.runner import Estimate, RunResult, RunTask, run_tasks
from cybermutual.sim.scenario import (
    Population,
    Scenario,
    ScenarioError,
    Sector,
    Technology,
    bundled_scenario,
    validate,
)

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


def _sectors(snapshot: CollectiveSnapshot, services: Mapping[str, int]) -> tuple[Sector, ...]:
    volume = {k: v for k, v in snapshot.trade_volume.items() if v > 0}
    for name, budget in services.items():
        if budget > 0:  # a zero budget adds no sector (it gave a zero total: ZeroDivisionError)
            volume[name] = volume.get(name, 0) + budget
    if not volume:
        volume = {OTHER: 1}
    ranked = sorted(volume.items(), key=lambda kv: (-kv[1], kv[0]))
    keep = ranked[: MAX_SECTORS - 1] if len(ranked) > MAX_SECTORS else ranked
    rest = sum(v for _, v in ranked[len(keep) :])
    if rest:
        keep.append((OTHER, rest))
    total = float(sum(v for _, v in keep))
    return tuple(Sector(name=k, share=v / total) for k, v in keep)


def _budgets(snapshot: CollectiveSnapshot, policy: Policy) -> dict[str, int]:
    """Service budgets of both settings (the larger per category), for shared sectors."""
    merged = dict(snapshot.services)
    for name, budget in (policy.services or {}).items():
        merged[name] = max(merged.get(name, 0), budget)
    return merged


def _service_sector(sectors: tuple[Sector, ...], services: Mapping[str, int]) -> str:
    if not services:
        return ""
    names = {s.name for s in sectors}
    best = max(sorted(services), key=lambda k: services[k])
    return best if best in names else OTHER


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
    services = dict(policy.services if policy.services is not None else snapshot.services)
    levy = policy.levy_rate if policy.levy_rate is not None else snapshot.levy_rate
    income = policy.basic_income if policy.basic_income is not None else snapshot.basic_income
    limits = list(snapshot.credit_limits) or [0]
    limit = policy.credit_limit if policy.credit_limit is not None else int(np.median(limits))
    volume = sum(max(v, 0) for v in snapshot.trade_volume.values())
    minor_per_unit = max(volume / members, 1.0)
    sectors = _sectors(snapshot, sector_budgets or _budgets(snapshot, policy))
    population = replace(
        Population(), agents=agents or max(members, min_agents), collectives=1, search_rate=0.05
    )
    base = bundled_scenario("cybermutualism")
    settings = replace(
        base.policy,
        levy_rate=Fraction(levy),
        basic_income=income / minor_per_unit,
        services_share=0.0,
        services_budget=sum(services.values()) / minor_per_unit,
        service_sector=_service_sector(sectors, services),
        credit_limit=limit / minor_per_unit,
    )
    scenario = validate(
        Scenario(
            name=f"{snapshot.slug}",
            regime="cybermutualism",
            sectors=sectors,
            population=population,
            technology=Technology(),
            enterprises=base.enterprises,
            policy=settings,
            description=f"calibrated from collective {snapshot.slug}",
        )
    )
    return Calibration(
        scenario=scenario,
        agents=population.agents,
        balances=tuple(b / minor_per_unit for b in snapshot.balances),
        commons_fund=snapshot.commons_fund / minor_per_unit * population.agents / members,
        minor_per_unit=minor_per_unit,
        members=members,
    )


@dataclass(frozen=True, slots=True)
class Change:
    """A metric without and with the policy, and the paired change, each with a 95% interval."""

    without: Estimate
    with_policy: Estimate
    change: Estimate

    def as_dict(self) -> dict[str, dict[str, float]]:
        """JSON-ready."""
        return {
            "without": self.without.as_dict(),
            "with_policy": self.with_policy.as_dict(),
            "change": self.change.as_dict(),
        }


@dataclass(frozen=True, slots=True)
class PolicyImpact:
    """The estimate a proposal shows before the vote."""

    collective: str
    seeds: int
    steps: int
    agents: int
    median_consumption: Change  # basket units per member per period
    median_consumption_relative: Estimate  # paired relative change, e.g. 0.03 = +3%
    gini_income: Change
    gini_wealth: Change
    commons_fund: Change  # minor units, for the real collective's size, at the end of the run
    notes: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "collective": self.collective,
            "seeds": self.seeds,
            "steps": self.steps,
            "agents": self.agents,
            "median_consumption": self.median_consumption.as_dict(),
            "median_consumption_relative": self.median_consumption_relative.as_dict(),
            "gini_income": self.gini_income.as_dict(),
            "gini_wealth": self.gini_wealth.as_dict(),
            "commons_fund": self.commons_fund.as_dict(),
            "notes": list(self.notes),
        }


def _change(without: list[float], with_policy: list[float]) -> Change:
    diff = [b - a for a, b in zip(without, with_policy, strict=True)]
    return Change(Estimate.of(without), Estimate.of(with_policy), Estimate.of(diff))


def policy_impact(
    snapshot: CollectiveSnapshot,
    policy: Policy,
    *,
    seeds: int = 8,
    steps: int = 52,
    agents: int | None = None,
    first_seed: int = 0,
    cluster: str | None = None,
    workers: int | None = 1,
    on_step: Callable[[], None] | None = None,
) -> PolicyImpact:
    """Run the collective with and without ``policy`` on the same seeds; report paired changes.

    Each seed's figure is the mean over the last quarter of the run (the fund: its final value).
    """
    if seeds < 1 or steps < 1:
        raise ScenarioError("seeds and steps must be positive")
    budgets = _budgets(snapshot, policy)
    without = calibrate(snapshot, agents=agents, sector_budgets=budgets)
    with_policy = calibrate(snapshot, policy=policy, agents=agents, sector_budgets=budgets)
    tasks = [
        RunTask(
            c.scenario,
            c.agents,
            steps,
            first_seed + s,
            balances=c.balances,
            commons_fund=c.commons_fund,
        )
        for c in (without, with_policy)
        for s in range(seeds)
    ]
    results = run_tasks(tasks, cluster=cluster, workers=workers, on_step=on_step)
    base, changed = results[:seeds], results[seeds:]
    scale = without.minor_per_unit * without.members / without.agents

    def steady(runs: list[RunResult], metric: str) -> list[float]:
        return [r.steady(metric) for r in runs]

    def fund(runs: list[RunResult]) -> list[float]:
        return [r.columns["commons_fund"][-1] * scale for r in runs]

    a, b = steady(base, "median_consumption"), steady(changed, "median_consumption")
    relative = [(y - x) / x if x else float("nan") for x, y in zip(a, b, strict=True)]
    notes = [
        "one step is one period of the snapshot; consumption is in units of the basket",
        "members' credit limits are represented by their median",
    ]
    if without.agents != without.members:
        notes.append(f"{without.members} members repeated to {without.agents} agents")
    return PolicyImpact(
        collective=snapshot.slug,
        seeds=seeds,
        steps=steps,
        agents=without.agents,
        median_consumption=_change(a, b),
        median_consumption_relative=Estimate.of(relative),
        gini_income=_change(steady(base, "gini_income"), steady(changed, "gini_income")),
        gini_wealth=_change(steady(base, "gini_wealth"), steady(changed, "gini_wealth")),
        commons_fund=_change(fund(base), fund(changed)),
        notes=tuple(notes),
    )
