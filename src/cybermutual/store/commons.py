"""Assets of the commons, the usage log, and the market's demand as the facilitator reads it."""

from __future__ import annotations

import builtins
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select, update

from cybermutual.domain.commons import (
    Asset,
    AssetStatus,
    CategoryDemand,
    Sale,
    UsageRecord,
    UsageStats,
)
from cybermutual.domain.commons.usage import DEMAND_LISTING, SOLD
from cybermutual.services.ports import Page
from cybermutual.store.pagination import decode_cursor, encode_cursor, newest_after
from cybermutual.store.tables import assets, listings, orders, usage_records, usage_sales

#: What signals demand is the domain's rule (``domain.commons.usage``); this only queries it.
_WANTED_KIND, _WANTED_STATUS = (value.value for value in DEMAND_LISTING)
_SOLD_STATES = sorted(status.value for status in SOLD)


def _asset(row: Any) -> Asset:
    return Asset(
        id=row.id,
        collective_id=row.collective_id,
        name=row.name,
        category=row.category,
        capacity=int(row.capacity),
        unit=row.unit,
        location=row.location,
        description=row.description,
        output_categories=tuple(json.loads(row.output_categories)),
        status=AssetStatus(row.status),
        contributed_by=row.contributed_by,
        contributed_at=row.contributed_at,
    )


def _asset_values(asset: Asset) -> dict[str, object]:
    return {
        "name": asset.name,
        "category": asset.category,
        "capacity": asset.capacity,
        "unit": asset.unit,
        "location": asset.location,
        "description": asset.description,
        "output_categories": json.dumps(list(asset.output_categories)),
        "status": asset.status.value,
    }


class SqlAssets:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, asset: Asset) -> None:
        self._conn.execute(
            insert(assets).values(
                id=asset.id,
                collective_id=asset.collective_id,
                contributed_by=asset.contributed_by,
                contributed_at=asset.contributed_at,
                updated_at=asset.contributed_at,
                **_asset_values(asset),
            )
        )

    def get(self, asset_id: str) -> Asset | None:
        row = self._conn.execute(select(assets).where(assets.c.id == asset_id)).first()
        return None if row is None else _asset(row)

    def save(self, asset: Asset, *, now: datetime) -> None:
        self._conn.execute(
            update(assets)
            .where(assets.c.id == asset.id)
            .values(updated_at=now, **_asset_values(asset))
        )

    def list(
        self,
        collective_id: str,
        *,
        status: AssetStatus | None,
        limit: int,
        cursor: str | None,
    ) -> Page[Asset]:
        query = (
            select(assets)
            .where(assets.c.collective_id == collective_id)
            .order_by(assets.c.name, assets.c.id)
            .limit(limit + 1)
        )
        if status is not None:
            query = query.where(assets.c.status == status.value)
        if cursor is not None:
            name, asset_id = decode_cursor(cursor, 2)
            query = query.where(
                or_(assets.c.name > name, and_(assets.c.name == name, assets.c.id > asset_id))
            )
        rows = self._conn.execute(query).all()
        items = [_asset(row) for row in rows[:limit]]
        more = len(rows) > limit
        return Page(items, encode_cursor(items[-1].name, items[-1].id) if more else None)

    def all_of(self, collective_id: str) -> builtins.list[Asset]:
        rows = self._conn.execute(
            select(assets)
            .where(assets.c.collective_id == collective_id)
            .order_by(assets.c.name, assets.c.id)
        )
        return [_asset(row) for row in rows]


