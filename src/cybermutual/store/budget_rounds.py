"""Budget rounds, their projects, voters and ballots, and the service budgets results raised."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from cybermutual.domain.governance.budget_rounds import BudgetRound, RoundProject, RoundStatus
from cybermutual.services.ports import Page
from cybermutual.store.pagination import newest_after, newest_cursor
from cybermutual.store.tables import (
    budget_ballots,
    budget_projects,
    budget_round_voters,
    budget_rounds,
    service_budget_raises,
)

_ROUND_COLUMNS = [c for c in budget_rounds.c if c.name != "meta"]


def _round(row: Any) -> BudgetRound:
    return BudgetRound(
        id=row.id,
        collective_id=row.collective_id,
        title=row.title,
        budget=row.budget,
        rule=row.rule,
        status=RoundStatus(row.status),
        opened_by=row.opened_by,
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        source=row.source,
        proposal_id=row.proposal_id,
        closed_at=row.closed_at,
        result=None if row.result is None else json.loads(row.result),
    )


def _project(row: Any) -> RoundProject:
    return RoundProject(
        id=row.id,
        round_id=row.round_id,
        name=row.name,
        cost=row.cost,
        description=row.description,
        proposed_by=row.proposed_by,
        service_id=row.service_id,
        created_at=row.created_at,
    )


class SqlBudgetRounds:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # --- rounds ------------------------------------------------------------------------------

    def add_round(
        self,
        budget_round: BudgetRound,
        *,
        voters: Sequence[str],
        meta: Mapping[str, str] | None = None,
    ) -> None:
        r = budget_round
        self._conn.execute(
            insert(budget_rounds).values(
                id=r.id,
                collective_id=r.collective_id,
                title=r.title,
                budget=r.budget,
                rule=r.rule,
                status=r.status.value,
                source=r.source,
                opened_by=r.opened_by,
                proposal_id=r.proposal_id,
                opens_at=r.opens_at,
                closes_at=r.closes_at,
                closed_at=r.closed_at,
                result=None if r.result is None else json.dumps(r.result, sort_keys=True),
                meta=None if meta is None else json.dumps(dict(meta), sort_keys=True),
            )
        )
        if voters:
            self._conn.execute(
                insert(budget_round_voters), [{"round_id": r.id, "member_id": m} for m in voters]
            )

    def round(self, collective_id: str, round_id: str, *, lock: bool = False) -> BudgetRound | None:
        query = select(*_ROUND_COLUMNS).where(
            budget_rounds.c.id == round_id, budget_rounds.c.collective_id == collective_id
        )
        row = self._conn.execute(query.with_for_update() if lock else query).first()
        return None if row is None else _round(row)

    def rounds(
        self, collective_id: str, *, status: RoundStatus | None, limit: int, cursor: str | None
    ) -> Page[BudgetRound]:
        t = budget_rounds
        query = (
            select(*_ROUND_COLUMNS)
            .where(t.c.collective_id == collective_id, *newest_after(t.c.opens_at, t.c.id, cursor))
            .order_by(t.c.opens_at.desc(), t.c.id.desc())
            .limit(limit + 1)
        )
        if status is not None:
            query = query.where(t.c.status == status.value)
        items, next_cursor = newest_cursor(
            [_round(r) for r in self._conn.execute(query)], limit, "opens_at"
        )
        return Page(items, next_cursor)

    def open_rounds(self, collective_id: str) -> list[BudgetRound]:
        rows = self._conn.execute(
            select(*_ROUND_COLUMNS)
            .where(
                budget_rounds.c.collective_id == collective_id,
                budget_rounds.c.status == RoundStatus.OPEN.value,
            )
            .order_by(budget_rounds.c.closes_at, budget_rounds.c.id)
        )
        return [_round(r) for r in rows]

    def collectives_with_open_rounds(self) -> list[str]:
        rows = self._conn.execute(
            select(budget_rounds.c.collective_id)
            .where(budget_rounds.c.status == RoundStatus.OPEN.value)
            .distinct()
        )
        return [r.collective_id for r in rows]

    def finish(self, budget_round: BudgetRound) -> bool:
        r = budget_round
        result = self._conn.execute(
            update(budget_rounds)
            .where(budget_rounds.c.id == r.id, budget_rounds.c.status == RoundStatus.OPEN.value)
            .values(
                status=r.status.value,
                closed_at=r.closed_at,
                result=None if r.result is None else json.dumps(r.result, sort_keys=True),
            )
        )
        return result.rowcount == 1

    def meta(self, round_id: str) -> dict[str, str]:
        raw = self._conn.execute(
            select(budget_rounds.c.meta).where(budget_rounds.c.id == round_id)
        ).scalar_one_or_none()
        loaded: dict[str, str] = {} if raw is None else json.loads(raw)
        return loaded

    # --- projects ----------------------------------------------------------------------------

    def add_project(self, project: RoundProject) -> None:
        p = project
        self._conn.execute(
            insert(budget_projects).values(
                round_id=p.round_id,
                id=p.id,
                name=p.name,
                cost=p.cost,
                description=p.description,
                proposed_by=p.proposed_by,
                service_id=p.service_id,
                created_at=p.created_at,
            )
        )

    def projects(self, round_id: str) -> list[RoundProject]:
        rows = self._conn.execute(
            select(budget_projects)
            .where(budget_projects.c.round_id == round_id)
            .order_by(budget_projects.c.id)
        )
        return [_project(r) for r in rows]

    def project_count(self, round_id: str) -> int:
        return int(
            self._conn.execute(
                select(func.count()).where(budget_projects.c.round_id == round_id)
            ).scalar_one()
        )

    # --- voters and ballots ------------------------------------------------------------------

    def voters(self, round_id: str) -> set[str]:
        rows = self._conn.execute(
            select(budget_round_voters.c.member_id).where(
                budget_round_voters.c.round_id == round_id
            )
        )
        return {r.member_id for r in rows}

    def is_voter(self, round_id: str, member_id: str) -> bool:
        row = self._conn.execute(
            select(budget_round_voters.c.member_id).where(
                budget_round_voters.c.round_id == round_id,
                budget_round_voters.c.member_id == member_id,
            )
        ).first()
        return row is not None

    def voter_count(self, round_id: str) -> int:
        return int(
            self._conn.execute(
                select(func.count()).where(budget_round_voters.c.round_id == round_id)
            ).scalar_one()
        )

    def ballot(self, round_id: str, voter_id: str) -> list[str] | None:
        raw = self._conn.execute(
            select(budget_ballots.c.approve).where(
                budget_ballots.c.round_id == round_id, budget_ballots.c.voter_id == voter_id
            )
        ).scalar_one_or_none()
        return None if raw is None else list(json.loads(raw))

    def ballots(self, round_id: str) -> dict[str, list[str]]:
        rows = self._conn.execute(
            select(budget_ballots.c.voter_id, budget_ballots.c.approve).where(
                budget_ballots.c.round_id == round_id
            )
        )
        return {r.voter_id: list(json.loads(r.approve)) for r in rows}

    def ballot_count(self, round_id: str) -> int:
        return int(
            self._conn.execute(
                select(func.count()).where(budget_ballots.c.round_id == round_id)
            ).scalar_one()
        )

    def save_ballot(
        self, round_id: str, voter_id: str, approve: Sequence[str], *, at: datetime
    ) -> None:
        values = {"approve": json.dumps(list(approve)), "cast_at": at}
        updated = self._conn.execute(
            update(budget_ballots)
            .where(budget_ballots.c.round_id == round_id, budget_ballots.c.voter_id == voter_id)
            .values(**values)
        )
        if updated.rowcount == 0:
            self._conn.execute(
                insert(budget_ballots).values(round_id=round_id, voter_id=voter_id, **values)
            )

    def save_ballots(
        self, round_id: str, ballots: Mapping[str, Sequence[str]], *, at: datetime
    ) -> None:
        if ballots:
            self._conn.execute(
                insert(budget_ballots),
                [
                    {
                        "round_id": round_id,
                        "voter_id": v,
                        "approve": json.dumps(list(a)),
                        "cast_at": at,
                    }
                    for v, a in ballots.items()
                ],
            )

    def remove_ballot(self, round_id: str, voter_id: str) -> bool:
        result = self._conn.execute(
            delete(budget_ballots).where(
                budget_ballots.c.round_id == round_id, budget_ballots.c.voter_id == voter_id
            )
        )
        return result.rowcount > 0

    # --- service budget raises ---------------------------------------------------------------

    def add_raise(
        self,
        *,
        service_id: str,
        round_id: str,
        project_id: str,
        period_key: str,
        amount: int,
        at: datetime,
    ) -> None:
        self._conn.execute(
            insert(service_budget_raises).values(
                service_id=service_id,
                round_id=round_id,
                project_id=project_id,
                period_key=period_key,
                amount=amount,
                raised_at=at,
            )
        )

    def raises(self, service_periods: Mapping[str, str]) -> dict[str, int]:
        if not service_periods:
            return {}
        t = service_budget_raises
        rows = self._conn.execute(
            select(t.c.service_id, t.c.period_key, func.sum(t.c.amount).label("amount"))
            .where(t.c.service_id.in_(list(service_periods)))
            .group_by(t.c.service_id, t.c.period_key)
        )
        return {
            r.service_id: int(r.amount)
            for r in rows
            if service_periods.get(r.service_id) == r.period_key
        }
