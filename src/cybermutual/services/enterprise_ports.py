"""What the enterprises need from storage (``store/enterprises.py`` implements it)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from cybermutual.domain.enterprise.contracts import Contract, HoursEntry, HoursStatus
from cybermutual.domain.enterprise.kinds import CapitalAsset, Enterprise, Position, Role
from cybermutual.domain.enterprise.pay import Grant, PayoutKind, PayPeriod
from cybermutual.domain.ledger import Account
from cybermutual.services.ports import Page


@dataclass(frozen=True, slots=True)
class Payout:
    """One line a period close paid: a wage (per contract), a surplus share or a dividend."""

    id: str
    period_id: str
    enterprise_id: str
    member_id: str
    kind: PayoutKind
    amount: int
    basis: str  # the exact merit or vested shares it was split by ("" for a wage)
    paid_at: datetime
    minutes: int | None = None
    contract_id: str | None = None
    transfer_id: str | None = None


class EnterpriseStore(Protocol):
    def add(self, enterprise: Enterprise) -> None: ...

    def get(
        self, collective_id: str, enterprise_id: str, *, lock: bool = False
    ) -> Enterprise | None: ...

    def save(self, enterprise: Enterprise) -> None: ...

    def of_collective(
        self, collective_id: str, *, limit: int, cursor: str | None = None
    ) -> Page[Enterprise]: ...

    def all_of(self, collective_id: str) -> list[Enterprise]: ...

    def names(self, enterprise_ids: Iterable[str]) -> dict[str, str]: ...

    def account(self, collective_id: str, enterprise_id: str) -> Account | None: ...

    def add_position(self, position_id: str, position: Position) -> None: ...

    def end_position(
        self, enterprise_id: str, member_id: str, role: Role, *, at: datetime
    ) -> int: ...

    def positions(self, enterprise_id: str, *, current: bool = True) -> list[Position]: ...

    def roles_of(self, enterprise_id: str, member_id: str) -> frozenset[Role]: ...

    def current_owners(self, collective_id: str) -> set[str]: ...

    def add_contract(self, contract: Contract) -> None: ...

    def get_contract(self, enterprise_id: str, contract_id: str) -> Contract | None: ...

    def save_contract(self, contract: Contract) -> None: ...

    def contracts(self, enterprise_id: str, *, member_id: str | None = None) -> list[Contract]: ...

    def add_hours(self, entry: HoursEntry) -> None: ...

    def get_hours(
        self, enterprise_id: str, entry_id: str, *, lock: bool = False
    ) -> HoursEntry | None: ...

    def save_hours(self, entries: Sequence[HoursEntry]) -> None: ...

    def hours(
        self,
        enterprise_id: str,
        *,
        status: HoursStatus | None = None,
        member_id: str | None = None,
        before: datetime | None = None,
        limit: int | None = None,
    ) -> list[HoursEntry]: ...

    def add_period(self, period: PayPeriod) -> None: ...

    def get_period(self, enterprise_id: str, period_id: str) -> PayPeriod | None: ...

    def last_period(self, enterprise_id: str) -> PayPeriod | None: ...

    def periods(self, enterprise_id: str) -> list[PayPeriod]: ...

    def save_period(self, period: PayPeriod) -> None: ...

    def add_payouts(self, payouts: Sequence[Payout]) -> None: ...

    def payouts(
        self, enterprise_id: str, *, period_id: str | None = None, member_id: str | None = None
    ) -> list[Payout]: ...

    def payouts_in(
        self,
        collective_id: str,
        *,
        member_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Payout]: ...

    def add_grant(self, grant: Grant) -> None: ...

    def grants(self, enterprise_id: str) -> list[Grant]: ...

    def grants_in(self, collective_id: str) -> list[Grant]: ...

    def rate(
        self, period_id: str, rater_id: str, ratee_id: str, score: int, *, at: datetime
    ) -> None: ...

    def ratings(self, period_id: str) -> dict[str, list[int]]: ...

    def add_capital(self, asset: CapitalAsset) -> None: ...

    def capital(self, enterprise_id: str) -> list[CapitalAsset]: ...

    def automation_capital(self, collective_id: str) -> int: ...

    def revenue_and_costs(
        self, account_id: str, *, since: datetime, until: datetime
    ) -> tuple[int, int]: ...

    def sales_by_member(
        self, enterprise_id: str, *, since: datetime, until: datetime
    ) -> dict[str, int]: ...

    def active_members(self, collective_id: str) -> list[str]: ...

    def enterprises_of_member(self, collective_id: str, member_id: str) -> list[str]: ...
