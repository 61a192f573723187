"""The regimes are compared like with like: same capital, frictions and technology; only their
own rules differ, and the documentation's table says which."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from cybermutual.sim.economy import Economy
from cybermutual.sim.regimes import REGIME_RULES, markdown_table, parameter_rows
from cybermutual.sim.scenario import REGIMES, Regime, ScenarioError, bundled_scenario, load_any

DOCS = Path(__file__).resolve().parents[2] / "docs" / "simulator.md"


def test_only_the_regimes_own_rules_differ_between_the_bundled_scenarios() -> None:
    rows = parameter_rows({r: bundled_scenario(r) for r in REGIMES})
    differing = {row.parameter for row in rows if row.differs}
    assert differing <= set(REGIME_RULES)
    # and the search frictions, capital and technology are among the shared rows
    shared = {row.parameter for row in rows if not row.differs}
    for name in (
        "population.search_rate",
        "population.referral",
        "population.move_threshold",
        "technology.capital_per_worker",
        "technology.general_capital_per_worker",
        "technology.robot_progress",
        "technology.robot_price",
    ):
        assert name in shared


def test_the_documentation_shows_the_table_of_the_bundled_scenarios() -> None:
    table = markdown_table({r: bundled_scenario(r) for r in REGIMES})
    assert table in DOCS.read_text(encoding="utf-8")


@pytest.mark.parametrize("regime", REGIMES)
def test_every_regime_starts_with_the_same_capital_per_head(regime: Regime) -> None:
    scenario = bundled_scenario(regime)
    economy = Economy(scenario, agents=2_000, rng=np.random.default_rng(5))
    capital, robots = economy.capital_stock()
    # the commons used to start with 1,200 per head (sector plus general pools) and firms with
    # 1,000: 20% more capital for one regime before any rule had acted
    assert capital / 2_000 == pytest.approx(scenario.technology.starting_capital_per_worker)
    assert robots == 0.0


def _one_sector_economy(referral: float) -> Economy:
    """Everyone in sector 0, where pay is worst; a search finds sector 0 only by referral."""
    base = bundled_scenario("cybermutualism")
    scenario = replace(
        base,
        population=replace(base.population, search_rate=1.0, referral=referral, move_threshold=0.0),
    )
    economy = Economy(scenario, agents=600, rng=np.random.default_rng(3))
    a = economy.agents
    a.sector[:] = 0
    a.refresh_efficiency()
    economy._revenue_per_unit = np.array([0.1, 1.0, 1.0, 1.0, 1.0])
    return economy


def test_commons_members_search_sectors_with_the_same_friction_as_job_seekers() -> None:
    # Job-seekers in the firm regimes hear of one other firm, mostly through an acquaintance;
    # commons members used to see every sector at once and jump to the best. Now they hear of
    # one sector the same way: when everyone works in sector 0, referrals lead nowhere new.
    stuck = _one_sector_economy(referral=1.0)
    stuck._move_in_commons()
    assert np.all(stuck.agents.sector == 0)
    free = _one_sector_economy(referral=0.0)
    free._move_in_commons()
    moved = free.agents.sector != 0
    # a random sector of five is another one 4 times in 5
    assert 0.7 < moved.mean() < 0.9
    # and a mover takes the one sector they heard of, not the best of all five
    skill = free.agents.skill[moved]
    best = np.argmax(skill[:, 1:], axis=1) + 1
    assert np.mean(free.agents.sector[moved] != best) > 0.3


def test_referral_moved_to_population_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "old.toml"
    path.write_text(
        'regime = "capitalism"\n[[sectors]]\nname = "a"\nshare = 1.0\n'
        "[enterprises]\nreferral = 0.5\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError, match=r"enterprises.referral: moved to population.referral"):
        load_any(path)
