"""Reviews, and the per-member totals reputations are computed from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from cybermutual.domain.market.reviews import Review
from cybermutual.services.ports import Page
from cybermutual.store.pagination import newest_after, newest_cursor
from cybermutual.store.tables import market_reputation, reviews


def _review(row: Any) -> Review:
    return Review(
        row.id,
        row.collective_id,
        row.order_id,
        row.author_id,
        row.subject_id,
        row.stars,
        row.text,
        row.created_at,
    )


class SqlReviews:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, review: Review) -> None:
        self._conn.execute(
            insert(reviews).values(
                id=review.id,
                collective_id=review.collective_id,
                order_id=review.order_id,
                author_id=review.author_id,
                subject_id=review.subject_id,
                stars=review.stars,
                text=review.text,
                created_at=review.created_at,
            )
        )
        # one statement that adds or creates: two first reviews of a member at once both count
        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        upsert = dialect.insert(market_reputation).values(
            collective_id=review.collective_id,
            member_id=review.subject_id,
            review_count=1,
            star_sum=review.stars,
        )
        self._conn.execute(
            upsert.on_conflict_do_update(
                index_elements=[market_reputation.c.collective_id, market_reputation.c.member_id],
                set_={
                    "review_count": market_reputation.c.review_count + 1,
                    "star_sum": market_reputation.c.star_sum + review.stars,
                },
            )
        )

    def exists(self, order_id: str, author_id: str) -> bool:
        row = self._conn.execute(
            select(reviews.c.id).where(
                reviews.c.order_id == order_id, reviews.c.author_id == author_id
            )
        ).first()
        return row is not None

    def reviewed_by(self, author_id: str, order_ids: Sequence[str]) -> set[str]:
        if not order_ids:
            return set()
        rows = self._conn.execute(
            select(reviews.c.order_id).where(
                reviews.c.author_id == author_id, reviews.c.order_id.in_(sorted(set(order_ids)))
            )
        )
        return {r.order_id for r in rows}

    def of_subject(
        self, collective_id: str, subject_id: str, *, limit: int, cursor: str | None
    ) -> Page[Review]:
        where = [reviews.c.collective_id == collective_id, reviews.c.subject_id == subject_id]
        where += newest_after(reviews.c.created_at, reviews.c.id, cursor)
        rows = self._conn.execute(
            select(reviews)
            .where(*where)
            .order_by(reviews.c.created_at.desc(), reviews.c.id.desc())
            .limit(limit + 1)
        ).all()
        items, next_cursor = newest_cursor([_review(r) for r in rows], limit, "created_at")
        return Page(items, next_cursor)

    def of_order(self, order_id: str) -> list[Review]:
        rows = self._conn.execute(
            select(reviews).where(reviews.c.order_id == order_id).order_by(reviews.c.created_at)
        )
        return [_review(r) for r in rows]

    def reputations(
        self, collective_id: str, member_ids: Sequence[str]
    ) -> dict[str, tuple[int, int]]:
        rows = self._conn.execute(
            select(market_reputation).where(
                market_reputation.c.collective_id == collective_id,
                market_reputation.c.member_id.in_(set(member_ids)),
            )
        )
        return {r.member_id: (r.star_sum, r.review_count) for r in rows}

    def totals(self, collective_id: str) -> tuple[int, int]:
        row = self._conn.execute(
            select(
                func.coalesce(func.sum(market_reputation.c.star_sum), 0),
                func.coalesce(func.sum(market_reputation.c.review_count), 0),
            ).where(market_reputation.c.collective_id == collective_id)
        ).one()
        return int(row[0]), int(row[1])
