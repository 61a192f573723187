"""Read-only aggregates of a collective's economy, for the simulator's calibration."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, and_, func, or_, select

from cybermutual.domain.ledger import TRADE_KINDS, AccountKind, TransferStatus
from cybermutual.domain.membership import MembershipStatus
from cybermutual.store.tables import accounts, listings, memberships, orders, transfers

OTHER = "other"  # payments made directly, not through a market listing


class SqlEconomy:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def member_accounts(self, collective_id: str) -> list[tuple[int, int]]:
        """(balance, credit limit) of every active member."""
        rows = self._conn.execute(
            select(accounts.c.balance, accounts.c.credit_limit)
            .join(
                memberships,
                and_(
                    memberships.c.collective_id == accounts.c.collective_id,
                    memberships.c.member_id == accounts.c.owner_id,
                ),
            )
            .where(
                accounts.c.collective_id == collective_id,
                accounts.c.kind == AccountKind.MEMBER.value,
                memberships.c.status == MembershipStatus.ACTIVE.value,
            )
        )
        return [(row.balance, row.credit_limit or 0) for row in rows]

    def sales_by_category(self, collective_id: str, *, since: datetime) -> dict[str, int]:
        """Posted payments since ``since`` by the category of the listing they paid for."""
        deal = or_(orders.c.escrow_id == transfers.c.id, orders.c.payout_id == transfers.c.id)
        category = func.coalesce(listings.c.category, OTHER)
        rows = self._conn.execute(
            select(category.label("category"), func.sum(transfers.c.amount).label("amount"))
            .select_from(transfers)
            .outerjoin(orders, deal)
            .outerjoin(listings, listings.c.id == orders.c.listing_id)
            .where(
                transfers.c.collective_id == collective_id,
                transfers.c.kind.in_([k.value for k in TRADE_KINDS]),
                transfers.c.status == TransferStatus.POSTED.value,
                transfers.c.settled_at >= since,
            )
            .group_by(category)
        )
        return {row.category: int(row.amount) for row in rows}
