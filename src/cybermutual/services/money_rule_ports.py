"""What the money rules need from storage (``store/money_rules.py`` implements it)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Protocol

from cybermutual.domain.money_rules import DemurrageRun, DormantDebt


class MoneyRuleStore(Protocol):
    def collectives_with_rules(self) -> list[str]: ...

    def has_run(self, collective_id: str, what: str, period_key: str) -> bool: ...

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
    ) -> None: ...

    def forget_run(self, collective_id: str, *, what: str, period_key: str) -> None: ...

    def demurrage_runs(self, collective_id: str) -> list[DemurrageRun]: ...

    def sales_since(self, collective_id: str, since: datetime) -> dict[str, int]: ...

    def trades_since(
        self, collective_id: str, since: datetime
    ) -> tuple[int, int, datetime | None]: ...

    def last_trades(self, collective_id: str) -> dict[str, datetime]: ...

    def dormant(self, collective_id: str) -> dict[str, DormantDebt]: ...

    def save_dormant(self, collective_id: str, debt: DormantDebt) -> None: ...

    def forget_dormant(self, collective_id: str, member_id: str) -> None: ...
