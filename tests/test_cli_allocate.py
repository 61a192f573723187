"""``cybermutual allocate INSTANCE.json --seed S``: the lottery's seed in, and printed back."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cybermutual.cli import app

runner = CliRunner()

VAN = {
    "assets": [{"id": "van", "capacity": 1}],
    "members": [{"id": f"m{k}", "budget": 100} for k in range(10)],
    "bids": [
        {"member": f"m{k}", "asset": "van", "max_units": 1, "value_per_unit": 2} for k in range(10)
    ],
}


def _allocate(path: Path, *options: str) -> dict[str, object]:
    result = runner.invoke(app, ["allocate", str(path), *options])
    assert result.exit_code == 0, result.output
    answer: dict[str, object] = json.loads(result.output)
    return answer


def test_the_seed_is_taken_printed_back_and_reproduces_the_draw(tmp_path: Path) -> None:
    instance = tmp_path / "van.json"
    instance.write_text(json.dumps(VAN))
    first = _allocate(instance, "--seed", "20261129")
    assert first["seed"] == 20261129
    assert _allocate(instance, "--seed", "20261129") == first
    winners = set()
    for seed in range(12):
        answer = _allocate(instance, "--seed", str(seed))
        won = [a["member"] for a in answer["allocations"] if a["units"]]  # type: ignore[attr-defined]
        assert len(won) == 1
        winners.add(won[0])
    assert len(winners) > 1  # the van no longer goes to the last bidder every time


def test_without_a_seed_one_is_drawn_and_printed(tmp_path: Path) -> None:
    instance = tmp_path / "van.json"
    instance.write_text(json.dumps(VAN))
    drawn = _allocate(instance)
    seed = drawn["seed"]
    assert isinstance(seed, int)
    assert seed >= 0
    assert _allocate(instance, "--seed", str(seed)) == drawn  # anyone can re-run it


def test_the_output_names_the_gap_and_reports_envy_ef1_and_welfare(tmp_path: Path) -> None:
    instance = tmp_path / "van.json"
    instance.write_text(json.dumps(VAN))
    answer = _allocate(instance, "--seed", "1")
    assert "envy" not in answer
    assert isinstance(answer["equilibrium_gap"], float)
    envy = answer["bundle_envy"]
    assert isinstance(envy, dict)
    assert envy["max"] == 2.0
    assert envy["ef1"] is True
    assert envy["envious_pairs"] == 9
    welfare = answer["welfare"]
    assert isinstance(welfare, dict)
    assert welfare["given_up"] == 0.0  # identical values: fairness costs nothing here


def test_a_negative_seed_and_a_seed_for_a_round_are_refused(tmp_path: Path) -> None:
    instance = tmp_path / "van.json"
    instance.write_text(json.dumps(VAN))
    assert runner.invoke(app, ["allocate", str(instance), "--seed", "-1"]).exit_code != 0
    result = runner.invoke(app, ["allocate", "--collective", "riverside", "--seed", "3"])
    assert result.exit_code == 1
    assert "draws its own seed" in result.output
