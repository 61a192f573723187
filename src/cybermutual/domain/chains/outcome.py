"""What the planner answers: a :class:`Plan` with its explanation, or a :class:`Shortfall`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

#: how ties in cost were broken (see :mod:`.planner`)
TieBreak = Literal["fewest_links", "fewer_links_found", "none_needed", "skipped"]


@dataclass(frozen=True, slots=True)
class Alternative:
    """The next best recipe for a link's output, and how much dearer it is at the plan's prices.

    ``reduced_cost`` is in minor units per run of the alternative: how far its price would have
    to fall for the plan to use it; ``extra_cost_per_unit`` is the same per unit of the output.
    """

    recipe: str
    producer: str
    reduced_cost: float
    extra_cost_per_unit: float


@dataclass(frozen=True, slots=True)
class Link:
    """One producer's part of the plan: ``runs`` of ``recipe``, paid ``amount`` minor units.

    ``step`` 0 needs nothing from another link; a link at step ``k`` needs an output of a link
    at a lower step, so orders open in step order. ``output`` is what the link is for (its
    output with the highest value in the plan).
    """

    recipe: str
    producer: str
    runs: float
    amount: int
    price: int
    step: int
    output: str
    inputs: Mapping[str, float]
    outputs: Mapping[str, float]
    at_capacity: bool
    capacity_shadow_price: float
    kept: bool
    next_best: Alternative | None
    reason: str


@dataclass(frozen=True, slots=True)
class Flow:
    """``quantity`` of ``good`` goes from ``source`` to ``sink``.

    ``source`` and ``sink`` are recipe ids; a ``None`` source is the stock, a ``None`` sink the
    requester."""

    good: str
    source: str | None
    sink: str | None
    quantity: float


@dataclass(frozen=True, slots=True)
class Bottleneck:
    """What limits the plan most: the binding capacity or hours with the largest shadow price.

    ``kind`` is ``capacity`` (``name`` is a recipe) or ``hours`` (``name`` is a resource, such
    as ``asset:<producer>:<asset>``); ``shadow_price`` is what one more run (or hour) would save,
    in minor units.
    """

    kind: Literal["capacity", "hours"]
    name: str
    producer: str
    shadow_price: float


@dataclass(frozen=True, slots=True)
class Plan:
    """The least-cost chain: links in step order, the money, the prices that explain it.

    ``cost`` is what the requester pays, in minor units: the sum of the links' ``amount``, each
    ``ceil(price x runs)`` (exact for whole runs; a time-share is rounded up per link, so no
    producer gets less than their asking price and the requester pays at most one minor unit
    per link above ``lp_cost``, the LP optimum). ``duals`` is each good's marginal value (minor
    units a unit more stock of it would save). ``tie_break`` says how ties in cost were broken
    (``fewest_links`` proven, ``fewer_links_found`` not proven, ``none_needed``, or ``skipped``);
    ``proven_optimal`` is false when branch and bound ran out of time with this plan.
    """

    cost: int
    lp_cost: float
    links: tuple[Link, ...]
    runs: Mapping[str, float]
    duals: Mapping[str, float]
    flows: tuple[Flow, ...]
    bottleneck: Bottleneck | None
    dropped_keeps: tuple[str, ...]
    tie_break: TieBreak
    proven_optimal: bool = True

    feasible: Literal[True] = True


@dataclass(frozen=True, slots=True)
class GoodShortfall:
    """``units`` more of ``good`` in stock would make the request feasible (with the others)."""

    good: str
    units: float
    made: bool  # some recipe makes it, but not enough (capacity, hours); else nobody makes it


@dataclass(frozen=True, slots=True)
class Shortfall:
    """No plan: which goods are short and by how much, or the cheapest plan is over budget.

    Adding every listed shortfall to the stock makes the request feasible. ``reason`` is
    ``short`` or ``over_budget`` (then ``cheapest_cost`` is what the cheapest plan costs).
    """

    reason: Literal["short", "over_budget"]
    goods: tuple[GoodShortfall, ...]
    cheapest_cost: int | None = None
    budget: int | None = None

    feasible: Literal[False] = False
