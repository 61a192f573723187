"""The researchers' instance format, dict in and dict out (the CLI reads and prints JSON).

Input::

    {"assets":  [{"id": "lathe", "capacity": 40}],
     "members": [{"id": "ana", "budget": 100}],
     "bids":    [{"member": "ana", "asset": "lathe", "max_units": 10, "value_per_unit": 3.5,
                  "min_units": 2}]}          # min_units optional

Output::

    {"allocations": [{"member": "ana", "asset": "lathe", "units": 10,
                      "fractional_share": 10.0}],   # one per bid, in order
     "prices": {"lathe": 0.0},               # tokens per unit
     "seed": 7,                              # the lottery's seed (null if fractional)
     "equilibrium_gap": 0.0, "iterations": 1, "converged": true, "nash_welfare": 35.0,
     "bundle_envy": {"max": 0.0, "max_relative": 0.0, "envious_pairs": 0,
                     "worst_pair": null, "ef1": true, "ef1_violations": 0},
     "welfare": {"utilitarian": 35.0, "chosen": 35.0, "given_up": 0.0, "given_up_share": 0.0}}

Units are whole numbers drawn by the lottery of :mod:`.rounding` with ``seed`` (required then:
the caller draws it, the same seed gives the same units) unless ``fractional`` is set. The
bundle envy and the welfare are those of what is printed (whole or fractional units; EF1 only
for whole units). ``equilibrium_gap`` is the solver's gap (:mod:`.gap`), not envy. Ids are
strings or integers, echoed as given; price keys are ``str(id)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from cybermutual.domain.allocation.equilibrium import (
    DEFAULT_MAX_ITERATIONS,
    DEFAULT_TOLERANCE,
    fisher_equilibrium,
)
from cybermutual.domain.allocation.fairness import bundle_envy, welfare_cost
from cybermutual.domain.allocation.lottery import lottery_rng
from cybermutual.domain.allocation.market import Bids
from cybermutual.domain.allocation.rounding import round_to_units
from cybermutual.domain.errors import InvalidValue

Id = str | int


def solve_instance(
    data: Mapping[str, object],
    *,
    fractional: bool = False,
    seed: int | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    max_iterations: int = DEFAULT_MAX_ITERATIONS,
) -> dict[str, object]:
    """Solve an instance in the researchers' format (module docstring)."""
    if not isinstance(data, Mapping):
        raise InvalidValue("the instance must be a JSON object")
    assets = _entries(data, "assets")
    members = _entries(data, "members")
    raw_bids = _entries(data, "bids")
    asset_ids = [_id(a, "id", f"assets[{k}]") for k, a in enumerate(assets)]
    member_ids = [_id(m, "id", f"members[{k}]") for k, m in enumerate(members)]
    asset_index = _index(asset_ids, "asset")
    member_index = _index(member_ids, "member")
    capacity = np.array(
        [_number(a, "capacity", f"assets[{k}]") for k, a in enumerate(assets)], dtype=np.float64
    )
    budgets = np.array(
        [_number(m, "budget", f"members[{k}]") for k, m in enumerate(members)], dtype=np.float64
    )
    if np.any(budgets <= 0):
        raise InvalidValue("every member's budget must be positive", field="members")

    member_of, asset_of, values, maxima, minima = [], [], [], [], []
    seen: set[tuple[int, int]] = set()
    for k, bid in enumerate(raw_bids):
        where = f"bids[{k}]"
        member = _lookup(bid, "member", member_index, where)
        asset = _lookup(bid, "asset", asset_index, where)
        if (member, asset) in seen:
            raise InvalidValue(f"{where}: a member may bid only once per asset", field=where)
        seen.add((member, asset))
        member_of.append(member)
        asset_of.append(asset)
        values.append(_number(bid, "value_per_unit", where))
        maxima.append(_number(bid, "max_units", where))
        minimum = _number(bid, "min_units", where) if "min_units" in bid else 0.0
        if minimum > maxima[-1]:
            raise InvalidValue(f"{where}: min_units exceeds max_units", field=where)
        minima.append(minimum)
    bids = Bids.of(
        np.array(member_of, dtype=np.intp),
        np.array(asset_of, dtype=np.intp),
        values,
        maxima,
        minima,
    )
    if not fractional and (seed is None or seed < 0):
        raise InvalidValue("rounding to whole units needs the lottery's seed (0 or more)")
    equilibrium = fisher_equilibrium(
        bids, budgets, capacity, tolerance=tolerance, max_iterations=max_iterations
    )
    units: list[float] | list[int]
    if fractional:
        held = np.asarray(equilibrium.units, dtype=np.float64)
        units = [float(u) for u in held]
    else:
        assert seed is not None
        whole = round_to_units(
            bids, capacity, equilibrium.units, budgets=budgets, rng=lottery_rng(seed)
        )
        held = whole.astype(np.float64)
        units = [int(u) for u in whole]
    envy = bundle_envy(bids, held, n_members=len(member_ids), whole=not fractional)
    welfare = welfare_cost(bids, capacity, held, whole=not fractional)
    worst = envy.worst_pair
    return {
        "allocations": [
            {
                "member": member_ids[m],
                "asset": asset_ids[a],
                "units": u,
                "fractional_share": float(x),
            }
            for m, a, u, x in zip(member_of, asset_of, units, equilibrium.units, strict=True)
        ],
        "prices": {str(asset_ids[a]): float(p) for a, p in enumerate(equilibrium.prices)},
        "seed": None if fractional else seed,
        "equilibrium_gap": _finite(equilibrium.equilibrium_gap),
        "iterations": equilibrium.iterations,
        "converged": equilibrium.converged,
        "nash_welfare": equilibrium.nash_welfare,
        "bundle_envy": {
            "max": envy.max_envy,
            "max_relative": _finite(envy.max_relative_envy),
            "envious_pairs": envy.envious_pairs,
            "worst_pair": None
            if worst is None
            else {"envier": member_ids[worst[0]], "envied": member_ids[worst[1]]},
            "ef1": envy.ef1,
            "ef1_violations": envy.ef1_violations,
        },
        "welfare": {
            "utilitarian": welfare.utilitarian,
            "chosen": welfare.chosen,
            "given_up": welfare.given_up,
            "given_up_share": welfare.share,
        },
    }


