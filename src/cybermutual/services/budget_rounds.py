"""Participatory budget rounds: open one, propose projects, approve them, read the result,
export a round to a Pabulib file or import one.

Ballots are secret until the close: an open round shows each member only their own ballot.
A round past its closing time is closed by whoever reads it first (or by the tick), in a write
transaction, before it is shown. The rules are in ``domain/governance/budget_rounds.py`` and
``budgeting.py``; the closing, shared with the tick and with passed proposals, in
``budget_round_closing.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cybermutual.domain.collective import Collective
from cybermutual.domain.errors import (
    BudgetRoundClosed,
    BudgetRoundNotClosed,
    BudgetRoundNotFound,
    NotAllowed,
    NotEligible,
    ServiceEnded,
    ServiceNotFound,
)
from cybermutual.domain.governance import budget_rounds as rules
from cybermutual.domain.governance.budget_rounds import BudgetRound, RoundProject, RoundStatus
from cybermutual.domain.governance.public_services import ServiceStatus
from cybermutual.domain.membership import require_active
from cybermutual.services import budget_round_closing as closing
from cybermutual.services import budget_round_files as files
from cybermutual.services.governance_proposals import require_active_or_former
from cybermutual.services.ids import new_id
from cybermutual.services.loading import check_limit, load_collective
from cybermutual.services.ports import Clock, Page, UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class RoundView:
    round: BudgetRound
    opened_by_name: str
    projects: list[RoundProject]
    my_ballot: list[str] | None  # the viewer's own; nobody else's, ever
    can_vote: bool
    eligible: int
    ballots: int | None  # how many voted: public once closed


@dataclass(frozen=True, slots=True)
class BallotView:
    round_id: str
    approve: list[str]
    cast_at: datetime | None


@dataclass(frozen=True, slots=True)
class ResultView:
    round: BudgetRound
    result: dict[str, Any]
    projects: list[RoundProject]
    my_share: dict[str, Any] | None  # what the viewer paid; None if they cast no ballot


class BudgetRoundService:
    def __init__(self, uow: UnitOfWorkFactory, *, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    # --- opening -----------------------------------------------------------------------------

    def open(
        self,
        slug: str,
        *,
        opener: str,
        title: str,
        budget: int,
        rule: str,
        closes_at: datetime,
    ) -> RoundView:
        """Any active member opens a round, where the charter opens rounds to members."""
        now = self._clock.now()
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            require_active(uow.memberships.get(collective.id, opener))
            _require_open_to_members(collective)
            budget_round = rules.open_round(
                round_id=new_id(),
                collective_id=collective.id,
                opened_by=opener,
                title=title,
                budget=budget,
                rule=rule,
                closes_at=closes_at,
                now=now,
            )
            closing.open_round(uow, collective, budget_round)
            uow.commit()
            return self._view(uow, collective, budget_round, opener)

    def import_pabulib(self, slug: str, *, importer: str, text: str) -> RoundView:
        """A Pabulib file as a new round closed for input, its result computed at once. Its
        ballots are the file's (its voters are not members); it moves no money."""
        now = self._clock.now()
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            require_active(uow.memberships.get(collective.id, importer))
            _require_open_to_members(collective)
            imported = files.imported_round(
                text, round_id=new_id(), collective_id=collective.id, importer=importer, now=now
            )
            closed = imported.round
            uow.budget_rounds.add_round(closed, voters=[], meta=imported.meta)
            for project in imported.projects:
                uow.budget_rounds.add_project(project)
            uow.budget_rounds.save_ballots(closed.id, imported.ballots, at=now)
            uow.commit()
            return self._view(uow, collective, closed, importer)

    # --- reading -----------------------------------------------------------------------------

    def rounds(
        self,
        slug: str,
        *,
        viewer: str,
        status: RoundStatus | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[RoundView]:
        with self._uow(readonly=True) as uow:
            require_active_or_former(uow, load_collective(uow, slug), viewer)
        self._close_due_in(slug)
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            page = uow.budget_rounds.rounds(
                collective.id, status=status, limit=check_limit(limit), cursor=cursor
            )
            return Page(
                [self._view(uow, collective, r, viewer) for r in page.items], page.next_cursor
            )

    def round(self, slug: str, *, viewer: str, round_id: str) -> RoundView:
        with self._uow(readonly=True) as uow:
            require_active_or_former(uow, load_collective(uow, slug), viewer)
        self._close_if_due(slug, round_id)
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            return self._view(uow, collective, _load(uow, collective, round_id), viewer)

    def result(self, slug: str, *, viewer: str, round_id: str) -> ResultView:
        """The closed round's result; each voter sees what they paid, nobody else's share."""
        with self._uow(readonly=True) as uow:
            require_active_or_former(uow, load_collective(uow, slug), viewer)
        self._close_if_due(slug, round_id)
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            budget_round = _load(uow, collective, round_id)
            result = _require_result(budget_round)
            shares: dict[str, Any] = result.get("voter_shares", {})
            public = {k: v for k, v in result.items() if k != "voter_shares"}
            return ResultView(
                budget_round,
                public,
                uow.budget_rounds.projects(round_id),
                shares.get(viewer) if budget_round.source != "import" else None,
            )

    def export_pabulib(self, slug: str, *, viewer: str, round_id: str) -> str:
        """A closed round as a Pabulib file (voters numbered, never named)."""
        with self._uow(readonly=True) as uow:
            require_active_or_former(uow, load_collective(uow, slug), viewer)
        self._close_if_due(slug, round_id)
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            budget_round = _load(uow, collective, round_id)
            return files.exported_text(
                collective,
                budget_round,
                result=_require_result(budget_round),
                projects=uow.budget_rounds.projects(round_id),
                ballots=uow.budget_rounds.ballots(round_id),
                meta=uow.budget_rounds.meta(round_id),
            )

    # --- taking part -------------------------------------------------------------------------

    def propose_project(
        self,
        slug: str,
        *,
        proposer: str,
        round_id: str,
        name: str,
        cost: int,
        description: str = "",
        service_id: str | None = None,
    ) -> RoundProject:
        """Any active member proposes a project while the round is open."""
        now = self._clock.now()
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            require_active(uow.memberships.get(collective.id, proposer))
            budget_round = _load(uow, collective, round_id, lock=True)
            if service_id is not None:
                service = uow.public_services.service(collective.id, service_id)
                if service is None:
                    raise ServiceNotFound(f"no service {service_id}", service=service_id)
                if service.status is ServiceStatus.ENDED:
                    raise ServiceEnded("that service has ended")
            project = rules.propose_project(
                budget_round,
                project_id=new_id(),
                proposer=proposer,
                name=name,
                cost=cost,
                description=description,
                service_id=service_id,
                existing=uow.budget_rounds.project_count(round_id),
                now=now,
            )
            uow.budget_rounds.add_project(project)
            uow.commit()
            return project

    def vote(self, slug: str, *, voter: str, round_id: str, approve: list[str]) -> BallotView:
        """Cast or replace one's approval ballot; an empty one withdraws it."""
        now = self._clock.now()
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            require_active(uow.memberships.get(collective.id, voter))
            budget_round = _load(uow, collective, round_id, lock=True)
            rules.require_open(budget_round, now=now, action="vote")
            if not uow.budget_rounds.is_voter(round_id, voter):
                raise NotEligible(
                    "only members active when the round opened may vote in it", round=round_id
                )
            projects = {p.id: p for p in uow.budget_rounds.projects(round_id)}
            approved = rules.check_ballot(approve, projects=projects)
            if approved:
                uow.budget_rounds.save_ballot(round_id, voter, approved, at=now)
            else:
                uow.budget_rounds.remove_ballot(round_id, voter)
            uow.commit()
            return BallotView(round_id, approved, now if approved else None)

    def cancel(self, slug: str, *, actor: str, round_id: str) -> RoundView:
        now = self._clock.now()
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            require_active(uow.memberships.get(collective.id, actor))
            budget_round = _load(uow, collective, round_id, lock=True)
            cancelled = rules.cancel(
                budget_round,
                actor=actor,
                ballots=uow.budget_rounds.ballot_count(round_id),
                now=now,
            )
            if not uow.budget_rounds.finish(cancelled):
                raise BudgetRoundClosed("the round has just closed")
            uow.commit()
            return self._view(uow, collective, cancelled, actor)

    # --- closing -----------------------------------------------------------------------------

    def close_due(self, slug: str) -> list[str]:
        """Close every round of the collective whose time has come (the tick)."""
        return self._close_due_in(slug)

    def _close_if_due(self, slug: str, round_id: str) -> str | None:
        now = self._clock.now()
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            if not _load(uow, collective, round_id).is_due(now):
                return None
        with self._uow() as uow:
            collective = load_collective(uow, slug)
            closed = closing.close_if_due(
                uow, collective, _load(uow, collective, round_id), now=now
            )
            uow.commit()
        return None if closed is None else closed.id

    def _close_due_in(self, slug: str) -> list[str]:
        now = self._clock.now()
        with self._uow(readonly=True) as uow:
            collective = load_collective(uow, slug)
            due = [r.id for r in uow.budget_rounds.open_rounds(collective.id) if r.is_due(now)]
        closed = [self._close_if_due(slug, round_id) for round_id in due]
        return [c for c in closed if c is not None]

    # --- views -------------------------------------------------------------------------------

    def _view(
        self, uow: UnitOfWork, collective: Collective, budget_round: BudgetRound, viewer: str
    ) -> RoundView:
        names = uow.governance.display_names([budget_round.opened_by])
        is_open = budget_round.status is RoundStatus.OPEN
        result = budget_round.result or {}
        return RoundView(
            budget_round,
            names.get(budget_round.opened_by, ""),
            uow.budget_rounds.projects(budget_round.id),
            uow.budget_rounds.ballot(budget_round.id, viewer),
            can_vote=budget_round.accepts_input(self._clock.now())
            and uow.budget_rounds.is_voter(budget_round.id, viewer),
            eligible=(
                int(result.get("eligible", 0))
                if not is_open and result
                else uow.budget_rounds.voter_count(budget_round.id)
            ),
            ballots=int(result.get("voters", 0)) if result else None,
        )


def _require_open_to_members(collective: Collective) -> None:
    if collective.charter.budget_rounds_open_to != "members":
        raise NotAllowed(
            "this collective's charter opens budget rounds by proposal only: propose "
            "'open_budget_round'"
        )


def _require_result(budget_round: BudgetRound) -> dict[str, Any]:
    if budget_round.result is None:
        until = "" if budget_round.status.is_closed else f" until {budget_round.closes_at}"
        raise BudgetRoundNotClosed(
            f"the round is {budget_round.status.value}: there is no result{until}",
            status=budget_round.status.value,
        )
    return budget_round.result


def _load(
    uow: UnitOfWork, collective: Collective, round_id: str, *, lock: bool = False
) -> BudgetRound:
    budget_round = uow.budget_rounds.round(collective.id, round_id, lock=lock)
    if budget_round is None:
        raise BudgetRoundNotFound(f"no budget round {round_id}", round=round_id)
    return budget_round
