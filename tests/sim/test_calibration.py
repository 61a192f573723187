"""Policy impact before a vote, on a calibrated collective."""

from __future__ import annotations

import json
from decimal import Decimal

import numpy as np
import pytest

from cybermutual.sim.calibration import CollectiveSnapshot, Policy, calibrate, policy_impact
from cybermutual.sim.scenario import ScenarioError


def _snapshot(**changes: object) -> CollectiveSnapshot:
    rng = np.random.default_rng(0)
    values: dict[str, object] = {
        "slug": "riverside",
        "decimals": 2,
        "balances": [int(x) for x in rng.normal(0, 4_000, 80)],
        "credit_limits": [10_000] * 80,
        "trade_volume": {"food": 300_000, "repairs": 120_000, "tutoring": 80_000},
        "levy_rate": Decimal("0.02"),
        "commons_fund": 30_000,
        "services": {},
    }
    values.update(changes)
    return CollectiveSnapshot(**values)  # type: ignore[arg-type]


def test_calibration_matches_the_collective() -> None:
    cal = calibrate(_snapshot(), min_agents=200)
    assert cal.members == 80
    assert cal.agents == 200
    assert [s.name for s in cal.scenario.sectors] == ["food", "repairs", "tutoring"]
    assert cal.scenario.sectors[0].share == pytest.approx(0.6)
    assert cal.minor_per_unit == pytest.approx(500_000 / 80)
    assert cal.scenario.policy.credit_limit == pytest.approx(10_000 / cal.minor_per_unit)


def test_many_categories_fold_into_other() -> None:
    volume = {f"c{i}": 1_000 + i for i in range(12)}
    cal = calibrate(_snapshot(trade_volume=volume))
    assert len(cal.scenario.sectors) == 8
    assert cal.scenario.sectors[-1].name == "other"


def test_no_change_means_no_change_exactly() -> None:
    impact = policy_impact(_snapshot(), Policy(), seeds=3, steps=12, agents=150)
    for change in (impact.median_consumption, impact.gini_income, impact.commons_fund):
        assert change.change.mean == 0.0
        assert change.change.low == change.change.high == 0.0


def test_a_levy_funding_services_is_estimated_with_intervals() -> None:
    policy = Policy(levy_rate=Decimal("0.08"), services={"tutoring": 10_000})
    impact = policy_impact(_snapshot(), policy, seeds=4, steps=26, agents=300)
    fund = impact.commons_fund.change
    assert fund.low <= fund.mean <= fund.high
    assert impact.commons_fund.with_policy.mean > impact.commons_fund.without.mean
    assert impact.median_consumption.change.low <= impact.median_consumption.change.high
    data = json.loads(json.dumps(impact.as_dict()))
    assert data["collective"] == "riverside"
    assert data["seeds"] == 4


def test_basic_income_and_credit_limit_are_policies() -> None:
    impact = policy_impact(
        _snapshot(), Policy(basic_income=2_000, credit_limit=0), seeds=2, steps=10, agents=120
    )
    assert impact.median_consumption.change.mean != 0.0


def test_an_empty_collective_is_refused() -> None:
    with pytest.raises(ScenarioError, match="without members"):
        calibrate(_snapshot(balances=[], credit_limits=[]))
