"""The declared recipes as the planner's instance, and the planner's answer as chain links.

The instance is the planner's own format (``cybermutual plan-chain``): goods, recipes priced per
run with a capacity in runs, stock, and the request. Every platform recipe runs whole times (a
run makes whole units, so every link's price is exact in minor units). A commons asset is a good
nobody makes, with its capacity per period as stock: the planner may use it up to that, and the
link records the hours as a claim in the commons allocation, never as a purchase.

On a re-plan the accepted links come first: each is a recipe of its accepted runs at no price
(already agreed, so a sunk cost to the plan), beside the rest of its capacity at the usual
price; an accepted link is kept when the new plan runs it exactly as agreed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from cybermutual.domain.supply.goods import Good
from cybermutual.domain.supply.recipes import Recipe

ASSET = "asset:"
MORE = "+more"
_EPS = 1e-6


@dataclass(frozen=True, slots=True)
class AssetCapacity:
    id: str
    name: str
    unit: str
    capacity: int  # per period


@dataclass(frozen=True, slots=True)
class Shortfall:
    good_id: str  # a good's id, or ``asset:<id>``
    name: str
    unit: str
    units: float

    def as_dict(self) -> dict[str, Any]:
        kind = "asset" if self.good_id.startswith(ASSET) else "good"
        key = "asset" if kind == "asset" else "good"
        return {
            key: self.good_id.removeprefix(ASSET),
            "kind": kind,
            "name": self.name,
            "unit": self.unit,
            "units": round(self.units, 6),
        }


@dataclass(frozen=True, slots=True)
class PlannedLink:
    recipe: Recipe
    runs: int
    kept: bool  # the accepted link of the same recipe and runs carries on
    step: int
    depends_on: tuple[str, ...]  # recipe ids
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
    kept: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """The planner's instance; ``kept`` maps an accepted link's recipe to its runs."""
    kept = kept or {}
    rows: list[dict[str, Any]] = []
    for recipe in recipes:
        uses: dict[str, int] = dict(recipe.inputs)
        uses.update({ASSET + a: h for a, h in recipe.commons})
        base = {
            "producer": recipe.producer_id,
            "inputs": uses,
            "outputs": dict(recipe.outputs),
            "whole": True,
        }
        agreed = min(kept.get(recipe.id, 0), recipe.capacity)
        if agreed:
            rows.append({"id": recipe.id, **base, "capacity": agreed, "price": 0})
            if recipe.capacity > agreed:
                rows.append(
                    {
                        "id": recipe.id + MORE,
                        **base,
                        "capacity": recipe.capacity - agreed,
                        "price": recipe.price_per_run,
                    }
                )
        else:
            rows.append(
                {
                    "id": recipe.id,
                    **base,
                    "capacity": recipe.capacity,
                    "price": recipe.price_per_run,
                }
            )
    return {
        "goods": [{"id": g.id, "unit": g.unit} for g in goods]
        + [{"id": ASSET + a.id, "unit": a.unit} for a in assets],
        "recipes": rows,
        "stock": {ASSET + a.id: a.capacity for a in assets},
        "request": {"good": good_id, "quantity": quantity},
    }


def shortfall(
    answer: Mapping[str, Any], *, goods: Sequence[Good], assets: Sequence[AssetCapacity]
) -> list[Shortfall]:
    names = {g.id: (g.name, g.unit) for g in goods}
    names.update({ASSET + a.id: (a.name, a.unit) for a in assets})
    found = []
    for row in answer.get("shortfall", []):
        name, unit = names.get(str(row["good"]), (str(row["good"]), ""))
        found.append(Shortfall(str(row["good"]), name, unit, float(row["units"])))
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
    good_id: str,
    quantity: int,
    kept: Mapping[str, int] | None = None,
    names: Mapping[str, str] | None = None,
) -> Planned:
    """The links of a feasible answer, in dependency order, each with why it was chosen."""
    kept = kept or {}
    names = names or {}
    by_id = {r.id: r for r in recipes}
    raw: dict[str, float] = {str(k): float(v) for k, v in answer.get("runs", {}).items()}
    agreed_runs: dict[str, int] = {}
    total: dict[str, int] = {}
    for key, value in raw.items():
        runs = _whole(value)
        if runs <= 0:
            continue
        recipe_id = key.removesuffix(MORE)
        if recipe_id not in by_id:
            continue
        total[recipe_id] = total.get(recipe_id, 0) + runs
        if not key.endswith(MORE) and recipe_id in kept:
            agreed_runs[recipe_id] = runs
    used = [by_id[r] for r in sorted(total, key=lambda r: by_id[r].created_at.isoformat() + r)]
    steps, depends = _layers(used)
    duals = {str(k): float(v) for k, v in (answer.get("duals") or {}).items()}
    unit_of = {g.id: g.unit for g in goods}
    unit_of.update({ASSET + a.id: a.unit for a in assets})
    name_of = {g.id: g.name for g in goods}
    name_of.update({ASSET + a.id: a.name for a in assets})
    stock = {ASSET + a.id: a.capacity for a in assets}
    links = []
    for recipe in sorted(used, key=lambda r: (steps[r.id], r.id)):
        runs = total[recipe.id]
        keep = kept.get(recipe.id) == runs and agreed_runs.get(recipe.id) == runs
        links.append(
            PlannedLink(
                recipe=recipe,
                runs=runs,
                kept=keep,
                step=steps[recipe.id],
                depends_on=depends[recipe.id],
                why=_why(recipe, runs, recipes, duals, names, name_of),
            )
        )
    cost = sum(link.recipe.price_per_run * link.runs for link in links)
    asset_use: dict[str, int] = {}
    for link in links:
        for asset, hours in link.recipe.commons:
            asset_use[ASSET + asset] = asset_use.get(ASSET + asset, 0) + hours * link.runs
    bottlenecks = [
        {"recipe": link.recipe.id, "name": link.recipe.name, "what": "capacity"}
        for link in links
        if link.runs >= link.recipe.capacity
    ] + [
        {"asset": key.removeprefix(ASSET), "name": name_of.get(key, key), "what": "commons hours"}
        for key, used_hours in asset_use.items()
        if used_hours >= stock.get(key, 0)
    ]
    labour = sum((link.recipe.labour_hours * link.runs for link in links), Decimal(0))
    worth = [
        {
            "good": key.removeprefix(ASSET),
            "kind": "asset" if key.startswith(ASSET) else "good",
            "name": name_of.get(key, key),
            "unit": unit_of.get(key, ""),
            "value": round(value, 6),
        }
        for key, value in sorted(duals.items())
        if key in name_of and abs(value) > _EPS
    ]
    explanation = {
        "worth": worth,
        "bottlenecks": bottlenecks,
        "labour_hours": str(labour),
        "commons_hours": {k.removeprefix(ASSET): v for k, v in sorted(asset_use.items())},
        "request": {"good": good_id, "quantity": quantity},
    }
    return Planned(tuple(links), cost, explanation)


def _layers(used: Sequence[Recipe]) -> tuple[dict[str, int], dict[str, tuple[str, ...]]]:
    """Each recipe's step (its longest chain of inputs) and the recipes whose outputs it uses;
    recipes on a cycle share a step and do not wait for each other."""
    makers: dict[str, list[str]] = {}
    for recipe in used:
        for good, _ in recipe.outputs:
            makers.setdefault(good, []).append(recipe.id)
    needs = {
        r.id: sorted({m for g, _ in r.inputs for m in makers.get(g, []) if m != r.id}) for r in used
    }
    steps: dict[str, int] = {}
    left = dict(needs)
    step = 0
    while left:
        ready = [r for r, deps in left.items() if all(d in steps for d in deps)]
        if not ready:  # a cycle: what is left opens together
            ready = list(left)
        for r in ready:
            steps[r] = step
            del left[r]
        step += 1
    depends = {r: tuple(d for d in deps if steps[d] < steps[r]) for r, deps in needs.items()}
    return steps, depends


def _why(
    recipe: Recipe,
    runs: int,
    recipes: Sequence[Recipe],
    duals: Mapping[str, float],
    names: Mapping[str, str],
    name_of: Mapping[str, str],
) -> dict[str, Any]:
    good, _ = recipe.main_output
    rivals = sorted(
        (r for r in recipes if r.id != recipe.id and r.makes(good)),
        key=lambda r: (Fraction(r.price_per_run, r.makes(good)), r.id),
    )
    rival = rivals[0] if rivals else None
    at_capacity = runs >= recipe.capacity
    inputs = sorted(((g, duals.get(g, 0.0) * q) for g, q in recipe.inputs), key=lambda p: -p[1])
    why: dict[str, Any] = {
        "price_per_unit": recipe.price,
        "runs": runs,
        "capacity": recipe.capacity,
        "at_capacity": at_capacity,
        "next_best": None,
        "bottleneck": "its own capacity" if at_capacity else None,
    }
    if rival is not None:
        why["next_best"] = {
            "recipe": rival.id,
            "producer": rival.producer_id,
            "producer_name": names.get(rival.producer_id, ""),
            "price_per_unit": float(Fraction(rival.price_per_run, rival.makes(good))),
        }
    if not at_capacity and inputs and inputs[0][1] > _EPS:
        why["bottleneck"] = f"input {name_of.get(inputs[0][0], inputs[0][0])}"
    return why
