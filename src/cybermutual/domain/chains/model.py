"""What a planner is asked: goods, recipes, stock and a request, as values and as arrays.

A :class:`Recipe` is a ValueFlows *Recipe*/*Process*: one run consumes ``inputs`` and yields
``outputs`` (goods, in each good's unit), needs the producer's own ``labour_hours`` and, for a
recipe that uses the commons, ``asset_hours`` of commons assets, which it gets only through the
commons allocation (an :class:`Instance` says how many hours each producer holds), never by
buying them. ``price`` is the producer's asking price per run in minor units and ``capacity``
the most runs per period; runs may be fractional (time-shares) unless the recipe is ``whole``.

The planner works on a :class:`Network`, the same recipes as arrays (a sparse net-output
matrix, goods by recipes), so a network of 100,000 recipes is built without a Python loop over
its entries: the benchmark and large callers build a ``Network`` from arrays directly;
:meth:`Instance.of` compiles value objects into one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from cybermutual.domain.errors import InvalidValue

_EMPTY: Mapping[str, float] = MappingProxyType({})
Ids = Sequence[str] | NDArray[np.str_]
#: ``(recipe ids, good ids, quantities per run)``: one entry per row, as a table stores them
Entries = tuple[Ids, Ids, NDArray[np.float64]]


@dataclass(frozen=True, slots=True)
class Good:
    """Something recipes make or use, counted in ``unit`` (kg, piece, hour of a service)."""

    id: str
    unit: str = "unit"
    category: str = ""


@dataclass(frozen=True, slots=True)
class Recipe:
    """A producer's offer to run a process: per run, ``inputs`` in, ``outputs`` out, ``price``."""

    id: str
    producer: str
    inputs: Mapping[str, float]
    outputs: Mapping[str, float]
    capacity: float
    price: int
    whole: bool = False
    labour_hours: float = 0.0
    asset_hours: Mapping[str, float] = field(default_factory=lambda: _EMPTY)


@dataclass(frozen=True, slots=True)
class Request:
    """A member asks for ``quantity`` of ``good``.

    ``budget`` (minor units) caps what they will pay; ``excluded_producers`` are never planned
    (they declined, or the requester will not deal with them); ``keep`` maps the recipes of links
    already accepted to the runs they accepted, which a re-plan keeps exactly when it still can.
    """

    good: str
    quantity: float
    budget: int | None = None
    excluded_producers: frozenset[str] = frozenset()
    keep: Mapping[str, float] = field(default_factory=lambda: _EMPTY)


