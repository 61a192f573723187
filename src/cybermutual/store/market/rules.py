"""The market's rules per collective: jury size and the auto-confirmation period."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Connection,
    insert,
    select,
    update,
)

from cybermutual.domain.market.rules import MarketRules
from cybermutual.store.tables import market_settings


class SqlMarketRules:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, collective_id: str) -> MarketRules | None:
        row = self._conn.execute(
            select(market_settings).where(market_settings.c.collective_id == collective_id)
        ).first()
        return None if row is None else MarketRules(row.jury_size, row.auto_confirm_days)

    def save(self, collective_id: str, rules: MarketRules, *, now: datetime) -> None:
        values = {
            "jury_size": rules.jury_size,
            "auto_confirm_days": rules.auto_confirm_days,
            "updated_at": now,
        }
        changed = self._conn.execute(
            update(market_settings)
            .where(market_settings.c.collective_id == collective_id)
            .values(**values)
        ).rowcount
        if not changed:
            self._conn.execute(
                insert(market_settings).values(collective_id=collective_id, **values)
            )
