"""The simulator's estimate of a proposal's impact, computed once, in the background.

When a proposal of a kind the simulator models opens, its estimate is ``pending``; the first
worker to claim it (the request's background task, the scheduler, or ``cybermutual tick``)
runs the policy-impact simulation outside any transaction and stores the answer (``ready``,
or ``failed`` with the reason). A claim older than ``STALE`` is taken over, so a crash does not
leave an estimate pending for ever.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from cybermutual.domain.errors import DomainError, ProposalNotFound
from cybermutual.domain.governance import kinds as k
from cybermutual.domain.governance.proposals import Proposal
from cybermutual.services.governance_ports import Impact
from cybermutual.services.governance_proposals import _load, require_active_or_former
from cybermutual.services.loading import load_collective
from cybermutual.services.policy_impact import (
    DEFAULT_SEEDS,
    DEFAULT_STEPS,
    PolicyChange,
    PolicyImpactService,
    weekly,
)
from cybermutual.services.ports import Clock, UnitOfWorkFactory
from cybermutual.services.simulation_pool import SimulationCancelled

STALE = timedelta(minutes=10)
#: Refusals that say "not now" rather than "never": the estimate stays pending and is retried.
TRANSIENT = frozenset({"simulator_busy", "too_many_simulations"})


def policy_change(effect: k.Effect) -> PolicyChange | None:
    """The proposal as the simulator's policy (money per week), or None if it has none."""
    if isinstance(effect, k.SetLevy):
        return PolicyChange(levy_rate=str(effect.rate))
    if isinstance(effect, k.BasicIncome):
        return PolicyChange(basic_income=_weekly(effect.amount, effect.period))
    if isinstance(effect, k.FundService):
        return PolicyChange(
            services={effect.category: _weekly(effect.budget_per_period, effect.period)}
        )
    if isinstance(effect, k.SetCreditLimit) and effect.member is None:
        return PolicyChange(credit_limit=effect.amount)
    return None


def _weekly(amount: int, period: k.Period) -> int:
    return weekly(amount, period.value)


class ProposalImpactService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        clock: Clock,
        policy_impact: PolicyImpactService,
        seeds: int = DEFAULT_SEEDS,
        steps: int = DEFAULT_STEPS,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._impact = policy_impact
        self.seeds = seeds
        self.steps = steps
        # one background estimate at a time per process: the CPU stays with the members'
        # own estimates (the bounded pool) and the requests; the others wait for the next tick
        self._running = threading.Lock()
        self._stopping = threading.Event()

    def stop(self) -> None:
        """The server is stopping: an estimate running now stops at its next simulated step and
        stays pending (the next start computes it); no new one starts."""
        self._stopping.set()

    def _check_stopping(self) -> None:
        if self._stopping.is_set():
            raise SimulationCancelled

    def impact(self, slug: str, *, viewer: str, proposal_id: str) -> tuple[Proposal, Impact]:
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            require_active_or_former(uow, collective, viewer)
            proposal = _load(uow, collective, proposal_id)
            return proposal, uow.governance.impact(proposal.id)

    def compute(self, slug: str, proposal_id: str) -> bool:
        """Compute and store the estimate if it is pending and nobody else is on it."""
        if self._stopping.is_set() or not self._running.acquire(blocking=False):
            return False  # another estimate runs; this one stays pending for the next tick
        try:
            return self._compute(slug, proposal_id)
        finally:
            self._running.release()

    def _compute(self, slug: str, proposal_id: str) -> bool:
        now = self._clock.now()
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            proposal = _load(uow, collective, proposal_id)
            if not uow.governance.claim_impact(proposal.id, now=now, stale_before=now - STALE):
                return False
            uow.commit()
        change = policy_change(proposal.effect)
        status = "failed"
        estimate: dict[str, Any] = {"error": "the simulator does not model this proposal"}
        if change is not None:
            try:
                estimate = self._impact.estimate(
                    slug,
                    change,
                    seeds=self.seeds,
                    steps=self.steps,
                    on_step=self._check_stopping,
                )
                status = "ready"
            except SimulationCancelled:
                with self._uow() as uow:
                    uow.governance.release_impact(proposal.id)
                    uow.commit()
                return False
            except DomainError as exc:
                if exc.code in TRANSIENT:
                    with self._uow() as uow:
                        uow.governance.release_impact(proposal.id)
                        uow.commit()
                    return False
                # a refusal is shown as it is: the reason, its code and what it measured
                estimate = {"error": exc.detail, "code": exc.code}
                if exc.context:
                    estimate["context"] = exc.context
        with self._uow() as uow:
            uow.governance.store_impact(proposal.id, status=status, estimate=estimate)
            uow.commit()
        return True

    def for_proposal(self, proposal_id: str) -> dict[str, Any]:
        """A proposal's estimate, found by its id alone (computed now if still pending)."""
        with self._uow(readonly=True) as uow:
            collective_id = uow.governance.collective_of(proposal_id)
            if collective_id is None:
                raise ProposalNotFound(f"no proposal {proposal_id}", proposal=proposal_id)
            slug = uow.governance.slugs([collective_id])[collective_id]
        self.compute(slug, proposal_id)
        with self._uow(readonly=True) as uow:
            impact = uow.governance.impact(proposal_id)
        return {"proposal": proposal_id, "collective": slug, **as_dict(impact)}

    def compute_pending(self, *, limit: int = 2) -> int:
        """Compute a few pending estimates (the scheduler's and ``tick``'s share of the work)."""
        with self._uow(readonly=True) as uow:
            pending = uow.governance.pending_impacts(limit=limit)
            slugs = uow.governance.slugs(c for c, _ in pending)
        done = 0
        for collective_id, proposal_id in pending:
            done += self.compute(slugs[collective_id], proposal_id)
        return done


def as_dict(impact: Impact) -> dict[str, Any]:
    return {"status": impact.status, "estimate": impact.estimate}
