"""The method of equal shares with cost utilities: exact decisions at numpy speed.

Every voter starts with the same share of the fund. In each round, a project's supporters
could pay its cost between them, each paying ``min(remaining share, p)`` for one ``p``: the
smallest such ``p`` is the project's price, and ``rho = p / cost`` (what a supporter pays per
unit of cost, pabutools' "affordability" with cost satisfaction). The project with the smallest
``rho`` is bought, ties going to the smallest project id (Python string order, pabutools'
lexicographic tie-breaking). Rounds end when no remaining project's supporters can pay for it.

Why it is both exact and fast. A voter's remaining share is never stored as a float that
decides anything: a voter who was never short is worth exactly ``share - sum(p_s)`` over the
bought projects they approved, and one who was short once has exactly 0 left. Floats (one per
distinct ballot) find each candidate price; then the price is recomputed exactly as a
``Fraction`` from integer counts (``(cost - poor supporters' exact shares) / rich weight``),
with every voter whose float share lies within a tolerance of the price classified exactly.
If the exact price strays from the float one by more than half that tolerance (never seen in
practice), the project is priced entirely in exact arithmetic. Projects are examined lazily in
order of their last ``rho`` (a lower bound: shares only shrink), as pabutools does, so a round
usually prices a handful of projects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numpy.typing import NDArray

BoolMatrix = NDArray[np.bool_]
IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

#: Relative width of the band around a float price inside which shares are compared exactly.
BAND = 1e-9
#: Fixed-point steps tried for a float price before falling back to a sort.
FIXED_POINT_STEPS = 8


@dataclass(frozen=True, slots=True)
class Purchase:
    """One round: the project bought, its price per supporter, who could not pay it in full."""

    project: int
    price: Fraction
    rho: Fraction
    short: IntArray  # ballot groups (sorted) whose whole remaining share went to this project


@dataclass(frozen=True, slots=True)
class Run:
    """One run of the rule at one equal share."""

    share: Fraction
    purchases: tuple[Purchase, ...]
    final: _State | None  # the shares left at the end (None when nobody voted)

    def remaining(self, project: int) -> Fraction:
        """The exact total its supporters had left when the run ended."""
        if self.final is None:
            return Fraction(0)
        return self.final.exact_total(self.final.live_supporters(project))


class EqualSharesEngine:
    """Ballots grouped by identity (``approvals`` rows, ``weights`` voters each) and costs."""

    def __init__(
        self, approvals: BoolMatrix, weights: IntArray, costs: tuple[int, ...], ids: tuple[str, ...]
    ) -> None:
        self.approvals = approvals
        self.weights = weights
        self.float_weights = weights.astype(np.float64)
        self.costs = costs
        self.ids = ids
        self.supporters = [np.flatnonzero(approvals[:, j]) for j in range(len(costs))]
        self.support = [int(weights[s].sum()) for s in self.supporters]
        self.candidates = [j for j in range(len(costs)) if self.support[j] > 0]
        self.max_cost = max(costs, default=1)
        self.unit_weights = bool(np.all(weights == 1))

    def run(self, share: Fraction) -> Run:
        state = _State(self, share)
        stale = {j: Fraction(1, self.support[j]) for j in self.candidates}
        # sorting by the float first is sound (a fraction's float is correctly rounded, so
        # the order can only be wrong between equal floats, which the fraction then decides)
        order_key = {j: (float(rho), rho) for j, rho in stale.items()}
        remaining = set(self.candidates)
        purchases: list[Purchase] = []
        while remaining:
            best: Fraction | None = None
            tied: list[int] = []
            priced: dict[int, tuple[Fraction, IntArray]] = {}
            for j in sorted(remaining, key=order_key.__getitem__):
                if best is not None and stale[j] > best:
                    break
                found = state.price(j, floor=order_key[j][0] * self.costs[j])
                if found is None:
                    remaining.discard(j)
                    continue
                price, short = found
                rho = price / self.costs[j]
                stale[j] = rho
                order_key[j] = (float(rho), rho)
                priced[j] = found
                if best is None or rho < best:
                    best, tied = rho, [j]
                elif rho == best:
                    tied.append(j)
            if best is None:
                break
            chosen = min(tied, key=self.ids.__getitem__)
            price, short = priced[chosen]
            purchases.append(Purchase(chosen, price, best, state.buy(chosen, price, short)))
            remaining.discard(chosen)
        return Run(share, tuple(purchases), state)


class _State:
    """Remaining shares during one run: floats to search, exact values to decide."""

    def __init__(self, engine: EqualSharesEngine, share: Fraction) -> None:
        self.engine = engine
        self.share = share
        groups = engine.approvals.shape[0]
        self.shares = np.full(groups, float(share))
        self.alive = np.ones(groups, dtype=bool)  # never short: exactly share - sum(prices)
        self.bought: list[int] = []
        self.prices: list[Fraction] = []
        # the share and the prices over one common denominator: exact sums in integers
        self.denominator = share.denominator
        self.share_numerator = share.numerator
        self.price_numerators: list[int] = []
        self.band = BAND * max(float(share), float(engine.max_cost), 1.0)
        # per project: supporters not yet known to have nothing left (pruned lazily)
        self.live = list(engine.supporters)
        self.live_weight = list(engine.support)
        # column k: does each group approve the k-th project bought (for exact sums)
        self.bought_matrix = np.zeros((groups, len(engine.costs)), dtype=np.uint8)

    def exact_total(self, groups: IntArray) -> Fraction:
        """The exact sum of the remaining shares of these ballot groups (weighted)."""
        groups = groups[self.alive[groups]]
        if groups.size == 0:
            return Fraction(0)
        weights = self.engine.weights[groups]
        total = int(weights.sum()) * self.share_numerator
        if self.bought:
            rows = self.bought_matrix[groups, : len(self.bought)]
            if self.engine.unit_weights:
                counts = np.add.reduce(rows, axis=0, dtype=np.int64)
            else:
                counts = weights @ rows.astype(np.int64)
            total -= sum(
                int(c) * p for c, p in zip(counts.tolist(), self.price_numerators, strict=True)
            )
        return Fraction(total, self.denominator)

    def exact_shares(self, groups: IntArray) -> list[Fraction]:
        """The exact remaining share of each of these ballot groups."""
        if groups.size == 0:
            return []
        keys = np.concatenate(
            [
                self.alive[groups, None],
                self.engine.approvals[np.ix_(groups, np.asarray(self.bought, dtype=np.int64))],
            ],
            axis=1,
        )
        unique, inverse = np.unique(keys, axis=0, return_inverse=True)
        values = [
            Fraction(
                self.share_numerator
                - sum(p for p, a in zip(self.price_numerators, row[1:], strict=True) if a),
                self.denominator,
            )
            if row[0]
            else Fraction(0)
            for row in unique
        ]
        return [values[i] for i in inverse.ravel()]

    def price(self, project: int, *, floor: float = 0.0) -> tuple[Fraction, IntArray] | None:
        """``(price, short groups)``, or None when its supporters cannot pay for it.

        ``floor`` is a price it cannot be below (its last one: shares only shrink), where the
        float search starts."""
        engine = self.engine
        cost = engine.costs[project]
        supporters = self.live_supporters(project)
        shares = self.shares[supporters]
        # no BLAS here: a dot product of this size is slower through a busy thread pool
        weights = None if engine.unit_weights else engine.float_weights[supporters]
        total = float(np.add.reduce(shares if weights is None else weights * shares))
        slack = BAND * (cost + total)
        if total < cost - slack:
            return None
        if total <= cost + slack and self.exact_total(supporters) < cost:
            return None
        guess = _float_price(shares, weights, float(cost), floor=floor * (1 - 1e-12))
        below = shares < guess - self.band
        near = ~below & (shares <= guess + self.band)
        far_short = supporters[below]
        short_total = self.exact_total(far_short)
        short_weight = (
            far_short.size if engine.unit_weights else int(engine.weights[far_short].sum())
        )
        near_groups = supporters[near]
        exact = self.exact_shares(near_groups)
        order = sorted(range(len(exact)), key=exact.__getitem__)
        moved: list[int] = []
        rich_weight = self.live_weight[project] - short_weight
        price = Fraction(cost) - short_total
        for k in order:
            if rich_weight <= 0 or exact[k] >= price / rich_weight:
                break
            group_weight = int(engine.weights[near_groups[k]])
            short_total += exact[k] * group_weight
            short_weight += group_weight
            rich_weight -= group_weight
            price = Fraction(cost) - short_total
            moved.append(k)
        if rich_weight <= 0:
            return self._exact_price(project)
        price /= rich_weight
        if abs(float(price) - guess) > self.band / 2:
            return self._exact_price(project)
        return price, np.concatenate([far_short, near_groups[np.asarray(moved, dtype=np.int64)]])

    def _exact_price(self, project: int) -> tuple[Fraction, IntArray]:
        """Price a project entirely in exact arithmetic (the safety net of :meth:`price`)."""
        engine = self.engine
        supporters = self.live_supporters(project)
        exact = self.exact_shares(supporters)
        order = sorted(range(len(exact)), key=exact.__getitem__)
        remaining_cost = Fraction(engine.costs[project])
        rich_weight = self.live_weight[project]
        short: list[int] = []
        for k in order:
            price = remaining_cost / rich_weight
            if exact[k] >= price:
                return price, supporters[np.asarray(short, dtype=np.int64)]
            remaining_cost -= exact[k] * int(engine.weights[supporters[k]])
            rich_weight -= int(engine.weights[supporters[k]])
            short.append(k)
        raise AssertionError("priced a project its supporters cannot afford")  # pragma: no cover

    def live_supporters(self, project: int) -> IntArray:
        """The project's supporters, without those who were short once (exactly 0 left).

        Dropping them changes no price: they pay nothing and count on neither side."""
        supporters = self.live[project]
        alive = self.alive[supporters]
        dead = supporters.size - int(np.count_nonzero(alive))
        if dead * 4 > supporters.size:
            self.live_weight[project] -= int(self.engine.weights[supporters[~alive]].sum())
            supporters = self.live[project] = supporters[alive]
        return supporters

    def buy(self, project: int, price: Fraction, short: IntArray) -> IntArray:
        """Charge the supporters; returns the short ones who still had something (sorted)."""
        short = np.sort(short[self.alive[short]])
        supporters = self.live[project]
        self.bought_matrix[:, len(self.bought)] = self.engine.approvals[:, project]
        paid = self.shares[supporters] - float(price)
        self.shares[supporters] = np.maximum(paid, 0.0)
        self.shares[short] = 0.0
        self.alive[short] = False
        self.bought.append(project)
        self.prices.append(price)
        common = math.lcm(self.denominator, price.denominator)
        if common != self.denominator:
            scale = common // self.denominator
            self.share_numerator *= scale
            self.price_numerators = [p * scale for p in self.price_numerators]
            self.denominator = common
        self.price_numerators.append(price.numerator * (common // price.denominator))
        return short


def _float_price(
    shares: FloatArray, weights: FloatArray | None, cost: float, *, floor: float = 0.0
) -> float:
    """The ``p`` with ``sum(weights * min(shares, p)) == cost``, in floats (no weights: 1).

    The fixed point ``p <- (cost - short shares) / rich weight`` climbs to it from any start
    below it, such as ``floor``."""
    total_weight = float(shares.size if weights is None else np.add.reduce(weights))
    paid = shares if weights is None else weights * shares
    price = max(cost / total_weight, floor)
    count = -1
    for _ in range(FIXED_POINT_STEPS):
        short = shares < price
        now = int(np.count_nonzero(short))
        if now == count:
            return price
        count = now
        short_weight = now if weights is None else float(np.add.reduce(weights, where=short))
        rich = total_weight - short_weight
        if rich <= 0:
            break
        price = (cost - float(np.add.reduce(paid, where=short))) / rich
    if weights is None:
        weights = np.ones_like(shares)
    order = np.argsort(shares, kind="stable")
    sorted_shares = shares[order]
    sorted_weights = weights[order]
    paid_before = np.concatenate([[0.0], np.cumsum(sorted_weights * sorted_shares)[:-1]])
    weight_from = total_weight - np.concatenate([[0.0], np.cumsum(sorted_weights)[:-1]])
    candidates = (cost - paid_before) / np.maximum(weight_from, 1e-300)
    fits = np.flatnonzero(candidates <= sorted_shares)
    return float(candidates[fits[0]] if fits.size else candidates[-1])


def voter_payments(engine: EqualSharesEngine, run: Run, group: int) -> list[tuple[int, Fraction]]:
    """What one ballot group's voter paid toward each project bought, in order (exact)."""
    remaining = run.share
    paid: list[tuple[int, Fraction]] = []
    for purchase in run.purchases:
        if not engine.approvals[group, purchase.project]:
            continue
        index = int(np.searchsorted(purchase.short, group))
        is_short = index < purchase.short.size and int(purchase.short[index]) == group
        amount = remaining if is_short else min(remaining, purchase.price)
        paid.append((purchase.project, amount))
        remaining -= amount
    return paid
