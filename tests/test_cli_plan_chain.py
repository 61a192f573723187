"""``cybermutual plan-chain INSTANCE.json``: the research format in, the plan or shortfall out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cybermutual.cli import app

runner = CliRunner()

FURNITURE: dict[str, Any] = {
    "goods": [{"id": "timber", "unit": "m3"}, {"id": "planks", "unit": "m"},
              {"id": "chair", "unit": "piece"}],
    "recipes": [
        {"id": "saw-ana", "producer": "ana", "inputs": {"timber": 1}, "outputs": {"planks": 10},
         "capacity": 3, "price": 500},
        {"id": "saw-bo", "producer": "bo", "inputs": {"timber": 1}, "outputs": {"planks": 10},
         "capacity": 5, "price": 800},
        {"id": "chairs-cy", "producer": "cy", "inputs": {"planks": 4}, "outputs": {"chair": 1},
         "capacity": 20, "price": 3000, "whole": True},
    ],
    "stock": {"timber": 10},
    "request": {"good": "chair", "quantity": 10},
}  # fmt: skip


def write(tmp_path: Path, instance: object) -> str:
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(instance), encoding="utf-8")
    return str(path)


def test_prints_the_plan_in_the_research_format(tmp_path: Path) -> None:
    result = runner.invoke(app, ["plan-chain", write(tmp_path, FURNITURE)])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["feasible"] is True
    assert answer["cost"] == 3 * 500 + 1 * 800 + 10 * 3000
    assert answer["runs"] == {"saw-ana": 3, "saw-bo": 1, "chairs-cy": 10}
    assert answer["duals"] == {"timber": 0, "planks": 80, "chair": 3320}
    assert [(link["recipe"], link["step"], link["amount"]) for link in answer["links"]] == [
        ("saw-ana", 0, 1500), ("saw-bo", 0, 800), ("chairs-cy", 1, 30000)
    ]  # fmt: skip
    assert answer["bottleneck"] == {
        "kind": "capacity", "name": "saw-ana", "producer": "ana", "shadow_price": 300
    }  # fmt: skip
    assert answer["links"][0]["reason"].startswith("ana makes planks at 50 per m")


def test_reads_the_instance_from_stdin() -> None:
    result = runner.invoke(app, ["plan-chain", "-"], input=json.dumps(FURNITURE))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["cost"] == 32_300


def test_an_infeasible_request_is_an_answer_naming_the_shortfall(tmp_path: Path) -> None:
    short = {**FURNITURE, "stock": {"timber": 2}}
    result = runner.invoke(app, ["plan-chain", write(tmp_path, short)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "feasible": False,
        "reason": "short",
        "shortfall": [{"good": "timber", "units": 2.0, "made": False}],
    }
    over = {**FURNITURE, "request": {"good": "chair", "quantity": 10, "budget": 30_000}}
    answer = json.loads(runner.invoke(app, ["plan-chain", write(tmp_path, over)]).stdout)
    assert answer == {"feasible": False, "reason": "over_budget", "shortfall": [],
                      "cheapest_cost": 32_300, "budget": 30_000}  # fmt: skip


def test_a_declined_producer_and_an_accepted_link_in_the_request(tmp_path: Path) -> None:
    request = {"good": "chair", "quantity": 10, "excluded_producers": ["ana"],
               "keep": {"chairs-cy": 10}}  # fmt: skip
    result = runner.invoke(app, ["plan-chain", write(tmp_path, {**FURNITURE, "request": request})])
    answer = json.loads(result.stdout)
    assert answer["runs"] == {"saw-bo": 4, "chairs-cy": 10}
    assert [link["kept"] for link in answer["links"]] == [False, True]


def test_timings_go_to_stderr(tmp_path: Path) -> None:
    result = runner.invoke(app, ["plan-chain", write(tmp_path, FURNITURE), "--timings"])
    assert result.exit_code == 0, result.output
    assert "model built in" in result.stderr
    json.loads(result.stdout)  # stdout stays one JSON document


@pytest.mark.parametrize(
    ("instance", "message"),
    [
        ("{not json", "is not JSON"),
        ([], "the instance must be an object"),
        ({**FURNITURE, "recipes": "many"}, "recipes must be a list"),
        ({**FURNITURE, "request": {"good": "sofa", "quantity": 1}}, "unknown good 'sofa'"),
        ({**FURNITURE, "request": {"good": "chair"}}, "request.quantity must be a number"),
        ({**FURNITURE, "recipes": [{**FURNITURE["recipes"][0], "price": 2.5}]},
         "recipes[0].price must be a whole number of minor units"),
        ({**FURNITURE, "recipes": [{**FURNITURE["recipes"][0], "capacity": -1}]},
         "must be a finite number, not negative"),
        ({**FURNITURE, "recipes": [{**FURNITURE["recipes"][0], "colour": "red"}]},
         "recipes[0] has unknown field 'colour'"),
        ({**FURNITURE, "stock": {"timber": "lots"}}, "stock.timber must be a number"),
    ],
)  # fmt: skip
def test_a_bad_instance_fails_in_one_line(tmp_path: Path, instance: object, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(instance if isinstance(instance, str) else json.dumps(instance), "utf-8")
    result = runner.invoke(app, ["plan-chain", str(path)])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_missing_file_fails_in_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["plan-chain", str(tmp_path / "missing.json")])
    assert result.exit_code == 1
    assert "cannot read" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_commons_hours_and_labour_limit_the_plan(tmp_path: Path) -> None:
    kiln = {"id": "kiln-fa", "producer": "fa", "inputs": {"timber": 1}, "outputs": {"planks": 10},
            "capacity": 10, "price": 100, "asset_hours": {"kiln": 2}}  # fmt: skip
    instance = {**FURNITURE, "recipes": [*FURNITURE["recipes"], kiln],
                "asset_hours": [{"producer": "fa", "asset": "kiln", "hours": 4}],
                "labour_hours": {"ana": 1}}  # fmt: skip
    instance["recipes"][0] = {**instance["recipes"][0], "labour_hours": 0.5}
    answer = json.loads(runner.invoke(app, ["plan-chain", write(tmp_path, instance)]).stdout)
    # the kiln runs on its 4 allocated hours (2 runs), ana on her 1 hour (2 runs): 40 m
    assert answer["runs"] == {"kiln-fa": 2, "saw-ana": 2, "chairs-cy": 10}
    # an hour of ana's saves 600 (2 runs of bo's at 800 instead of hers at 500), of the kiln 350
    assert answer["bottleneck"] == {
        "kind": "hours", "name": "labour:ana", "producer": "ana", "shadow_price": 600
    }  # fmt: skip
