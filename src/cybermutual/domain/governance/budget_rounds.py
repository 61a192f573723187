"""Budget rounds: members propose projects, approve the ones they want, and the round's rule
decides at the close which the fund pays for (the rules themselves are in :mod:`.budgeting`).

A round is open from ``opens_at`` until ``closes_at``; while open, members propose projects and
cast (or replace) one approval ballot each. The system closes it at ``closes_at``, deciding the
outcome from the ballots of voters who were active members when it opened and still are;
``TRANSITIONS`` marks the close as the step that records the result. Its opener may cancel a
round on which nobody has voted yet. A round imported from a Pabulib file is born closed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from fractions import Fraction
from typing import Any

from cybermutual.domain.errors import (
    BudgetRoundClosed,
    InvalidTransition,
    InvalidValue,
    NotTheAuthor,
    ProjectNotFound,
)
from cybermutual.domain.governance.budgeting import (
    MAX_AMOUNT,
    RULES,
    BudgetElection,
    BudgetProject,
    Outcome,
)

MIN_OPEN = timedelta(minutes=1)
MAX_OPEN = timedelta(days=90)
MAX_PROJECTS = 200
MAX_TITLE = 200
MAX_NAME = 120
MAX_DESCRIPTION = 5_000


class RoundStatus(StrEnum):
    OPEN = "open"  # members propose projects and vote; ballots stay secret
    CLOSED = "closed"  # decided: the result is recorded and public
    CANCELLED = "cancelled"  # its opener called it off before anyone voted

    @property
    def is_closed(self) -> bool:
        return self is not RoundStatus.OPEN


class Action(StrEnum):
    CLOSE = "close"
    CANCEL = "cancel"


class Role(StrEnum):
    SYSTEM = "system"  # the tick (or a reader) at closes_at
    OPENER = "opener"  # who opened it (the author of the proposal that opened it)


@dataclass(frozen=True, slots=True)
class Rule:
    to: RoundStatus
    role: Role
    records_result: bool


#: Every legal step: (from, action) -> (to, who takes it, whether the result is recorded).
TRANSITIONS: dict[tuple[RoundStatus, Action], Rule] = {
    (RoundStatus.OPEN, Action.CLOSE): Rule(RoundStatus.CLOSED, Role.SYSTEM, True),
    (RoundStatus.OPEN, Action.CANCEL): Rule(RoundStatus.CANCELLED, Role.OPENER, False),
}


@dataclass(frozen=True, slots=True)
class BudgetRound:
    id: str
    collective_id: str
    title: str
    budget: int
    rule: str  # equal_shares | greedy
    status: RoundStatus
    opened_by: str
    opens_at: datetime
    closes_at: datetime
    source: str = "members"  # members | proposal | import
    proposal_id: str | None = None
    closed_at: datetime | None = None
    result: dict[str, Any] | None = None  # public once closed

    def is_due(self, now: datetime) -> bool:
        return self.status is RoundStatus.OPEN and now >= self.closes_at

    def accepts_input(self, now: datetime) -> bool:
        return self.status is RoundStatus.OPEN and now < self.closes_at


@dataclass(frozen=True, slots=True)
class RoundProject:
    id: str
    round_id: str
    name: str
    cost: int
    description: str
    proposed_by: str | None  # None for an imported project
    service_id: str | None
    created_at: datetime


def check_rule(rule: str) -> str:
    if rule not in RULES:
        raise InvalidValue(f"rule must be one of {'|'.join(RULES)}", field="rule")
    return rule


def check_budget(budget: object, field: str = "budget") -> int:
    if isinstance(budget, bool) or not isinstance(budget, int) or not 1 <= budget <= MAX_AMOUNT:
        raise InvalidValue(f"{field} must be a whole number from 1 to {MAX_AMOUNT}", field=field)
    return budget


def check_closes_at(closes_at: datetime, *, now: datetime, field: str = "closes_at") -> datetime:
    if closes_at.tzinfo is None:
        raise InvalidValue(f"{field} needs a time zone", field=field)
    if not MIN_OPEN <= closes_at - now <= MAX_OPEN:
        raise InvalidValue(f"{field} must be between one minute and 90 days from now", field=field)
    return closes_at


def _text(value: str, field: str, high: int, *, required: bool = True) -> str:
    value = " ".join(value.split()) if field != "description" else value.strip()
    if (required and not value) or len(value) > high:
        low = 1 if required else 0
        raise InvalidValue(f"{field} must have {low}-{high} characters", field=field)
    return value


def open_round(
    *,
    round_id: str,
    collective_id: str,
    opened_by: str,
    title: str,
    budget: int,
    rule: str,
    closes_at: datetime,
    now: datetime,
    source: str = "members",
    proposal_id: str | None = None,
) -> BudgetRound:
    """A new open round, its terms validated."""
    return BudgetRound(
        id=round_id,
        collective_id=collective_id,
        title=_text(title, "title", MAX_TITLE),
        budget=check_budget(budget),
        rule=check_rule(rule),
        status=RoundStatus.OPEN,
        opened_by=opened_by,
        opens_at=now,
        closes_at=check_closes_at(closes_at, now=now),
        source=source,
        proposal_id=proposal_id,
    )


def propose_project(
    budget_round: BudgetRound,
    *,
    project_id: str,
    proposer: str,
    name: str,
    cost: int,
    description: str,
    service_id: str | None,
    existing: int,
    now: datetime,
) -> RoundProject:
    """A member's project for an open round: it must cost something and fit the budget."""
    require_open(budget_round, now=now, action="propose projects")
    if existing >= MAX_PROJECTS:
        raise InvalidValue(f"a round has at most {MAX_PROJECTS} projects", field="name")
    cost = check_budget(cost, "cost")
    if cost > budget_round.budget:
        raise InvalidValue(
            f"the project costs {cost}, more than the round's whole budget of "
            f"{budget_round.budget}",
            field="cost",
        )
    return RoundProject(
        id=project_id,
        round_id=budget_round.id,
        name=_text(name, "name", MAX_NAME),
        cost=cost,
        description=_text(description, "description", MAX_DESCRIPTION, required=False),
        proposed_by=proposer,
        service_id=service_id,
        created_at=now,
    )


