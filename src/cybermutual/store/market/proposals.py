"""Quotes on requests and applications for tasks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from cybermutual.domain.market.proposals import (
    Application,
    ApplicationStatus,
    Quote,
    QuoteStatus,
)
from cybermutual.store.tables import quotes, task_applications


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
