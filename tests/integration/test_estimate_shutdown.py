"""A server that stops does not wait for a proposal's estimate: it stops at its next step and
stays pending, so the next start computes it (the documented examples' server took over 30 s
to exit on SIGTERM while an estimate ran)."""

from __future__ import annotations

import threading

from cybermutual.services.container import Services
from tests.helpers import members


def _proposal_with_trade(services: Services) -> tuple[str, str]:
    slug, people = members(services, 3)
    for k in range(6):  # trade the estimate is calibrated to
        services.ledger.pay(
            slug,
            payer=people[k % 3].id,
            payee=people[(k + 1) % 3].id,
            amount=200 + 10 * k,
            idempotency_key=f"trade-{k}",
        )
    view = services.proposals.propose(
        slug,
        author=people[0].id,
        kind="basic_income",
        title="A weekly basic income",
        body="",
        params={"amount": 250, "period": "week"},
    )
    return slug, view.proposal.id


def test_a_stopping_server_leaves_the_estimate_pending_for_the_next_start(
    sqlite_services: Services,
) -> None:
    services = sqlite_services
    slug, proposal_id = _proposal_with_trade(services)
    impacts = services.proposal_impact
    impacts.seeds, impacts.steps = 4, 520  # long enough to be stopped in the middle
    started = threading.Event()
    run = impacts._impact.estimate

    def estimate(*args: object, **kwargs: object) -> object:
        started.set()
        return run(*args, **kwargs)  # type: ignore[arg-type]

    impacts._impact.estimate = estimate  # type: ignore[method-assign,assignment]
    result: list[bool] = []
    worker = threading.Thread(target=lambda: result.append(impacts.compute(slug, proposal_id)))
    worker.start()
    assert started.wait(60)
    impacts.stop()
    worker.join(60)
    assert not worker.is_alive()
    assert result == [False]
    with services.uow(readonly=True) as uow:
        assert uow.governance.impact(proposal_id).status == "pending"
    assert impacts.compute(slug, proposal_id) is False  # a stopped service starts nothing new
    impacts._stopping.clear()  # the next start: the estimate is claimed again and computed
    impacts.seeds, impacts.steps = 1, 4
    assert impacts.compute(slug, proposal_id) is True
    with services.uow(readonly=True) as uow:
        assert uow.governance.impact(proposal_id).status == "ready"
