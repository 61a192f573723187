"""Proposals: a typed effect put to the members' vote, and its state machine.

A proposal is open from ``opens_at`` until ``closes_at`` (or until every eligible voter has
voted, directly or through a delegate); closing decides it passed or failed, and a passed
proposal's effect is applied in the same transaction, which ``TRANSITIONS`` marks. Only the
system closes; the author may withdraw a proposal nobody has voted on yet.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from cybermutual.domain.errors import (
    InvalidParams,
    InvalidTransition,
    InvalidValue,
    NotTheAuthor,
    ProposalClosed,
)
from cybermutual.domain.governance.decision import Outcome
from cybermutual.domain.governance.kinds import (
    ENTERPRISE_KINDS,
    SCOPED_KINDS,
    Effect,
    ProposalKind,
    parse_effect,
)
from cybermutual.domain.governance.tally import Tally

DEFAULT_VOTING_DAYS = 7
MIN_VOTING = timedelta(minutes=1)
MAX_VOTING = timedelta(days=90)


class ProposalStatus(StrEnum):
    OPEN = "open"  # members vote; the tally stays secret
    PASSED = "passed"  # decided yes; its effect was applied when it closed
    FAILED = "failed"  # no quorum, not enough yes, or a tie
    WITHDRAWN = "withdrawn"  # its author took it back before anyone voted

    @property
    def is_closed(self) -> bool:
        return self is not ProposalStatus.OPEN


class Action(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WITHDRAW = "withdraw"


class Role(StrEnum):
    AUTHOR = "author"
    SYSTEM = "system"  # the closing: at closes_at, or once every voter has spoken


@dataclass(frozen=True, slots=True)
class Rule:
    to: ProposalStatus
    role: Role
    applies_effect: bool


#: Every legal step: (from, action) -> (to, who takes it, whether the effect is applied).
TRANSITIONS: dict[tuple[ProposalStatus, Action], Rule] = {
    (ProposalStatus.OPEN, Action.PASS): Rule(ProposalStatus.PASSED, Role.SYSTEM, True),
    (ProposalStatus.OPEN, Action.FAIL): Rule(ProposalStatus.FAILED, Role.SYSTEM, False),
    (ProposalStatus.OPEN, Action.WITHDRAW): Rule(ProposalStatus.WITHDRAWN, Role.AUTHOR, False),
}


@dataclass(frozen=True, slots=True)
class Proposal:
    id: str
    collective_id: str
    kind: ProposalKind
    title: str
    body: str
    params: dict[str, Any]
    author_id: str
    status: ProposalStatus
    opens_at: datetime
    closes_at: datetime
    closed_at: datetime | None = None
    tally: Tally | None = None  # public once closed
    outcome: str | None = None  # passed | quorum_not_met | threshold_not_met | tied | withdrawn
    #: the scope: None for the collective's own decisions, else the co-operative whose
    #: worker-owners (and only they) vote on it
    enterprise_id: str | None = None

    @property
    def effect(self) -> Effect:
        return parse_effect(self.kind.value, self.params)

    def is_due(self, now: datetime) -> bool:
        """Past its closing time but still open: the next reader or tick closes it."""
        return self.status is ProposalStatus.OPEN and now >= self.closes_at

    def accepts_votes(self, now: datetime) -> bool:
        return self.status is ProposalStatus.OPEN and now < self.closes_at


def check_title(title: str) -> str:
    title = " ".join(title.split())
    if not 1 <= len(title) <= 200:
        raise InvalidValue("title must have 1-200 characters", field="title")
    return title


def check_body(body: str) -> str:
    if len(body) > 20_000:
        raise InvalidValue("body must have at most 20000 characters", field="body")
    return body


def check_comment(text: str) -> str:
    if not text.strip() or len(text) > 5_000:
        raise InvalidValue("a comment has 1-5000 characters", field="body")
    return text.strip()


def open_proposal(
    *,
    proposal_id: str,
    collective_id: str,
    author_id: str,
    kind: str,
    title: str,
    body: str,
    params: object,
    now: datetime,
    closes_at: datetime | None = None,
    enterprise_id: str | None = None,
) -> Proposal:
    """A new open proposal whose params are validated into their canonical form.

    ``enterprise_id`` scopes it to a co-operative: only the kinds its worker-owners decide
    (``SCOPED_KINDS``) may be scoped, and those kinds only ever are."""
    effect = parse_effect(kind, params)
    check_scope(effect.kind, enterprise_id=enterprise_id)
    closes = closes_at or now + timedelta(days=DEFAULT_VOTING_DAYS)
    if closes.tzinfo is None:
        raise InvalidValue("closes_at needs a time zone", field="closes_at")
    if not MIN_VOTING <= closes - now <= MAX_VOTING:
        raise InvalidValue(
            "closes_at must be between one minute and 90 days from now", field="closes_at"
        )
    return Proposal(
        id=proposal_id,
        collective_id=collective_id,
        kind=effect.kind,
        title=check_title(title),
        body=check_body(body),
        params=effect.params(),
        author_id=author_id,
        status=ProposalStatus.OPEN,
        opens_at=now,
        closes_at=closes,
        enterprise_id=enterprise_id,
    )


def check_scope(kind: ProposalKind, *, enterprise_id: str | None) -> None:
    """A co-operative's kinds are proposed in the co-operative, the collective's in the
    collective (a resolution in either)."""
    if enterprise_id is None and kind in ENTERPRISE_KINDS:
        raise InvalidParams(
            f"{kind.value} is a co-operative's decision: propose it in the enterprise "
            "(.../enterprises/{id}/proposals), where its worker-owners vote",
            field="kind",
        )
    if enterprise_id is not None and kind not in SCOPED_KINDS:
        options = "|".join(sorted(k.value for k in SCOPED_KINDS))
        raise InvalidParams(
            f"a co-operative's proposal is one of {options}; {kind.value} is the collective's "
            "to decide",
            field="kind",
        )


def close(proposal: Proposal, *, tally: Tally, outcome: Outcome, now: datetime) -> Proposal:
    """The system closes an open proposal with its tally and decision."""
    action = Action.PASS if outcome.passed else Action.FAIL
    rule = _rule(proposal, action)
    return replace(
        proposal, status=rule.to, closed_at=now, tally=tally, outcome=outcome.reason.value
    )


def withdraw(proposal: Proposal, *, actor: str, ballots: int, now: datetime) -> Proposal:
    """The author takes back a proposal on which nobody has voted."""
    if actor != proposal.author_id:
        raise NotTheAuthor("only the author may withdraw a proposal")
    rule = _rule(proposal, Action.WITHDRAW)
    if ballots:
        raise InvalidTransition(
            "members have already voted; the proposal runs to its close", ballots=ballots
        )
    return replace(proposal, status=rule.to, closed_at=now, outcome="withdrawn")


def _rule(proposal: Proposal, action: Action) -> Rule:
    rule = TRANSITIONS.get((proposal.status, action))
    if rule is None:
        raise ProposalClosed(
            f"the proposal is {proposal.status.value}",
            status=proposal.status.value,
            action=action.value,
        )
    return rule
