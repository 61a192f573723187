"""What-if estimates a page starts and polls (``services.estimates``), on both databases."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from cybermutual.domain.errors import (
    EstimateNotFound,
    InvalidValue,
    NotAMember,
    SimulationTooLarge,
    TooManySimulations,
)
from cybermutual.services.container import Services
from cybermutual.services.estimate_jobs import (
    KEEP,
    EstimateJobs,
    EstimateRequest,
    EstimateState,
)
from cybermutual.services.policy_impact import PolicyChange, PolicyImpactService
from cybermutual.services.simulation_pool import SimulationJob, SimulationPool
from tests.helpers import FakeClock, person
from tests.integration.test_policy_impact import trading

SMALL = EstimateRequest(PolicyChange(levy_rate="0.2"), seeds=2, steps=8)


def test_an_estimate_runs_in_the_pool_and_only_its_starter_reads_it(services: Services) -> None:
    slug, people = trading(services)
    started = services.estimates.start(slug, SMALL, member_id=people[0].id)
    assert started.state in (EstimateState.RUNNING, EstimateState.DONE)
    done = services.estimates.wait(slug, started.id, member_id=people[0].id, timeout=120)
    assert done.state is EstimateState.DONE
    assert done.progress == 1.0
    assert done.result is not None
    assert done.result["commons_fund"]["change"]["mean"] > 0
    assert done.request == SMALL
    assert [s.id for s in services.estimates.mine(slug, member_id=people[0].id)] == [started.id]
    assert services.estimates.mine(slug, member_id=people[1].id) == []
    assert services.estimates.mine("elsewhere", member_id=people[0].id) == []
    with pytest.raises(EstimateNotFound):
        services.estimates.status(slug, started.id, member_id=people[1].id)
    with pytest.raises(EstimateNotFound):
        services.estimates.status("elsewhere", started.id, member_id=people[0].id)
    with pytest.raises(EstimateNotFound):
        services.estimates.status(slug, "no-such-id", member_id=people[0].id)


def test_a_request_the_service_refuses_is_refused_at_once(services: Services) -> None:
    slug, people = trading(services)
    with pytest.raises(NotAMember):
        services.estimates.start(slug, SMALL, member_id=person(services, "out").id)
    bad = EstimateRequest(PolicyChange(levy_rate="1.5"), seeds=2, steps=8)
    with pytest.raises(InvalidValue):
        services.estimates.start(slug, bad, member_id=people[0].id)
    huge = EstimateRequest(PolicyChange(), seeds=32, steps=520)
    with pytest.raises(SimulationTooLarge):
        services.estimates.start(slug, huge, member_id=people[0].id)


class _Refusing(PolicyImpactService):
    """Runs that end in a refusal from inside the simulation (as a failed calibration does)."""

    def submit(self, slug: str, change: PolicyChange, **kw: Any) -> SimulationJob[Any]:
        def work(job: SimulationJob[Any]) -> Any:
            job.check()
            raise InvalidValue("the simulated collective does not trade like the real one")

        return self.pool.submit(kw["viewer_id"], work)


def test_a_refusal_from_inside_the_runs_is_the_estimate_s_outcome(
    services: Services, clock: FakeClock
) -> None:
    jobs = EstimateJobs(_Refusing(services.uow, clock=clock, pool=SimulationPool()), clock=clock)
    started = jobs.start("riverside", SMALL, member_id="m")
    done = jobs.wait("riverside", started.id, member_id="m", timeout=60)
    assert done.state is EstimateState.REFUSED
    assert done.refusal is not None
    assert "does not trade" in done.refusal.detail
    assert done.result is None


class _Held(PolicyImpactService):
    """Runs that wait until the test lets them finish (two simulated steps, then a result)."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.release = threading.Event()

    def submit(self, slug: str, change: PolicyChange, **kw: Any) -> SimulationJob[Any]:
        def work(job: SimulationJob[Any]) -> Any:
            job.check()
            job.check()
            self.release.wait(timeout=60)
            return {"steps": 8, "notes": []}

        return self.pool.submit(kw["viewer_id"], work)


def test_a_running_estimate_shows_progress_and_is_one_at_a_time(
    services: Services, clock: FakeClock
) -> None:
    held = _Held(services.uow, clock=clock, pool=SimulationPool())
    jobs = EstimateJobs(held, clock=clock)
    started = jobs.start("riverside", SMALL, member_id="m")
    with pytest.raises(TooManySimulations):  # the pool's limit: one of yours at a time
        jobs.start("riverside", SMALL, member_id="m")
    running = jobs.status("riverside", started.id, member_id="m")
    assert running.state is EstimateState.RUNNING
    assert 0 <= running.progress < 1
    held.release.set()
    done = jobs.wait("riverside", started.id, member_id="m", timeout=60)
    assert done.state is EstimateState.DONE
    assert done.result == {"steps": 8, "notes": []}


def test_old_estimates_are_forgotten(services: Services, clock: FakeClock) -> None:
    slug, people = trading(services)
    me = people[0].id
    first = services.estimates.start(slug, SMALL, member_id=me)
    services.estimates.wait(slug, first.id, member_id=me, timeout=120)
    clock.advance(seconds=KEEP.total_seconds() + 1)
    second = services.estimates.start(slug, SMALL, member_id=me)
    with pytest.raises(EstimateNotFound):
        services.estimates.status(slug, first.id, member_id=me)
    assert services.estimates.wait(slug, second.id, member_id=me, timeout=120).result is not None
