"""What the budget-round services need from storage, as a protocol (the store implements it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from cybermutual.domain.governance.budget_rounds import BudgetRound, RoundProject, RoundStatus
from cybermutual.services.ports import Page


class BudgetRoundStore(Protocol):
    # rounds
    def add_round(
        self,
        budget_round: BudgetRound,
        *,
        voters: Sequence[str],
        meta: Mapping[str, str] | None = None,
    ) -> None: ...

    def round(self, collective_id: str, round_id: str, *, lock: bool = False) -> BudgetRound | None:
        """A round; ``lock`` holds it until the unit of work ends (ballots and the closing
        queue on it, so no ballot lands between a closing's count and its close)."""
        ...

    def rounds(
        self, collective_id: str, *, status: RoundStatus | None, limit: int, cursor: str | None
    ) -> Page[BudgetRound]: ...

    def open_rounds(self, collective_id: str) -> list[BudgetRound]: ...

    def collectives_with_open_rounds(self) -> list[str]: ...

    def finish(self, budget_round: BudgetRound) -> bool:
        """Store a closed or cancelled round, only if it is still open; False otherwise."""
        ...

    def meta(self, round_id: str) -> dict[str, str]:
        """An imported file's other META keys (empty for a round opened here)."""
        ...

    # projects
    def add_project(self, project: RoundProject) -> None: ...

    def projects(self, round_id: str) -> list[RoundProject]: ...

    def project_count(self, round_id: str) -> int: ...

    # voters and ballots
    def voters(self, round_id: str) -> set[str]: ...

    def is_voter(self, round_id: str, member_id: str) -> bool: ...

    def voter_count(self, round_id: str) -> int: ...

    def ballot(self, round_id: str, voter_id: str) -> list[str] | None: ...

    def ballots(self, round_id: str) -> dict[str, list[str]]: ...

    def ballot_count(self, round_id: str) -> int: ...

    def save_ballot(
        self, round_id: str, voter_id: str, approve: Sequence[str], *, at: datetime
    ) -> None: ...

    def save_ballots(
        self, round_id: str, ballots: Mapping[str, Sequence[str]], *, at: datetime
    ) -> None:
        """Many new ballots at once (an imported file's)."""
        ...

    def remove_ballot(self, round_id: str, voter_id: str) -> bool: ...

    # what results did to public services
    def add_raise(
        self,
        *,
        service_id: str,
        round_id: str,
        project_id: str,
        period_key: str,
        amount: int,
        at: datetime,
    ) -> None: ...

    def raises(self, service_periods: Mapping[str, str]) -> dict[str, int]:
        """What budget rounds added to each service's budget (id -> current period key)."""
        ...
