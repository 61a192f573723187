"""The declared recipes as the planner's instance, and the planner's answer as chain links.

The instance is the planner's own research format (``cybermutual plan-chain``, see
``domain/chains/codec.py``): goods, recipes priced per run with a capacity in runs, and the
request with the producers to leave out and the accepted links to ``keep``. Every platform
recipe runs whole times (a run makes whole units, so every link's price is exact in minor
units). A recipe's commons asset-hours are granted to each producer who declares them up to the
asset's capacity per period: the planner never plans more hours than that, and the link records
the hours as a claim in the commons allocation, never as a purchase.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cybermutual.domain.supply.goods import Good
from cybermutual.domain.supply.recipes import Recipe

_EPS = 1e-6


@dataclass(frozen=True, slots=True)
class AssetCapacity:
    id: str
    name: str
    unit: str
    capacity: int  # per period


@dataclass(frozen=True, slots=True)
class Shortfall:
    good_id: str
    name: str
    unit: str
    units: float
    made: bool  # some recipe makes it, but not enough; else nobody here makes it

    def as_dict(self) -> dict[str, Any]:
        return {
            "good": self.good_id,
            "name": self.name,
            "unit": self.unit,
            "units": round(self.units, 6),
            "made": self.made,
        }


@dataclass(frozen=True, slots=True)
class PlannedLink:
    recipe: Recipe
    runs: int
    kept: bool  # the accepted link of this recipe carries on at the runs agreed
    step: int
    depends_on: tuple[str, ...]  # recipe ids whose outputs this link uses
    why: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Planned:
    links: tuple[PlannedLink, ...]
    cost: int
    explanation: dict[str, Any]


def build(
    *,
    goods: Sequence[Good],
    recipes: Sequence[Recipe],
    assets: Sequence[AssetCapacity],
    good_id: str,
    quantity: int,
    excluded: Sequence[str] = (),
    kept: Mapping[str, int] | None = None,
    budget: int | None = None,
) -> dict[str, Any]:
    """The planner's instance; ``kept`` maps an accepted link's recipe to its runs."""
    capacity = {a.id: a.capacity for a in assets}
    grants = sorted({(r.maker_id, a) for r in recipes for a, _ in r.commons if a in capacity})
    request: dict[str, Any] = {"good": good_id, "quantity": quantity}
    if budget is not None:
        request["budget"] = budget
    if excluded:
        request["excluded_producers"] = sorted(set(excluded))
    if kept:
        request["keep"] = dict(kept)
    return {
        "goods": [{"id": g.id, "unit": g.unit, "category": g.category} for g in goods],
        "recipes": [
            {
                "id": r.id,
                "producer": r.maker_id,
                "inputs": dict(r.inputs),
                "outputs": dict(r.outputs),
                "capacity": r.capacity,
                "price": r.price_per_run,
                "whole": True,
                "labour_hours": float(r.labour_hours),
                "asset_hours": {a: h for a, h in r.commons if a in capacity},
            }
            for r in recipes
            if all(a in capacity for a, _ in r.commons)  # an asset out of service: not now
        ],
        "request": request,
        "asset_hours": [{"producer": p, "asset": a, "hours": capacity[a]} for p, a in grants],
    }


def shortfall(answer: Mapping[str, Any], *, goods: Sequence[Good]) -> list[Shortfall]:
    names = {g.id: (g.name, g.unit) for g in goods}
    found = []
    for row in answer.get("shortfall", []):
        name, unit = names.get(str(row["good"]), (str(row["good"]), ""))
        found.append(
            Shortfall(str(row["good"]), name, unit, float(row["units"]), bool(row.get("made")))
        )
    return found


def _whole(value: float) -> int:
    runs = round(value)
    if abs(value - runs) > 1e-4:  # the planner was told every recipe runs whole times
        raise ValueError(f"the planner returned a fractional run count {value}")
    return int(runs)


def read(
    answer: Mapping[str, Any],
    *,
    goods: Sequence[Good],
    recipes: Sequence[Recipe],
    assets: Sequence[AssetCapacity],
    names: Mapping[str, str] | None = None,
) -> Planned:
    """The links of a feasible answer, in step order, each with why it was chosen."""
    names = names or {}
    by_id = {r.id: r for r in recipes}
    name_of = {g.id: g.name for g in goods}
    unit_of = {g.id: g.unit for g in goods}
    asset_names = {a.id: a.name for a in assets}
    rows = [row for row in answer.get("links", []) if _whole(float(row["runs"])) > 0]
    runs = {str(row["recipe"]): _whole(float(row["runs"])) for row in rows}
    steps = {str(row["recipe"]): int(row["step"]) for row in rows}
    needs: dict[str, set[str]] = {r: set() for r in runs}
    for flow in answer.get("flows", []):
        source, sink = flow.get("source"), flow.get("sink")
        if source in runs and sink in runs and source != sink and steps[source] < steps[sink]:
            needs[sink].add(source)
    links = []
    for row in rows:
        recipe = by_id[str(row["recipe"])]
        links.append(
            PlannedLink(
                recipe=recipe,
                runs=runs[recipe.id],
                kept=bool(row.get("kept")),
                step=steps[recipe.id],
                depends_on=tuple(sorted(needs[recipe.id])),
                why=_why(row, recipe, by_id, names),
            )
        )
    links.sort(key=lambda link: (link.step, link.recipe.id))
    cost = sum(link.recipe.price_per_run * link.runs for link in links)
    duals = {str(k): float(v) for k, v in (answer.get("duals") or {}).items()}
    worth = [
        {"good": g, "name": name_of[g], "unit": unit_of[g], "value": round(v, 6)}
        for g, v in sorted(duals.items(), key=lambda item: -item[1])
        if g in name_of and v > _EPS
    ]
    bottleneck = answer.get("bottleneck")
    labour = sum((link.recipe.labour_hours * link.runs for link in links), Decimal(0))
    commons: dict[str, int] = {}
    for link in links:
        for asset, hours in link.recipe.commons:
            commons[asset] = commons.get(asset, 0) + hours * link.runs
    explanation = {
        "worth": worth,
        "bottleneck": _bottleneck(bottleneck, by_id, names, asset_names),
        "labour_hours": str(labour),
        "commons_hours": [
            {"asset": a, "name": asset_names.get(a, a), "hours": h}
            for a, h in sorted(commons.items())
        ],
        "tie_break": answer.get("tie_break"),
        "lp_cost": answer.get("lp_cost"),
    }
    return Planned(tuple(links), cost, explanation)


def _bottleneck(
    found: Mapping[str, Any] | None,
    recipes: Mapping[str, Recipe],
    names: Mapping[str, str],
    asset_names: Mapping[str, str],
) -> dict[str, Any] | None:
    if not found:
        return None
    name = str(found["name"])
    producer = str(found.get("producer", ""))
    whose = f"{names[producer]}'s" if names.get(producer) else "a producer's"
    if found["kind"] == "capacity" and name in recipes:
        what = f"the capacity of {whose} recipe '{recipes[name].name}'"
    elif name.startswith("asset:"):
        asset = name.rsplit(":", 1)[-1]
        what = f"{whose} hours on {asset_names.get(asset, 'a commons asset')}"
    else:
        what = f"{whose} working hours"
    return {
        "kind": found["kind"],
        "what": what,
        "producer": producer,
        "producer_name": names.get(producer, ""),
        "saves_per_unit": round(float(found["shadow_price"]), 6),
    }


def _why(
    row: Mapping[str, Any],
    recipe: Recipe,
    recipes: Mapping[str, Recipe],
    names: Mapping[str, str],
) -> dict[str, Any]:
    rival = row.get("next_best")
    why: dict[str, Any] = {
        "reason": str(row.get("reason", "")),
        "price_per_unit": recipe.price,
        "at_capacity": bool(row.get("at_capacity")),
        "capacity_shadow_price": float(row.get("capacity_shadow_price", 0.0)),
        "next_best": None,
    }
    if rival:
        other = recipes.get(str(rival["recipe"]))
        why["next_best"] = {
            "recipe": str(rival["recipe"]),
            "recipe_name": other.name if other else "",
            "producer": str(rival["producer"]),
            "producer_name": names.get(str(rival["producer"]), ""),
            "extra_cost_per_unit": round(float(rival["extra_cost_per_unit"]), 6),
        }
    return why
