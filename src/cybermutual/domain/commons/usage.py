"""The usage log: what members actually did with their shares, and the sales it led to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cybermutual.domain.commons.assets import Asset, normalise_category
from cybermutual.domain.commons.rounds import AllocationRound, RoundStatus
from cybermutual.domain.errors import InvalidTransition, InvalidValue, UsageExceedsShare
from cybermutual.domain.market.deals import OrderStatus
from cybermutual.domain.market.listings import ListingKind, ListingStatus

MAX_SALES = 100
MAX_UNITS = 1_000_000


@dataclass(frozen=True, slots=True)
class Sale:
    """A posted payment the member received for what they made (a transfer of the ledger)."""

    transfer_id: str
    amount: int


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """``units`` of an asset used by a member (in a round's share), and the sales it produced."""

    id: str
    collective_id: str
    member_id: str
    asset_id: str
    round_id: str | None
    units: int
    output_category: str
    sales: tuple[Sale, ...]
    note: str
    logged_at: datetime
    #: the enterprise whose share was used (its people log it; its account received the sales)
    enterprise_id: str | None = None

    @property
    def producer(self) -> str:
        """Whose productivity this use measures: the enterprise's, or the member's own."""
        return self.enterprise_id or self.member_id

    @property
    def sales_value(self) -> int:
        return sum(s.amount for s in self.sales)


def log_usage(
    asset: Asset,
    *,
    record_id: str,
    member_id: str,
    units: int,
    output_category: str,
    sales: Sequence[Sale] = (),
    note: str = "",
    round_: AllocationRound | None = None,
    held: int | None = None,
    logged_before: int = 0,
    enterprise_id: str | None = None,
    now: datetime,
) -> UsageRecord:
    """Record use of ``asset``.

    With a round, the use is of the member's share in it: the round must be published or closed,
    and the units logged against it never exceed the units the member ``held`` there.
    """
    if not 1 <= units <= MAX_UNITS:
        raise InvalidValue(f"units must be 1..{MAX_UNITS}", field="units")
    if len(sales) > MAX_SALES or len({s.transfer_id for s in sales}) != len(sales):
        raise InvalidValue(f"sales lists up to {MAX_SALES} distinct transfers", field="sales")
    if len(note.strip()) > 500:
        raise InvalidValue("note has at most 500 characters", field="note")
    if round_ is not None:
        if round_.status not in (RoundStatus.PUBLISHED, RoundStatus.CLOSED):
            raise InvalidTransition(
                "use is logged against a published or closed round",
                status=round_.status.value,
            )
        if held is None or logged_before + units > held:
            holder, have = ("you", "have") if enterprise_id is None else ("the enterprise", "has")
            raise UsageExceedsShare(
                f"{holder} held {held or 0} {asset.unit} of '{asset.name}' in this round and "
                f"{have} logged {logged_before} already",
                held=held or 0,
                logged=logged_before,
            )
    elif units > asset.capacity:
        raise InvalidValue(
            f"'{asset.name}' offers at most {asset.capacity} {asset.unit} per period",
            field="units",
        )
    return UsageRecord(
        id=record_id,
        collective_id=asset.collective_id,
        member_id=member_id,
        asset_id=asset.id,
        round_id=None if round_ is None else round_.id,
        units=units,
        output_category=normalise_category(output_category, field="output_category"),
        sales=tuple(sales),
        note=note.strip(),
        logged_at=now,
        enterprise_id=enterprise_id,
    )


@dataclass(frozen=True, slots=True)
class UsageStats:
    """Logged use of one asset by one member over the productivity window (``member_id`` is the
    enterprise's id for use of an enterprise's shares: its productivity is its own)."""

    member_id: str
    asset_id: str
    units: int
    sales_value: int


#: What the market says is wanted: open requests (a listing of this kind in this state) ...
DEMAND_LISTING = (ListingKind.REQUEST, ListingStatus.OPEN)
#: ... and what sold lately (orders that ended in this state).
SOLD = frozenset({OrderStatus.COMPLETED})


@dataclass(frozen=True, slots=True)
class CategoryDemand:
    """Signals of demand for one output category: open requests and recent sales."""

    category: str
    open_requests: int = 0
    recent_sales: int = 0
