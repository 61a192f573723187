"""Shares: what the facilitator gave each member in a round, with its reason; declining one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from cybermutual.domain.commons.rounds import AllocationRound, require_published
from cybermutual.domain.errors import InvalidTransition, NotAllowed


@dataclass(frozen=True, slots=True)
class Share:
    """``units`` of an asset for one member in one round, from facilitator pass ``pass_no``.

    ``price_per_unit`` is in tokens (never currency); ``explanation`` is the facilitator's
    reason, as plain JSON-ready data. ``rerun_pass`` marks a declined share whose units a
    later pass has shared out again. ``enterprise_id`` is the enterprise that holds the share
    when ``member_id`` bid for it (from their own budget).
    """

    id: str
    round_id: str
    member_id: str
    asset_id: str
    bid_id: str | None
    units: int
    pass_no: int
    price_per_unit: float
    value_per_unit: float
    explanation: Mapping[str, Any] = field(default_factory=dict)
    declined_at: datetime | None = None
    rerun_pass: int | None = None
    enterprise_id: str | None = None

    @property
    def is_declined(self) -> bool:
        return self.declined_at is not None

    @property
    def awaiting_rerun(self) -> bool:
        """Declined units no later pass has shared out yet."""
        return self.is_declined and self.rerun_pass is None and self.units > 0


@dataclass(frozen=True, slots=True)
class PassSummary:
    """What one facilitator pass found for the round as a whole."""

    round_id: str
    pass_no: int
    prices: Mapping[str, float]  # tokens per unit, by asset id
    summary: Mapping[str, Any]  # envy, iterations, welfare, price of fairness, ...
    computed_at: datetime


def decline(
    share: Share,
    round_: AllocationRound,
    *,
    member_id: str,
    now: datetime,
    in_enterprise: bool = False,
) -> Share:
    """A member declines their own share of a published round; a later pass re-shares it.

    An enterprise's share is declined by anyone with a role in it now (``in_enterprise``; its
    bidder too, while they still hold one).
    """
    require_published(round_, action="decline a share")
    allowed = in_enterprise if share.enterprise_id is not None else share.member_id == member_id
    if not allowed:
        raise NotAllowed("only the member (or enterprise) who received a share can decline it")
    if share.is_declined:
        raise InvalidTransition("this share is already declined")
    if share.units == 0:
        raise InvalidTransition("there is nothing to decline in an empty share")
    return replace(share, declined_at=now)


def declined_units(shares: Iterable[Share]) -> dict[str, int]:
    """Declined units awaiting a re-run, by asset id."""
    total: dict[str, int] = {}
    for share in shares:
        if share.awaiting_rerun:
            total[share.asset_id] = total.get(share.asset_id, 0) + share.units
    return total


def held_units(
    shares: Iterable[Share],
    *,
    member_id: str | None,
    asset_id: str,
    enterprise_id: str | None = None,
) -> int:
    """Units of ``asset_id`` held in a round (every pass, declined shares excluded): by an
    enterprise when ``enterprise_id`` is named (whoever bid for it), else by the member for
    themself (what they won for an enterprise is the enterprise's)."""
    return sum(
        s.units
        for s in shares
        if s.asset_id == asset_id
        and not s.is_declined
        and (
            s.enterprise_id == enterprise_id
            if enterprise_id is not None
            else s.member_id == member_id and s.enterprise_id is None
        )
    )