class SqlUsage:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, record: UsageRecord) -> None:
        self._conn.execute(
            insert(usage_records).values(
                id=record.id,
                collective_id=record.collective_id,
                member_id=record.member_id,
                asset_id=record.asset_id,
                round_id=record.round_id,
                units=record.units,
                output_category=record.output_category,
                sales_value=record.sales_value,
                note=record.note,
                logged_at=record.logged_at,
                enterprise_id=record.enterprise_id,
            )
        )
        if record.sales:
            self._conn.execute(
                insert(usage_sales),
                [
                    {"transfer_id": s.transfer_id, "usage_id": record.id, "amount": s.amount}
                    for s in record.sales
                ],
            )

    def list(
        self,
        collective_id: str,
        *,
        member_id: str | None,
        asset_id: str | None,
        limit: int,
        cursor: str | None,
    ) -> Page[UsageRecord]:
        table = usage_records
        query = (
            select(table)
            .where(table.c.collective_id == collective_id)
            .order_by(table.c.logged_at.desc(), table.c.id.desc())
            .limit(limit + 1)
        )
        if member_id is not None:
            query = query.where(table.c.member_id == member_id)
        if asset_id is not None:
            query = query.where(table.c.asset_id == asset_id)
        query = query.where(*newest_after(table.c.logged_at, table.c.id, cursor))
        rows = self._conn.execute(query).all()
        page = rows[:limit]
        sales: dict[str, list[Sale]] = {}
        if page:
            for sale in self._conn.execute(
                select(usage_sales)
                .where(usage_sales.c.usage_id.in_([r.id for r in page]))
                .order_by(usage_sales.c.transfer_id)
            ):
                sales.setdefault(sale.usage_id, []).append(Sale(sale.transfer_id, int(sale.amount)))
        items = [
            UsageRecord(
                id=r.id,
                collective_id=r.collective_id,
                member_id=r.member_id,
                asset_id=r.asset_id,
                round_id=r.round_id,
                units=int(r.units),
                output_category=r.output_category,
                sales=tuple(sales.get(r.id, ())),
                note=r.note,
                logged_at=r.logged_at,
                enterprise_id=r.enterprise_id,
            )
            for r in page
        ]
        more = len(rows) > limit
        last = items[-1] if items else None
        next_cursor = encode_cursor(last.logged_at.isoformat(), last.id) if more and last else None
        return Page(items, next_cursor)

    def logged_units(
        self,
        round_id: str,
        *,
        member_id: str | None,
        asset_id: str,
        enterprise_id: str | None = None,
    ) -> int:
        table = usage_records
        holder = (
            table.c.enterprise_id == enterprise_id
            if enterprise_id is not None
            else and_(table.c.member_id == member_id, table.c.enterprise_id.is_(None))
        )
        total = self._conn.execute(
            select(func.coalesce(func.sum(table.c.units), 0)).where(
                table.c.round_id == round_id, table.c.asset_id == asset_id, holder
            )
        ).scalar_one()
        return int(total)

    def claimed(self, transfer_ids: Sequence[str]) -> set[str]:
        if not transfer_ids:
            return set()
        rows = self._conn.execute(
            select(usage_sales.c.transfer_id).where(
                usage_sales.c.transfer_id.in_(set(transfer_ids))
            )
        )
        return {row.transfer_id for row in rows}

    def stats(self, collective_id: str, *, since: datetime) -> builtins.list[UsageStats]:
        """Use and sales by producer and asset: an enterprise's use (its shares) under the
        enterprise's id, a member's own use under theirs."""
        producer = func.coalesce(usage_records.c.enterprise_id, usage_records.c.member_id)
        rows = self._conn.execute(
            select(
                producer,
                usage_records.c.asset_id,
                func.sum(usage_records.c.units),
                func.sum(usage_records.c.sales_value),
            )
            .where(
                usage_records.c.collective_id == collective_id,
                usage_records.c.logged_at >= since,
            )
            .group_by(producer, usage_records.c.asset_id)
            .order_by(producer, usage_records.c.asset_id)
        )
        return [UsageStats(r[0], r[1], int(r[2]), int(r[3])) for r in rows]


class SqlDemand:
    """Demand per category from the market's tables: open requests, and orders sold lately."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def by_category(
        self, collective_id: str, *, since: datetime, now: datetime
    ) -> list[CategoryDemand]:
        requests: dict[str, int] = {
            row[0]: int(row[1])
            for row in self._conn.execute(
                select(listings.c.category, func.count())
                .where(
                    listings.c.collective_id == collective_id,
                    listings.c.kind == _WANTED_KIND,
                    listings.c.status == _WANTED_STATUS,
                )
                .group_by(listings.c.category)
            )
        }
        sold: dict[str, int] = {
            row[0]: int(row[1])
            for row in self._conn.execute(
                select(listings.c.category, func.count())
                .select_from(orders.join(listings, listings.c.id == orders.c.listing_id))
                .where(
                    orders.c.collective_id == collective_id,
                    orders.c.status.in_(_SOLD_STATES),
                    orders.c.closed_at >= since,
                    orders.c.closed_at <= now,
                )
                .group_by(listings.c.category)
            )
        }
        return [
            CategoryDemand(category, int(requests.get(category, 0)), int(sold.get(category, 0)))
            for category in sorted(set(requests) | set(sold))
        ]

    def listing(self, collective_id: str, listing_id: str) -> tuple[str, str, str | None] | None:
        row = self._conn.execute(
            select(listings.c.owner_id, listings.c.category, listings.c.enterprise_id).where(
                listings.c.id == listing_id, listings.c.collective_id == collective_id
            )
        ).first()
        return None if row is None else (row.owner_id, row.category, row.enterprise_id)
