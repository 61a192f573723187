"""Calendar periods for basic income and service budgets: ISO weeks and months, in UTC.

A period's ``key`` ("2026-W48", "2026-11") is what makes a periodic payment happen at most once:
the store keeps one row per (what, member or service, key).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cybermutual.domain.errors import InvalidValue
from cybermutual.domain.governance.kinds import Period


@dataclass(frozen=True, slots=True)
class Window:
    key: str
    start: datetime
    end: datetime  # exclusive

    def __contains__(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def window_of(moment: datetime, period: Period) -> Window:
    """The week (Monday 00:00 UTC onwards) or calendar month containing ``moment``."""
    if moment.tzinfo is None:
        raise InvalidValue("times need a time zone")
    moment = moment.astimezone(UTC)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if period is Period.WEEK:
        start = day - timedelta(days=day.weekday())
        year, week, _ = start.isocalendar()
        return Window(f"{year}-W{week:02d}", start, start + timedelta(days=7))
    start = day.replace(day=1)
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return Window(f"{start.year}-{start.month:02d}", start, end)