@dataclass(frozen=True, eq=False)
class Network:
    """Recipes as arrays: a run of recipe ``r`` turns ``inputs[:, r]`` into ``outputs[:, r]``.

    ``outputs`` and ``inputs`` are non-negative sparse matrices, goods by recipes, per run;
    ``resources`` (limited inputs that are not goods: a producer's labour hours, their share of
    a commons asset) is resources by recipes, with ``resource_ids`` naming each row
    (``"labour:<producer>"`` or ``"asset:<producer>:<asset>"``).
    """

    good_ids: tuple[str, ...]
    recipe_ids: tuple[str, ...]
    producers: tuple[str, ...]  # producer of each recipe
    price: NDArray[np.int64]
    capacity: NDArray[np.float64]
    whole: NDArray[np.bool_]
    outputs: sp.csc_matrix
    inputs: sp.csc_matrix
    units: tuple[str, ...] = ()
    resource_ids: tuple[str, ...] = ()
    resources: sp.csc_matrix | None = None

    def __post_init__(self) -> None:
        goods, recipes = len(self.good_ids), len(self.recipe_ids)
        if len(set(self.good_ids)) != goods:
            raise InvalidValue("two goods have the same id")
        if len(set(self.recipe_ids)) != recipes:
            raise InvalidValue("two recipes have the same id")
        sizes = {"producers": len(self.producers), "price": self.price.size,
                 "capacity": self.capacity.size, "whole": self.whole.size}  # fmt: skip
        for name, size in sizes.items():
            if size != recipes:
                raise InvalidValue(f"{name} has {size} entries for {recipes} recipes")
        for name, matrix in (("outputs", self.outputs), ("inputs", self.inputs)):
            if matrix.shape != (goods, recipes):
                raise InvalidValue(f"{name} is {matrix.shape}, not goods x recipes")
            if matrix.nnz and (not np.all(np.isfinite(matrix.data)) or matrix.data.min() < 0):
                raise InvalidValue(f"{name} must be finite and not negative")
        if not np.all(np.isfinite(self.capacity)) or (self.capacity < 0).any():
            raise InvalidValue("a capacity must be a finite number of runs, not negative")
        if (self.price < 0).any():
            raise InvalidValue("a price cannot be negative")
        if self.resources is not None and self.resources.shape != (len(self.resource_ids), recipes):
            raise InvalidValue("resources must be resources x recipes")

    @classmethod
    def from_columns(
        cls,
        *,
        good_ids: Ids,
        recipe_ids: Ids,
        producers: Ids,
        price: NDArray[np.int64],
        capacity: NDArray[np.float64],
        whole: NDArray[np.bool_] | None = None,
        outputs: Entries,
        inputs: Entries,
        units: Sequence[str] = (),
    ) -> Network:
        """A network from table-shaped columns, as a database returns them, without a loop.

        ``outputs`` and ``inputs`` are ``(recipe ids, good ids, quantities per run)``, one entry
        per row of a recipe's outputs or inputs; ids are matched to positions by sorting.
        """
        goods = np.asarray(good_ids, dtype=str)
        recipes = np.asarray(recipe_ids, dtype=str)
        shape = (goods.size, recipes.size)
        matrices = []
        for name, (recipe_column, good_column, quantity) in (("outputs", outputs),
                                                              ("inputs", inputs)):  # fmt: skip
            rows = _positions(goods, good_column, f"{name} name an unknown good")
            cols = _positions(recipes, recipe_column, f"{name} name an unknown recipe")
            data = np.asarray(quantity, dtype=np.float64)
            if data.size and not (np.all(np.isfinite(data)) and data.min() > 0):
                raise InvalidValue(f"every quantity in {name} must be a finite number above 0")
            matrices.append(sp.csc_matrix((data, (rows, cols)), shape=shape))
        return cls(
            good_ids=tuple(goods.tolist()),
            recipe_ids=tuple(recipes.tolist()),
            producers=tuple(np.asarray(producers, dtype=str).tolist()),
            price=np.asarray(price, dtype=np.int64),
            capacity=np.asarray(capacity, dtype=np.float64),
            whole=np.zeros(recipes.size, np.bool_) if whole is None else np.asarray(whole, bool),
            outputs=matrices[0],
            inputs=matrices[1],
            units=tuple(units),
        )

    @property
    def net(self) -> sp.csc_matrix:
        """Net output per run, goods by recipes (outputs minus inputs)."""
        return (self.outputs - self.inputs).tocsc()

    def good_index(self) -> dict[str, int]:
        return {good: i for i, good in enumerate(self.good_ids)}

    def recipe_index(self) -> dict[str, int]:
        return {recipe: i for i, recipe in enumerate(self.recipe_ids)}


@dataclass(frozen=True, eq=False)
class Instance:
    """A planning problem: the network, the stock on hand, the request, the limited hours.

    ``stock`` is indexed like ``network.good_ids``; ``resource_limits`` like
    ``network.resource_ids`` (a commons asset's hours a producer holds from the allocation, a
    producer's labour hours this period).
    """

    network: Network
    stock: NDArray[np.float64]
    request: Request
    resource_limits: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self) -> None:
        net = self.network
        if self.stock.shape != (len(net.good_ids),):
            raise InvalidValue("stock must have one entry per good")
        if not np.all(np.isfinite(self.stock)) or (self.stock < 0).any():
            raise InvalidValue("stock must be finite and not negative")
        if self.resource_limits.shape != (len(net.resource_ids),):
            raise InvalidValue("resource limits must have one entry per resource")
        if self.request.good not in set(net.good_ids):
            raise InvalidValue(f"the request names an unknown good {self.request.good!r}")
        _positive_quantity(self.request.quantity, "the requested quantity")
        if self.request.budget is not None and self.request.budget < 0:
            raise InvalidValue("a budget cannot be negative")
        unknown = set(self.request.keep) - set(net.recipe_ids)
        if unknown:
            raise InvalidValue(f"the request keeps unknown recipes: {', '.join(sorted(unknown))}")
        if self.request.keep:
            index = net.recipe_index()
            for recipe, runs in self.request.keep.items():
                _positive_quantity(runs, f"the runs kept of {recipe!r}")
                if net.whole[index[recipe]] and not float(runs).is_integer():
                    raise InvalidValue(f"{recipe!r} runs whole times: keep a whole number of runs")

    @classmethod
    def of(
        cls,
        *,
        goods: Sequence[Good],
        recipes: Sequence[Recipe],
        stock: Mapping[str, float] | None = None,
        request: Request,
        asset_hours: Mapping[tuple[str, str], float] | None = None,
        labour_hours: Mapping[str, float] | None = None,
    ) -> Instance:
        """Compile value objects into arrays.

        ``asset_hours`` maps (producer, asset) to the hours of that commons asset the producer
        holds this period (a recipe needing an asset nobody allocated to its producer cannot
        run); ``labour_hours`` maps a producer to their hours (a producer not named is not
        limited).
        """
        network = compile_network(goods, recipes, labour_limited=set(labour_hours or {}))
        index = network.good_index()
        vector = np.zeros(len(index))
        for good, quantity in (stock or {}).items():
            if good not in index:
                raise InvalidValue(f"stock names an unknown good {good!r}")
            vector[index[good]] = _quantity(quantity, f"the stock of {good!r}")
        limits = np.zeros(len(network.resource_ids))
        for row, resource in enumerate(network.resource_ids):
            kind, producer, *rest = resource.split(":", 2)
            if kind == "labour":
                limits[row] = _quantity((labour_hours or {})[producer], f"{producer}'s hours")
            else:
                hours = (asset_hours or {}).get((producer, rest[0]), 0.0)
                limits[row] = _quantity(hours, f"{producer}'s hours of {rest[0]!r}")
        return cls(network=network, stock=vector, request=request, resource_limits=limits)


