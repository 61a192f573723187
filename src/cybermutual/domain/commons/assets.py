"""Assets: the collective's means of production, contributed by members and never sold."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from cybermutual.domain.collective import CapitalMode, Collective
from cybermutual.domain.errors import (
    CommonsNotEnabled,
    CommonsNotForSale,
    InvalidTransition,
    InvalidValue,
    NotFound,
)

MAX_CAPACITY = 1_000_000
MAX_OUTPUTS = 20
_CATEGORY = re.compile(r"^[a-z0-9](?:[a-z0-9 _/&-]{0,58}[a-z0-9])?$")

#: What members might try to do to an asset that only private property allows.
FORBIDDEN_ACTIONS = frozenset(
    {"sell", "sale", "buy", "purchase", "price", "transfer", "auction", "rent", "lease", "list"}
)
#: Fields that would price an asset in currency or hand it to someone.
FORBIDDEN_FIELDS = frozenset(
    {"price", "sale_price", "asking_price", "amount", "currency", "owner", "owner_id", "new_owner"}
)


class AssetStatus(StrEnum):
    AVAILABLE = "available"
    MAINTENANCE = "maintenance"
    RETIRED = "retired"  # final: a retired asset is kept on record, never reallocated


def normalise_category(text: str, *, field: str = "category") -> str:
    """A category is 1-60 lowercase letters, digits, spaces and ``_/&-``."""
    category = " ".join(text.strip().lower().split())
    if not _CATEGORY.match(category):
        raise InvalidValue(
            f"{field} must be 1-60 characters of a-z, 0-9, spaces and _/&-", field=field
        )
    return category


def _text(value: str, *, field: str, low: int, high: int) -> str:
    value = value.strip()
    if not low <= len(value) <= high:
        raise InvalidValue(f"{field} must have {low}-{high} characters", field=field)
    return value


@dataclass(frozen=True, slots=True)
class Asset:
    """A means of production held by the collective (a lathe, a van, a field, a GPU server).

    ``capacity`` whole ``unit``s (hours, days, plots) can be shared out each period.
    ``contributed_by`` records who brought it into the commons; the collective owns it.
    """

    id: str
    collective_id: str
    name: str
    category: str
    capacity: int
    unit: str
    location: str
    description: str
    output_categories: tuple[str, ...]
    status: AssetStatus
    contributed_by: str | None
    contributed_at: datetime

    def __post_init__(self) -> None:
        if not 1 <= self.capacity <= MAX_CAPACITY:
            raise InvalidValue(
                f"capacity must be 1..{MAX_CAPACITY} whole units per period", field="capacity"
            )

    @property
    def is_available(self) -> bool:
        return self.status is AssetStatus.AVAILABLE

    def serves(self, category: str) -> bool:
        """Whether a bid may plan ``category`` as its output (an asset listing none serves all)."""
        return not self.output_categories or category in self.output_categories


def require_commons(collective: Collective) -> Collective:
    """Assets exist where the charter holds capital in common (``commons`` or ``mixed``)."""
    if collective.charter.capital_mode is CapitalMode.PRIVATE:
        raise CommonsNotEnabled(
            "this collective's charter has capital_mode 'private': enterprises own capital here",
            capital_mode=collective.charter.capital_mode.value,
        )
    return collective


def outputs(categories: Iterable[str]) -> tuple[str, ...]:
    """Normalised, de-duplicated output categories, in the order given."""
    seen: dict[str, None] = {}
    for text in categories:
        seen[normalise_category(text, field="output_categories")] = None
    if len(seen) > MAX_OUTPUTS:
        raise InvalidValue(f"at most {MAX_OUTPUTS} output categories", field="output_categories")
    return tuple(seen)


def contribute(
    *,
    asset_id: str,
    collective: Collective,
    contributor: str,
    name: str,
    category: str,
    capacity: int,
    unit: str,
    location: str = "",
    description: str = "",
    output_categories: Iterable[str] = (),
    now: datetime,
) -> Asset:
    """A member contributes an asset: recorded, and from now on owned by the collective."""
    require_commons(collective)
    return Asset(
        id=asset_id,
        collective_id=collective.id,
        name=_text(name, field="name", low=1, high=120),
        category=normalise_category(category),
        capacity=capacity,
        unit=normalise_category(unit, field="unit"),
        location=_text(location, field="location", low=0, high=200),
        description=_text(description, field="description", low=0, high=2000),
        output_categories=outputs(output_categories),
        status=AssetStatus.AVAILABLE,
        contributed_by=contributor,
        contributed_at=now,
    )


def revise(
    asset: Asset,
    *,
    name: str | None = None,
    capacity: int | None = None,
    location: str | None = None,
    description: str | None = None,
    output_categories: Iterable[str] | None = None,
    status: AssetStatus | None = None,
) -> Asset:
    """Change how an asset is described or whether it can be used; a retired asset stays retired."""
    if asset.status is AssetStatus.RETIRED:
        raise InvalidTransition("a retired asset is kept on record and can no longer change")
    return replace(
        asset,
        name=asset.name if name is None else _text(name, field="name", low=1, high=120),
        capacity=asset.capacity if capacity is None else capacity,
        location=(
            asset.location
            if location is None
            else _text(location, field="location", low=0, high=200)
        ),
        description=(
            asset.description
            if description is None
            else _text(description, field="description", low=0, high=2000)
        ),
        output_categories=(
            asset.output_categories if output_categories is None else outputs(output_categories)
        ),
        status=asset.status if status is None else status,
    )


def sale_action(action: str) -> str:
    """``action`` as one of the ways to sell an asset (lower case), refused further on by
    ``refuse_sale``; any other word is not an action assets have (``not_found``)."""
    if action.lower() not in FORBIDDEN_ACTIONS:
        raise NotFound(f"assets have no '{action}' action")
    return action.lower()


def refuse_sale(asset_id: str | None, *, action: str = "sell") -> None:
    """The commons is never sold, priced in currency, transferred or listed on the market.

    Every edge that could do so calls this: with an asset it refuses (``commons_not_for_sale``);
    with ``None`` (nothing from the commons involved) it lets the request through.
    """
    if asset_id is None:
        return
    raise CommonsNotForSale(
        f"cannot {action} an asset of the commons: the means of production belong to the "
        "collective and are shared out by allocation rounds, never bought, sold or priced in "
        "currency",
        asset=asset_id,
        action=action,
    )


def refuse_forbidden_fields(fields: Iterable[str], *, asset_id: str | None = None) -> None:
    """Refuse a request body that would price or hand over an asset."""
    forbidden = sorted(set(fields) & FORBIDDEN_FIELDS)
    if forbidden:
        refuse_sale(asset_id or "new", action=f"set {', '.join(forbidden)} on")
