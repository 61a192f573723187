"""The researchers' instance format: dict in, dict out, clear errors."""

from __future__ import annotations

import copy
import json

import pytest

from cybermutual.domain.allocation import solve_instance
from cybermutual.domain.errors import InvalidValue

INSTANCE: dict[str, object] = {
    "assets": [{"id": "lathe", "capacity": 10}, {"id": "van", "capacity": 2}],
    "members": [{"id": "ana", "budget": 1}, {"id": "ben", "budget": 1}],
    "bids": [
        {"member": "ana", "asset": "lathe", "max_units": 20, "value_per_unit": 1},
        {"member": "ben", "asset": "lathe", "max_units": 20, "value_per_unit": 1},
        {"member": "ben", "asset": "van", "max_units": 1, "value_per_unit": 5, "min_units": 1},
    ],
}


def test_whole_units_out() -> None:
    # ben also gets the free van (worth 5 to him), so the exact equilibrium gives ana 7.5 and
    # ben 2.5 of the lathe: maximise log(x) + log(5 + 10 - x).
    out = solve_instance(INSTANCE, seed=11)
    allocations = out["allocations"]
    assert isinstance(allocations, list)
    assert [(a["member"], a["asset"]) for a in allocations] == [
        ("ana", "lathe"),
        ("ben", "lathe"),
        ("ben", "van"),
    ]
    units = [a["units"] for a in allocations]
    assert all(isinstance(u, int) for u in units)
    assert units[0] in (7, 8)
    assert units[0] + units[1] == 10
    assert units[2] == 1
    prices = out["prices"]
    assert isinstance(prices, dict)
    assert prices["van"] == 0.0
    assert prices["lathe"] > 0
    assert isinstance(out["equilibrium_gap"], float)
    assert out["equilibrium_gap"] <= 0.005
    assert "envy" not in out  # the solver's gap is not envy, and is no longer called so
    assert out["seed"] == 11
    assert isinstance(out["iterations"], int)
    json.dumps(out)  # plain JSON types only


def test_fractional_flag_returns_the_unrounded_equilibrium() -> None:
    data = copy.deepcopy(INSTANCE)
    data["assets"][0]["capacity"] = 9  # type: ignore[index]
    out = solve_instance(data, fractional=True, tolerance=1e-6)
    units = [a["units"] for a in out["allocations"]]  # type: ignore[attr-defined]
    assert units[:2] == pytest.approx([7.0, 2.0], abs=1e-2)
    assert units[2] == 1.0


def test_integer_ids_are_echoed() -> None:
    data = {
        "assets": [{"id": 7, "capacity": 1}],
        "members": [{"id": 1, "budget": 1}],
        "bids": [{"member": 1, "asset": 7, "max_units": 1, "value_per_unit": 1}],
    }
    out = solve_instance(data, seed=0)
    assert out["allocations"] == [{"member": 1, "asset": 7, "units": 1, "fractional_share": 1.0}]
    assert out["prices"] == {"7": 0.0}


def _broken(path: tuple[object, ...], value: object) -> dict[str, object]:
    data = copy.deepcopy(INSTANCE)
    target: object = data
    for key in path[:-1]:
        target = target[key]  # type: ignore[index]
    target[path[-1]] = value  # type: ignore[index]
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_broken(("bids", 0, "member"), "zoe"), "unknown member 'zoe'"),
        (_broken(("bids", 0, "asset"), "boat"), "unknown asset 'boat'"),
        (_broken(("assets", 0, "capacity"), -1), r"assets\[0\].capacity must not be negative"),
        (_broken(("assets", 1, "id"), "lathe"), "duplicate asset id 'lathe'"),
        (_broken(("members", 1, "id"), "ana"), "duplicate member id 'ana'"),
        (_broken(("bids", 0, "value_per_unit"), "lots"), "must be a number"),
        (_broken(("bids", 0, "max_units"), True), "must be a number"),
        (_broken(("bids", 0, "max_units"), float("nan")), "finite"),
        (_broken(("members", 0, "budget"), 0), "budget must be positive"),
        (_broken(("bids", 2, "min_units"), 3), "min_units exceeds max_units"),
        (_broken(("bids", 1, "member"), "ana"), "once per asset"),
        (_broken(("assets", 0, "id"), None), "string or an integer"),
        (_broken(("bids",), {"member": "ana"}), "'bids' must be a list"),
        (_broken(("bids",), ["not an object"]), r"bids\[0\] must be an object"),
        ({"assets": [], "members": []}, "'bids' must be a list"),
    ],
)
def test_bad_instances_are_refused_clearly(data: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        solve_instance(data)


def test_missing_field_is_named() -> None:
    data = _broken(("bids", 0), {"member": "ana", "asset": "lathe", "max_units": 1})
    with pytest.raises(InvalidValue, match=r"bids\[0\].value_per_unit is missing"):
        solve_instance(data)


def test_whole_units_need_a_seed_and_the_seed_reproduces_them() -> None:
    with pytest.raises(InvalidValue, match="seed"):
        solve_instance(INSTANCE)
    van = {
        "assets": [{"id": "van", "capacity": 1}],
        "members": [{"id": f"m{k}", "budget": 1} for k in range(10)],
        "bids": [
            {"member": f"m{k}", "asset": "van", "max_units": 1, "value_per_unit": 1}
            for k in range(10)
        ],
    }
    winners = set()
    for seed in range(30):
        out = solve_instance(van, seed=seed)
        assert out == solve_instance(van, seed=seed)  # anyone can re-run the draw
        won = [a["member"] for a in out["allocations"] if a["units"]]  # type: ignore[attr-defined]
        assert len(won) == 1
        winners.add(won[0])
    assert len(winners) >= 5  # ten equal bidders: not one fixed winner (was: always m9)


def test_the_output_reports_bundle_envy_ef1_and_welfare_given_up() -> None:
    out = solve_instance(INSTANCE, seed=3)
    envy = out["bundle_envy"]
    assert isinstance(envy, dict)
    assert set(envy) == {
        "max",
        "max_relative",
        "envious_pairs",
        "worst_pair",
        "ef1",
        "ef1_violations",
    }
    assert envy["ef1"] is True
    welfare = out["welfare"]
    assert isinstance(welfare, dict)
    assert welfare["given_up"] == pytest.approx(welfare["utilitarian"] - welfare["chosen"])
    assert 0 <= welfare["given_up_share"] <= 1
    fractional = solve_instance(INSTANCE, fractional=True)
    assert fractional["seed"] is None
    assert fractional["bundle_envy"]["ef1"] is None  # type: ignore[index]
