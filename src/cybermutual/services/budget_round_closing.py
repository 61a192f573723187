"""Opening and closing budget rounds inside a unit of work: shared by the members' service, the
effect of a passed ``open_budget_round`` proposal, and the tick.

``close`` stores the closed round only if it is still open (a conditional update, after locking
it), and raises service budgets only after winning that update, so two closers (the scheduler
and a reader, two servers, a cron ``tick``) never record a result or raise a budget twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cybermutual.domain.collective import Collective
from cybermutual.domain.errors import InvalidValue
from cybermutual.domain.governance import budget_rounds as rules
from cybermutual.domain.governance.budget_rounds import BudgetRound, RoundProject, RoundStatus
from cybermutual.domain.governance.budgeting import BudgetElection, Outcome, decide
from cybermutual.domain.governance.periods import window_of
from cybermutual.domain.governance.public_services import ServiceStatus
from cybermutual.domain.ledger import AccountKind
from cybermutual.domain.market.events import EventKind, MarketEvent
from cybermutual.domain.membership import MembershipStatus
from cybermutual.services.inbox import notify
from cybermutual.services.ports import UnitOfWork

MAX_VOTERS = 1_000_000


def active_members(uow: UnitOfWork, collective: Collective) -> list[str]:
    members: list[str] = []
    cursor: str | None = None
    while True:
        page = uow.memberships.list(
            collective.id, status=MembershipStatus.ACTIVE, limit=10_000, cursor=cursor
        )
        members.extend(m.member_id for m, _ in page.items)
        cursor = page.next_cursor
        if cursor is None or len(members) >= MAX_VOTERS:
            return members


def open_round(uow: UnitOfWork, collective: Collective, budget_round: BudgetRound) -> None:
    """Store a new open round; the members active now are its voters."""
    uow.budget_rounds.add_round(budget_round, voters=active_members(uow, collective))


def eligible_voters(uow: UnitOfWork, collective: Collective, budget_round: BudgetRound) -> set[str]:
    """Members active when the round opened who are still active members."""
    voters = uow.budget_rounds.voters(budget_round.id)
    standing = uow.memberships.get_many(collective.id, voters)
    return {m for m in voters if m in standing and standing[m].is_active}


def decide_round(
    budget_round: BudgetRound,
    projects: list[RoundProject],
    ballots: dict[str, list[str]],
    *,
    increment: int,
) -> tuple[Outcome, BudgetElection]:
    """The round's outcome under its rule, completed by add1 (raising every share by
    ``increment``) unless add1 cannot settle, in which case without completion."""
    election = rules.election_of(budget_round.budget, projects, ballots)
    rule: Any = budget_round.rule
    try:
        return decide(election, rule=rule, completion="add1", increment=increment), election
    except InvalidValue:
        return decide(election, rule=rule, completion="none"), election


@dataclass(frozen=True, slots=True)
class Raise:
    service_id: str
    project_id: str
    period_key: str
    amount: int


def close(
    uow: UnitOfWork, collective: Collective, budget_round: BudgetRound, *, now: datetime
) -> BudgetRound | None:
    """Close an open round now: decide, record the result, raise service budgets. None when
    someone else closed it first.

    The round is locked before its ballots are read, so a ballot either lands before the count
    (and is in it) or after the close (and is refused)."""
    locked = uow.budget_rounds.round(collective.id, budget_round.id, lock=True)
    if locked is None or locked.status is not RoundStatus.OPEN:
        return None
    eligible = eligible_voters(uow, collective, locked)
    ballots = {v: a for v, a in uow.budget_rounds.ballots(locked.id).items() if v in eligible and a}
    projects = uow.budget_rounds.projects(locked.id)
    outcome, election = decide_round(
        locked, projects, ballots, increment=10**collective.currency.decimals
    )
    fund = uow.accounts.system(collective.id, AccountKind.COMMONS_FUND)
    funded, reason = rules.funding(locked.budget, fund.headroom)
    result = rules.result_of(
        outcome,
        election=election,
        names={p.id: p.name for p in projects},
        funded=funded,
        funded_reason=reason,
    )
    raises, effects = _effects(uow, collective, projects, outcome, funded=funded, now=now)
    result["effects"] = effects
    result["eligible"] = len(eligible)
    closed = rules.close(locked, result=result, now=min(now, locked.closes_at))
    if not uow.budget_rounds.finish(closed):
        return None
    for r in raises:
        uow.budget_rounds.add_raise(
            service_id=r.service_id,
            round_id=closed.id,
            project_id=r.project_id,
            period_key=r.period_key,
            amount=r.amount,
            at=now,
        )
    unfunded = "" if funded else " (not funded: the fund could not cover its budget)"
    notify(
        uow,
        collective,
        [
            MarketEvent(
                EventKind.BUDGET_ROUND_CLOSED,
                (closed.opened_by, *sorted(ballots)),
                "budget_round",
                closed.id,
                f"The budget round '{closed.title}' closed: {len(outcome.selected)} of "
                f"{len(projects)} projects selected, costing "
                f"{collective.currency.format(outcome.cost)} of "
                f"{collective.currency.format(closed.budget)}{unfunded}.",
            )
        ],
        now=now,
    )
    return closed


def _effects(
    uow: UnitOfWork,
    collective: Collective,
    projects: list[RoundProject],
    outcome: Outcome,
    *,
    funded: bool,
    now: datetime,
) -> tuple[list[Raise], list[dict[str, Any]]]:
    """What the result does for each selected project: raise its service's budget for the
    current period by its cost, or record it for the collective to act on."""
    by_id = {p.id: p for p in projects}
    raises: list[Raise] = []
    effects: list[dict[str, Any]] = []
    for project_id in outcome.selected:
        project = by_id[project_id]
        if not funded:
            effects.append(_effect(project, "not_funded", "the fund could not cover the budget"))
            continue
        if project.service_id is None:
            effects.append(_effect(project, "recorded", "recorded for the collective to act on"))
            continue
        service = uow.public_services.service(collective.id, project.service_id)
        if service is None or service.status is ServiceStatus.ENDED:
            effects.append(
                _effect(
                    project,
                    "recorded",
                    f"service {project.service_id} has ended: recorded for the collective "
                    "to act on",
                )
            )
            continue
        period = window_of(now, service.period).key
        raises.append(Raise(service.id, project.id, period, project.cost))
        effects.append(
            _effect(
                project,
                "service_budget_raised",
                f"raised the budget of '{service.name}' for {period} by {project.cost}",
                service=service.id,
                period=period,
            )
        )
    return raises, effects


def _effect(project: RoundProject, action: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"project": project.id, "action": action, "detail": detail, **extra}


def close_if_due(
    uow: UnitOfWork, collective: Collective, budget_round: BudgetRound, *, now: datetime
) -> BudgetRound | None:
    if not budget_round.is_due(now):
        return None
    return close(uow, collective, budget_round, now=now)
