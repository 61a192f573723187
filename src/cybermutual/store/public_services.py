"""Public services, their providers and claims, and the periodic-payment register."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update

from cybermutual.domain.governance.kinds import Period
from cybermutual.domain.governance.public_services import (
    Claim,
    ClaimStatus,
    PublicService,
    ServiceStatus,
)
from cybermutual.services.ports import Page
from cybermutual.store.pagination import newest_after, newest_cursor
from cybermutual.store.tables import (
    periodic_payments,
    public_services,
    service_claims,
    service_providers,
)


def _service(row: Any) -> PublicService:
    return PublicService(
        id=row.id,
        collective_id=row.collective_id,
        name=row.name,
        category=row.category,
        rate_per_unit=row.rate_per_unit,
        budget_per_period=row.budget_per_period,
        period=Period(row.period),
        status=ServiceStatus(row.status),
        proposal_id=row.proposal_id,
        created_at=row.created_at,
        ended_at=row.ended_at,
    )


def _claim(row: Any) -> Claim:
    return Claim(
        id=row.id,
        collective_id=row.collective_id,
        service_id=row.service_id,
        provider_id=row.provider_id,
        recipient_id=row.recipient_id,
        units=row.units,
        amount=row.amount,
        status=ClaimStatus(row.status),
        status_reason=row.status_reason,
        filed_at=row.filed_at,
        auto_confirm_at=row.auto_confirm_at,
        confirmed_at=row.confirmed_at,
        paid_at=row.paid_at,
        paid_period=row.paid_period,
        transfer_id=row.transfer_id,
        note=row.note,
    )


def _claim_values(claim: Claim) -> dict[str, Any]:
    return {
        "status": claim.status.value,
        "status_reason": claim.status_reason,
        "auto_confirm_at": claim.auto_confirm_at,
        "confirmed_at": claim.confirmed_at,
        "paid_at": claim.paid_at,
        "paid_period": claim.paid_period,
        "transfer_id": claim.transfer_id,
    }


class SqlPublicServices:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add_service(self, service: PublicService) -> None:
        self._conn.execute(
            insert(public_services).values(
                id=service.id,
                collective_id=service.collective_id,
                name=service.name,
                category=service.category,
                rate_per_unit=service.rate_per_unit,
                budget_per_period=service.budget_per_period,
                period=service.period.value,
                status=service.status.value,
                proposal_id=service.proposal_id,
                created_at=service.created_at,
                ended_at=service.ended_at,
            )
        )

    def service(self, collective_id: str, service_id: str) -> PublicService | None:
        row = self._conn.execute(
            select(public_services).where(
                public_services.c.id == service_id,
                public_services.c.collective_id == collective_id,
            )
        ).first()
        return None if row is None else _service(row)

    def services(
        self, collective_id: str, *, limit: int, cursor: str | None
    ) -> Page[PublicService]:
        t = public_services
        rows = self._conn.execute(
            select(t)
            .where(
                t.c.collective_id == collective_id, *newest_after(t.c.created_at, t.c.id, cursor)
            )
            .order_by(t.c.created_at.desc(), t.c.id.desc())
            .limit(limit + 1)
        )
        kept, next_cursor = newest_cursor([_service(r) for r in rows], limit, "created_at")
        return Page(kept, next_cursor)

    def services_by_id(self, service_ids: Iterable[str]) -> dict[str, PublicService]:
        ids = sorted(set(service_ids))
        if not ids:
            return {}
        rows = self._conn.execute(select(public_services).where(public_services.c.id.in_(ids)))
        return {r.id: _service(r) for r in rows}

    def save_service(self, service: PublicService) -> None:
        self._conn.execute(
            update(public_services)
            .where(public_services.c.id == service.id)
            .values(status=service.status.value, ended_at=service.ended_at)
        )

    def add_provider(self, service_id: str, member_id: str, *, at: datetime) -> None:
        self._conn.execute(
            insert(service_providers).values(
                service_id=service_id, member_id=member_id, added_at=at
            )
        )

    def remove_provider(self, service_id: str, member_id: str) -> bool:
        t = service_providers
        result = self._conn.execute(
            delete(t).where(t.c.service_id == service_id, t.c.member_id == member_id)
        )
        return result.rowcount > 0

    def remove_provider_everywhere(self, collective_id: str, member_id: str) -> None:
        ids = select(public_services.c.id).where(public_services.c.collective_id == collective_id)
        self._conn.execute(
            delete(service_providers).where(
                service_providers.c.member_id == member_id,
                service_providers.c.service_id.in_(ids),
            )
        )

    def providers(self, service_id: str) -> list[tuple[str, datetime]]:
        t = service_providers
        rows = self._conn.execute(
            select(t).where(t.c.service_id == service_id).order_by(t.c.added_at, t.c.member_id)
        )
        return [(r.member_id, r.added_at) for r in rows]

    def is_provider(self, service_id: str, member_id: str) -> bool:
        t = service_providers
        row = self._conn.execute(
            select(t.c.member_id).where(t.c.service_id == service_id, t.c.member_id == member_id)
        ).first()
        return row is not None

    def add_claim(self, claim: Claim) -> None:
        self._conn.execute(
            insert(service_claims).values(
                id=claim.id,
                collective_id=claim.collective_id,
                service_id=claim.service_id,
                provider_id=claim.provider_id,
                recipient_id=claim.recipient_id,
                units=claim.units,
                amount=claim.amount,
                note=claim.note,
                filed_at=claim.filed_at,
                **_claim_values(claim),
            )
        )

    def claim(self, collective_id: str, claim_id: str) -> Claim | None:
        row = self._conn.execute(
            select(service_claims).where(
                service_claims.c.id == claim_id, service_claims.c.collective_id == collective_id
            )
        ).first()
        return None if row is None else _claim(row)

    def save_claim(self, claim: Claim) -> None:
        self._conn.execute(
            update(service_claims)
            .where(service_claims.c.id == claim.id)
            .values(**_claim_values(claim))
        )

    def claims(
        self, service_id: str, *, viewer: str | None, limit: int, cursor: str | None
    ) -> Page[Claim]:
        t = service_claims
        query = (
            select(t)
            .where(t.c.service_id == service_id, *newest_after(t.c.filed_at, t.c.id, cursor))
            .order_by(t.c.filed_at.desc(), t.c.id.desc())
            .limit(limit + 1)
        )
        if viewer is not None:
            query = query.where(or_(t.c.provider_id == viewer, t.c.recipient_id == viewer))
        kept, next_cursor = newest_cursor(
            [_claim(r) for r in self._conn.execute(query)], limit, "filed_at"
        )
        return Page(kept, next_cursor)

    def waiting(self, collective_id: str) -> list[Claim]:
        t = service_claims
        rows = self._conn.execute(
            select(t)
            .where(t.c.collective_id == collective_id, t.c.status == ClaimStatus.WAITING.value)
            .order_by(t.c.confirmed_at, t.c.id)
        )
        return [_claim(r) for r in rows]

    def due_claims(self, collective_id: str, *, now: datetime) -> list[Claim]:
        t = service_claims
        rows = self._conn.execute(
            select(t)
            .where(
                t.c.collective_id == collective_id,
                t.c.status == ClaimStatus.FILED.value,
                t.c.auto_confirm_at <= now,
            )
            .order_by(t.c.auto_confirm_at, t.c.id)
        )
        return [_claim(r) for r in rows]

    def spent(self, service_periods: Mapping[str, str]) -> dict[str, int]:
        if not service_periods:
            return {}
        t = service_claims
        rows = self._conn.execute(
            select(t.c.service_id, func.sum(t.c.amount))
            .where(
                t.c.status == ClaimStatus.PAID.value,
                or_(
                    *(
                        and_(t.c.service_id == sid, t.c.paid_period == key)
                        for sid, key in service_periods.items()
                    )
                ),
            )
            .group_by(t.c.service_id)
        )
        return {r[0]: int(r[1] or 0) for r in rows}

    def collectives_with_waiting(self) -> list[str]:
        t = service_claims
        rows = self._conn.execute(
            select(t.c.collective_id)
            .where(t.c.status.in_([ClaimStatus.WAITING.value, ClaimStatus.FILED.value]))
            .distinct()
        )
        return [r.collective_id for r in rows]

    def paid_members(self, collective_id: str, *, what: str, period_key: str) -> set[str]:
        t = periodic_payments
        rows = self._conn.execute(
            select(t.c.member_id).where(
                t.c.collective_id == collective_id, t.c.what == what, t.c.period_key == period_key
            )
        )
        return {r.member_id for r in rows}

    def add_periodic(
        self,
        collective_id: str,
        *,
        what: str,
        period_key: str,
        payments: Sequence[tuple[str, int, str]],
        at: datetime,
    ) -> None:
        if not payments:
            return
        self._conn.execute(
            insert(periodic_payments),
            [
                {
                    "collective_id": collective_id,
                    "what": what,
                    "member_id": member,
                    "period_key": period_key,
                    "amount": amount,
                    "transfer_id": transfer_id,
                    "paid_at": at,
                }
                for member, amount, transfer_id in payments
            ],
        )
