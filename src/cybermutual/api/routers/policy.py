"""A policy's estimated impact, calculated by the simulator before members vote."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field, StrictInt

from cybermutual.api.deps import CurrentMember, ServicesDep
from cybermutual.api.schemas import Strict
from cybermutual.services.policy_impact import PolicyChange

router = APIRouter(tags=["policy impact"])


class PolicyImpactCreate(Strict):
    levy_rate: str | None = Field(default=None, max_length=20, examples=["0.05"])
    basic_income: StrictInt | None = Field(default=None, description="minor units per week")
    credit_limit: StrictInt | None = Field(default=None, description="minor units")
    services: dict[str, StrictInt] | None = Field(
        default=None, max_length=8, description="weekly budget of free services, by category"
    )
    seeds: StrictInt = Field(default=8, ge=1, le=32)
    steps: StrictInt = Field(default=52, ge=4, le=520, description="weeks simulated")


@router.post("/collectives/{slug}/policy-impact")
def estimate(
    slug: str, body: PolicyImpactCreate, person: CurrentMember, services: ServicesDep
) -> dict[str, Any]:
    """Run the collective's economy with and without the policy on the same seeds.

    Returns the change in median consumption, Gini of income and wealth, and the commons fund,
    each with a 95% interval over seeds (members only).
    """
    change = PolicyChange(
        levy_rate=body.levy_rate,
        basic_income=body.basic_income,
        credit_limit=body.credit_limit,
        services=body.services,
    )
    return services.policy_impact.estimate(
        slug, change, viewer_id=person.id, seeds=body.seeds, steps=body.steps
    )
