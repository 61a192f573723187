"""The planner the chain service calls: the linear program of ``domain/chains`` behind one
function over the instance format of ``cybermutual plan-chain``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cybermutual.domain.chains import instance_from_json, outcome_to_json, plan


def plan_chain(instance: dict[str, Any]) -> Mapping[str, Any]:
    """The planner's answer for ``instance``, as JSON data."""
    return outcome_to_json(plan(instance_from_json(instance)))
