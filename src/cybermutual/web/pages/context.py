"""What every page inside a collective needs: the collective, its figures, one's membership."""

from __future__ import annotations

from typing import Any

from cybermutual.domain.membership import MembershipStatus
from cybermutual.services.container import Services
from cybermutual.web.sessions import Viewer


def collective_context(services: Services, slug: str, viewer: Viewer, tab: str) -> dict[str, Any]:
    """``collective``, ``stats``, ``currency``, ``membership`` (None when not a member), ``tab``
    and ``is_member`` (an active member), for ``collective/base.html``."""
    profile = services.collectives.profile(slug)
    membership = (
        services.collectives.membership(slug, member_id=viewer.person.id)
        if viewer.person is not None
        else None
    )
    return {
        "collective": profile.collective,
        "stats": profile.stats,
        "currency": profile.collective.currency,
        "membership": membership,
        "is_member": membership is not None and membership.status is MembershipStatus.ACTIVE,
        "tab": tab,
    }
