"""Read-only aggregates of a collective's economy, for the simulator's calibration."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime

from sqlalchemy import Connection, and_, func, or_, select

from cybermutual.domain.ledger import TRADE_KINDS, AccountKind, TransferStatus
from cybermutual.domain.membership import MembershipStatus
from cybermutual.services.ports import TradeRow
from cybermutual.store.tables import (
    accounts,
    assets,
    listings,
    memberships,
    orders,
    public_services,
    transfers,
    usage_records,
    usage_sales,
)

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

    def members(self, collective_id: str) -> list[tuple[str, int, int]]:
        """(member id, balance, credit limit) of every active member, in a stable order."""
        rows = self._conn.execute(
            select(accounts.c.owner_id, accounts.c.balance, accounts.c.credit_limit)
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
            .order_by(accounts.c.owner_id)
        )
        return [(row.owner_id, row.balance, row.credit_limit or 0) for row in rows]

    def trade(self, collective_id: str, *, since: datetime) -> list[TradeRow]:
        """Posted trade since ``since`` by payee and by what the platform knows of its category.

        A payment for an order has its listing's category; a sale logged against a commons
        asset (``usage_sales``) has the usage's output category; a direct payment has none.
        """
        deal = or_(orders.c.escrow_id == transfers.c.id, orders.c.payout_id == transfers.c.id)
        payee = accounts.alias("payee")
        rows = self._conn.execute(
            select(
                payee.c.owner_id.label("payee_id"),
                listings.c.category.label("listing_category"),
                usage_records.c.output_category.label("usage_category"),
                func.sum(transfers.c.amount).label("amount"),
            )
            .select_from(transfers)
            .join(payee, payee.c.id == transfers.c.credit_account_id)
            .outerjoin(orders, deal)
            .outerjoin(listings, listings.c.id == orders.c.listing_id)
            .outerjoin(usage_sales, usage_sales.c.transfer_id == transfers.c.id)
            .outerjoin(usage_records, usage_records.c.id == usage_sales.c.usage_id)
            .where(
                transfers.c.collective_id == collective_id,
                transfers.c.kind.in_([k.value for k in TRADE_KINDS]),
                transfers.c.status == TransferStatus.POSTED.value,
                transfers.c.settled_at >= since,
            )
            .group_by(payee.c.owner_id, listings.c.category, usage_records.c.output_category)
        )
        out = []
        for row in rows:
            if row.listing_category is not None:
                category, source = row.listing_category, "listing"
            elif row.usage_category is not None:
                category, source = row.usage_category, "commons_usage"
            else:
                category, source = None, "direct"
            out.append(TradeRow(row.payee_id, category, source, int(row.amount)))
        return out

    def seller_categories(self, collective_id: str) -> dict[str, str]:
        """Each member's usual category: most of their offers, else most of their logged use."""
        counts: dict[str, Counter[str]] = {}
        offers = self._conn.execute(
            select(listings.c.owner_id, listings.c.category).where(
                listings.c.collective_id == collective_id, listings.c.kind == "offer"
            )
        )
        for row in offers:
            counts.setdefault(row.owner_id, Counter())[row.category] += 1
        usage = self._conn.execute(
            select(usage_records.c.member_id, usage_records.c.output_category).where(
                usage_records.c.collective_id == collective_id
            )
        )
        for row in usage:
            if row.member_id not in counts:
                counts.setdefault(f"usage:{row.member_id}", Counter())[row.output_category] += 1
        out: dict[str, str] = {}
        for key, counter in counts.items():
            member = key.removeprefix("usage:")
            if member not in out or not key.startswith("usage:"):
                out[member] = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        return out

    def asset_weights(self, collective_id: str) -> dict[str, float]:
        """The available commons assets by the categories they serve (one asset shared evenly)."""
        weights: dict[str, float] = {}
        rows = self._conn.execute(
            select(assets.c.output_categories).where(
                assets.c.collective_id == collective_id, assets.c.status == "available"
            )
        )
        for row in rows:
            raw = row.output_categories
            served = json.loads(raw) if isinstance(raw, str) else list(raw or [])
            for category in served:
                weights[str(category)] = weights.get(str(category), 0.0) + 1.0 / len(served)
        return weights

    def services_paid(self, collective_id: str, *, since: datetime) -> int:
        """Public-service claims paid from the commons fund since ``since``."""
        total = self._conn.execute(
            select(func.coalesce(func.sum(transfers.c.amount), 0)).where(
                transfers.c.collective_id == collective_id,
                transfers.c.kind == "public_service",
                transfers.c.status == TransferStatus.POSTED.value,
                transfers.c.settled_at >= since,
            )
        ).scalar_one()
        return int(total)

    def service_budgets(self, collective_id: str) -> list[tuple[str, int, str]]:
        """(category, budget per period, period) of every active public service."""
        rows = self._conn.execute(
            select(
                public_services.c.category,
                public_services.c.budget_per_period,
                public_services.c.period,
            ).where(
                public_services.c.collective_id == collective_id,
                public_services.c.status == "active",
            )
        )
        return [(row.category, int(row.budget_per_period), row.period) for row in rows]
