"""``cybermutual budget FILE.pb``: JSON out, one-line errors with exit code 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cybermutual.cli import app
from tests.budgeting_helpers import WIELICZKA_LIKE

runner = CliRunner()


@pytest.fixture
def election_file(tmp_path: Path) -> Path:
    path = tmp_path / "town.pb"
    path.write_text(WIELICZKA_LIKE, encoding="utf-8")
    return path


def test_prints_the_selection_for_each_rule(election_file: Path) -> None:
    default = runner.invoke(app, ["budget", str(election_file)])
    assert default.exit_code == 0, default.output
    assert json.loads(default.stdout) == {"selected": ["b"], "cost": 4, "rule": "equal_shares"}
    greedy = runner.invoke(app, ["budget", str(election_file), "--rule", "greedy"])
    assert json.loads(greedy.stdout) == {"selected": ["a", "b"], "cost": 10, "rule": "greedy"}
    plain = runner.invoke(app, ["budget", str(election_file), "--completion", "none"])
    assert json.loads(plain.stdout)["selected"] == ["b"]


def test_explain_says_why_each_project_won_or_lost(election_file: Path) -> None:
    result = runner.invoke(app, ["budget", str(election_file), "--explain"])
    assert result.exit_code == 0, result.output
    reasons = {p["id"]: p["reason"] for p in json.loads(result.stdout)["projects"]}
    assert reasons == {"a": "unaffordable", "b": "selected", "c": "unaffordable"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rule", "borda"], "unknown rule 'borda'"),
        (["--completion", "add2"], "unknown completion 'add2'"),
    ],
)
def test_bad_options_fail_in_one_line(election_file: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["budget", str(election_file), *args])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_bad_or_missing_file_fails_in_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.pb"
    broken.write_text(WIELICZKA_LIKE.replace("4;c;22;F", "4;zz;22;F"), encoding="utf-8")
    for path, message in (
        (broken, "approves unknown project 'zz'"),
        (tmp_path / "missing.pb", "cannot read"),
    ):
        result = runner.invoke(app, ["budget", str(path)])
        assert result.exit_code == 1
        assert message in result.output
        assert "Traceback" not in result.output


def test_reads_the_add1_step_a_round_export_writes(tmp_path: Path) -> None:
    """A round counted in cents raises shares by a whole unit (100), as its close did; the
    file says so (``add1_increment``), and ``--increment`` overrides it."""
    text = WIELICZKA_LIKE.replace("rule;equal_shares\n", "rule;equal_shares\nadd1_increment;7\n")
    path = tmp_path / "round.pb"
    path.write_text(text, encoding="utf-8")
    by_file = runner.invoke(app, ["budget", str(path), "--explain"])
    by_option = runner.invoke(app, ["budget", str(path), "--explain", "--increment", "1"])
    assert by_file.exit_code == 0, by_file.output
    assert by_option.exit_code == 0, by_option.output
    # one raise of 7 per voter overshoots at once, so the first outcome stands; steps of 1 do not
    assert "raising the share to 19/2" in json.loads(by_file.stdout)["stopped_because"]
    assert (
        json.loads(by_option.stdout)["stopped_because"]
        != json.loads(by_file.stdout)["stopped_because"]
    )
    path.write_text(text.replace("add1_increment;7", "add1_increment;x"), encoding="utf-8")
    bad = runner.invoke(app, ["budget", str(path)])
    assert bad.exit_code == 1
    assert "add1_increment" in bad.output
