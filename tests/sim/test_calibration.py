"""Policy impact before a vote, on a calibrated collective."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cybermutual.domain.errors import CalibrationMismatch, NoTradeToCalibrate
from cybermutual.sim.calibrated_economy import (
    MPC_WEALTH_FLOOR,
    PRIORS,
    CalibratedEconomy,
    draw_parameters,
    with_parameters,
)
from cybermutual.sim.calibration import CollectiveSnapshot, Policy, calibrate, policy_impact
from cybermutual.sim.impact_report import (
    BALANCE_TOLERANCE,
    BURN_IN,
    FIT_WEEKS,
    TURNOVER_TOLERANCE,
    PolicyImpact,
    Spread,
    json_ready,
)
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


# --- issue 13, section 2: a calibrated estimate --------------------------------------------


def _riverside(**changes: object) -> CollectiveSnapshot:
    """A collective like the demo: uneven sales and balances, limits of ~12 weeks of trade."""
    rng = np.random.default_rng(13)
    members = 30
    sales = [int(x) for x in rng.gamma(1.5, 4_000 / 1.5, members)]
    values: dict[str, object] = {
        "slug": "riverside",
        "decimals": 2,
        "balances": [int(x) for x in rng.normal(0, 30_000, members)],
        "credit_limits": [50_000] * members,
        "trade_volume": {"food": sum(sales) // 2, "repairs": sum(sales) - sum(sales) // 2},
        "levy_rate": Decimal("0.03"),
        "commons_fund": 20_000,
        "services": {"health": 7_000},
        "services_paid": 1_500,
        "sales": sales,
        "asset_weights": {"food": 1.5, "repairs": 1.0},
        "commons_sales": sum(sales) // 10,
    }
    values.update(changes)
    return CollectiveSnapshot(**values)  # type: ignore[arg-type]


def test_the_baseline_reproduces_the_collectives_turnover_and_balances() -> None:
    snapshot = _riverside()
    impact = policy_impact(snapshot, Policy(), seeds=4, steps=FIT_WEEKS, agents=300)
    fit = impact.fit
    observed = snapshot.turnover + snapshot.services_paid
    assert fit.observed_turnover == observed
    # every draw, not only their mean, trades within the stated tolerance of what was observed
    for bound in (fit.simulated_turnover.low, fit.simulated_turnover.high):
        assert abs(bound / observed - 1) <= TURNOVER_TOLERANCE
    assert fit.balance_distance.high <= BALANCE_TOLERANCE
    spread = fit.observed_balances["p90"] - fit.observed_balances["p10"]
    for q in ("p10", "p50", "p90"):
        assert abs(fit.simulated_balances[q] - fit.observed_balances[q]) <= 0.1 * spread


def test_velocity_follows_the_observed_turnover_not_the_credit_limit() -> None:
    """The old model spent 0.25 x the credit limit a week whatever members really traded."""
    for limit in (80_000, 200_000, 800_000):
        snapshot = _riverside(credit_limits=[limit] * 30)
        fit = policy_impact(snapshot, Policy(), seeds=2, steps=8, agents=150).fit
        assert fit.turnover_error <= TURNOVER_TOLERANCE, limit
        assert fit.velocity == pytest.approx(
            fit.observed_turnover / (sum(snapshot.balances) + 30 * limit)
        )


def test_a_baseline_that_misses_the_observed_turnover_is_refused() -> None:
    """Members all at their limit cannot keep trading what they traded: no estimate."""
    snapshot = _riverside(balances=[-50_000] * 30, commons_fund=1_500_000)
    with pytest.raises(CalibrationMismatch) as refused:
        policy_impact(snapshot, Policy(levy_rate=Decimal("0.25")), seeds=2, steps=13, agents=150)
    assert refused.value.code == "calibration_mismatch"
    context = refused.value.context
    assert context["tolerance"] == TURNOVER_TOLERANCE
    missed = context["simulated_turnover"] / context["observed_turnover"] - 1
    assert abs(missed) > TURNOVER_TOLERANCE
    assert context["calibration"]["turnover_error"] > TURNOVER_TOLERANCE


def test_a_collective_without_trade_is_refused() -> None:
    with pytest.raises(NoTradeToCalibrate, match="no trade"):
        policy_impact(_riverside(trade_volume={}), Policy(), seeds=1, steps=4, agents=60)


def test_the_fund_pays_claims_and_never_buys_capital() -> None:
    cal = calibrate(_riverside(), agents=150)
    assert cal.scenario.policy.commons_investment == 0
    scenario = with_parameters(cal.scenario, draw_parameters(np.random.default_rng(0)))
    economy = CalibratedEconomy(scenario, cal.observed, agents=150, rng=np.random.default_rng(1))
    capital = economy.commons_capital.copy()
    for _ in range(30):
        before = float(economy.fund.sum())
        row = economy.step()
        assert row["commons_fund"] >= 0
        # the fund's only outflow is the claimed service budget
        assert before - row["commons_fund"] <= cal.scenario.policy.services_budget + 1e-9
    np.testing.assert_array_equal(economy.commons_capital, capital)  # nothing bought or worn


def test_the_commons_assets_sit_where_they_serve() -> None:
    with_assets = calibrate(_riverside(asset_weights={"repairs": 1.0}), agents=150)
    scenario = with_parameters(with_assets.scenario, draw_parameters(np.random.default_rng(0)))
    economy = CalibratedEconomy(
        scenario, with_assets.observed, agents=150, rng=np.random.default_rng(1)
    )
    plain = replace(with_assets.observed, asset_weights={})
    baseline = CalibratedEconomy(scenario, plain, agents=150, rng=np.random.default_rng(1))
    repairs = scenario.sector_index("repairs")
    assert economy.commons_capital[0, repairs] > baseline.commons_capital[0, repairs]
    assert economy.commons_capital.sum() == pytest.approx(baseline.commons_capital.sum())


def test_estimates_are_reported_at_13_52_and_260_weeks() -> None:
    impact = policy_impact(
        _riverside(), Policy(levy_rate=Decimal("0.25")), seeds=2, steps=260, agents=60
    )
    data = json.loads(json.dumps(impact.as_dict(), allow_nan=False))
    assert list(data["horizons"]) == ["13", "52", "260"]
    assert data["median_consumption"] == data["horizons"]["260"]["median_consumption"]
    assert data["calibration"]["burn_in_weeks"] == BURN_IN
    assert [p["name"] for p in data["priors"]] == [p.name for p in PRIORS]
    # a levy moves money into the fund at every horizon
    for horizon in data["horizons"].values():
        assert horizon["commons_fund"]["change"]["low"] > 0


def test_intervals_include_the_uncertainty_of_the_priors(monkeypatch: pytest.MonkeyPatch) -> None:
    snapshot, policy = _riverside(), Policy(levy_rate=Decimal("0.15"))
    drawn = policy_impact(snapshot, policy, seeds=6, steps=13, agents=90)
    fixed = tuple(replace(p, low=(p.low + p.high) / 2, high=(p.low + p.high) / 2) for p in PRIORS)
    monkeypatch.setattr("cybermutual.sim.calibrated_economy.PRIORS", fixed)
    seed_only = policy_impact(snapshot, policy, seeds=6, steps=13, agents=90)

    def width(impact: PolicyImpact) -> float:
        spread = impact.median_consumption_relative
        return spread.high - spread.low

    assert width(drawn) > 1.5 * width(seed_only)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(-40_000, 40_000),  # balance
            st.integers(0, 20_000),  # sales per week
        ),
        min_size=2,
        max_size=12,
    ),
    st.sampled_from(["0", "0.02", "0.25"]),
)
def test_members_start_by_spending_what_they_were_seen_to_sell(
    members: list[tuple[int, int]], levy: str
) -> None:
    """Calibrated velocity: at the observed balances each member spends their observed sales."""
    balances, sales = [b for b, _ in members], [s for _, s in members]
    if sum(sales) == 0:
        sales[0] = 1_000
    snapshot = _riverside(
        balances=balances,
        credit_limits=[50_000] * len(members),
        sales=sales,
        trade_volume={"food": sum(sales)},
        levy_rate=Decimal(levy),
        services={},
        services_paid=0,
    )
    cal = calibrate(snapshot, agents=len(members))
    scenario = with_parameters(cal.scenario, draw_parameters(np.random.default_rng(3)))
    economy = CalibratedEconomy(
        scenario, cal.observed, agents=len(members), rng=np.random.default_rng(4)
    )
    wanted = np.asarray(sales, dtype=np.float64) / cal.minor_per_unit
    spent = economy._spending()
    free = (economy.mpc_wealth > MPC_WEALTH_FLOOR) & (economy.mpc_wealth < 1)
    np.testing.assert_allclose(spent[free], wanted[free], rtol=1e-9, atol=1e-12)


def test_an_undefined_figure_is_null_not_nan() -> None:
    """JSON has no NaN: the API's response would fail on one (a 500)."""
    nested = {"a": float("nan"), "b": [1.0, float("inf")], "c": {"d": 2.0, "e": "x"}}
    assert json_ready(nested) == {"a": None, "b": [1.0, None], "c": {"d": 2.0, "e": "x"}}
    assert Spread.of([float("nan")]).as_dict()["mean"] != Spread.of([1.0]).as_dict()["mean"]
    json.dumps(json_ready(Spread.of([]).as_dict()), allow_nan=False)
