"""A policy's estimated impact, calculated by the simulator before members vote."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import Field, StrictInt
from starlette.concurrency import run_in_threadpool

from cybermutual.api.deps import CurrentMember, ServicesDep
from cybermutual.api.schemas import Strict
from cybermutual.services.policy_impact import DEFAULT_SEEDS, DEFAULT_STEPS, PolicyChange

router = APIRouter(tags=["policy impact"])
#: How often a waiting request looks whether its caller is still there.
DISCONNECT_POLL = 0.25


class PolicyImpactCreate(Strict):
    levy_rate: str | None = Field(default=None, max_length=20, examples=["0.05"])
    basic_income: StrictInt | None = Field(default=None, description="minor units per week")
    credit_limit: StrictInt | None = Field(default=None, description="minor units")
    services: dict[str, StrictInt] | None = Field(
        default=None, max_length=8, description="weekly budget of free services, by category"
    )
    seeds: StrictInt = Field(
        default=DEFAULT_SEEDS,
        ge=1,
        le=32,
        description="draws: each has its own seed and its own parameters from the priors",
    )
    steps: StrictInt = Field(
        default=DEFAULT_STEPS,
        ge=4,
        le=520,
        description="weeks simulated after the burn-in; figures at 13, 52, 260 and this week",
    )


@router.post("/collectives/{slug}/policy-impact", response_model=dict[str, Any])
async def estimate(
    slug: str,
    body: PolicyImpactCreate,
    person: CurrentMember,
    services: ServicesDep,
    request: Request,
) -> Any:
    """Run the collective's economy with and without the policy from the same burned-in state.

    The simulation is calibrated to the collective's last twelve weeks (turnover, each member's
    sales and balance, categories, commons assets, public services). Returns, after 13, 52 and
    260 weeks (``horizons``; the top level is the last week simulated), the change in median
    consumption, Gini of income and wealth, turnover and the commons fund; each ``low``..``high``
    holds 90% of the draws, which vary both the seed and the behavioural parameters drawn from
    the stated ``priors``. ``calibration`` shows how well the simulated baseline reproduces the
    collective; when its turnover misses by more than the stated tolerance nothing is estimated
    (``calibration_mismatch``, 422), nor when members traded nothing (``no_trade_to_calibrate``).
    Members only. Each estimate is limited to a budget of seeds x steps x agents
    (``simulation_too_large``); estimates run in a small pool (``simulator_busy``, 503, when it
    is full; ``too_many_simulations``, 429, for a second one of yours at once), and stop when
    the caller goes away.
    """
    change = PolicyChange(
        levy_rate=body.levy_rate,
        basic_income=body.basic_income,
        credit_limit=body.credit_limit,
        services=body.services,
    )
    job = await run_in_threadpool(
        services.policy_impact.submit,
        slug,
        change,
        viewer_id=person.id,
        seeds=body.seeds,
        steps=body.steps,
    )
    waiting = asyncio.wrap_future(job.future)
    try:
        while True:
            done, _ = await asyncio.wait({waiting}, timeout=DISCONNECT_POLL)
            if done:
                return waiting.result()
            if await request.is_disconnected():
                return Response(status_code=499)  # nobody reads it; the runs stop below
    finally:
        job.cancel()  # the caller left or the server stops: nothing more to compute
