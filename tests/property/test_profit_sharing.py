"""Properties of the co-operative profit split by merit (largest remainder)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cybermutual.domain.errors import InvalidValue
from cybermutual.domain.profit_sharing import merit_shares, split_profit

profits = st.integers(min_value=0, max_value=10**12)
merit_lists = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=40)


@given(profits, merit_lists)
def test_shares_sum_exactly_to_the_profit(profit: int, merits: list[int]) -> None:
    assert sum(split_profit(profit, merits)) == profit


@given(profits, merit_lists)
def test_shares_are_never_negative(profit: int, merits: list[int]) -> None:
    assert all(share >= 0 for share in split_profit(profit, merits))


@given(profits, merit_lists)
def test_shares_are_monotone_in_merit(profit: int, merits: list[int]) -> None:
    shares = split_profit(profit, merits)
    for i, mi in enumerate(merits):
        for j, mj in enumerate(merits):
            if mi > mj:
                assert shares[i] >= shares[j]


@given(profits, st.integers(min_value=0, max_value=10**6), st.integers(1, 50))
def test_equal_merit_shares_differ_by_at_most_one_unit(profit: int, merit: int, n: int) -> None:
    shares = split_profit(profit, [merit] * n)
    assert max(shares) - min(shares) <= 1


@given(profits, st.lists(st.fractions(min_value=0, max_value=1000), min_size=1, max_size=20))
def test_shares_are_within_one_unit_of_the_exact_quota(profit: int, merits: list[Fraction]) -> None:
    shares = split_profit(profit, merits)
    total = sum(merits, Fraction(0))
    for share, merit in zip(shares, merits, strict=True):
        quota = profit * merit / total if total else Fraction(profit, len(merits))
        assert abs(share - quota) < 1


def test_tie_break_prefers_larger_merit_then_earlier_position() -> None:
    assert split_profit(1, [1, 1, 1]) == [1, 0, 0]
    assert split_profit(2, [1, 1, 1]) == [1, 1, 0]
    assert split_profit(10, [1, 2]) == [3, 7]
    assert split_profit(0, [0, 0]) == [0, 0]


@pytest.mark.parametrize(
    ("profit", "merits"), [(-1, [1]), (5, []), (5, [-1, 2]), (5, [float("nan")])]
)
def test_bad_input_is_refused(profit: int, merits: list[float]) -> None:
    with pytest.raises(InvalidValue):
        split_profit(profit, merits)


@given(profits, merit_lists)
def test_vectorised_version_agrees_with_the_exact_split(profit: int, merits: list[int]) -> None:
    exact = split_profit(profit, merits)
    floats = merit_shares(
        np.array([float(profit)]),
        np.array(merits, dtype=np.float64),
        np.zeros(len(merits), dtype=np.intp),
    )
    assert np.allclose(floats, exact, atol=1.0 + 1e-9 * profit)
    assert float(floats.sum()) == pytest.approx(profit, rel=1e-12, abs=1e-6)
