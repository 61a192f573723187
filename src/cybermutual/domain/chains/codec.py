"""The research format of ``cybermutual plan-chain``: an instance in, the plan out, as JSON data.

In::

    {"goods": [{"id": "planks", "unit": "m"}],
     "recipes": [{"id": "saw", "producer": "ana", "inputs": {"timber": 2}, "outputs": {"planks": 5},
                  "capacity": 10, "price": 1200, "whole": false,
                  "labour_hours": 1.5, "asset_hours": {"sawmill": 0.5}}],
     "stock": {"timber": 40},
     "request": {"good": "planks", "quantity": 20, "budget": 10000,
                 "excluded_producers": ["bo"], "keep": {"saw": 4}},
     "asset_hours": [{"producer": "ana", "asset": "sawmill", "hours": 8}],
     "labour_hours": {"ana": 40}}

``price`` is per run in minor units (a whole number), ``capacity`` the most runs; everything
after ``price`` in a recipe, and after ``quantity`` in the request, is optional, as are
``stock``, ``asset_hours`` and ``labour_hours``. Out: ``{"feasible": true, "cost", "lp_cost",
"runs", "duals", "links", "flows", "bottleneck", "tie_break", "proven_optimal",
"dropped_keeps"}`` or ``{"feasible": false, "reason", "shortfall": [{"good", "units", "made"}],
...}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from cybermutual.domain.chains.model import Good, Instance, Recipe, Request
from cybermutual.domain.chains.outcome import Plan, Shortfall
from cybermutual.domain.errors import InvalidValue


def instance_from_json(data: object) -> Instance:
    """Parse the research format; anything malformed is an :class:`InvalidValue` naming where."""
    root = _object(data, "the instance")
    _only(root, "the instance", {"goods", "recipes", "stock", "request", "asset_hours",
                                 "labour_hours"})  # fmt: skip
    goods = [_good(item, f"goods[{i}]") for i, item in enumerate(_list(root, "goods"))]
    recipes = [_recipe(item, f"recipes[{i}]") for i, item in enumerate(_list(root, "recipes"))]
    request = _request(root.get("request"))
    stock = _numbers(root.get("stock", {}), "stock")
    hours: dict[tuple[str, str], float] = {}
    for i, item in enumerate(_list(root, "asset_hours", required=False)):
        where = f"asset_hours[{i}]"
        grant = _object(item, where)
        _only(grant, where, {"producer", "asset", "hours"})
        key = (_text(grant, "producer", where), _text(grant, "asset", where))
        hours[key] = hours.get(key, 0.0) + _number(grant.get("hours"), f"{where}.hours")
    labour = _numbers(root.get("labour_hours", {}), "labour_hours")
    return Instance.of(
        goods=goods,
        recipes=recipes,
        stock=stock,
        request=request,
        asset_hours=hours,
        labour_hours=labour,
    )


def outcome_to_json(outcome: Plan | Shortfall) -> dict[str, Any]:
    """The answer as plain JSON data (see the module docstring)."""
    if isinstance(outcome, Shortfall):
        answer: dict[str, Any] = {
            "feasible": False,
            "reason": outcome.reason,
            "shortfall": [asdict(short) for short in outcome.goods],
        }
        if outcome.reason == "over_budget":
            answer["cheapest_cost"] = outcome.cheapest_cost
            answer["budget"] = outcome.budget
        return answer
    return {
        "feasible": True,
        "cost": outcome.cost,
        "lp_cost": round(outcome.lp_cost, 6),
        "runs": dict(outcome.runs),
        "duals": dict(outcome.duals),
        "links": [
            {**asdict(link), "inputs": dict(link.inputs), "outputs": dict(link.outputs)}
            for link in outcome.links
        ],
        "flows": [asdict(flow) for flow in outcome.flows],
        "bottleneck": asdict(outcome.bottleneck) if outcome.bottleneck else None,
        "tie_break": outcome.tie_break,
        "proven_optimal": outcome.proven_optimal,
        "dropped_keeps": list(outcome.dropped_keeps),
    }


def _good(item: object, where: str) -> Good:
    good = _object(item, where)
    _only(good, where, {"id", "unit", "category"})
    return Good(
        id=_text(good, "id", where),
        unit=_text(good, "unit", where, default="unit"),
        category=_text(good, "category", where, default=""),
    )


def _recipe(item: object, where: str) -> Recipe:
    recipe = _object(item, where)
    _only(recipe, where, {"id", "producer", "inputs", "outputs", "capacity", "price", "whole",
                          "labour_hours", "asset_hours"})  # fmt: skip
    price = recipe.get("price")
    if isinstance(price, float) and price.is_integer():
        price = int(price)
    if isinstance(price, bool) or not isinstance(price, int) or price < 0:
        raise InvalidValue(f"{where}.price must be a whole number of minor units, not negative")
    whole = recipe.get("whole", False)
    if not isinstance(whole, bool):
        raise InvalidValue(f"{where}.whole must be true or false")
    return Recipe(
        id=_text(recipe, "id", where),
        producer=_text(recipe, "producer", where),
        inputs=_numbers(recipe.get("inputs", {}), f"{where}.inputs"),
        outputs=_numbers(recipe.get("outputs"), f"{where}.outputs"),
        capacity=_number(recipe.get("capacity"), f"{where}.capacity"),
        price=price,
        whole=whole,
        labour_hours=_number(recipe.get("labour_hours", 0), f"{where}.labour_hours"),
        asset_hours=_numbers(recipe.get("asset_hours", {}), f"{where}.asset_hours"),
    )


def _request(item: object) -> Request:
    request = _object(item, "request")
    _only(request, "request", {"good", "quantity", "budget", "excluded_producers", "keep"})
    budget = request.get("budget")
    if budget is not None and (isinstance(budget, bool) or not isinstance(budget, int)):
        raise InvalidValue("request.budget must be a whole number of minor units")
    excluded = request.get("excluded_producers", [])
    if not isinstance(excluded, list) or not all(isinstance(p, str) for p in excluded):
        raise InvalidValue("request.excluded_producers must be a list of producer ids")
    return Request(
        good=_text(request, "good", "request"),
        quantity=_number(request.get("quantity"), "request.quantity"),
        budget=budget,
        excluded_producers=frozenset(excluded),
        keep=_numbers(request.get("keep", {}), "request.keep"),
    )


def _object(item: object, where: str) -> Mapping[str, Any]:
    if not isinstance(item, dict):
        raise InvalidValue(f"{where} must be an object")
    return item


def _only(item: Mapping[str, Any], where: str, known: set[str]) -> None:
    unknown = sorted(set(item) - known)
    if unknown:
        raise InvalidValue(f"{where} has unknown field {unknown[0]!r}")


def _list(root: Mapping[str, Any], key: str, *, required: bool = True) -> list[Any]:
    value = root.get(key, None if required else [])
    if not isinstance(value, list):
        raise InvalidValue(f"{key} must be a list")
    return value


def _text(item: Mapping[str, Any], key: str, where: str, *, default: str | None = None) -> str:
    value = item.get(key, default)
    if not isinstance(value, str) or (default is None and not value):
        raise InvalidValue(f"{where}.{key} must be a non-empty string")
    return value


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidValue(f"{where} must be a number")
    return float(value)


def _numbers(value: object, where: str) -> dict[str, float]:
    if not isinstance(value, dict):
        raise InvalidValue(f"{where} must be an object of numbers")
    return {str(key): _number(number, f"{where}.{key}") for key, number in value.items()}
