"""The facilitator's token budgets: equal, weighted by measured productivity, or a mix.

Equal budgets are the fairness of the market (a competitive equilibrium from equal incomes);
they also mean a member who turns a lathe-hour into ten units of sales gets no larger share
than one who turns it into one. A collective's charter chooses (``allocation_budgets``):

- ``equal`` (the default): every bidder gets the round's token budget;
- ``productivity``: budgets in proportion to each bidder's *measured productivity*;
- ``mix``: ``(1 - w) * equal + w * productivity``, with ``w = allocation_productivity_weight``
  in ``(0, 1)``.

**Measured productivity.** For a bid on asset ``a`` the valuation already estimates the sales
value the member produced per unit of ``a`` from the usage log, shrunk toward the collective's
mean for ``a`` (:mod:`.valuation`: a newcomer counts as the mean). A member's relative
productivity is the average, over their bids in the round weighted by the units asked, of that
estimate divided by the collective mean::

    p_i = sum_k m_k * rate_k / mean_k  /  sum_k m_k

so ``p_i = 1`` is an average member (and every newcomer), 2 a member who sells twice the average
per unit used. It is floored at ``MIN_RELATIVE_PRODUCTIVITY``: a member whose logged use sold
nothing still takes part, with a small budget. The weights are then scaled to average 1 over the
round's bidders (weighted by their base budgets), so the tokens handed out in total are the same
under every rule::

    B_i = base_i * ((1 - w) + w * p_i / pbar),      pbar = sum_j base_j p_j / sum_j base_j

``base_i`` is the round's budget times any weight a passed proposal gave the member.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from cybermutual.domain.errors import InvalidValue

#: A member measured as producing nothing still gets this share of an average budget weight.
MIN_RELATIVE_PRODUCTIVITY = 0.1


class BudgetRule(StrEnum):
    """How the facilitator sets each bidder's token budget (a charter setting)."""

    EQUAL = "equal"
    PRODUCTIVITY = "productivity"
    MIX = "mix"


def parse_budget_policy(rule: str, weight: str | Decimal) -> tuple[BudgetRule, Decimal]:
    """A charter's budget rule and productivity weight, checked together.

    ``equal`` means weight 0 and ``productivity`` weight 1 (given as such or left at the
    default); ``mix`` needs a weight strictly between 0 and 1, at most 4 decimals.
    """
    try:
        chosen = BudgetRule(rule)
    except ValueError as exc:
        raise InvalidValue(
            "allocation_budgets must be equal, productivity or mix",
            field="charter.allocation_budgets",
        ) from exc
    try:
        value = Decimal(str(weight))
    except ArithmeticError as exc:
        raise InvalidValue(
            "allocation_productivity_weight must be a decimal string",
            field="charter.allocation_productivity_weight",
        ) from exc
    exponent = value.as_tuple().exponent
    if (
        not value.is_finite()
        or not 0 <= value <= 1
        or (isinstance(exponent, int) and exponent < -4)
    ):
        raise InvalidValue(
            "allocation_productivity_weight must be from 0 to 1 with at most 4 decimals",
            field="charter.allocation_productivity_weight",
        )
    implied = {BudgetRule.EQUAL: Decimal(0), BudgetRule.PRODUCTIVITY: Decimal(1)}
    if chosen in implied:
        if value not in (Decimal(0), implied[chosen]):
            raise InvalidValue(
                f"allocation_budgets {chosen.value} fixes the productivity weight at "
                f"{implied[chosen]}; use mix for a weight in between",
                field="charter.allocation_productivity_weight",
            )
        return chosen, implied[chosen]
    if not 0 < value < 1:
        raise InvalidValue(
            "allocation_budgets mix needs allocation_productivity_weight between 0 and 1",
            field="charter.allocation_productivity_weight",
        )
    return chosen, value.normalize()


@dataclass(frozen=True, slots=True)
class BidProductivity:
    """One bid's part in its member's measured productivity."""

    member: str
    units_asked: float
    rate: float  # shrunk sales value per unit (the valuation's estimate)
    collective_rate: float  # the collective's mean for the asset


@dataclass(frozen=True, slots=True)
class MemberBudget:
    """A bidder's budget and how it was reached."""

    member: str
    base: float
    relative_productivity: float  # p_i, before scaling to average 1
    weight: float  # (1 - w) + w * p_i / mean p
    tokens: float


def relative_productivity(bids: Sequence[BidProductivity]) -> dict[str, float]:
    """``p_i`` per member (module docstring), floored at ``MIN_RELATIVE_PRODUCTIVITY``."""
    asked: dict[str, float] = {}
    weighted: dict[str, float] = {}
    for bid in bids:
        ratio = bid.rate / bid.collective_rate if bid.collective_rate > 0 else 1.0
        asked[bid.member] = asked.get(bid.member, 0.0) + bid.units_asked
        weighted[bid.member] = weighted.get(bid.member, 0.0) + bid.units_asked * ratio
    return {
        m: max(MIN_RELATIVE_PRODUCTIVITY, weighted[m] / asked[m] if asked[m] > 0 else 1.0)
        for m in asked
    }


def member_budgets(
    base: Mapping[str, float],
    productivity: Mapping[str, float],
    *,
    weight: float,
) -> dict[str, MemberBudget]:
    """Every bidder's budget from their base and relative productivity, for weight ``w``."""
    if not 0 <= weight <= 1:
        raise InvalidValue("the productivity weight must be from 0 to 1")
    members = list(base)
    levels = {m: productivity.get(m, 1.0) for m in members}
    total = sum(base.values())
    # the mean weighted by the base budgets, so that the tokens in total never change
    mean = sum(base[m] * levels[m] for m in members) / total if total > 0 else 1.0
    budgets = {}
    for m in members:
        share = (1.0 - weight) + weight * (levels[m] / mean if mean > 0 else 1.0)
        budgets[m] = MemberBudget(
            member=m,
            base=base[m],
            relative_productivity=levels[m],
            weight=share,
            tokens=base[m] * share,
        )
    return budgets


def describe_rule(rule: BudgetRule, weight: Decimal | float, token_budget: float) -> str:
    """The budget rule in the words an explanation shows a member."""
    if rule is BudgetRule.EQUAL:
        return f"equal budgets ({token_budget:g} tokens for every bidder)"
    if rule is BudgetRule.PRODUCTIVITY:
        return (
            f"budgets weighted by measured productivity ({token_budget:g} tokens for an "
            "average producer, more for who sold more per unit of the commons they used)"
        )
    share = float(weight)
    return (
        f"budgets {1 - share:.0%} equal and {share:.0%} weighted by measured productivity "
        f"({token_budget:g} tokens for an average producer)"
    )
