"""The money rules' records: weekly runs, the trade figures they read, and dormant debts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from cybermutual.domain.ledger import TRADE_KINDS, TransferStatus
from cybermutual.domain.money_rules import DemurrageRun, DormantDebt, DormantStage
from cybermutual.store.tables import collectives, dormant_debts, money_rule_runs, transfers

_TRADE = [k.value for k in TRADE_KINDS]


def _dormant(row: Any) -> DormantDebt:
    return DormantDebt(
        member_id=row.member_id,
        stage=DormantStage(row.stage),
        noticed_at=row.noticed_at,
        due_at=row.due_at,
        written_off=row.written_off,
        written_off_at=row.written_off_at,
    )


class SqlMoneyRules:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def collectives_with_rules(self) -> list[str]:
        rows = self._conn.execute(
            select(collectives.c.id).where(
                or_(
                    collectives.c.credit_limit_rule != "fixed",
                    collectives.c.demurrage_rate != "0",
                    collectives.c.dormant_weeks > 0,
                )
            )
        )
        return [r.id for r in rows]

    def has_run(self, collective_id: str, what: str, period_key: str) -> bool:
        found = self._conn.execute(
            select(money_rule_runs.c.what).where(
                money_rule_runs.c.collective_id == collective_id,
                money_rule_runs.c.what == what,
                money_rule_runs.c.period_key == period_key,
            )
        ).first()
        return found is not None

    def add_run(
        self,
        collective_id: str,
        *,
        what: str,
        period_key: str,
        total: int,
        accounts: int,
        at: datetime,
        after_seq: int | None = None,
        rate: Decimal | None = None,
        threshold: int | None = None,
    ) -> None:
        """Record a run; a second run of the same (what, period) fails on the primary key."""
        self._conn.execute(
            insert(money_rule_runs).values(
                collective_id=collective_id,
                what=what,
                period_key=period_key,
                after_seq=after_seq,
                rate=None if rate is None else str(rate),
                threshold=threshold,
                total=total,
                accounts=accounts,
                ran_at=at,
            )
        )

    def forget_run(self, collective_id: str, *, what: str, period_key: str) -> None:
        self._conn.execute(
            delete(money_rule_runs).where(
                money_rule_runs.c.collective_id == collective_id,
                money_rule_runs.c.what == what,
                money_rule_runs.c.period_key == period_key,
            )
        )

    def demurrage_runs(self, collective_id: str) -> list[DemurrageRun]:
        rows = self._conn.execute(
            select(money_rule_runs)
            .where(
                money_rule_runs.c.collective_id == collective_id,
                money_rule_runs.c.what == "demurrage",
            )
            .order_by(money_rule_runs.c.after_seq)
        )
        return [
            DemurrageRun(r.period_key, int(r.after_seq), Decimal(r.rate), int(r.threshold))
            for r in rows
        ]

    def sales_since(self, collective_id: str, since: datetime) -> dict[str, int]:
        """Each account's trade receipts (before levy) posted since ``since``."""
        rows = self._conn.execute(
            select(transfers.c.credit_account_id, func.sum(transfers.c.amount))
            .where(
                transfers.c.collective_id == collective_id,
                transfers.c.status == TransferStatus.POSTED.value,
                transfers.c.kind.in_(_TRADE),
                transfers.c.settled_at >= since,
            )
            .group_by(transfers.c.credit_account_id)
        )
        return {account: int(total) for account, total in rows}

    def trades_since(self, collective_id: str, since: datetime) -> tuple[int, int, datetime | None]:
        """How many trade payments were posted since ``since``, their total, and the first."""
        row = self._conn.execute(
            select(
                func.count(),
                func.coalesce(func.sum(transfers.c.amount), 0),
                func.min(transfers.c.settled_at),
            ).where(
                transfers.c.collective_id == collective_id,
                transfers.c.status == TransferStatus.POSTED.value,
                transfers.c.kind.in_(_TRADE),
                transfers.c.settled_at >= since,
            )
        ).one()
        return int(row[0]), int(row[1]), row[2]

    def last_trades(self, collective_id: str) -> dict[str, datetime]:
        """Each account's latest trade, as payer or payee (an open order counts from when it
        was placed)."""
        moment = func.coalesce(transfers.c.settled_at, transfers.c.created_at)
        trade = (
            transfers.c.collective_id == collective_id,
            transfers.c.kind.in_(_TRADE),
            transfers.c.status != TransferStatus.VOIDED.value,
        )
        latest: dict[str, datetime] = {}
        for side in (transfers.c.debit_account_id, transfers.c.credit_account_id):
            rows = self._conn.execute(select(side, func.max(moment)).where(*trade).group_by(side))
            for account, at in rows:
                if at is not None and (account not in latest or at > latest[account]):
                    latest[account] = at
        return latest

    def dormant(self, collective_id: str) -> dict[str, DormantDebt]:
        rows = self._conn.execute(
            select(dormant_debts).where(dormant_debts.c.collective_id == collective_id)
        )
        return {r.member_id: _dormant(r) for r in rows}

    def save_dormant(self, collective_id: str, debt: DormantDebt) -> None:
        values = {
            "stage": debt.stage.value,
            "noticed_at": debt.noticed_at,
            "due_at": debt.due_at,
            "written_off": debt.written_off,
            "written_off_at": debt.written_off_at,
        }
        changed = self._conn.execute(
            update(dormant_debts)
            .where(
                dormant_debts.c.collective_id == collective_id,
                dormant_debts.c.member_id == debt.member_id,
            )
            .values(**values)
        )
        if changed.rowcount == 0:
            self._conn.execute(
                insert(dormant_debts).values(
                    collective_id=collective_id, member_id=debt.member_id, **values
                )
            )

    def forget_dormant(self, collective_id: str, member_id: str) -> None:
        self._conn.execute(
            delete(dormant_debts).where(
                dormant_debts.c.collective_id == collective_id,
                dormant_debts.c.member_id == member_id,
            )
        )
