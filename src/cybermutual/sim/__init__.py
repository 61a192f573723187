"""The vectorised agent-based simulator: three regimes, the random-exchange model, policy impact.

Modules: ``scenario`` (TOML scenarios), ``agents`` (the population as arrays), ``economy`` (one
``step()`` for everyone), ``commons`` (the facilitator's share-out), ``firms`` and ``labour``
(enterprises, jobs, entry and exit), ``market`` (clearing, prices, levy), ``metrics``,
``inequality``, ``boltzmann``, ``runner`` (seeds over a process pool or Dask, burn-in and
horizons), ``regimes`` (what the regimes share and where they differ), ``sensitivity`` (Morris and
Sobol with SALib), ``exchange`` and ``growth`` (the literature's exchange and firm-growth models),
``calibration``, ``calibrated_economy`` and ``impact_report`` (policy impact before a vote); the
command line is ``cybermutual.sim_cli``.
See docs/simulator.md for every modelling assumption.
"""

from cybermutual.sim.boltzmann import run_boltzmann
from cybermutual.sim.calibration import CollectiveSnapshot, Policy, PolicyImpact, policy_impact
from cybermutual.sim.economy import Economy
from cybermutual.sim.runner import compare_regimes
from cybermutual.sim.scenario import Scenario, ScenarioError, bundled_scenario, load_scenario

__all__ = [
    "CollectiveSnapshot",
    "Economy",
    "Policy",
    "PolicyImpact",
    "Scenario",
    "ScenarioError",
    "bundled_scenario",
    "compare_regimes",
    "load_scenario",
    "policy_impact",
    "run_boltzmann",
]
