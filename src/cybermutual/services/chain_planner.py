"""The planner the chain service calls: the linear program of ``domain/chains`` behind one
function over the instance format of ``cybermutual plan-chain``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def plan_chain(instance: dict[str, Any]) -> Mapping[str, Any]:
    from cybermutual.domain import chains  # the planner (branch ``planner``)

    answer: Mapping[str, Any] = chains.plan_json(instance)  # type: ignore[attr-defined]
    return answer
