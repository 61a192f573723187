"""Market clearing per sector, price adjustment, and the levy rule, vectorised.

Each sector clears on the short side: ``sold = min(supply, demand)`` where demand is the money
spent on the sector divided by its price. Buyers get the fraction ``sold / demand`` of what they
asked for and pay only for that; sellers sell the fraction ``sold / supply`` of their output;
unsold output perishes. Prices then move with the relative excess demand (a tatonnement step:
Walras 1874, in the multiplicative form common in agent-based macro models).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Bounds on the per-step price move, so a sector that sells nothing cannot collapse to zero.
MAX_PRICE_STEP = 0.2
PRICE_FLOOR = 1e-6


@dataclass(frozen=True, slots=True)
class Clearing:
    """What each sector sold and the fractions that buyers and sellers realised."""

    demand: FloatArray
    sold: FloatArray
    buyer_fill: FloatArray
    seller_fill: FloatArray


def clear(supply: FloatArray, spending: FloatArray, prices: FloatArray) -> Clearing:
    """Clear every sector at once: ``spending`` is money offered, ``supply`` is quantity."""
    demand = spending / prices
    sold = np.minimum(supply, demand)
    buyer_fill = np.divide(sold, demand, out=np.zeros_like(sold), where=demand > 0)
    seller_fill = np.divide(sold, supply, out=np.zeros_like(sold), where=supply > 0)
    return Clearing(demand=demand, sold=sold, buyer_fill=buyer_fill, seller_fill=seller_fill)


def adjust_prices(
    prices: FloatArray, clearing: Clearing, supply: FloatArray, *, speed: float
) -> FloatArray:
    """Raise prices where demand exceeds supply and lower them where it falls short."""
    total = clearing.demand + supply
    excess = np.divide(clearing.demand - supply, total, out=np.zeros_like(total), where=total > 0)
    step = np.clip(speed * excess, -MAX_PRICE_STEP, MAX_PRICE_STEP)
    return np.maximum(prices * np.exp(step), PRICE_FLOOR)


def levy_minor_units(amounts: IntArray, rate: Fraction) -> IntArray:
    """``floor(amount * rate)`` for every amount, exactly, in integer minor units.

    The vectorised twin of ``cybermutual.domain.ledger.levy_for`` (a test checks they agree).
    """
    if rate == 0:
        return np.zeros_like(amounts)
    return (amounts * rate.numerator) // rate.denominator


def levy_on(revenue: FloatArray, rate: Fraction, *, decimals: int = 2) -> FloatArray:
    """The levy on each seller's revenue (currency units), charged in whole minor units."""
    if rate == 0:
        return np.zeros_like(revenue)
    scale = 10.0**decimals
    minor = np.floor(np.maximum(revenue, 0.0) * scale).astype(np.int64)
    return levy_minor_units(minor, rate).astype(np.float64) / scale
