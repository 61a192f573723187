"""Bundle envy, EF1 and the welfare given up, against their definitions (hypothesis)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cybermutual.domain.allocation import (
    Bids,
    bundle_envy,
    fisher_equilibrium,
    lottery_rng,
    member_budgets,
    round_to_units,
    utilitarian_allocation,
    welfare_cost,
)
from tests.helpers import examples


@st.composite
def handed_out(draw: st.DrawFn) -> tuple[Bids, np.ndarray, np.ndarray]:
    """Random bids, capacities, and whole units within both."""
    n = draw(st.integers(1, 6))
    k = draw(st.integers(1, 4))
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, k - 1)),
            min_size=1,
            max_size=n * k,
            unique=True,
        )
    )
    size = len(pairs)
    values = draw(
        st.lists(st.one_of(st.just(0.0), st.floats(0.1, 50)), min_size=size, max_size=size)
    )
    maxima = draw(st.lists(st.integers(1, 6), min_size=size, max_size=size))
    units = [draw(st.integers(0, m)) for m in maxima]
    bids = Bids.of([m for m, _ in pairs], [a for _, a in pairs], values, maxima)
    used = np.bincount(bids.asset, units, minlength=k)
    capacity = used + np.array(draw(st.lists(st.integers(0, 3), min_size=k, max_size=k)))
    return bids, capacity.astype(float), np.array(units, dtype=float)


def _brute_force(bids: Bids, units: np.ndarray) -> tuple[float, int, bool]:
    """Max envy, envious pairs and EF1 by the definitions, pair by pair."""
    n = int(bids.member.max()) + 1
    k = int(bids.asset.max()) + 1
    value = np.zeros((n, k))
    cap = np.zeros((n, k))
    held = np.zeros((n, k))
    value[bids.member, bids.asset] = bids.value_per_unit
    cap[bids.member, bids.asset] = bids.max_units
    held[bids.member, bids.asset] = units

    def worth(i: int, bundle: np.ndarray) -> float:
        return float(np.sum(value[i] * np.minimum(bundle, cap[i])))

    worst, pairs, ef1 = 0.0, 0, True
    for i in range(n):
        mine = worth(i, held[i])
        for j in range(n):
            if i == j:
                continue
            envy = worth(i, held[j]) - mine
            if envy > 1e-9 * max(1.0, mine):
                pairs += 1
                worst = max(worst, envy)
                goods = [a for a in range(k) if held[j, a] >= 1]
                best_without = min(
                    (worth(i, held[j] - np.eye(k)[a]) for a in goods), default=worth(i, held[j])
                )
                if best_without - mine > 1e-9 * max(1.0, mine):
                    ef1 = False
    return worst, pairs, ef1


@settings(max_examples=examples(200), deadline=None)
@given(handed_out())
def test_bundle_envy_and_ef1_match_their_definitions(
    case: tuple[Bids, np.ndarray, np.ndarray],
) -> None:
    bids, _, units = case
    envy = bundle_envy(bids, units)
    worst, pairs, ef1 = _brute_force(bids, units)
    assert envy.max_envy == np.float64(worst) or abs(envy.max_envy - worst) < 1e-9
    assert envy.envious_pairs == pairs
    assert envy.ef1 is ef1
    assert (envy.worst_pair is None) is (pairs == 0)
    if envy.max_envy == 0:
        assert envy.ef1 is True  # envy-free is EF1


@settings(max_examples=examples(150), deadline=None)
@given(handed_out())
def test_welfare_given_up_is_never_negative_and_zero_for_the_optimum(
    case: tuple[Bids, np.ndarray, np.ndarray],
) -> None:
    bids, capacity, units = case
    cost = welfare_cost(bids, capacity, units, whole=True)
    assert cost.chosen <= cost.utilitarian * (1 + 1e-12) + 1e-9
    assert cost.given_up >= 0
    assert 0 <= cost.share <= 1
    best = utilitarian_allocation(bids, capacity)
    assert welfare_cost(bids, capacity, best, whole=True).given_up < 1e-9


@settings(max_examples=examples(60), deadline=None)
@given(st.integers(1, 9), st.integers(0, 20), st.floats(0.1, 10), st.integers(0, 2**64))
def test_equal_shares_of_one_asset_rounded_by_the_lottery_are_ef1(
    n: int, capacity: int, value: float, seed: int
) -> None:
    # Equal budgets, one asset, caps that never bind: shares capacity / n each; every draw
    # gives each member the floor or the ceiling, so nobody envies anybody by more than a unit.
    bids = Bids.of(list(range(n)), [0] * n, [value] * n, [float(capacity)] * n)
    eq = fisher_equilibrium(bids, np.ones(n), np.array([float(capacity)]))
    rounded = round_to_units(bids, np.array([float(capacity)]), eq.units, rng=lottery_rng(seed))
    assert bundle_envy(bids, rounded.astype(float)).ef1 is True


@settings(max_examples=examples(200), deadline=None)
@given(
    st.lists(st.tuples(st.floats(1, 1000), st.floats(0.1, 50)), min_size=1, max_size=12),
    st.floats(0, 1),
)
def test_budget_rules_move_tokens_between_members_and_never_make_any(
    members: list[tuple[float, float]], weight: float
) -> None:
    base = {f"m{k}": b for k, (b, _) in enumerate(members)}
    productivity = {f"m{k}": p for k, (_, p) in enumerate(members)}
    budgets = member_budgets(base, productivity, weight=weight)
    total = sum(b.tokens for b in budgets.values())
    assert total == pytest.approx(sum(base.values()), rel=1e-9)
    assert all(b.tokens > 0 for b in budgets.values())
    # more productive, more tokens per base token (equal when the weight is 0)
    ranked = sorted(budgets.values(), key=lambda b: b.relative_productivity)
    per_base = [b.tokens / b.base for b in ranked]
    assert all(x <= y * (1 + 1e-12) for x, y in itertools.pairwise(per_base))
    if weight == 0:
        assert all(b.tokens == pytest.approx(b.base) for b in budgets.values())
