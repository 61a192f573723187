"""Enterprises' records: the enterprise, its account, roles, contracts and hours (its money
records are ``enterprise_pay.SqlEnterpriseMoney``, which ``SqlEnterprises`` extends)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert, select, update

from cybermutual.domain.enterprise.contracts import Contract, HoursEntry, HoursStatus
from cybermutual.domain.enterprise.kinds import (
    Enterprise,
    EnterpriseKind,
    MeritMetric,
    MixWeights,
    Position,
    Role,
)
from cybermutual.domain.ledger import (
    Account,
    AccountKind,
)
from cybermutual.services.ports import Page
from cybermutual.store.enterprise_pay import SqlEnterpriseMoney
from cybermutual.store.ledger import _account as account_of_row
from cybermutual.store.pagination import newest_after, newest_cursor
from cybermutual.store.tables import (
    accounts,
    enterprise_contracts,
    enterprise_hours,
    enterprise_positions,
    enterprises,
)


def _enterprise(row: Any) -> Enterprise:
    rates = json.loads(row.wage_rates)
    return Enterprise(
        id=row.id,
        collective_id=row.collective_id,
        kind=EnterpriseKind(row.kind),
        name=row.name,
        description=row.description,
        created_by=row.created_by,
        created_at=row.created_at,
        reserve_share=Decimal(row.reserve_share),
        merit_metric=MeritMetric(row.merit_metric),
        mix=MixWeights(row.mix_hours, row.mix_productivity, row.mix_ratings),
        reserve=row.reserve,
        loss_carried=row.loss_carried,
        wage_rates=tuple((Role(r), int(w)) for r, w in sorted(rates.items())),
    )


def _enterprise_values(e: Enterprise) -> dict[str, Any]:
    return {
        "kind": e.kind.value,
        "name": e.name,
        "description": e.description,
        "reserve_share": str(e.reserve_share),
        "merit_metric": e.merit_metric.value,
        "mix_hours": e.mix.hours,
        "mix_productivity": e.mix.productivity,
        "mix_ratings": e.mix.ratings,
        "wage_rates": json.dumps({r.value: w for r, w in e.wage_rates}, sort_keys=True),
        "reserve": e.reserve,
        "loss_carried": e.loss_carried,
    }


def _contract(row: Any) -> Contract:
    return Contract(
        id=row.id,
        enterprise_id=row.enterprise_id,
        member_id=row.member_id,
        role=Role(row.role),
        hourly_wage=row.hourly_wage,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        created_at=row.created_at,
        created_by=row.created_by,
    )


def _hours(row: Any) -> HoursEntry:
    return HoursEntry(
        id=row.id,
        contract_id=row.contract_id,
        enterprise_id=row.enterprise_id,
        member_id=row.member_id,
        worked_at=row.worked_at,
        minutes=row.minutes,
        note=row.note,
        status=HoursStatus(row.status),
        logged_at=row.logged_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        period_id=row.period_id,
    )


class SqlEnterprises(SqlEnterpriseMoney):
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # --- the enterprise ---------------------------------------------------------------------

    def add(self, enterprise: Enterprise) -> None:
        self._conn.execute(
            insert(enterprises).values(
                id=enterprise.id,
                collective_id=enterprise.collective_id,
                created_by=enterprise.created_by,
                created_at=enterprise.created_at,
                **_enterprise_values(enterprise),
            )
        )

    def get(
        self, collective_id: str, enterprise_id: str, *, lock: bool = False
    ) -> Enterprise | None:
        query = select(enterprises).where(
            enterprises.c.collective_id == collective_id, enterprises.c.id == enterprise_id
        )
        if lock:
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        return None if row is None else _enterprise(row)

    def save(self, enterprise: Enterprise) -> None:
        self._conn.execute(
            update(enterprises)
            .where(enterprises.c.id == enterprise.id)
            .values(**_enterprise_values(enterprise))
        )

    def of_collective(
        self, collective_id: str, *, limit: int, cursor: str | None = None
    ) -> Page[Enterprise]:
        rows = self._conn.execute(
            select(enterprises)
            .where(
                enterprises.c.collective_id == collective_id,
                *newest_after(enterprises.c.created_at, enterprises.c.id, cursor),
            )
            .order_by(enterprises.c.created_at.desc(), enterprises.c.id.desc())
            .limit(limit + 1)
        ).all()
        items, next_cursor = newest_cursor([_enterprise(r) for r in rows], limit, "created_at")
        return Page(items, next_cursor)

    def all_of(self, collective_id: str) -> list[Enterprise]:
        rows = self._conn.execute(
            select(enterprises)
            .where(enterprises.c.collective_id == collective_id)
            .order_by(enterprises.c.created_at, enterprises.c.id)
        )
        return [_enterprise(r) for r in rows]

    def names(self, enterprise_ids: Iterable[str]) -> dict[str, str]:
        ids = sorted(set(enterprise_ids))
        if not ids:
            return {}
        rows = self._conn.execute(
            select(enterprises.c.id, enterprises.c.name).where(enterprises.c.id.in_(ids))
        )
        return {r.id: r.name for r in rows}

    def account(self, collective_id: str, enterprise_id: str) -> Account | None:
        row = self._conn.execute(
            select(accounts).where(
                accounts.c.collective_id == collective_id,
                accounts.c.kind == AccountKind.ENTERPRISE.value,
                accounts.c.owner_id == enterprise_id,
            )
        ).first()
        return None if row is None else account_of_row(row)

    # --- roles ------------------------------------------------------------------------------

    def add_position(self, position_id: str, position: Position) -> None:
        self._conn.execute(
            insert(enterprise_positions).values(
                id=position_id,
                enterprise_id=position.enterprise_id,
                member_id=position.member_id,
                role=position.role.value,
                since=position.since,
                ended_at=position.ended_at,
            )
        )

    def end_position(self, enterprise_id: str, member_id: str, role: Role, *, at: datetime) -> int:
        result = self._conn.execute(
            update(enterprise_positions)
            .where(
                enterprise_positions.c.enterprise_id == enterprise_id,
                enterprise_positions.c.member_id == member_id,
                enterprise_positions.c.role == role.value,
                enterprise_positions.c.ended_at.is_(None),
            )
            .values(ended_at=at)
        )
        return int(result.rowcount)

    def positions(self, enterprise_id: str, *, current: bool = True) -> list[Position]:
        query = select(enterprise_positions).where(
            enterprise_positions.c.enterprise_id == enterprise_id
        )
        if current:
            query = query.where(enterprise_positions.c.ended_at.is_(None))
        rows = self._conn.execute(
            query.order_by(enterprise_positions.c.since, enterprise_positions.c.id)
        )
        return [
            Position(r.enterprise_id, r.member_id, Role(r.role), r.since, r.ended_at) for r in rows
        ]

    def roles_of(self, enterprise_id: str, member_id: str) -> frozenset[Role]:
        rows = self._conn.execute(
            select(enterprise_positions.c.role).where(
                enterprise_positions.c.enterprise_id == enterprise_id,
                enterprise_positions.c.member_id == member_id,
                enterprise_positions.c.ended_at.is_(None),
            )
        )
        return frozenset(Role(r.role) for r in rows)

    def current_owners(self, collective_id: str) -> set[str]:
        """Members holding an ownership role in any enterprise of the collective."""
        rows = self._conn.execute(
            select(enterprise_positions.c.member_id)
            .join(enterprises, enterprises.c.id == enterprise_positions.c.enterprise_id)
            .where(
                enterprises.c.collective_id == collective_id,
                enterprise_positions.c.ended_at.is_(None),
                enterprise_positions.c.role.in_([Role.WORKER_OWNER.value, Role.OWNER.value]),
            )
        )
        return {r.member_id for r in rows}

    # --- contracts and hours ----------------------------------------------------------------

    def add_contract(self, contract: Contract) -> None:
        self._conn.execute(
            insert(enterprise_contracts).values(
                id=contract.id,
                enterprise_id=contract.enterprise_id,
                member_id=contract.member_id,
                role=contract.role.value,
                hourly_wage=contract.hourly_wage,
                starts_at=contract.starts_at,
                ends_at=contract.ends_at,
                created_at=contract.created_at,
                created_by=contract.created_by,
            )
        )

    def get_contract(self, enterprise_id: str, contract_id: str) -> Contract | None:
        row = self._conn.execute(
            select(enterprise_contracts).where(
                enterprise_contracts.c.enterprise_id == enterprise_id,
                enterprise_contracts.c.id == contract_id,
            )
        ).first()
        return None if row is None else _contract(row)

    def save_contract(self, contract: Contract) -> None:
        self._conn.execute(
            update(enterprise_contracts)
            .where(enterprise_contracts.c.id == contract.id)
            .values(ends_at=contract.ends_at, hourly_wage=contract.hourly_wage)
        )

    def contracts(self, enterprise_id: str, *, member_id: str | None = None) -> list[Contract]:
        query = select(enterprise_contracts).where(
            enterprise_contracts.c.enterprise_id == enterprise_id
        )
        if member_id is not None:
            query = query.where(enterprise_contracts.c.member_id == member_id)
        rows = self._conn.execute(
            query.order_by(enterprise_contracts.c.created_at, enterprise_contracts.c.id)
        )
        return [_contract(r) for r in rows]

    def add_hours(self, entry: HoursEntry) -> None:
        self._conn.execute(
            insert(enterprise_hours).values(
                id=entry.id,
                contract_id=entry.contract_id,
                enterprise_id=entry.enterprise_id,
                member_id=entry.member_id,
                worked_at=entry.worked_at,
                minutes=entry.minutes,
                note=entry.note,
                status=entry.status.value,
                logged_at=entry.logged_at,
            )
        )

    def get_hours(
        self, enterprise_id: str, entry_id: str, *, lock: bool = False
    ) -> HoursEntry | None:
        query = select(enterprise_hours).where(
            enterprise_hours.c.enterprise_id == enterprise_id, enterprise_hours.c.id == entry_id
        )
        if lock:
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        return None if row is None else _hours(row)

    def save_hours(self, entries: Sequence[HoursEntry]) -> None:
        for entry in entries:
            self._conn.execute(
                update(enterprise_hours)
                .where(enterprise_hours.c.id == entry.id)
                .values(
                    status=entry.status.value,
                    decided_by=entry.decided_by,
                    decided_at=entry.decided_at,
                    period_id=entry.period_id,
                )
            )

    def hours(
        self,
        enterprise_id: str,
        *,
        status: HoursStatus | None = None,
        member_id: str | None = None,
        before: datetime | None = None,
        limit: int | None = None,
    ) -> list[HoursEntry]:
        query = select(enterprise_hours).where(enterprise_hours.c.enterprise_id == enterprise_id)
        if status is not None:
            query = query.where(enterprise_hours.c.status == status.value)
        if member_id is not None:
            query = query.where(enterprise_hours.c.member_id == member_id)
        if before is not None:
            query = query.where(enterprise_hours.c.worked_at < before)
        query = query.order_by(enterprise_hours.c.worked_at.desc(), enterprise_hours.c.id.desc())
        if limit is not None:
            query = query.limit(limit)
        return [_hours(r) for r in self._conn.execute(query)]
