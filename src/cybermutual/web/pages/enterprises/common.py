"""What the enterprise pages share: the section's context, an enterprise with the viewer's
roles, dates typed in a form, people by name."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from typing import Any

from cybermutual.domain.enterprise.kinds import PERMISSIONS, Power
from cybermutual.domain.errors import InvalidValue
from cybermutual.services.container import Services
from cybermutual.web.pages.context import collective_context
from cybermutual.web.pages.governance.common import members
from cybermutual.web.sessions import Viewer

ROLE_WORDS = {
    "worker_owner": "worker-owner",
    "owner": "owner",
    "manager": "manager",
    "employee": "employee",
}
METRIC_WORDS = {
    "hours": "hours worked",
    "hours_x_productivity": "hours x productivity (sales they delivered)",
    "peer_ratings": "peer ratings",
    "mix": "a weighted mix",
}


def section(services: Services, slug: str, viewer: Viewer, **extra: Any) -> dict[str, Any]:
    """The collective's context with the Enterprises tab open."""
    return {
        **collective_context(services, slug, viewer, "enterprises"),
        "now": services.clock.now(),
        "role_words": ROLE_WORDS,
        "metric_words": METRIC_WORDS,
        **extra,
    }


def enterprise_context(
    services: Services, slug: str, viewer: Viewer, enterprise_id: str, **extra: Any
) -> dict[str, Any]:
    """The section, ``view`` (the enterprise as the viewer sees it), ``e`` and ``can`` (the
    powers the viewer's roles grant)."""
    view = services.enterprises.enterprise(slug, viewer=viewer.id, enterprise_id=enterprise_id)
    powers = {p.value for role in view.your_roles for p in PERMISSIONS[role]}
    return section(
        services,
        slug,
        viewer,
        view=view,
        e=view.enterprise,
        can=powers,
        is_owner=Power.SEE_OWNERS.value in powers,
        **extra,
    )


def people(services: Services, slug: str, viewer: Viewer) -> list[tuple[str, str]]:
    return members(services, slug, viewer)


def day(text: str, *, field: str, viewer: Viewer) -> datetime:
    """A date typed as ``2026-11-30``, as noon that day in the viewer's time zone."""
    try:
        parsed = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidValue("give a date, like 2026-11-30", field=field) from None
    return datetime.combine(parsed, time(12), tzinfo=viewer.tz)


def day_end(text: str, *, field: str, viewer: Viewer) -> datetime:
    """The end of the typed day (midnight after it) in the viewer's time zone."""
    try:
        parsed = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidValue("give a date, like 2026-11-30", field=field) from None
    return datetime.combine(parsed + timedelta(days=1), time(0), tzinfo=viewer.tz)


def new_key() -> str:
    """One key per form shown: a double click, or a retry of the page, acts once."""
    return secrets.token_urlsafe(24)
