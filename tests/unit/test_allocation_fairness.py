"""Bundle envy, EF1, the welfare given up for fairness, and the budget rules, by worked example."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from cybermutual.domain.allocation import (
    BidProductivity,
    Bids,
    BudgetRule,
    bundle_envy,
    describe_rule,
    fisher_equilibrium,
    member_budgets,
    parse_budget_policy,
    relative_productivity,
    welfare_cost,
)
from cybermutual.domain.errors import InvalidValue


def test_one_van_for_three_is_envied_but_ef1() -> None:
    bids = Bids.of([0, 1, 2], [0, 0, 0], [3.0, 3.0, 3.0], [1, 1, 1])
    envy = bundle_envy(bids, np.array([1.0, 0, 0]))
    assert envy.max_envy == 3.0  # members 1 and 2 value member 0's van at 3, theirs at 0
    assert envy.envious_pairs == 2
    assert envy.worst_pair in ((1, 0), (2, 0))
    assert envy.max_relative_envy == float("inf")  # they hold nothing of value
    assert envy.ef1 is True  # take the van away and nobody envies anybody


def test_two_units_more_is_not_ef1() -> None:
    # 4 lathe-hours: member 0 holds 3, member 1 holds 1; member 1 values them at 2 each.
    bids = Bids.of([0, 1], [0, 0], [2.0, 2.0], [4, 4])
    envy = bundle_envy(bids, np.array([3.0, 1.0]))
    assert envy.max_envy == 4.0  # 6 against 2
    assert envy.worst_pair == (1, 0)
    assert envy.max_relative_envy == pytest.approx(2.0)
    assert envy.ef1 is False  # without one of member 0's hours: still 4 against 2
    assert envy.ef1_violations == 1


def test_units_beyond_what_a_member_asked_are_worth_nothing_to_them() -> None:
    # Member 1 asked for at most 1 unit: member 0's 3 units are worth 1 unit to them.
    bids = Bids.of([0, 1], [0, 0], [1.0, 5.0], [3, 1])
    envy = bundle_envy(bids, np.array([3.0, 1.0]))
    assert envy.max_envy == 0.0
    assert envy.ef1 is True


def test_an_asset_a_member_did_not_bid_on_is_worth_nothing_to_them() -> None:
    bids = Bids.of([0, 1], [0, 1], [1.0, 1.0], [5, 5])
    envy = bundle_envy(bids, np.array([5.0, 1.0]))
    assert envy.max_envy == 0.0


def test_fractional_bundles_have_no_ef1() -> None:
    bids = Bids.of([0, 1], [0, 0], [1.0, 1.0], [2, 2])
    envy = bundle_envy(bids, np.array([1.5, 0.5]), whole=False)
    assert envy.ef1 is None
    assert envy.max_envy == pytest.approx(1.0)


def test_equal_budgets_give_up_welfare_a_productive_member_could_have_made() -> None:
    # The lathe: worth 10 a unit to one member, 1 to another; equal budgets share
    # the 10 hours 5 and 5, where the utilitarian optimum gives all 10 to the first.
    bids = Bids.of([0, 1], [0, 0], [10.0, 1.0], [10, 10])
    capacity = np.array([10.0])
    eq = fisher_equilibrium(bids, np.ones(2), capacity, tolerance=1e-7)
    assert eq.units == pytest.approx([5.0, 5.0], abs=1e-4)
    cost = welfare_cost(bids, capacity, np.array([5.0, 5.0]), whole=True)
    assert cost.utilitarian == 100.0
    assert cost.chosen == 55.0
    assert cost.given_up == 45.0
    assert cost.share == pytest.approx(0.45)
    # budgets weighted by productivity (10 to 1, scaled to average 1) share it 10 to 1
    budgets = member_budgets(
        {"pro": 100.0, "novice": 100.0}, {"pro": 10.0, "novice": 1.0}, weight=1.0
    )
    tokens = np.array([budgets["pro"].tokens, budgets["novice"].tokens])
    assert tokens.sum() == pytest.approx(200.0)  # the same tokens in total
    weighted = fisher_equilibrium(bids, tokens, capacity, tolerance=1e-7)
    assert weighted.units == pytest.approx([100 / 11, 10 / 11], rel=1e-3)
    assert welfare_cost(bids, capacity, weighted.units).given_up < cost.given_up


def test_a_mix_weighs_productivity_by_its_weight() -> None:
    budgets = member_budgets({"a": 100.0, "b": 100.0}, {"a": 3.0, "b": 1.0}, weight=0.5)
    # relative to the mean (2): 1.5 and 0.5; half of that plus half of equal: 1.25 and 0.75
    assert budgets["a"].tokens == pytest.approx(125.0)
    assert budgets["b"].tokens == pytest.approx(75.0)
    equal = member_budgets({"a": 100.0, "b": 100.0}, {"a": 3.0, "b": 1.0}, weight=0.0)
    assert equal["a"].tokens == equal["b"].tokens == 100.0


def test_measured_productivity_is_per_unit_asked_relative_to_the_collective_mean() -> None:
    measured = relative_productivity(
        [
            BidProductivity("ana", units_asked=3, rate=20.0, collective_rate=10.0),  # 2x
            BidProductivity("ana", units_asked=1, rate=10.0, collective_rate=10.0),  # 1x
            BidProductivity("new", units_asked=5, rate=4.0, collective_rate=4.0),  # the mean
            BidProductivity("idle", units_asked=2, rate=0.0, collective_rate=5.0),  # sold none
        ]
    )
    assert measured["ana"] == pytest.approx((3 * 2 + 1 * 1) / 4)
    assert measured["new"] == 1.0
    assert measured["idle"] == 0.1  # floored: still takes part, with a small budget


@pytest.mark.parametrize(
    ("rule", "weight", "expected"),
    [
        ("equal", "0", (BudgetRule.EQUAL, Decimal(0))),
        ("productivity", "0", (BudgetRule.PRODUCTIVITY, Decimal(1))),
        ("productivity", "1", (BudgetRule.PRODUCTIVITY, Decimal(1))),
        ("mix", "0.25", (BudgetRule.MIX, Decimal("0.25"))),
    ],
)
def test_budget_policies_parse(rule: str, weight: str, expected: object) -> None:
    assert parse_budget_policy(rule, weight) == expected


@pytest.mark.parametrize(
    ("rule", "weight", "message"),
    [
        ("merit", "0", "equal, productivity or mix"),
        ("mix", "0", "between 0 and 1"),
        ("mix", "1", "between 0 and 1"),
        ("mix", "1.5", "from 0 to 1"),
        ("mix", "0.12345", "at most 4 decimals"),
        ("mix", "NaN", "from 0 to 1"),
        ("mix", "half", "decimal string"),
        ("equal", "0.5", "use mix"),
    ],
)
def test_bad_budget_policies_are_refused(rule: str, weight: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        parse_budget_policy(rule, weight)


def test_every_rule_is_described_in_words() -> None:
    assert "equal budgets (100 tokens" in describe_rule(BudgetRule.EQUAL, 0, 100)
    assert "measured productivity" in describe_rule(BudgetRule.PRODUCTIVITY, 1, 100)
    assert "70% equal and 30% weighted" in describe_rule(BudgetRule.MIX, Decimal("0.3"), 100)
