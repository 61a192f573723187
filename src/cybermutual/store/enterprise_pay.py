"""An enterprise's money records: pay periods and their P&L, payouts, equity grants, peer
ratings, capital, and the ledger and market figures a period close reads."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select, update

from cybermutual.domain.enterprise.kinds import (
    CapitalAsset,
)
from cybermutual.domain.enterprise.pay import (
    Figures,
    Grant,
    PayoutKind,
    PayPeriod,
    PeriodStatus,
)
from cybermutual.domain.ledger import (
    TRADE_KINDS,
    TransferKind,
    TransferStatus,
)
from cybermutual.domain.market.deals import OrderStatus
from cybermutual.domain.membership import MembershipStatus
from cybermutual.services.enterprise_ports import Payout
from cybermutual.store.tables import (
    enterprise_capital,
    enterprise_contracts,
    enterprise_grants,
    enterprise_payouts,
    enterprise_periods,
    enterprise_positions,
    enterprise_ratings,
    enterprises,
    memberships,
    orders,
    transfers,
)

_TRADE = [k.value for k in TRADE_KINDS]
_COSTS = [*_TRADE, TransferKind.LEVY.value]
_posted_at = func.coalesce(transfers.c.settled_at, transfers.c.created_at)


_FIGURES = (
    "revenue",
    "wages",
    "costs",
    "loss_recovered",
    "reserve_added",
    "reserve_used",
    "shared",
    "reserve_after",
    "loss_carried_after",
)


def _period(row: Any) -> PayPeriod:
    figures = None
    if row.revenue is not None:
        figures = Figures(**{name: getattr(row, name) for name in _FIGURES})
    return PayPeriod(
        id=row.id,
        enterprise_id=row.enterprise_id,
        seq=row.seq,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        status=PeriodStatus(row.status),
        closed_at=row.closed_at,
        closed_by=row.closed_by,
        figures=figures,
    )


def _payout(row: Any) -> Payout:
    return Payout(
        id=row.id,
        period_id=row.period_id,
        enterprise_id=row.enterprise_id,
        member_id=row.member_id,
        kind=PayoutKind(row.kind),
        amount=row.amount,
        minutes=row.minutes,
        contract_id=row.contract_id,
        basis=row.basis,
        transfer_id=row.transfer_id,
        paid_at=row.paid_at,
    )


def _grant(row: Any) -> Grant:
    return Grant(
        id=row.id,
        enterprise_id=row.enterprise_id,
        member_id=row.member_id,
        shares=row.shares,
        granted_at=row.granted_at,
        granted_by=row.granted_by,
        vest_start=row.vest_start,
        vest_end=row.vest_end,
    )


def _capital(row: Any) -> CapitalAsset:
    return CapitalAsset(
        id=row.id,
        enterprise_id=row.enterprise_id,
        name=row.name,
        value=row.value,
        labour_hours_replaced=row.labour_hours_replaced,
        acquired_at=row.acquired_at,
    )


class SqlEnterpriseMoney:
    """The half of ``SqlEnterprises`` about money (it shares the connection)."""

    _conn: Connection

    # --- periods and payouts ----------------------------------------------------------------

    def add_period(self, period: PayPeriod) -> None:
        self._conn.execute(
            insert(enterprise_periods).values(
                id=period.id,
                enterprise_id=period.enterprise_id,
                seq=period.seq,
                starts_at=period.starts_at,
                ends_at=period.ends_at,
                status=period.status.value,
            )
        )

    def get_period(self, enterprise_id: str, period_id: str) -> PayPeriod | None:
        row = self._conn.execute(
            select(enterprise_periods).where(
                enterprise_periods.c.enterprise_id == enterprise_id,
                enterprise_periods.c.id == period_id,
            )
        ).first()
        return None if row is None else _period(row)

    def last_period(self, enterprise_id: str) -> PayPeriod | None:
        row = self._conn.execute(
            select(enterprise_periods)
            .where(enterprise_periods.c.enterprise_id == enterprise_id)
            .order_by(enterprise_periods.c.seq.desc())
            .limit(1)
        ).first()
        return None if row is None else _period(row)

    def periods(self, enterprise_id: str) -> list[PayPeriod]:
        rows = self._conn.execute(
            select(enterprise_periods)
            .where(enterprise_periods.c.enterprise_id == enterprise_id)
            .order_by(enterprise_periods.c.seq.desc())
        )
        return [_period(r) for r in rows]

    def save_period(self, period: PayPeriod) -> None:
        figures = period.figures or Figures()
        self._conn.execute(
            update(enterprise_periods)
            .where(enterprise_periods.c.id == period.id)
            .values(
                status=period.status.value,
                closed_at=period.closed_at,
                closed_by=period.closed_by,
                **{name: getattr(figures, name) for name in _FIGURES},
            )
        )

    def add_payouts(self, payouts: Sequence[Payout]) -> None:
        if not payouts:
            return
        self._conn.execute(
            insert(enterprise_payouts),
            [
                {
                    "id": p.id,
                    "period_id": p.period_id,
                    "enterprise_id": p.enterprise_id,
                    "member_id": p.member_id,
                    "kind": p.kind.value,
                    "amount": p.amount,
                    "minutes": p.minutes,
                    "contract_id": p.contract_id,
                    "basis": p.basis,
                    "transfer_id": p.transfer_id,
                    "paid_at": p.paid_at,
                }
                for p in payouts
            ],
        )

    def payouts(
        self, enterprise_id: str, *, period_id: str | None = None, member_id: str | None = None
    ) -> list[Payout]:
        query = select(enterprise_payouts).where(
            enterprise_payouts.c.enterprise_id == enterprise_id
        )
        if period_id is not None:
            query = query.where(enterprise_payouts.c.period_id == period_id)
        if member_id is not None:
            query = query.where(enterprise_payouts.c.member_id == member_id)
        rows = self._conn.execute(
            query.order_by(enterprise_payouts.c.paid_at.desc(), enterprise_payouts.c.id)
        )
        return [_payout(r) for r in rows]

    def payouts_in(
        self,
        collective_id: str,
        *,
        member_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Payout]:
        """Every payout of the collective's enterprises (to ``member_id``), in a window."""
        query = (
            select(enterprise_payouts)
            .join(enterprises, enterprises.c.id == enterprise_payouts.c.enterprise_id)
            .where(enterprises.c.collective_id == collective_id)
        )
        if member_id is not None:
            query = query.where(enterprise_payouts.c.member_id == member_id)
        if since is not None:
            query = query.where(enterprise_payouts.c.paid_at >= since)
        if until is not None:
            query = query.where(enterprise_payouts.c.paid_at < until)
        rows = self._conn.execute(
            query.order_by(enterprise_payouts.c.paid_at.desc(), enterprise_payouts.c.id)
        )
        return [_payout(r) for r in rows]

    # --- equity, ratings, capital -----------------------------------------------------------

    def add_grant(self, grant: Grant) -> None:
        self._conn.execute(
            insert(enterprise_grants).values(
                id=grant.id,
                enterprise_id=grant.enterprise_id,
                member_id=grant.member_id,
                shares=grant.shares,
                granted_at=grant.granted_at,
                granted_by=grant.granted_by,
                vest_start=grant.vest_start,
                vest_end=grant.vest_end,
            )
        )

    def grants(self, enterprise_id: str) -> list[Grant]:
        rows = self._conn.execute(
            select(enterprise_grants)
            .where(enterprise_grants.c.enterprise_id == enterprise_id)
            .order_by(enterprise_grants.c.granted_at, enterprise_grants.c.id)
        )
        return [_grant(r) for r in rows]

    def grants_in(self, collective_id: str) -> list[Grant]:
        rows = self._conn.execute(
            select(enterprise_grants)
            .join(enterprises, enterprises.c.id == enterprise_grants.c.enterprise_id)
            .where(enterprises.c.collective_id == collective_id)
        )
        return [_grant(r) for r in rows]

    def rate(
        self, period_id: str, rater_id: str, ratee_id: str, score: int, *, at: datetime
    ) -> None:
        key = and_(
            enterprise_ratings.c.period_id == period_id,
            enterprise_ratings.c.rater_id == rater_id,
            enterprise_ratings.c.ratee_id == ratee_id,
        )
        done = self._conn.execute(
            update(enterprise_ratings).where(key).values(score=score, rated_at=at)
        )
        if done.rowcount == 0:
            self._conn.execute(
                insert(enterprise_ratings).values(
                    period_id=period_id,
                    rater_id=rater_id,
                    ratee_id=ratee_id,
                    score=score,
                    rated_at=at,
                )
            )

    def ratings(self, period_id: str) -> dict[str, list[int]]:
        """The scores each worker-owner received in a period (raters never shown)."""
        found: dict[str, list[int]] = defaultdict(list)
        rows = self._conn.execute(
            select(enterprise_ratings.c.ratee_id, enterprise_ratings.c.score)
            .where(enterprise_ratings.c.period_id == period_id)
            .order_by(enterprise_ratings.c.ratee_id, enterprise_ratings.c.rater_id)
        )
        for r in rows:
            found[r.ratee_id].append(r.score)
        return dict(found)

    def add_capital(self, asset: CapitalAsset) -> None:
        self._conn.execute(
            insert(enterprise_capital).values(
                id=asset.id,
                enterprise_id=asset.enterprise_id,
                name=asset.name,
                value=asset.value,
                labour_hours_replaced=asset.labour_hours_replaced,
                acquired_at=asset.acquired_at,
            )
        )

    def capital(self, enterprise_id: str) -> list[CapitalAsset]:
        rows = self._conn.execute(
            select(enterprise_capital)
            .where(enterprise_capital.c.enterprise_id == enterprise_id)
            .order_by(enterprise_capital.c.acquired_at, enterprise_capital.c.id)
        )
        return [_capital(r) for r in rows]

    def automation_capital(self, collective_id: str) -> int:
        total = self._conn.execute(
            select(func.coalesce(func.sum(enterprise_capital.c.value), 0))
            .join(enterprises, enterprises.c.id == enterprise_capital.c.enterprise_id)
            .where(
                enterprises.c.collective_id == collective_id,
                enterprise_capital.c.labour_hours_replaced > 0,
            )
        ).scalar_one()
        return int(total)

    # --- what a period close reads ----------------------------------------------------------

    def revenue_and_costs(
        self, account_id: str, *, since: datetime, until: datetime
    ) -> tuple[int, int]:
        """Posted market receipts into the enterprise's account in ``[since, until)``, and its
        posted market payments and levies out of it."""
        window = and_(
            transfers.c.status == TransferStatus.POSTED.value,
            _posted_at >= since,
            _posted_at < until,
        )
        revenue = self._conn.execute(
            select(func.coalesce(func.sum(transfers.c.amount), 0)).where(
                transfers.c.credit_account_id == account_id, transfers.c.kind.in_(_TRADE), window
            )
        ).scalar_one()
        costs = self._conn.execute(
            select(func.coalesce(func.sum(transfers.c.amount), 0)).where(
                transfers.c.debit_account_id == account_id, transfers.c.kind.in_(_COSTS), window
            )
        ).scalar_one()
        return int(revenue), int(costs)

    def sales_by_member(
        self, enterprise_id: str, *, since: datetime, until: datetime
    ) -> dict[str, int]:
        """Completed sales of the enterprise in ``[since, until)``, by the member who
        delivered them (the seller who took the order, when nobody else delivered)."""
        who = func.coalesce(orders.c.delivered_by, orders.c.seller_id)
        rows = self._conn.execute(
            select(who.label("member_id"), func.sum(orders.c.amount).label("sales"))
            .where(
                orders.c.enterprise_id == enterprise_id,
                orders.c.status == OrderStatus.COMPLETED.value,
                orders.c.closed_at >= since,
                orders.c.closed_at < until,
            )
            .group_by(who)
        )
        return {r.member_id: int(r.sales) for r in rows}

    def enterprises_of_member(self, collective_id: str, member_id: str) -> list[str]:
        """Enterprises the member holds a role or a contract in (ids)."""
        roles = select(enterprise_positions.c.enterprise_id).where(
            enterprise_positions.c.member_id == member_id
        )
        contracts = select(enterprise_contracts.c.enterprise_id).where(
            enterprise_contracts.c.member_id == member_id
        )
        rows = self._conn.execute(
            select(enterprises.c.id)
            .where(
                enterprises.c.collective_id == collective_id,
                or_(enterprises.c.id.in_(roles), enterprises.c.id.in_(contracts)),
            )
            .order_by(enterprises.c.created_at)
        )
        return [r.id for r in rows]

    def active_members(self, collective_id: str) -> list[str]:
        rows = self._conn.execute(
            select(memberships.c.member_id).where(
                memberships.c.collective_id == collective_id,
                memberships.c.status == MembershipStatus.ACTIVE.value,
            )
        )
        return sorted(r.member_id for r in rows)
