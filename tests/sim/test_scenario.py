"""Scenarios: the bundled ones load and share a population; bad ones fail with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from cybermutual.sim.scenario import (
    REGIMES,
    SCENARIO_DIR,
    BoltzmannScenario,
    ScenarioError,
    bundled_scenario,
    load_any,
    load_scenario,
)


@pytest.mark.parametrize("regime", REGIMES)
def test_bundled_scenarios_load(regime: str) -> None:
    scenario = bundled_scenario(regime)  # type: ignore[arg-type]
    assert scenario.regime == regime
    assert load_scenario(regime) == scenario


def test_bundled_regimes_share_population_sectors_and_technology() -> None:
    first, *others = (bundled_scenario(r) for r in REGIMES)
    for other in others:
        assert other.population == first.population
        assert other.sectors == first.sectors
        assert other.technology == first.technology
        assert other.enterprises.mean_size == first.enterprises.mean_size


def test_boltzmann_scenario_loads() -> None:
    model = load_any(SCENARIO_DIR / "boltzmann.toml")
    assert isinstance(model, BoltzmannScenario)
    assert model.expected_gini == 0.5


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = 'regime = "capitalism"\n[[sectors]]\nname = "food"\nshare = 1.0\n'


def test_a_minimal_scenario_takes_defaults(tmp_path: Path) -> None:
    scenario = load_scenario(_write(tmp_path, MINIMAL))
    assert scenario.name == "bad"
    assert scenario.population.agents == 2_000


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("regime = [", "not valid TOML"),
        ('regime = "feudalism"\n[[sectors]]\nname="a"\nshare=1', "regime: must be one of"),
        ('regime = "capitalism"', "sectors"),
        (MINIMAL + "[population]\nagents = 0\n", "population.agents: must be positive"),
        (MINIMAL + "[population]\nagnets = 5\n", "population.agnets: unknown field"),
        (MINIMAL + '[population]\nagents = "many"\n', "expected a whole number"),
        (MINIMAL + "[policy]\nlevy_rate = 1.5\n", "policy.levy_rate"),
        (MINIMAL + '[policy]\nlevy_rate = "lots"\n', "not a decimal number"),
        (MINIMAL + '[policy]\nservices_share = 0.5\nservice_sector = "care"\n', "no sector"),
        (MINIMAL + "[weather]\nrain = 1\n", "weather: unknown section"),
        ("[boltzmann]\nsaving = 1.0\n", "boltzmann.saving"),
    ],
)
def test_bad_scenarios_are_refused_with_a_clear_message(
    tmp_path: Path, text: str, message: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ScenarioError, match=message) as info:
        load_any(path)
    assert str(path) in str(info.value)


def test_a_missing_scenario_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such scenario"):
        load_scenario(tmp_path / "nope.toml")
