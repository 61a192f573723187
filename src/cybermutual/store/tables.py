"""SQLAlchemy Core tables: the one schema for SQLite and PostgreSQL (Alembic migrates it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both databases (SQLite keeps no zone, so it is stored as UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = String(32)
Money = BigInteger
Moment = UtcDateTime()

people = Table(
    "people",
    metadata,
    Column("id", ID, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("display_name", String(80), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("created_at", Moment, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("person_id", ID, ForeignKey("people.id"), nullable=False, index=True),
    Column("created_at", Moment, nullable=False),
    Column("expires_at", Moment, nullable=False),
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(254), nullable=False, index=True),
    Column("at", Moment, nullable=False),
)

collectives = Table(
    "collectives",
    metadata,
    Column("id", ID, primary_key=True),
    Column("slug", String(50), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("currency_code", String(10), nullable=False),
    Column("currency_name", String(80), nullable=False),
    Column("currency_decimals", Integer, nullable=False),
    Column("default_credit_limit", Money, nullable=False),
    Column("admission", String(16), nullable=False),
    Column("levy_rate", String(20), nullable=False),
    Column("capital_mode", String(16), nullable=False),
    Column("created_at", Moment, nullable=False),
)

memberships = Table(
    "memberships",
    metadata,
    Column("collective_id", ID, ForeignKey("collectives.id"), primary_key=True),
    Column("member_id", ID, ForeignKey("people.id"), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("joined_at", Moment, nullable=False),
    Column("left_at", Moment),
    Column("approved_by", ID),
    Index("ix_memberships_member", "member_id"),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", ID, primary_key=True),
    Column("collective_id", ID, ForeignKey("collectives.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("owner_id", String(64)),
    Column("balance", Money, nullable=False, default=0),
    Column("reserved", Money, nullable=False, default=0),
    Column("credit_limit", Money),
    UniqueConstraint("collective_id", "kind", "owner_id", name="uq_accounts_owner"),
)

transfers = Table(
    "transfers",
    metadata,
    Column("id", ID, primary_key=True),
    Column("collective_id", ID, ForeignKey("collectives.id"), nullable=False),
    Column("debit_account_id", ID, ForeignKey("accounts.id"), nullable=False),
    Column("credit_account_id", ID, ForeignKey("accounts.id"), nullable=False),
    Column("amount", Money, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("status", String(10), nullable=False),
    Column("memo", Text, nullable=False),
    Column("created_at", Moment, nullable=False),
    Column("settled_at", Moment),
    Column("parent_id", ID),
    Column("initiated_by", ID),
    Column("batch_id", ID),
    Column("batch_index", Integer),
    Index("ix_transfers_batch", "batch_id", "batch_index"),
    Index("ix_transfers_debit", "debit_account_id", "created_at"),
    Index("ix_transfers_credit", "credit_account_id", "created_at"),
    Index("ix_transfers_collective", "collective_id", "created_at"),
)

journal_entries = Table(
    "journal_entries",
    metadata,
    Column("collective_id", ID, ForeignKey("collectives.id"), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("transfer_id", ID, nullable=False),
    Column("event", String(10), nullable=False),
    Column("debit_account_id", ID, nullable=False),
    Column("credit_account_id", ID, nullable=False),
    Column("amount", Money, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("at_us", BigInteger, nullable=False),
    Column("was_reserved", Boolean, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

ledger_heads = Table(
    "ledger_heads",
    metadata,
    Column("collective_id", ID, ForeignKey("collectives.id"), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("collective_id", ID, primary_key=True),
    Column("member_id", ID, primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("result_ref", String(64), nullable=False),
    Column("created_at", Moment, nullable=False),
)
