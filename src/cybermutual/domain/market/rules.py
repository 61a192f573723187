"""A collective's market rules: jury size and how long a delivered order waits for the buyer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from cybermutual.domain.errors import InvalidValue
from cybermutual.domain.market.deals import DEFAULT_AUTO_CONFIRM_DAYS
from cybermutual.domain.market.disputes import DEFAULT_JURY_SIZE, check_jury_size


@dataclass(frozen=True, slots=True)
class MarketRules:
    """Charter-level settings of the market (kept in their own table, changed by governance)."""

    jury_size: int = DEFAULT_JURY_SIZE
    auto_confirm_days: int = DEFAULT_AUTO_CONFIRM_DAYS

    def __post_init__(self) -> None:
        check_jury_size(self.jury_size)
        days = self.auto_confirm_days
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
            raise InvalidValue("auto_confirm_days must be 1..365", field="auto_confirm_days")

    @property
    def auto_confirm_after(self) -> timedelta:
        return timedelta(days=self.auto_confirm_days)
