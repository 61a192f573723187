"""What the governance pages share: the section's context, members by name, time left."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cybermutual.domain.membership import MembershipStatus
from cybermutual.services.container import Services
from cybermutual.web.pages.context import collective_context
from cybermutual.web.sessions import Viewer

#: At most this many members are offered in a choice by name (a member list page's limit).
MEMBER_CHOICES = 200


def section(services: Services, slug: str, viewer: Viewer, **extra: Any) -> dict[str, Any]:
    """The collective's context with the governance tab open, ``now`` and ``time_left``."""
    return {
        **collective_context(services, slug, viewer, "governance"),
        "now": services.clock.now(),
        "time_left": time_left,
        "moment": moment,
        **extra,
    }


def members(services: Services, slug: str, viewer: Viewer) -> list[tuple[str, str]]:
    """Active members as (id, name), by name, for choosing someone by name."""
    page = services.collectives.members(
        slug, viewer_id=viewer.id, status=MembershipStatus.ACTIVE, limit=MEMBER_CHOICES
    )
    return sorted(
        ((m.member_id, person.display_name) for m, person in page.items),
        key=lambda pair: pair[1].casefold(),
    )


def moment(text: str) -> datetime | None:
    """A time a proposal's params hold as ISO 8601 text (None if it is not one)."""
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def time_left(until: datetime, now: datetime) -> str:
    """``2 days 4 hours left``, ``35 minutes left``, or ``closing now``."""
    seconds = int((until - now).total_seconds())
    if seconds <= 0:
        return "closing now"
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    if days:
        parts = [_plural(days, "day")] + ([_plural(hours, "hour")] if hours else [])
    elif hours:
        parts = [_plural(hours, "hour")] + ([_plural(minutes, "minute")] if minutes else [])
    else:
        parts = [_plural(max(minutes, 1), "minute")]
    return " ".join(parts) + " left"


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"