def check_ballot(approve: Sequence[str], *, projects: Mapping[str, RoundProject]) -> list[str]:
    """The approved project ids, each once and each a project of the round."""
    seen: list[str] = []
    for project_id in approve:
        if project_id not in projects:
            raise ProjectNotFound(f"the round has no project {project_id}", project=project_id)
        if project_id in seen:
            raise InvalidValue(f"project {project_id} is approved twice", field="approve")
        seen.append(project_id)
    return sorted(seen)


def require_open(budget_round: BudgetRound, *, now: datetime, action: str) -> None:
    if not budget_round.accepts_input(now):
        state = budget_round.status.value if budget_round.status.is_closed else "past its close"
        raise BudgetRoundClosed(
            f"the round is {state}: nobody may {action} any more", status=budget_round.status.value
        )


def close(budget_round: BudgetRound, *, result: dict[str, Any], now: datetime) -> BudgetRound:
    """The system closes an open round with its recorded result."""
    rule = _rule(budget_round, Action.CLOSE)
    return replace(budget_round, status=rule.to, closed_at=now, result=result)


def cancel(budget_round: BudgetRound, *, actor: str, ballots: int, now: datetime) -> BudgetRound:
    """Its opener calls off a round on which nobody has voted."""
    if actor != budget_round.opened_by:
        raise NotTheAuthor("only whoever opened the round may cancel it")
    rule = _rule(budget_round, Action.CANCEL)
    if ballots:
        raise InvalidTransition(
            "members have already voted; the round runs to its close", ballots=ballots
        )
    return replace(budget_round, status=rule.to, closed_at=now)


def _rule(budget_round: BudgetRound, action: Action) -> Rule:
    rule = TRANSITIONS.get((budget_round.status, action))
    if rule is None:
        raise BudgetRoundClosed(
            f"the round is {budget_round.status.value}",
            status=budget_round.status.value,
            action=action.value,
        )
    return rule


# --- the result ------------------------------------------------------------------------------


def election_of(
    budget: int, projects: Sequence[RoundProject], ballots: Mapping[str, Sequence[str]]
) -> BudgetElection:
    """The election a round decides: projects in id order, one ballot per voter (id order)."""
    voters = sorted(ballots)
    return BudgetElection.of(
        budget=budget,
        projects=[BudgetProject(p.id, p.cost, p.name) for p in sorted(projects, key=_by_id)],
        ballots=[ballots[v] for v in voters],
        voter_ids=voters,
    )


def _by_id(project: RoundProject) -> str:
    return project.id


def _frac(value: Fraction | None) -> str | None:
    return None if value is None else str(value)


def funding(budget: int, fund_available: int | None) -> tuple[bool, str]:
    """Whether the fund can stand behind a round's budget at its close, and why.

    ``fund_available`` is what the commons fund may still pay out (None: it has no floor)."""
    if fund_available is None:
        return True, "the commons fund has no floor"
    if budget <= fund_available:
        return True, (
            f"the commons fund had {fund_available} available at the close, enough for the "
            f"round's budget of {budget}"
        )
    return False, (
        f"the commons fund had {fund_available} available at the close, less than the round's "
        f"budget of {budget}: the selection is recorded, nothing is funded"
    )


def result_of(
    outcome: Outcome,
    *,
    election: BudgetElection,
    names: Mapping[str, str],
    funded: bool,
    funded_reason: str,
) -> dict[str, Any]:
    """What a closed round records: the winners, why each project won or lost, what every
    voter paid from their equal share, and whether the fund could pay for it."""
    reason = funded_reason
    voters: dict[str, Any] = {}
    for share in outcome.voter_shares():
        voters[share.voter] = {
            "share": _frac(share.share),
            "paid": [{"project": p, "amount": str(a)} for p, a in share.paid],
            "total_paid": str(share.total_paid),
            "approved_winners": list(share.approved_winners),
        }
    return {
        "rule": outcome.rule,
        "completion": outcome.completion,
        "budget": outcome.budget,
        "selected": list(outcome.selected),
        "cost": outcome.cost,
        "share": _frac(outcome.share),
        "completion_steps": outcome.completion_steps,
        "stopped_because": outcome.stopped_because,
        "voters": election.voters,
        "funded": funded,
        "funded_reason": reason,
        "projects": [
            {
                "id": v.id,
                "name": names.get(v.id, ""),
                "cost": v.cost,
                "approvals": v.approvals,
                "selected": v.selected,
                "reason": v.reason,
                "detail": v.detail,
                "round": v.round,
                "rho": _frac(v.rho),
                "price_per_supporter": _frac(v.price_per_supporter),
                "supporters_remaining": _frac(v.supporters_remaining),
            }
            for v in outcome.projects
        ],
        "voter_shares": voters,
    }
