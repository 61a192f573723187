"""Global sensitivity analysis: factors reach only their regimes; a tiny run writes its files."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cybermutual.sim.scenario import REGIMES, bundled_scenario
from cybermutual.sim.sensitivity import (
    FACTORS,
    Design,
    Sensitivity,
    outcome_names,
    run_sensitivity,
    with_factors,
)
from cybermutual.sim_cli import simulate_app

TINY = Design(
    agents=60, burn_in=2, steps=26, horizons=(0.5,), trajectories=2, sobol_samples=2, top=3
)


def test_a_factor_changes_only_the_regimes_it_belongs_to() -> None:
    values = [f.high for f in FACTORS]
    changed = {r: with_factors(bundled_scenario(r), FACTORS, values) for r in REGIMES}
    assert changed["cybermutualism"].policy.levy_rate == Fraction(3, 10)
    assert changed["capitalism"].policy.levy_rate == 0  # the firm regimes have no levy
    assert changed["capitalism"].technology.investment_rate == 0.6
    assert changed["cybermutualism"].technology.investment_rate == 0.3  # it reads none
    for scenario in changed.values():
        assert scenario.population.referral == 1.0
        assert scenario.technology.robot_progress == 0.004


@pytest.fixture(scope="module")
def tiny() -> Sensitivity:
    return run_sensitivity(TINY)


def test_morris_then_sobol_on_the_factors_that_matter(tiny: Sensitivity) -> None:
    names = outcome_names((0.5,))
    assert tiny.outcomes == names
    k = len(FACTORS)
    assert tiny.morris_samples.shape == (TINY.trajectories * (k + 1), k)
    assert tiny.sobol_samples.shape == (TINY.sobol_samples * (TINY.top + 2), TINY.top)
    # the kept factors are the ones the screening ranks highest
    score = tiny.screening()
    assert min(score[n] for n in tiny.chosen) >= max(
        score[f.name] for f in FACTORS if f.name not in tiny.chosen
    )
    # common random numbers: a factor that only the commons reads cannot move a comparison
    # of libertarian mutualism with capitalism at all
    for outcome in (n for n in names if "libertarian_mutualism" in n):
        assert tiny.morris[outcome]["levy_rate"]["mu_star"] == 0.0
        assert tiny.morris[outcome]["commons_investment"]["mu_star"] == 0.0
    robust = tiny.robustness()
    for value in robust.values():
        assert 0.0 <= value["share_positive"] <= 1.0
        assert value["min"] <= value["median"] <= value["max"]


def test_sensitivity_command_writes_json_csv_and_prints_tables(tmp_path: Path) -> None:
    out = tmp_path / "sens"
    args = ["sensitivity", "-n", "60", "-t", "26", "--burn-in", "2", "--horizon", "0.5"]
    args += ["--trajectories", "2", "--sobol-samples", "2", "--top", "2", "--workers", "1"]
    result = CliRunner().invoke(simulate_app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Morris screening" in result.output
    assert "Sobol total indices" in result.output
    report = json.loads((out / "sensitivity.json").read_text())
    assert report["design"]["runs"] == 3 * (2 * (len(FACTORS) + 1) + 2 * (2 + 2))
    assert len(report["sobol_factors"]) == 2
    header = (out / "sobol.csv").read_text().splitlines()[0]
    assert header == "outcome,factor,S1,S1_conf,ST,ST_conf"
    rows = (out / "morris.csv").read_text().splitlines()
    assert len(rows) == 1 + len(report["outcomes"]) * len(FACTORS)
    assert (out / "robustness.csv").exists()
    assert len((out / "samples.csv").read_text().splitlines()) == 1 + 2 * 8 + 2 * 4


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--sobol-samples", "3"], "power of 2"),
        (["--top", "99"], "--top must be at most"),
        (["--horizon", "9"], "not within"),
    ],
)
def test_bad_sensitivity_options_fail_with_a_message(
    tmp_path: Path, extra: list[str], message: str
) -> None:
    args = ["sensitivity", "-n", "60", "-t", "26", "--out", str(tmp_path / "x"), *extra]
    result = CliRunner().invoke(simulate_app, args)
    assert result.exit_code == 1
    assert message in result.output
    assert not (tmp_path / "x").exists()
