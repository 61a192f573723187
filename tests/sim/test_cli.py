"""The ``simulate`` sub-app writes the files it names and fails cleanly on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cybermutual.sim_cli import simulate_app

runner = CliRunner()


def test_run_writes_metrics_plots_and_summary(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(
        simulate_app,
        ["run", "capitalism", "--agents", "300", "--steps", "12", "--seed", "3", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    table = pq.read_table(out / "metrics.parquet")
    assert table.num_rows == 12
    assert {"median_consumption", "gini_wealth", "automation_share"} <= set(table.column_names)
    assert (out / "metrics.png").stat().st_size > 1000
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 3
    assert summary["regime"] == "capitalism"


def test_run_after_a_burn_in_records_only_the_measured_weeks(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["run", "cybermutualism", "-n", "200", "-t", "12", "--burn-in", "5", "-o", str(out)]
    result = runner.invoke(simulate_app, args)
    assert result.exit_code == 0, result.output
    steps = pq.read_table(out / "metrics.parquet").column("step").to_pylist()
    assert steps == list(range(6, 18))
    summary = json.loads((out / "summary.json").read_text())
    assert summary["burn_in"] == 5
    assert "capital_per_head" in summary["final"]


def test_run_accepts_a_scenario_file_and_the_boltzmann_scenario(tmp_path: Path) -> None:
    scenario = Path(__file__).resolve().parents[2] / "scenarios" / "cybermutualism.toml"
    result = runner.invoke(
        simulate_app, ["run", str(scenario), "-n", "200", "-t", "5", "-o", str(tmp_path / "a")]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        simulate_app, ["run", "boltzmann", "-n", "500", "-t", "5", "-o", str(tmp_path / "b")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "b" / "distribution.png").exists()


def test_compare_writes_summary_with_intervals_and_a_plot(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    result = runner.invoke(
        simulate_app,
        [
            "compare",
            "--agents",
            "200",
            "--steps",
            "8",
            "--burn-in",
            "4",
            "--seeds",
            "2",
            "--workers",
            "1",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["burn_in"] == 4
    regimes = {"cybermutualism", "libertarian_mutualism", "capitalism"}
    assert set(summary["horizons"]) == regimes
    # a run shorter than the default horizons reports its end (8 weeks)
    (years,) = summary["horizons"]["capitalism"]
    assert float(years) == pytest.approx(8 / 52, rel=1e-5)
    estimate = summary["horizons"]["capitalism"][years]["gini_income"]
    assert estimate["low"] <= estimate["mean"] <= estimate["high"]
    assert (out / "comparison.png").stat().st_size > 1000
    # the burn-in is not recorded: 8 measured steps per run, numbered after the burn-in
    table = pq.read_table(out / "metrics.parquet")
    assert table.num_rows == 3 * 2 * 8
    assert min(table.column("step").to_pylist()) == 5


def test_compare_reports_each_horizon_asked_for(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    args = ["compare", "-n", "150", "-t", "156", "--burn-in", "0", "-k", "2", "--workers", "1"]
    result = runner.invoke(
        simulate_app, [*args, "--horizon", "1", "--horizon", "3", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "year 1 after" in result.output
    assert "year 3 after" in result.output
    rows = (out / "horizons.csv").read_text().splitlines()
    assert rows[0] == "regime,years,metric,mean,low,high"
    assert {r.split(",")[1] for r in rows[1:]} == {"1", "3"}
    assert any(r.startswith("capitalism,3,capital_per_head,") for r in rows)
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["firm_size_ccdf_slope"]) <= {"capitalism", "libertarian_mutualism"}
    beyond = runner.invoke(simulate_app, [*args, "--horizon", "4", "--out", str(tmp_path / "x")])
    assert beyond.exit_code == 1
    assert "not within the 156 measured steps" in beyond.output
    assert not (tmp_path / "x").exists()


def test_boltzmann_writes_files(tmp_path: Path) -> None:
    out = tmp_path / "bz"
    result = runner.invoke(
        simulate_app,
        [
            "boltzmann",
            "--agents",
            "2000",
            "--steps",
            "50",
            "--seed",
            "1",
            "--saving",
            "0.5",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["saving"] == 0.5
    assert abs(summary["gini_expected"] - 0.2734) < 1e-3
    assert pq.read_table(out / "metrics.parquet").num_rows == 50
    assert (out / "distribution.png").exists()


def test_bad_input_exits_non_zero_with_a_message_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("regime = [", encoding="utf-8")
    cases = [
        ["run", str(tmp_path / "missing.toml"), "-o", str(tmp_path / "x")],
        ["run", str(bad), "-o", str(tmp_path / "x")],
        ["run", "capitalism", "--agents", "0", "-o", str(tmp_path / "x")],
        ["compare", "--agents", "-5", "-o", str(tmp_path / "x")],
        ["compare", "--regime", "feudalism", "-o", str(tmp_path / "x")],
        ["compare", "--cluster", "localhost", "-o", str(tmp_path / "x")],
        ["boltzmann", "--agents", "0", "-o", str(tmp_path / "x")],
    ]
    for args in cases:
        result = runner.invoke(simulate_app, args)
        assert result.exit_code != 0, args
        assert "Traceback" not in result.output
        assert not isinstance(result.exception, Exception) or isinstance(
            result.exception, SystemExit
        ), args
    assert not (tmp_path / "x").exists()
