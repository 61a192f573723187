"""What-if estimates a person started and comes back for: the web page's view of the pool.

The JSON API waits for its estimate within one request. A page cannot: it starts the estimate,
then asks every second or two how far it got, and shows the result when it is there. This module
keeps those running and finished estimates, each under an id only its starter may read, for a
while (``KEEP``), and at most ``PER_MEMBER`` of one person's at a time: the pool's own limits
(``simulator_busy``, ``too_many_simulations``) still decide what may start.

It is a memory of this process: with several server processes, the page must reach the one that
started the estimate (sticky sessions), or it is told the estimate is gone and offered a new one.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from concurrent.futures import CancelledError, wait
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from cybermutual.domain.errors import DomainError, EstimateNotFound, InvalidValue
from cybermutual.services.ids import new_id
from cybermutual.services.policy_impact import PolicyChange, PolicyImpactService
from cybermutual.services.ports import Clock
from cybermutual.services.simulation_pool import SimulationCancelled, SimulationJob

#: How long a finished estimate can still be read.
KEEP = timedelta(minutes=30)
#: How many of one person's estimates are remembered (the oldest finished one is forgotten).
PER_MEMBER = 5


class EstimateState(StrEnum):
    RUNNING = "running"
    DONE = "done"
    REFUSED = "refused"  # the estimate could not be made (the reason says why)


@dataclass(frozen=True, slots=True)
class EstimateRequest:
    """What was asked: the policy, and the simulation's size."""

    change: PolicyChange
    seeds: int
    steps: int


@dataclass(frozen=True, slots=True)
class EstimateStatus:
    """An estimate as its starter sees it now.

    ``progress`` is 0..1 while it runs (simulated weeks done over those planned); ``result``
    is the estimate's JSON once done; ``refusal`` the domain's refusal when it could not be made.
    """

    id: str
    slug: str
    request: EstimateRequest
    state: EstimateState
    started_at: datetime
    progress: float
    result: Mapping[str, Any] | None = None
    refusal: DomainError | None = None


@dataclass(eq=False)
class _Entry:
    id: str
    slug: str
    member_id: str
    request: EstimateRequest
    started_at: datetime
    job: SimulationJob[dict[str, Any]]


class EstimateJobs:
    """Start an estimate now, read how it goes later."""

    def __init__(self, impact: PolicyImpactService, *, clock: Clock) -> None:
        self._impact = impact
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}

    def start(self, slug: str, request: EstimateRequest, *, member_id: str) -> EstimateStatus:
        """Check the request and queue its runs (refusals as the policy-impact service's)."""
        self._forget_old(member_id)
        job = self._impact.submit(
            slug, request.change, viewer_id=member_id, seeds=request.seeds, steps=request.steps
        )
        entry = _Entry(new_id(), slug, member_id, request, self._clock.now(), job)
        with self._lock:
            self._entries[entry.id] = entry
        return _status(entry)

    def status(self, slug: str, estimate_id: str, *, member_id: str) -> EstimateStatus:
        """How the estimate goes, for the person who started it (``estimate_not_found`` for
        anyone else, and once it is forgotten)."""
        with self._lock:
            entry = self._entries.get(estimate_id)
        if entry is None or entry.member_id != member_id or entry.slug != slug:
            raise EstimateNotFound(
                "no such estimate: it was started by someone else, or is forgotten; "
                "start a new one",
                estimate=estimate_id,
            )
        return _status(entry)

    def mine(self, slug: str, *, member_id: str) -> list[EstimateStatus]:
        """The member's remembered estimates for this collective, newest first."""
        with self._lock:
            entries = [
                e for e in self._entries.values() if e.member_id == member_id and e.slug == slug
            ]
        entries.sort(key=lambda e: (e.started_at, e.id), reverse=True)
        return [_status(e) for e in entries]

    def wait(
        self, slug: str, estimate_id: str, *, member_id: str, timeout: float | None = None
    ) -> EstimateStatus:
        """The estimate once it has finished (or ``timeout`` seconds on, whichever is first)."""
        self.status(slug, estimate_id, member_id=member_id)  # yours, or estimate_not_found
        with self._lock:
            entry = self._entries[estimate_id]
        wait([entry.job.future], timeout=timeout)  # never raises: ``_status`` reads the outcome
        return _status(entry)

    def _forget_old(self, member_id: str) -> None:
        """Forget finished estimates past ``KEEP``, and this member's oldest finished ones
        beyond ``PER_MEMBER``."""
        cutoff = self._clock.now() - KEEP
        with self._lock:
            for key, entry in list(self._entries.items()):
                if entry.job.future.done() and entry.started_at < cutoff:
                    del self._entries[key]
            mine = sorted(
                (e for e in self._entries.values() if e.member_id == member_id),
                key=lambda e: e.started_at,
            )
            for entry in mine[: max(0, len(mine) - PER_MEMBER + 1)]:
                if entry.job.future.done():
                    del self._entries[entry.id]


def _status(entry: _Entry) -> EstimateStatus:
    future = entry.job.future
    planned = max(1, 2 * entry.request.seeds * entry.request.steps)  # two arms per seed
    running = EstimateStatus(
        id=entry.id,
        slug=entry.slug,
        request=entry.request,
        state=EstimateState.RUNNING,
        started_at=entry.started_at,
        progress=min(0.99, entry.job.steps_done / planned),
    )
    if not future.done():
        return running
    try:
        result = future.result()
    except DomainError as error:
        return replace(running, state=EstimateState.REFUSED, progress=1.0, refusal=error)
    except (CancelledError, SimulationCancelled):
        stopped = InvalidValue("the estimate was stopped before it finished; start it again")
        return replace(running, state=EstimateState.REFUSED, progress=1.0, refusal=stopped)
    return replace(running, state=EstimateState.DONE, progress=1.0, result=result)
