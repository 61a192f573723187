"""``cybermutual tick`` (for cron), ``simulate policy --proposal`` and the serve scheduler."""

from __future__ import annotations

import json
import time
from pathlib import Path

from typer.testing import CliRunner

from cybermutual.bootstrap import build_services
from cybermutual.cli import app
from cybermutual.scheduler import Scheduler
from cybermutual.services.container import Services
from cybermutual.store.engine import make_engine
from tests.helpers import FAST_PASSWORDS, FakeClock, members

runner = CliRunner()


def seeded(tmp_path: Path) -> tuple[str, Services, str, list[str]]:
    """A collective whose basic-income proposal closed weeks ago (by the real clock)."""
    url = f"sqlite:///{tmp_path / 'gov.db'}"
    assert runner.invoke(app, ["db", "upgrade", "--database-url", url]).exit_code == 0
    services = build_services(make_engine(url), clock=FakeClock(), passwords=FAST_PASSWORDS)
    # the scheduler's tick also computes pending estimates: these tests time the tick, not them
    services.proposal_impact.seeds, services.proposal_impact.steps = 1, 4
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
    services.votes.vote(slug, voter=people[0].id, proposal_id=view.proposal.id, choice="yes")
    return url, services, view.proposal.id, [p.id for p in people]


def test_tick_closes_applies_and_pays_once(tmp_path: Path) -> None:
    url, _, proposal_id, _ = seeded(tmp_path)
    first = runner.invoke(app, ["tick", "--no-impacts", "--database-url", url])
    assert first.exit_code == 0, first.output
    report = json.loads(first.output)
    assert report["closed"] == [proposal_id]
    assert report["basic_income_paid"] == 3
    again = json.loads(runner.invoke(app, ["tick", "--no-impacts", "--database-url", url]).output)
    assert (again["closed"], again["basic_income_paid"]) == ([], 0)
    verify = runner.invoke(app, ["ledger", "verify", "river", "--database-url", url])
    assert verify.exit_code == 0, verify.output


def test_simulate_policy_for_a_proposal(tmp_path: Path) -> None:
    url, _, proposal_id, _ = seeded(tmp_path)
    result = runner.invoke(
        app, ["simulate", "policy", "--proposal", proposal_id, "--database-url", url]
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert (printed["proposal"], printed["status"]) == (proposal_id, "ready"), printed
    assert {"median_consumption", "gini_income"} <= printed["estimate"].keys()
    missing = runner.invoke(
        app, ["simulate", "policy", "--proposal", "nope", "--database-url", url]
    )
    assert missing.exit_code == 1
    assert "no proposal nope" in missing.output


def test_the_scheduler_ticks_in_the_background(tmp_path: Path) -> None:
    _, services, proposal_id, _ = seeded(tmp_path)
    assert isinstance(services.clock, FakeClock)
    services.clock.advance(days=8)
    scheduler = Scheduler(services, every=0.05)
    scheduler.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with services.uow(readonly=True) as uow:
                collective = services.collectives.profile("river").collective
                proposal = uow.governance.proposal(collective.id, proposal_id)
            if proposal is not None and proposal.status.value == "passed":
                break
            time.sleep(0.05)
    finally:
        scheduler.stop()
    assert proposal is not None
    assert proposal.status.value == "passed"
    assert scheduler.ticks >= 1


def test_the_demo_collective_governs_itself(tmp_path: Path) -> None:
    from cybermutual.demo import DEMO_SLUG, seed
    from cybermutual.store.migrate import upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    upgrade(engine)
    built: list[Services] = []

    def build(clock: object) -> Services:
        services = build_services(engine, clock=clock, passwords=FAST_PASSWORDS)  # type: ignore[arg-type]
        # the estimate's own figures are tested on the demo in test_demo_estimate: a smaller
        # one (a year, four draws) still calibrates to the demo, as that test's does
        services.proposal_impact.seeds, services.proposal_impact.steps = 4, 52
        built.append(services)
        return services

    logins = seed(build, payments=80)
    services = built[0]
    with services.uow(readonly=True) as uow:
        found = uow.people.by_email(logins[0].email)
    assert found is not None
    viewer = found[0].id
    views = services.proposals.proposals(DEMO_SLUG, viewer=viewer).items
    summary = {(v.proposal.kind.value, v.proposal.status.value, v.proposal.outcome) for v in views}
    assert summary == {
        ("set_levy", "passed", "passed"),
        ("fund_service", "passed", "passed"),
        ("resolution", "failed", "quorum_not_met"),
        ("basic_income", "open", None),
        ("open_budget_round", "passed", "passed"),
    }
    open_one = next(v for v in views if v.proposal.status.value == "open")
    assert open_one.impact_status == "ready"
    levy = next(v for v in views if v.proposal.kind.value == "set_levy")
    assert levy.proposal.tally is not None
    assert levy.proposal.tally.delegated.total > 0  # the delegations counted
    service = services.public_services.services(DEMO_SLUG, viewer=viewer).items[0]
    assert len(service.providers) == 2
    provider = service.providers[0][0]
    claims = services.public_services.claims(
        DEMO_SLUG, viewer=provider, service_id=service.service.id
    ).items
    assert any(c.claim.status.value == "paid" for c in claims)
    # a closed budget round with its explained result, and an open one the viewer can vote in
    rounds = {
        v.round.status.value: v
        for v in services.budget_rounds.rounds(DEMO_SLUG, viewer=viewer).items
    }
    assert set(rounds) == {"closed", "open"}
    closed = rounds["closed"]
    assert 5 <= len(closed.projects) <= 8
    assert closed.ballots is not None
    assert closed.ballots > closed.eligible // 2  # most members voted
    result = services.budget_rounds.result(DEMO_SLUG, viewer=viewer, round_id=closed.round.id)
    assert result.result["selected"]
    assert result.result["cost"] <= closed.round.budget
    assert all(p["detail"] for p in result.result["projects"])
    assert rounds["open"].can_vote
    assert rounds["open"].my_ballot is None
    assert services.ledger.verify(DEMO_SLUG).ok
