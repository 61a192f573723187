"""Market clearing, price response and the levy rule."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cybermutual.domain.ledger import levy_for
from cybermutual.sim.market import adjust_prices, clear, levy_minor_units, levy_on


def test_clearing_sells_the_short_side_and_prices_follow_excess_demand() -> None:
    supply = np.array([10.0, 10.0, 0.0])
    spending = np.array([20.0, 5.0, 3.0])
    prices = np.array([1.0, 1.0, 1.0])
    cleared = clear(supply, spending, prices)
    assert cleared.sold.tolist() == [10.0, 5.0, 0.0]
    assert cleared.buyer_fill.tolist() == [0.5, 1.0, 0.0]
    assert cleared.seller_fill.tolist() == [1.0, 0.5, 0.0]
    new = adjust_prices(prices, cleared, supply, speed=0.1)
    assert new[0] > 1.0 > new[1]
    assert new[2] > 1.0  # demand and no supply


def test_money_paid_by_buyers_equals_money_received_by_sellers() -> None:
    rng = np.random.default_rng(0)
    supply, spending, prices = rng.random(6) * 10, rng.random(6) * 10, rng.random(6) + 0.5
    cleared = clear(supply, spending, prices)
    paid = float((spending * cleared.buyer_fill).sum())
    received = float((prices * cleared.seller_fill * supply).sum())
    assert paid == pytest.approx(received, rel=1e-12)


rates = st.decimals(min_value=Decimal(0), max_value=Decimal("0.99"), places=4)


@given(st.lists(st.integers(min_value=1, max_value=10**12), min_size=1, max_size=50), rates)
def test_vectorised_levy_agrees_with_the_ledger_rule(amounts: list[int], rate: Decimal) -> None:
    vectorised = levy_minor_units(np.array(amounts, dtype=np.int64), Fraction(rate))
    assert vectorised.tolist() == [levy_for(a, rate) for a in amounts]


def test_levy_is_floored_in_minor_units() -> None:
    # 0.29 * 100 is 28.999999999999996 in floats; the exact rule gives 29
    assert levy_minor_units(np.array([100], dtype=np.int64), Fraction("0.29")).tolist() == [29]
    assert levy_on(np.array([10.0, 0.999, 0.0]), Fraction(1, 10)).tolist() == [1.0, 0.09, 0.0]
