"""Allocation rounds, their bids, the facilitator's passes and the shares it gave."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, or_, select, update

from cybermutual.domain.commons import AllocationRound, Bid, PassSummary, RoundStatus, Share
from cybermutual.services.ports import Page
from cybermutual.store.bulk import copy_text, write_copy_text
from cybermutual.store.pagination import newest_after, newest_cursor
from cybermutual.store.tables import (
    allocation_bids,
    allocation_passes,
    allocation_rounds,
    allocation_shares,
)

_ROUND_FIELDS = (
    "lottery_seed",
    "period_start",
    "period_end",
    "bids_close_at",
    "token_budget",
    "opened_by",
    "opened_at",
    "computed_by",
    "computed_at",
    "published_by",
    "published_at",
    "closed_by",
    "closed_at",
    "passes",
    "cancelled_by",
    "cancelled_at",
)


def _round(row: Any) -> AllocationRound:
    return AllocationRound(
        id=row.id,
        collective_id=row.collective_id,
        status=RoundStatus(row.status),
        **{name: getattr(row, name) for name in _ROUND_FIELDS},
    )


def _round_values(round_: AllocationRound) -> dict[str, object]:
    values: dict[str, object] = {name: getattr(round_, name) for name in _ROUND_FIELDS}
    values["status"] = round_.status.value
    return values


def _bid(row: Any) -> Bid:
    return Bid(
        id=row.id,
        round_id=row.round_id,
        member_id=row.member_id,
        asset_id=row.asset_id,
        max_units=int(row.max_units),
        min_units=int(row.min_units),
        output_category=row.output_category,
        listing_id=row.listing_id,
        placed_at=row.placed_at,
        enterprise_id=row.enterprise_id,
    )


class _StoredExplanation(Mapping[str, object]):
    """A share's explanation as stored (JSON), parsed the first time it is read.

    A round's report loads every share, but most callers read a few explanations or none: at a
    million shares, parsing them all up front was most of the time a round took to publish.
    """

    __slots__ = ("_parsed", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._parsed: dict[str, object] | None = None

    def _values(self) -> dict[str, object]:
        if self._parsed is None:
            self._parsed = json.loads(self._text)
        return self._parsed

    def __getitem__(self, key: str) -> object:
        return self._values()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values())

    def __len__(self) -> int:
        return len(self._values())

    def __repr__(self) -> str:
        return repr(self._values())


def _share(row: Any) -> Share:
    return Share(
        id=row.id,
        round_id=row.round_id,
        member_id=row.member_id,
        asset_id=row.asset_id,
        bid_id=row.bid_id,
        units=int(row.units),
        pass_no=int(row.pass_no),
        price_per_unit=float(row.price_per_unit),
        value_per_unit=float(row.value_per_unit),
        explanation=_StoredExplanation(row.explanation),
        declined_at=row.declined_at,
        rerun_pass=row.rerun_pass,
        enterprise_id=row.enterprise_id,
    )


def _share_values(share: Share) -> dict[str, object]:
    return {
        "id": share.id,
        "round_id": share.round_id,
        "member_id": share.member_id,
        "asset_id": share.asset_id,
        "bid_id": share.bid_id,
        "units": share.units,
        "pass_no": share.pass_no,
        "price_per_unit": share.price_per_unit,
        "value_per_unit": share.value_per_unit,
        "explanation": json.dumps(dict(share.explanation), sort_keys=True),
        "declined_at": share.declined_at,
        "rerun_pass": share.rerun_pass,
        "enterprise_id": share.enterprise_id,
    }


def _pass(row: Any) -> PassSummary:
    return PassSummary(
        round_id=row.round_id,
        pass_no=int(row.pass_no),
        prices=json.loads(row.prices),
        summary=json.loads(row.summary),
        computed_at=row.computed_at,
    )


class SqlAllocationRounds:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # rounds

    def add(self, round_: AllocationRound) -> None:
        self._conn.execute(
            insert(allocation_rounds).values(
                id=round_.id, collective_id=round_.collective_id, **_round_values(round_)
            )
        )

    def get(self, round_id: str) -> AllocationRound | None:
        row = self._conn.execute(
            select(allocation_rounds).where(allocation_rounds.c.id == round_id)
        ).first()
        return None if row is None else _round(row)

    def lock(self, round_id: str) -> AllocationRound | None:
        row = self._conn.execute(
            select(allocation_rounds).where(allocation_rounds.c.id == round_id).with_for_update()
        ).first()
        return None if row is None else _round(row)

    def save(self, round_: AllocationRound) -> None:
        self._conn.execute(
            update(allocation_rounds)
            .where(allocation_rounds.c.id == round_.id)
            .values(**_round_values(round_))
        )

    def of_collective(
        self, collective_id: str, *, limit: int, cursor: str | None
    ) -> Page[AllocationRound]:
        table = allocation_rounds
        query = (
            select(table)
            .where(table.c.collective_id == collective_id)
            .order_by(table.c.period_start.desc(), table.c.id.desc())
            .limit(limit + 1)
        )
        query = query.where(*newest_after(table.c.period_start, table.c.id, cursor))
        rows = self._conn.execute(query).all()
        items, next_cursor = newest_cursor([_round(row) for row in rows], limit, "period_start")
        return Page(items, next_cursor)

    def conflicting(
        self, collective_id: str, *, start: datetime, end: datetime
    ) -> list[AllocationRound]:
        table = allocation_rounds
        rows = self._conn.execute(
            select(table)
            .where(
                table.c.collective_id == collective_id,
                or_(
                    table.c.status.in_([RoundStatus.OPEN.value, RoundStatus.COMPUTED.value]),
                    and_(
                        table.c.period_start < end,
                        table.c.period_end > start,
                        table.c.status != RoundStatus.CANCELLED.value,
                    ),
                ),
            )
            .order_by(table.c.period_start)
        )
        return [_round(row) for row in rows]

    def previous_prices(self, collective_id: str, *, before: datetime) -> PassSummary | None:
        row = self._conn.execute(
            select(allocation_passes)
            .join(allocation_rounds, allocation_rounds.c.id == allocation_passes.c.round_id)
            .where(
                allocation_rounds.c.collective_id == collective_id,
                allocation_rounds.c.period_start < before,
                allocation_passes.c.pass_no == 1,
            )
            .order_by(allocation_rounds.c.period_start.desc())
            .limit(1)
        ).first()
        return None if row is None else _pass(row)

    # bids

    def save_bid(self, bid: Bid) -> None:
        self._conn.execute(
            delete(allocation_bids).where(
                allocation_bids.c.round_id == bid.round_id,
                allocation_bids.c.member_id == bid.member_id,
                allocation_bids.c.asset_id == bid.asset_id,
            )
        )
        self._conn.execute(
            insert(allocation_bids).values(
                id=bid.id,
                round_id=bid.round_id,
                member_id=bid.member_id,
                asset_id=bid.asset_id,
                max_units=bid.max_units,
                min_units=bid.min_units,
                output_category=bid.output_category,
                listing_id=bid.listing_id,
                placed_at=bid.placed_at,
                enterprise_id=bid.enterprise_id,
            )
        )

    def bid(self, bid_id: str) -> Bid | None:
        row = self._conn.execute(
            select(allocation_bids).where(allocation_bids.c.id == bid_id)
        ).first()
        return None if row is None else _bid(row)

    def bids(self, round_id: str) -> list[Bid]:
        rows = self._conn.execute(
            select(allocation_bids)
            .where(allocation_bids.c.round_id == round_id)
            .order_by(allocation_bids.c.member_id, allocation_bids.c.asset_id)
        )
        return [_bid(row) for row in rows.all()]

    def delete_bid(self, bid_id: str) -> None:
        self._conn.execute(delete(allocation_bids).where(allocation_bids.c.id == bid_id))

    # shares and passes

    def replace_shares(self, round_id: str, shares: Sequence[Share]) -> None:
        for table in (allocation_shares, allocation_passes):
            self._conn.execute(delete(table).where(table.c.round_id == round_id))
        self.add_shares(shares)

    def add_shares(self, shares: Sequence[Share]) -> None:
        """Store new shares: ``COPY`` on PostgreSQL, where a round of a million bidders
        publishes millions of them, each row's text made in one step."""
        if not shares:
            return
        if self._conn.dialect.name != "postgresql":
            self._conn.execute(insert(allocation_shares), [_share_values(s) for s in shares])
            return
        rows = [_share_values(s) for s in shares]
        # the columns are the ones every other write names, so a new column cannot be left out
        write_copy_text(
            self._conn,
            allocation_shares.name,
            tuple(rows[0]),
            "".join("\t".join(copy_text(v) for v in row.values()) + "\n" for row in rows),
        )

    def save_share(self, share: Share) -> None:
        values = _share_values(share)
        del values["id"]
        self._conn.execute(
            update(allocation_shares).where(allocation_shares.c.id == share.id).values(**values)
        )

    def share(self, share_id: str) -> Share | None:
        row = self._conn.execute(
            select(allocation_shares).where(allocation_shares.c.id == share_id)
        ).first()
        return None if row is None else _share(row)

    def shares(self, round_id: str) -> list[Share]:
        rows = self._conn.execute(
            select(allocation_shares)
            .where(allocation_shares.c.round_id == round_id)
            .order_by(
                allocation_shares.c.pass_no,
                allocation_shares.c.member_id,
                allocation_shares.c.asset_id,
            )
        )
        return [_share(row) for row in rows.all()]

    def of_enterprise(
        self, enterprise_id: str, *, limit: int
    ) -> list[tuple[AllocationRound, Share]]:
        """The shares an enterprise holds (declined ones too), latest round first."""
        rows = self._conn.execute(
            select(allocation_shares, allocation_rounds.c.period_start)
            .join(allocation_rounds, allocation_rounds.c.id == allocation_shares.c.round_id)
            .where(allocation_shares.c.enterprise_id == enterprise_id)
            .order_by(
                allocation_rounds.c.period_start.desc(),
                allocation_shares.c.pass_no,
                allocation_shares.c.id,
            )
            .limit(limit)
        ).all()
        rounds: dict[str, AllocationRound] = {}
        for round_id in {row.round_id for row in rows}:
            round_ = self.get(round_id)
            if round_ is not None:
                rounds[round_id] = round_
        return [(rounds[row.round_id], _share(row)) for row in rows if row.round_id in rounds]

    def save_pass(self, summary: PassSummary) -> None:
        self._conn.execute(
            delete(allocation_passes).where(
                allocation_passes.c.round_id == summary.round_id,
                allocation_passes.c.pass_no == summary.pass_no,
            )
        )
        self._conn.execute(
            insert(allocation_passes).values(
                round_id=summary.round_id,
                pass_no=summary.pass_no,
                prices=json.dumps(dict(summary.prices), sort_keys=True),
                summary=json.dumps(dict(summary.summary), sort_keys=True),
                computed_at=summary.computed_at,
            )
        )

    def passes(self, round_id: str) -> list[PassSummary]:
        rows = self._conn.execute(
            select(allocation_passes)
            .where(allocation_passes.c.round_id == round_id)
            .order_by(allocation_passes.c.pass_no)
        )
        return [_pass(row) for row in rows]
