"""Collectives, their memberships and public statistics."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from cybermutual.domain.collective import (
    Admission,
    CapitalMode,
    Charter,
    Collective,
    MarketVisibility,
)
from cybermutual.domain.errors import AlreadyMember, SlugTaken
from cybermutual.domain.ledger import AccountKind
from cybermutual.domain.membership import Membership, MembershipStatus
from cybermutual.domain.money import Currency
from cybermutual.domain.money_rules import CreditLimitRule
from cybermutual.domain.people import Person
from cybermutual.services.ports import CollectiveStats, Page
from cybermutual.store.faults import is_unique_violation
from cybermutual.store.pagination import decode_cursor, encode_cursor
from cybermutual.store.tables import (
    accounts,
    collective_counters,
    collectives,
    memberships,
    people,
)


def counter_day(moment: datetime) -> int:
    """The ``day`` of ``collective_counters`` a moment falls on: whole UTC days since 1970."""
    return (moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)).days


def _collective(row: Any) -> Collective:
    return Collective(
        id=row.id,
        slug=row.slug,
        name=row.name,
        currency=Currency(row.currency_code, row.currency_name, row.currency_decimals),
        charter=Charter(
            default_credit_limit=row.default_credit_limit,
            admission=Admission(row.admission),
            levy_rate=Decimal(row.levy_rate),
            capital_mode=CapitalMode(row.capital_mode),
            quorum=Decimal(row.quorum),
            threshold=Decimal(row.threshold),
            supermajority=Decimal(row.supermajority),
            approvals_needed=row.approvals_needed,
            claim_confirm_days=row.claim_confirm_days,
            basic_income=row.basic_income,
            basic_income_period=row.basic_income_period,
            text=row.charter_text,
            budget_rounds_open_to=row.budget_rounds_open_to,
            market_visibility=MarketVisibility(row.market_visibility),
            max_round_horizon_days=row.max_round_horizon_days,
            allocation_budgets=row.allocation_budgets,
            allocation_productivity_weight=Decimal(row.allocation_productivity_weight),
            credit_limit_rule=CreditLimitRule(row.credit_limit_rule),
            credit_limit_multiple=Decimal(row.credit_limit_multiple),
            credit_limit_weeks=row.credit_limit_weeks,
            credit_limit_floor=row.credit_limit_floor,
            credit_limit_cap=row.credit_limit_cap,
            demurrage_rate=Decimal(row.demurrage_rate),
            demurrage_threshold=row.demurrage_threshold,
            dormant_weeks=row.dormant_weeks,
            dormant_grace_weeks=row.dormant_grace_weeks,
        ),
        created_at=row.created_at,
    )


def _charter_values(charter: Charter) -> dict[str, object]:
    return {
        "default_credit_limit": charter.default_credit_limit,
        "admission": charter.admission.value,
        "levy_rate": str(charter.levy_rate),
        "capital_mode": charter.capital_mode.value,
        "quorum": str(charter.quorum),
        "threshold": str(charter.threshold),
        "supermajority": str(charter.supermajority),
        "approvals_needed": charter.approvals_needed,
        "claim_confirm_days": charter.claim_confirm_days,
        "basic_income": charter.basic_income,
        "basic_income_period": charter.basic_income_period,
        "charter_text": charter.text,
        "budget_rounds_open_to": charter.budget_rounds_open_to,
        "market_visibility": charter.visibility.value,
        "max_round_horizon_days": charter.max_round_horizon_days,
        "allocation_budgets": charter.allocation_budgets,
        "allocation_productivity_weight": str(charter.allocation_productivity_weight),
        "credit_limit_rule": charter.credit_limit_rule.value,
        "credit_limit_multiple": str(charter.credit_limit_multiple),
        "credit_limit_weeks": charter.credit_limit_weeks,
        "credit_limit_floor": charter.credit_limit_floor,
        "credit_limit_cap": charter.credit_limit_cap,
        "demurrage_rate": str(charter.demurrage_rate),
        "demurrage_threshold": charter.demurrage_threshold,
        "dormant_weeks": charter.dormant_weeks,
        "dormant_grace_weeks": charter.dormant_grace_weeks,
    }


_COLLECTIVE_BY_SLUG = select(collectives).where(collectives.c.slug == bindparam("slug"))


class SqlCollectives:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, collective: Collective) -> None:
        try:
            self._conn.execute(
                insert(collectives).values(
                    id=collective.id,
                    slug=collective.slug,
                    name=collective.name,
                    currency_code=collective.currency.code,
                    currency_name=collective.currency.name,
                    currency_decimals=collective.currency.decimals,
                    created_at=collective.created_at,
                    **_charter_values(collective.charter),
                )
            )
        except IntegrityError as exc:  # another request took the slug a moment ago
            if is_unique_violation(exc, naming="slug"):
                slug = collective.slug
                raise SlugTaken(f"the slug '{slug}' is taken", slug=slug) from exc
            raise

    def by_slug(self, slug: str) -> Collective | None:
        row = self._conn.execute(_COLLECTIVE_BY_SLUG, {"slug": slug}).first()
        return None if row is None else _collective(row)

    def directory(self, *, limit: int, cursor: str | None) -> Page[Collective]:
        query = select(collectives).order_by(collectives.c.slug).limit(limit + 1)
        if cursor is not None:
            (after,) = decode_cursor(cursor, 1)
            query = query.where(collectives.c.slug > str(after))
        rows = self._conn.execute(query).all()
        items = [_collective(row) for row in rows[:limit]]
        more = len(rows) > limit
        return Page(items, encode_cursor(items[-1].slug) if more else None)

    def stats(self, collective: Collective, *, now: datetime) -> CollectiveStats:
        return self.stats_of([collective], now=now)[collective.id]

    def stats_of(self, of: Sequence[Collective], *, now: datetime) -> dict[str, CollectiveStats]:
        """The counters the database keeps (``collective_counters``, 0014_scale), for a page of
        collectives in three queries, however many members and entries they hold;
        ``volume_30d`` is what was posted today and on the 30 UTC days before."""
        ids = [c.id for c in of]
        if not ids:
            return {}
        k = collective_counters
        totals = {
            row[0]: row
            for row in self._conn.execute(
                select(
                    k.c.collective_id,
                    func.coalesce(func.sum(k.c.active_members), 0),
                    func.coalesce(func.sum(k.c.trade_count), 0),
                    func.coalesce(func.sum(k.c.trade_volume), 0),
                    func.coalesce(func.sum(k.c.demurrage), 0),
                    func.coalesce(func.sum(k.c.written_off), 0),
                    func.max(k.c.last_trade_at),
                )
                .where(k.c.collective_id.in_(ids), k.c.day == 0)
                .group_by(k.c.collective_id)
            )
        }
        recent = {
            cid: total
            for cid, total in self._conn.execute(
                select(k.c.collective_id, func.sum(k.c.trade_volume))
                .where(k.c.collective_id.in_(ids), k.c.day >= counter_day(now) - 30)
                .group_by(k.c.collective_id)
            )
        }
        funds = {
            cid: balance
            for cid, balance in self._conn.execute(
                select(accounts.c.collective_id, accounts.c.balance).where(
                    accounts.c.collective_id.in_(ids),
                    accounts.c.kind == AccountKind.COMMONS_FUND.value,
                )
            )
        }
        found = {}
        for cid in ids:
            row = totals.get(cid)
            found[cid] = CollectiveStats(
                active_members=int(row[1]) if row else 0,
                posted_transfers=int(row[2]) if row else 0,
                volume=int(row[3]) if row else 0,
                volume_30d=int(recent.get(cid) or 0),
                commons_fund=int(funds.get(cid) or 0),
                last_activity=row[6] if row else None,
                demurrage=int(row[4]) if row else 0,
                written_off=int(row[5]) if row else 0,
            )
        return found

    def set_charter(self, collective_id: str, charter: Charter) -> None:
        self._conn.execute(
            update(collectives)
            .where(collectives.c.id == collective_id)
            .values(**_charter_values(charter))
        )


def membership_from_row(row: Any) -> Membership:
    return Membership(
        collective_id=row.collective_id,
        member_id=row.member_id,
        status=MembershipStatus(row.status),
        joined_at=row.joined_at,
        left_at=row.left_at,
        approved_by=row.approved_by,
    )


#: Ids bound in one ``IN (...)``: well under PostgreSQL's 65,535 parameters and SQLite's 32,766.
_IDS_PER_QUERY = 5_000

_MEMBERSHIPS_OF = select(memberships).where(
    memberships.c.collective_id == bindparam("collective_id"),
    memberships.c.member_id.in_(bindparam("member_ids", expanding=True)),
)


class SqlMemberships:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, collective_id: str, member_id: str) -> Membership | None:
        row = self._conn.execute(
            select(memberships).where(
                memberships.c.collective_id == collective_id,
                memberships.c.member_id == member_id,
            )
        ).first()
        return None if row is None else membership_from_row(row)

    def get_many(self, collective_id: str, member_ids: Iterable[str]) -> dict[str, Membership]:
        """The memberships of ``member_ids`` (those that exist), a few thousand per query:
        one query for 100,000 ids would bind more parameters than PostgreSQL takes (65,535)."""
        wanted = sorted(set(member_ids))
        found: dict[str, Membership] = {}
        for start in range(0, len(wanted), _IDS_PER_QUERY):
            rows = self._conn.execute(
                _MEMBERSHIPS_OF,
                {
                    "collective_id": collective_id,
                    "member_ids": wanted[start : start + _IDS_PER_QUERY],
                },
            )
            found.update((row.member_id, membership_from_row(row)) for row in rows)
        return found

    def active_ids(self, collective_id: str) -> set[str]:
        rows = self._conn.execute(
            select(memberships.c.member_id).where(
                memberships.c.collective_id == collective_id,
                memberships.c.status == MembershipStatus.ACTIVE.value,
            )
        )
        return set(rows.scalars().all())

    def of_person(self, member_id: str) -> list[tuple[str, str, Membership]]:
        rows = self._conn.execute(
            select(memberships, collectives.c.slug, collectives.c.name)
            .join(collectives, collectives.c.id == memberships.c.collective_id)
            .where(memberships.c.member_id == member_id)
            .order_by(collectives.c.slug)
        )
        return [(row.slug, row.name, membership_from_row(row)) for row in rows]

    def save(self, membership: Membership) -> None:
        values = {
            "status": membership.status.value,
            "joined_at": membership.joined_at,
            "left_at": membership.left_at,
            "approved_by": membership.approved_by,
        }
        updated = self._conn.execute(
            update(memberships)
            .where(
                memberships.c.collective_id == membership.collective_id,
                memberships.c.member_id == membership.member_id,
            )
            .values(**values)
        )
        if updated.rowcount == 0:
            try:
                self._conn.execute(
                    insert(memberships).values(
                        collective_id=membership.collective_id,
                        member_id=membership.member_id,
                        **values,
                    )
                )
            except IntegrityError as exc:  # the same person joined a moment ago (double click)
                if is_unique_violation(exc):
                    raise AlreadyMember(
                        "this membership was just created by another request",
                        status="unknown",
                    ) from exc
                raise

    def list(
        self,
        collective_id: str,
        *,
        status: MembershipStatus | None,
        limit: int,
        cursor: str | None,
        name: str | None = None,
    ) -> Page[tuple[Membership, Person]]:
        query = (
            select(memberships, people.c.email, people.c.display_name, people.c.created_at)
            .join(people, people.c.id == memberships.c.member_id)
            .where(memberships.c.collective_id == collective_id)
            .order_by(people.c.display_name, people.c.id)
            .limit(limit + 1)
        )
        if status is not None:
            query = query.where(memberships.c.status == status.value)
        if name:
            query = query.where(
                func.lower(people.c.display_name).contains(name.lower(), autoescape=True)
            )
        if cursor is not None:
            last_name, member_id = decode_cursor(cursor, 2)
            query = query.where(
                or_(
                    people.c.display_name > last_name,
                    and_(people.c.display_name == last_name, people.c.id > member_id),
                )
            )
        rows = self._conn.execute(query).all()
        items = [
            (
                membership_from_row(row),
                Person(row.member_id, row.email, row.display_name, row.created_at),
            )
            for row in rows[:limit]
        ]
        more = len(rows) > limit
        next_cursor = encode_cursor(items[-1][1].display_name, items[-1][1].id) if more else None
        return Page(items, next_cursor)
