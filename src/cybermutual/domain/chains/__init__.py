"""Supply chains: the facilitator plans a least-cost chain of members' recipes for a request.

Pure: numpy and SciPy (HiGHS) only; no I/O, no clock. Entry points::

    Instance.of(goods=[Good], recipes=[Recipe], stock={good: qty}, request=Request(...),
                asset_hours={(producer, asset): hours}, labour_hours={producer: hours})
    plan(instance) -> Plan | Shortfall            # = solve(build_model(instance))
    build_model(instance) -> Model                # the sparse LP (time it apart from solving)
    solve(model) -> Plan | Shortfall
    instance_from_json(data) -> Instance          # the research format of `cybermutual plan-chain`
    outcome_to_json(outcome) -> dict

Large callers build a :class:`Network` from arrays directly (no per-recipe objects). The LP,
the tie break and the shortfall are described in :mod:`.planner`, the explanations in
:mod:`.explain`, how money is rounded on :class:`Plan`.
"""

from cybermutual.domain.chains.codec import instance_from_json, outcome_to_json
from cybermutual.domain.chains.model import (
    Good,
    Instance,
    Network,
    Recipe,
    Request,
    compile_network,
)
from cybermutual.domain.chains.outcome import (
    Alternative,
    Bottleneck,
    Flow,
    GoodShortfall,
    Link,
    Plan,
    Shortfall,
)
from cybermutual.domain.chains.planner import Model, build_model, plan, solve

__all__ = [
    "Alternative",
    "Bottleneck",
    "Flow",
    "Good",
    "GoodShortfall",
    "Instance",
    "Link",
    "Model",
    "Network",
    "Plan",
    "Recipe",
    "Request",
    "Shortfall",
    "build_model",
    "compile_network",
    "instance_from_json",
    "outcome_to_json",
    "plan",
    "solve",
]