def compile_network(
    goods: Sequence[Good], recipes: Sequence[Recipe], *, labour_limited: Iterable[str] = ()
) -> Network:
    """The arrays of :class:`Network` from value objects (one pass over the recipes)."""
    index = {good.id: i for i, good in enumerate(goods)}
    if len(index) != len(goods):
        raise InvalidValue("two goods have the same id")
    limited = set(labour_limited)
    rows_out: list[int] = []
    cols_out: list[int] = []
    vals_out: list[float] = []
    rows_in: list[int] = []
    cols_in: list[int] = []
    vals_in: list[float] = []
    resource_rows: dict[str, int] = {}
    res_r: list[int] = []
    res_c: list[int] = []
    res_v: list[float] = []
    for col, recipe in enumerate(recipes):
        if not recipe.outputs:
            raise InvalidValue(f"recipe {recipe.id!r} makes nothing")
        for side, rows, cols, vals in (
            (recipe.outputs, rows_out, cols_out, vals_out),
            (recipe.inputs, rows_in, cols_in, vals_in),
        ):
            for good, quantity in side.items():
                if good not in index:
                    raise InvalidValue(f"recipe {recipe.id!r} names an unknown good {good!r}")
                rows.append(index[good])
                cols.append(col)
                vals.append(_positive_quantity(quantity, f"{good!r} in recipe {recipe.id!r}"))
        needs = [(f"asset:{recipe.producer}:{a}", h) for a, h in recipe.asset_hours.items()]
        if recipe.labour_hours and recipe.producer in limited:
            needs.append((f"labour:{recipe.producer}", recipe.labour_hours))
        for resource, hours in needs:
            row = resource_rows.setdefault(resource, len(resource_rows))
            res_r.append(row)
            res_c.append(col)
            res_v.append(_positive_quantity(hours, f"hours in recipe {recipe.id!r}"))
    shape = (len(goods), len(recipes))
    capacity = [_quantity(r.capacity, f"the capacity of {r.id!r}") for r in recipes]
    for recipe in recipes:
        if isinstance(recipe.price, bool) or not isinstance(recipe.price, int):
            raise InvalidValue(f"the price of {recipe.id!r} must be whole minor units")
    return Network(
        good_ids=tuple(index),
        recipe_ids=tuple(r.id for r in recipes),
        producers=tuple(r.producer for r in recipes),
        price=np.array([r.price for r in recipes], dtype=np.int64),
        capacity=np.array(capacity, dtype=np.float64),
        whole=np.array([r.whole for r in recipes], dtype=np.bool_),
        outputs=sp.csc_matrix((vals_out, (rows_out, cols_out)), shape=shape),
        inputs=sp.csc_matrix((vals_in, (rows_in, cols_in)), shape=shape),
        units=tuple(g.unit for g in goods),
        resource_ids=tuple(resource_rows),
        resources=sp.csc_matrix((res_v, (res_r, res_c)), shape=(len(resource_rows), len(recipes))),
    )


def _positions(ids: NDArray[np.str_], query: object, what: str) -> NDArray[np.intp]:
    """Where each of ``query`` is in ``ids`` (unique), vectorised; an unknown id is refused."""
    wanted = np.asarray(query, dtype=str)
    order = np.argsort(ids, kind="stable")
    ordered = ids[order]
    found = np.searchsorted(ordered, wanted)
    clipped = np.minimum(found, max(ordered.size - 1, 0))
    known = (found < ordered.size) & (ordered[clipped] == wanted) if ordered.size else found < 0
    if not np.all(known):
        raise InvalidValue(f"{what}: {str(wanted[~known][0])!r}")
    return np.asarray(order[clipped], dtype=np.intp)


def _quantity(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidValue(f"{what} must be a number")
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise InvalidValue(f"{what} must be a finite number, not negative")
    return number


def _positive_quantity(value: object, what: str) -> float:
    number = _quantity(value, what)
    if number <= 0:
        raise InvalidValue(f"{what} must be more than 0")
    return number