def _finite(value: float) -> float | None:
    """JSON has no infinity: an unbounded figure is null."""
    return float(value) if math.isfinite(value) else None


def _entries(data: Mapping[str, object], key: str) -> list[Mapping[str, object]]:
    entries = data.get(key)
    if not isinstance(entries, Sequence) or isinstance(entries, str | bytes):
        raise InvalidValue(f"{key!r} must be a list", field=key)
    for k, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise InvalidValue(f"{key}[{k}] must be an object", field=key)
    return list(entries)


def _id(entry: Mapping[str, object], key: str, where: str) -> Id:
    value = entry.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidValue(f"{where}.{key} must be a string or an integer", field=where)
    if isinstance(value, str) and not value:
        raise InvalidValue(f"{where}.{key} must not be empty", field=where)
    return value


def _index(ids: list[Id], kind: str) -> dict[Id, int]:
    index: dict[Id, int] = {}
    for position, identifier in enumerate(ids):
        if identifier in index:
            raise InvalidValue(f"duplicate {kind} id {identifier!r}", field=f"{kind}s")
        index[identifier] = position
    return index


def _number(entry: Mapping[str, object], key: str, where: str) -> float:
    if key not in entry:
        raise InvalidValue(f"{where}.{key} is missing", field=where)
    value = entry[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidValue(f"{where}.{key} must be a number, not {value!r}", field=where)
    number = float(value)
    if not math.isfinite(number):
        raise InvalidValue(f"{where}.{key} must be finite", field=where)
    if number < 0:
        raise InvalidValue(f"{where}.{key} must not be negative", field=where)
    return number


def _lookup(entry: Mapping[str, object], key: str, index: dict[Id, int], where: str) -> int:
    identifier = _id(entry, key, where)
    if identifier not in index:
        raise InvalidValue(f"{where}: unknown {key} {identifier!r}", field=where)
    return index[identifier]
