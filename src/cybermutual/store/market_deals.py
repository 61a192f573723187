"""Orders, quotes, task applications, disputes with their jurors, reviews and the inbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from cybermutual.domain.market.deals import TERMINAL, DealKind, Order, OrderStatus
from cybermutual.domain.market.disputes import Dispute, DisputeStatus, Juror, Vote
from cybermutual.domain.market.proposals import (
    Application,
    ApplicationStatus,
    Quote,
    QuoteStatus,
)
from cybermutual.domain.market.reviews import Review
from cybermutual.domain.membership import Membership
from cybermutual.services.inbox import InboxItem
from cybermutual.services.ports import Page
from cybermutual.store.collectives import membership_from_row
from cybermutual.store.pagination import (
    newest_after,
    newest_cursor,
)
from cybermutual.store.tables import (
    dispute_jurors,
    disputes,
    inbox_items,
    market_reputation,
    memberships,
    orders,
    quotes,
    reviews,
    task_applications,
)


def _order(row: Any) -> Order:
    return Order(
        id=row.id,
        collective_id=row.collective_id,
        kind=DealKind(row.kind),
        listing_id=row.listing_id,
        buyer_id=row.buyer_id,
        seller_id=row.seller_id,
        quantity=row.quantity,
        unit_price=row.unit_price,
        amount=row.amount,
        status=OrderStatus(row.status),
        escrow_id=row.escrow_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        note=row.note,
        quote_id=row.quote_id,
        application_id=row.application_id,
        delivered_at=row.delivered_at,
        closed_at=row.closed_at,
        auto_confirm_at=row.auto_confirm_at,
        payout_id=row.payout_id,
    )


class SqlOrders:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    @staticmethod
    def _values(o: Order) -> dict[str, Any]:
        return {
            "id": o.id,
            "collective_id": o.collective_id,
            "kind": o.kind.value,
            "listing_id": o.listing_id,
            "quote_id": o.quote_id,
            "application_id": o.application_id,
            "buyer_id": o.buyer_id,
            "seller_id": o.seller_id,
            "quantity": o.quantity,
            "unit_price": o.unit_price,
            "amount": o.amount,
            "status": o.status.value,
            "escrow_id": o.escrow_id,
            "payout_id": o.payout_id,
            "note": o.note,
            "created_at": o.created_at,
            "updated_at": o.updated_at,
            "delivered_at": o.delivered_at,
            "closed_at": o.closed_at,
            "auto_confirm_at": o.auto_confirm_at,
        }

    def add(self, order: Order) -> None:
        self._conn.execute(insert(orders).values(**self._values(order)))

    def save(self, order: Order) -> None:
        values = self._values(order)
        del values["id"]
        self._conn.execute(update(orders).where(orders.c.id == order.id).values(**values))

    def get(self, order_id: str, *, lock: bool = False) -> Order | None:
        query = select(orders).where(orders.c.id == order_id)
        row = self._conn.execute(query.with_for_update() if lock else query).first()
        return None if row is None else _order(row)

    def of_member(
        self,
        collective_id: str,
        member_id: str,
        *,
        role: str | None,
        status: OrderStatus | None,
        limit: int,
        cursor: str | None,
    ) -> Page[Order]:
        if role == "buyer":
            party = orders.c.buyer_id == member_id
        elif role == "seller":
            party = orders.c.seller_id == member_id
        else:
            party = or_(orders.c.buyer_id == member_id, orders.c.seller_id == member_id)
        where = [orders.c.collective_id == collective_id, party]
        if status is not None:
            where.append(orders.c.status == status.value)
        where += newest_after(orders.c.created_at, orders.c.id, cursor)
        rows = self._conn.execute(
            select(orders)
            .where(*where)
            .order_by(orders.c.created_at.desc(), orders.c.id.desc())
            .limit(limit + 1)
        ).all()
        items, next_cursor = newest_cursor([_order(r) for r in rows], limit, "created_at")
        return Page(items, next_cursor)

    def of_listing(self, listing_id: str) -> list[Order]:
        rows = self._conn.execute(
            select(orders)
            .where(orders.c.listing_id == listing_id)
            .order_by(orders.c.created_at, orders.c.id)
        )
        return [_order(r) for r in rows]

    def by_ids(self, order_ids: Sequence[str]) -> dict[str, Order]:
        if not order_ids:
            return {}
        rows = self._conn.execute(select(orders).where(orders.c.id.in_(sorted(set(order_ids)))))
        return {r.id: _order(r) for r in rows}

    def due(self, collective_id: str, *, now: datetime, limit: int) -> list[str]:
        rows = self._conn.execute(
            select(orders.c.id)
            .where(
                orders.c.collective_id == collective_id,
                orders.c.status == OrderStatus.DELIVERED.value,
                orders.c.auto_confirm_at <= now,
                orders.c.auto_confirm_failed_at.is_(None),
            )
            .order_by(orders.c.auto_confirm_at, orders.c.id)
            .limit(limit)
        )
        return [r.id for r in rows]

    def by_escrow(self, transfer_id: str) -> Order | None:
        row = self._conn.execute(select(orders).where(orders.c.escrow_id == transfer_id)).first()
        return None if row is None else _order(row)

    def open_of(self, collective_id: str) -> list[Order]:
        rows = self._conn.execute(
            select(orders)
            .where(
                orders.c.collective_id == collective_id,
                orders.c.status.not_in([s.value for s in TERMINAL]),
            )
            .order_by(orders.c.id)
        )
        return [_order(r) for r in rows]

    def set_aside(self, order_id: str, *, reason: str, at: datetime) -> None:
        self._conn.execute(
            update(orders)
            .where(orders.c.id == order_id)
            .values(auto_confirm_failed_at=at, auto_confirm_error=reason[:2000])
        )

    def set_aside_of(self, collective_id: str) -> dict[str, tuple[datetime, str]]:
        rows = self._conn.execute(
            select(orders.c.id, orders.c.auto_confirm_failed_at, orders.c.auto_confirm_error).where(
                orders.c.collective_id == collective_id,
                orders.c.auto_confirm_failed_at.is_not(None),
            )
        )
        return {r.id: (r.auto_confirm_failed_at, r.auto_confirm_error or "") for r in rows}


def _quote(row: Any) -> Quote:
    return Quote(
        id=row.id,
        collective_id=row.collective_id,
        listing_id=row.listing_id,
        quoter_id=row.quoter_id,
        price=row.price,
        message=row.message,
        status=QuoteStatus(row.status),
        created_at=row.created_at,
        order_id=row.order_id,
    )


class SqlQuotes:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, quote: Quote) -> None:
        self._conn.execute(
            insert(quotes).values(
                id=quote.id,
                collective_id=quote.collective_id,
                listing_id=quote.listing_id,
                quoter_id=quote.quoter_id,
                price=quote.price,
                message=quote.message,
                status=quote.status.value,
                order_id=quote.order_id,
                created_at=quote.created_at,
            )
        )

    def save(self, quote: Quote) -> None:
        self._conn.execute(
            update(quotes)
            .where(quotes.c.id == quote.id)
            .values(status=quote.status.value, order_id=quote.order_id)
        )

    def get(self, quote_id: str) -> Quote | None:
        row = self._conn.execute(select(quotes).where(quotes.c.id == quote_id)).first()
        return None if row is None else _quote(row)

    def of_listing(self, listing_id: str) -> list[Quote]:
        rows = self._conn.execute(
            select(quotes)
            .where(quotes.c.listing_id == listing_id)
            .order_by(quotes.c.created_at, quotes.c.id)
        )
        return [_quote(r) for r in rows]

    def withdraw_open_of(self, collective_id: str, quoter_id: str) -> int:
        return self._conn.execute(
            update(quotes)
            .where(
                quotes.c.collective_id == collective_id,
                quotes.c.quoter_id == quoter_id,
                quotes.c.status == QuoteStatus.OPEN.value,
            )
            .values(status=QuoteStatus.WITHDRAWN.value)
        ).rowcount


def _application(row: Any) -> Application:
    return Application(
        id=row.id,
        collective_id=row.collective_id,
        listing_id=row.listing_id,
        applicant_id=row.applicant_id,
        message=row.message,
        status=ApplicationStatus(row.status),
        created_at=row.created_at,
    )


class SqlApplications:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, application: Application) -> None:
        self._conn.execute(
            insert(task_applications).values(
                id=application.id,
                collective_id=application.collective_id,
                listing_id=application.listing_id,
                applicant_id=application.applicant_id,
                message=application.message,
                status=application.status.value,
                created_at=application.created_at,
            )
        )

    def save(self, application: Application) -> None:
        self._conn.execute(
            update(task_applications)
            .where(task_applications.c.id == application.id)
            .values(status=application.status.value)
        )

    def get(self, application_id: str) -> Application | None:
        row = self._conn.execute(
            select(task_applications).where(task_applications.c.id == application_id)
        ).first()
        return None if row is None else _application(row)

    def of_listing(self, listing_id: str) -> list[Application]:
        rows = self._conn.execute(
            select(task_applications)
            .where(task_applications.c.listing_id == listing_id)
            .order_by(task_applications.c.created_at, task_applications.c.id)
        )
        return [_application(r) for r in rows]

    def withdraw_open_of(self, collective_id: str, applicant_id: str) -> int:
        return self._conn.execute(
            update(task_applications)
            .where(
                task_applications.c.collective_id == collective_id,
                task_applications.c.applicant_id == applicant_id,
                task_applications.c.status == ApplicationStatus.OPEN.value,
            )
            .values(status=ApplicationStatus.WITHDRAWN.value)
        ).rowcount


class SqlDisputes:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _jurors(self, dispute_ids: Sequence[str]) -> dict[str, list[Juror]]:
        found: dict[str, list[Juror]] = {d: [] for d in dispute_ids}
        rows = self._conn.execute(
            select(dispute_jurors)
            .where(dispute_jurors.c.dispute_id.in_(set(dispute_ids)))
            .order_by(dispute_jurors.c.dispute_id, dispute_jurors.c.position)
        )
        for r in rows:
            found[r.dispute_id].append(
                Juror(
                    r.juror_id,
                    None if r.vote is None else Vote(r.vote),
                    r.voted_at,
                    r.vacated_at,
                )
            )
        return found

    def _disputes(self, rows: Sequence[Any]) -> list[Dispute]:
        jurors = self._jurors([r.id for r in rows])
        return [
            Dispute(
                id=r.id,
                collective_id=r.collective_id,
                order_id=r.order_id,
                opened_by=r.opened_by,
                reason=r.reason,
                status=DisputeStatus(r.status),
                seed=r.seed,
                jurors=tuple(jurors[r.id]),
                created_at=r.created_at,
                jury_draw=r.jury_draw,
                outcome=None if r.outcome is None else Vote(r.outcome),
                seller_share=r.seller_share,
                proposed_by=r.proposed_by,
                proposed_share=r.proposed_share,
                closed_at=r.closed_at,
            )
            for r in rows
        ]

    @staticmethod
    def _values(d: Dispute) -> dict[str, Any]:
        return {
            "status": d.status.value,
            "outcome": None if d.outcome is None else d.outcome.value,
            "seller_share": d.seller_share,
            "proposed_by": d.proposed_by,
            "proposed_share": d.proposed_share,
            "closed_at": d.closed_at,
        }

    def add(self, dispute: Dispute) -> None:
        self._conn.execute(
            insert(disputes).values(
                id=dispute.id,
                collective_id=dispute.collective_id,
                order_id=dispute.order_id,
                opened_by=dispute.opened_by,
                reason=dispute.reason,
                seed=dispute.seed,
                jury_draw=dispute.jury_draw,
                created_at=dispute.created_at,
                **self._values(dispute),
            )
        )
        self._add_jurors(dispute.id, dispute.jurors, start=0)

    def _add_jurors(self, dispute_id: str, jurors: Sequence[Juror], *, start: int) -> None:
        if jurors:
            self._conn.execute(
                insert(dispute_jurors),
                [
                    {
                        "dispute_id": dispute_id,
                        "juror_id": j.member_id,
                        "position": start + i,
                        "vote": None if j.vote is None else j.vote.value,
                        "voted_at": j.voted_at,
                        "vacated_at": j.vacated_at,
                    }
                    for i, j in enumerate(jurors)
                ],
            )

    def save(self, dispute: Dispute) -> None:
        self._conn.execute(
            update(disputes).where(disputes.c.id == dispute.id).values(**self._values(dispute))
        )
        stored = self._jurors([dispute.id])[dispute.id]
        before = {j.member_id: j for j in stored}
        for juror in dispute.jurors:
            if juror.member_id in before and before[juror.member_id] != juror:
                self._conn.execute(
                    update(dispute_jurors)
                    .where(
                        dispute_jurors.c.dispute_id == dispute.id,
                        dispute_jurors.c.juror_id == juror.member_id,
                    )
                    .values(
                        vote=None if juror.vote is None else juror.vote.value,
                        voted_at=juror.voted_at,
                        vacated_at=juror.vacated_at,
                    )
                )
        self._add_jurors(
            dispute.id,
            [j for j in dispute.jurors if j.member_id not in before],
            start=len(stored),
        )

    def get(self, dispute_id: str, *, lock: bool = False) -> Dispute | None:
        query = select(disputes).where(disputes.c.id == dispute_id)
        rows = self._conn.execute(query.with_for_update() if lock else query).all()
        return self._disputes(rows)[0] if rows else None

    def of_order(self, order_id: str) -> Dispute | None:
        rows = self._conn.execute(select(disputes).where(disputes.c.order_id == order_id)).all()
        return self._disputes(rows)[0] if rows else None

    def involving(
        self, collective_id: str, member_id: str, *, open_only: bool, limit: int, cursor: str | None
    ) -> Page[Dispute]:
        as_party = select(orders.c.id).where(
            or_(orders.c.buyer_id == member_id, orders.c.seller_id == member_id)
        )
        as_juror = select(dispute_jurors.c.dispute_id).where(dispute_jurors.c.juror_id == member_id)
        where = [
            disputes.c.collective_id == collective_id,
            or_(disputes.c.order_id.in_(as_party), disputes.c.id.in_(as_juror)),
        ]
        if open_only:
            where.append(disputes.c.status == DisputeStatus.OPEN.value)
        where += newest_after(disputes.c.created_at, disputes.c.id, cursor)
        rows = self._conn.execute(
            select(disputes)
            .where(*where)
            .order_by(disputes.c.created_at.desc(), disputes.c.id.desc())
            .limit(limit + 1)
        ).all()
        items, next_cursor = newest_cursor(self._disputes(rows), limit, "created_at")
        return Page(items, next_cursor)

    def open_seats_of(self, collective_id: str, member_id: str) -> list[Dispute]:
        """Open disputes where this member holds a seat and has not voted."""
        seats = select(dispute_jurors.c.dispute_id).where(
            dispute_jurors.c.juror_id == member_id,
            dispute_jurors.c.vote.is_(None),
            dispute_jurors.c.vacated_at.is_(None),
        )
        rows = self._conn.execute(
            select(disputes)
            .where(
                disputes.c.collective_id == collective_id,
                disputes.c.status == DisputeStatus.OPEN.value,
                disputes.c.id.in_(seats),
            )
            .order_by(disputes.c.id)
        ).all()
        return self._disputes(rows)

    def jury_candidates(self, collective_id: str) -> list[Membership]:
        rows = self._conn.execute(
            select(memberships)
            .where(memberships.c.collective_id == collective_id)
            .order_by(memberships.c.member_id)
        )
        return [membership_from_row(r) for r in rows]


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


def _item(row: Any) -> InboxItem:
    return InboxItem(
        id=row.id,
        collective_id=row.collective_id,
        member_id=row.member_id,
        event=row.event,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        message=row.message,
        created_at=row.created_at,
        read_at=row.read_at,
        actor_id=row.actor_id,
    )


class SqlInbox:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, items: Sequence[InboxItem]) -> None:
        if items:
            self._conn.execute(
                insert(inbox_items),
                [
                    {
                        "id": i.id,
                        "collective_id": i.collective_id,
                        "member_id": i.member_id,
                        "event": i.event,
                        "subject_type": i.subject_type,
                        "subject_id": i.subject_id,
                        "message": i.message,
                        "created_at": i.created_at,
                        "read_at": i.read_at,
                        "actor_id": i.actor_id,
                    }
                    for i in items
                ],
            )

    def of_member(
        self,
        collective_id: str,
        member_id: str,
        *,
        unread_only: bool,
        limit: int,
        cursor: str | None,
    ) -> Page[InboxItem]:
        where = [inbox_items.c.collective_id == collective_id, inbox_items.c.member_id == member_id]
        if unread_only:
            where.append(inbox_items.c.read_at.is_(None))
        where += newest_after(inbox_items.c.created_at, inbox_items.c.id, cursor)
        rows = self._conn.execute(
            select(inbox_items)
            .where(*where)
            .order_by(inbox_items.c.created_at.desc(), inbox_items.c.id.desc())
            .limit(limit + 1)
        ).all()
        items, next_cursor = newest_cursor([_item(r) for r in rows], limit, "created_at")
        return Page(items, next_cursor)

    def unread(self, collective_id: str, member_id: str) -> int:
        return int(
            self._conn.execute(
                select(func.count()).where(
                    inbox_items.c.collective_id == collective_id,
                    inbox_items.c.member_id == member_id,
                    inbox_items.c.read_at.is_(None),
                )
            ).scalar_one()
        )

    def mark_read(
        self, collective_id: str, member_id: str, *, ids: Sequence[str] | None, now: datetime
    ) -> int:
        where = [
            inbox_items.c.collective_id == collective_id,
            inbox_items.c.member_id == member_id,
            inbox_items.c.read_at.is_(None),
        ]
        if ids is not None:
            where.append(inbox_items.c.id.in_(set(ids)))
        return int(
            self._conn.execute(update(inbox_items).where(*where).values(read_at=now)).rowcount
        )
