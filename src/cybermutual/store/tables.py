"""SQLAlchemy Core tables: the one schema for SQLite and PostgreSQL (Alembic migrates it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
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


class SearchVector(TypeDecorator[Any]):
    """A PostgreSQL ``tsvector`` for full-text search; plain text (left empty) elsewhere."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(TSVECTOR())
        return dialect.type_descriptor(Text())


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
    Column("scope", String(8), nullable=False, server_default="api"),  # services/auth.Scope
    Index("ix_api_tokens_expires_at", "expires_at"),
)

# Login throttling (domain/login_throttle.py): failed attempts per (email or '*', client or '*').
login_throttle = Table(
    "login_throttle",
    metadata,
    Column("email", String(254), primary_key=True),
    Column("client", String(80), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", Moment),
    Index("ix_login_throttle_last_failure_at", "last_failure_at"),
)

# Clients (a device cookie's hash, or an address) that logged in to an account successfully.
login_known_clients = Table(
    "login_known_clients",
    metadata,
    Column("email", String(254), primary_key=True),
    Column("client", String(80), primary_key=True),
    Column("last_success_at", Moment, nullable=False),
    Index("ix_login_known_clients_last_success_at", "last_success_at"),
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
    Column("max_round_horizon_days", Integer, nullable=False, server_default="90"),
    Column("created_at", Moment, nullable=False),
    # self-government (0008_governance)
    Column("quorum", String(10), nullable=False, server_default="0.2"),
    Column("threshold", String(10), nullable=False, server_default="0.5"),
    Column("supermajority", String(10), nullable=False, server_default="0.6667"),
    Column("approvals_needed", Integer, nullable=False, server_default="1"),
    Column("claim_confirm_days", Integer, nullable=False, server_default="7"),
    Column("basic_income", Money, nullable=False, server_default="0"),
    Column("basic_income_period", String(8), nullable=False, server_default="month"),
    Column("charter_text", Text, nullable=False, server_default=""),
    Column("market_visibility", String(16), nullable=False),  # public | members
    # participatory budgeting (0009_budget_rounds): who may open a round
    Column("budget_rounds_open_to", String(10), nullable=False, server_default="proposal"),
    # the facilitator's budgets (0011_fairness): equal | productivity | mix, and its weight
    Column("allocation_budgets", String(16), nullable=False, server_default="equal"),
    Column("allocation_productivity_weight", String(10), nullable=False, server_default="0"),
    # the money supply (0012_moneysink): turnover credit limits, demurrage, dormant debts
    Column("credit_limit_rule", String(10), nullable=False, server_default="fixed"),
    Column("credit_limit_multiple", String(20), nullable=False, server_default="1"),
    Column("credit_limit_weeks", Integer, nullable=False, server_default="13"),
    Column("credit_limit_floor", Money, nullable=False, server_default="0"),
    Column("credit_limit_cap", Money, nullable=False, server_default=str(10**15)),
    Column("demurrage_rate", String(20), nullable=False, server_default="0"),
    Column("demurrage_threshold", Money, nullable=False, server_default="0"),
    Column("dormant_weeks", Integer, nullable=False, server_default="0"),
    Column("dormant_grace_weeks", Integer, nullable=False, server_default="4"),
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
    # the levy below one minor unit still owed on this account's receipts, in millionths
    Column("levy_carry", BigInteger, nullable=False, default=0, server_default="0"),
    # the same for demurrage (0012_moneysink): millionths of a minor unit carried to next week
    Column("demurrage_carry", BigInteger, nullable=False, default=0, server_default="0"),
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
    # levies of entries after this sequence number carry each payee's remainder (0004); the
    # ones before were rounded down payment by payment, and ``verify`` checks each by its rule
    Column("levy_carry_from", BigInteger, nullable=False, default=0, server_default="0"),
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

# --- market: listings, orders, quotes, tasks, disputes, reviews, inbox (issue 3) ---

market_settings = Table(
    "market_settings",
    metadata,
    Column("collective_id", ID, ForeignKey("collectives.id"), primary_key=True),
    Column("jury_size", Integer, nullable=False),
    Column("auto_confirm_days", Integer, nullable=False),
    Column("updated_at", Moment, nullable=False),
)

market_categories = Table(
    "market_categories",
    metadata,
    Column("collective_id", ID, ForeignKey("collectives.id"), primary_key=True),
    Column("slug", String(40), primary_key=True),
    Column("name", String(80), nullable=False),
    Column("position", Integer, nullable=False),
)

listings = Table(
    "listings",
    metadata,
    Column("id", ID, primary_key=True),
    Column("collective_id", ID, ForeignKey("collectives.id"), nullable=False),
    Column("owner_id", ID, ForeignKey("people.id"), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("status", String(10), nullable=False),
    Column("title", String(140), nullable=False),
    Column("description", Text, nullable=False),
    Column("category", String(40), nullable=False),
    Column("tags", Text, nullable=False),  # space-separated, normalised
    Column("location", String(120)),
    Column("price", Money, nullable=False),  # per unit (offer), budget (request), reward (task)
    Column("quantity", BigInteger),  # stock left for goods; None: a service, no stock
    Column("asset_id", ID),
    Column("search_vector", SearchVector()),
    Column("created_at", Moment, nullable=False),
    Column("updated_at", Moment, nullable=False),
    Index("ix_listings_browse", "collective_id", "status", "created_at"),
    Index("ix_listings_price", "collective_id", "status", "price"),
    Index("ix_listings_owner", "collective_id", "owner_id"),
    # full-text search on PostgreSQL (a tsvector; always NULL on SQLite, see listing_terms)
    Index("ix_listings_search", "search_vector", postgresql_using="gin"),
)

# Full-text search on SQLite: an inverted index of normalised terms (see store/market/listings.py).
listing_terms = Table(
    "listing_terms",
    metadata,
    Column("listing_id", ID, ForeignKey("listings.id"), primary_key=True),
    Column("term", String(64), primary_key=True),
    Column("collective_id", ID, nullable=False),
    Index("ix_listing_terms_term", "collective_id", "term"),
)

orders = Table(
    "orders",
    metadata,
    Column("id", ID, primary_key=True),
    Column("collective_id", ID, ForeignKey("collectives.id"), nullable=False),
    Column("kind", String(10), nullable=False),  # order | task
    Column("listing_id", ID, ForeignKey("listings.id"), nullable=False),
    Column("quote_id", ID),
    Column("application_id", ID),
    Column("buyer_id", ID, nullable=False),
    Column("seller_id", ID, nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("unit_price", Money, nullable=False),
    Column("amount", Money, nullable=False),
    Column("status", String(12), nullable=False),
    Column("escrow_id", ID, ForeignKey("transfers.id"), nullable=False),
    Column("payout_id", ID),  # the posted share of a split
    Column("note", Text, nullable=False),
    Column("created_at", Moment, nullable=False),
    Column("updated_at", Moment, nullable=False),
    Column("delivered_at", Moment),
    Column("closed_at", Moment),
    Column("auto_confirm_at", Moment),
    # auto-confirmation failed for this order: it is set aside (and verify reports it)
    Column("auto_confirm_failed_at", Moment),
    Column("auto_confirm_error", Text),
    Index("ix_orders_buyer", "collective_id", "buyer_id", "created_at"),
    Index("ix_orders_seller", "collective_id", "seller_id", "created_at"),
    Index("ix_orders_due", "collective_id", "status", "auto_confirm_at"),
    Index("ix_orders_listing", "listing_id"),
    Index("ix_orders_escrow", "escrow_id"),
)

quotes = Table(
    "quotes",
    metadata,
    Column("id", ID, primary_key=True),
    Column("collective_id", ID, ForeignKey("collectives.id"), nullable=False),
    Column("listing_id", ID, ForeignKey("listings.id"), nullable=False),
    Column("quoter_id", ID, nullable=False),
    Column("price", Money, nullable=False),
    Column("message", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Column("order_id", ID),
    Column("created_at", Moment, nullable=False),
    Index("ix_quotes_listing", "listing_id", "created_at"),
)

task_applications = Table(
    "task_applications",
    metadata,
    Column("id", ID, primary_key=True),
    Column("collective_id", ID, ForeignKey("collectives.id"), nullable=False),
    Column("listing_id", ID, ForeignKey("listings.id"), nullable=False),
    Column("applicant_id", ID, nullable=False),
    Column("message", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Column("created_at", Moment, nullable=False),
    UniqueConstraint("listing_id", "applicant_id", name="uq_task_applications_applicant"),
)

disputes = Table(
    "disputes",
    metadata,
    Column("id", ID, primary_key=True),
    Column("collective_id", ID, ForeignKey("collectives.id"), nullable=False),
    Column("order_id", ID, ForeignKey("orders.id"), nullable=False, unique=True),
    Column("opened_by", ID, nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Column("seed", String(64), nullable=False),  # revealed when the dispute closes
    Column("jury_draw", String(16), nullable=False),  # how the jury was drawn from the seed
    Column("outcome", String(10)),
    Column("seller_share", Money),
    Column("proposed_by", ID),
    Column("proposed_share", Money),
    Column("created_at", Moment, nullable=False),
    Column("closed_at", Moment),
    Index("ix_disputes_collective", "collective_id", "status", "created_at"),
)

dispute_jurors = Table(
    "dispute_jurors",
    metadata,
    Column("dispute_id", ID, ForeignKey("disputes.id"), primary_key=True),
    Column("juror_id", ID, primary_key=True),
    Column("position", Integer, nullable=False),
    Column("vote", String(10)),
    Column("voted_at", Moment),
    Column("vacated_at", Moment),  # the juror left the collective before voting
    Index("ix_dispute_jurors_juror", "juror_id"),
)

reviews = Table(
    "reviews",
    metadata,
    Column("id", ID, primary_key=True),
    Column("collective_id", ID, ForeignKey("collectives.id"), nullable=False),
    Column("order_id", ID, ForeignKey("orders.id"), nullable=False),
    Column("author_id", ID, nullable=False),
    Column("subject_id", ID, nullable=False),
    Column("stars", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", Moment, nullable=False),
    UniqueConstraint("order_id", "author_id", name="uq_reviews_order_author"),
    Index("ix_reviews_subject", "collective_id", "subject_id", "created_at"),
)

market_reputation = Table(
    "market_reputation",
    metadata,
    Column("collective_id", ID, ForeignKey("collectives.id"), primary_key=True),
    Column("member_id", ID, primary_key=True),
    Column("review_count", BigInteger, nullable=False),
    Column("star_sum", BigInteger, nullable=False),
)

inbox_items = Table(
    "inbox_items",
    metadata,
    Column("id", ID, primary_key=True),
    Column("collective_id", ID, ForeignKey("collectives.id"), nullable=False),
    Column("member_id", ID, nullable=False),
    Column("event", String(32), nullable=False),
    Column("subject_type", String(16), nullable=False),
    Column("subject_id", ID, nullable=False),
    Column("message", Text, nullable=False),
    Column("created_at", Moment, nullable=False),
    Column("read_at", Moment),
    # who acted; "{actor}" in the message becomes their name when the item is read (0006_contact)
    Column("actor_id", ID),
    Index("ix_inbox_member", "collective_id", "member_id", "created_at"),
    # one person's inbox across collectives, and its unread count in every page's header (0011)
    Index("ix_inbox_person", "member_id", "created_at"),
    Index(
        "ix_inbox_unread",
        "member_id",
        sqlite_where=text("read_at IS NULL"),
        postgresql_where=text("read_at IS NULL"),
    ),
)


# --- the commons: assets, allocation rounds, bids, shares, usage (issue 4) ---

assets = Table(
    "assets",
    metadata,
    Column("id", ID, primary_key=True),
    Column("collective_id", ID, ForeignKey("collectives.id"), nullable=False),
    Column("name", String(120), nullable=False),
    Column("category", String(60), nullable=False),
    Column("capacity", BigInteger, nullable=False),
    Column("unit", String(60), nullable=False),
    Column("location", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("output_categories", Text, nullable=False),  # JSON list
    Column("status", String(12), nullable=False),
    Column("contributed_by", ID),
    Column("contributed_at", Moment, nullable=False),
    Column("updated_at", Moment, nullable=False),
    Index("ix_assets_collective", "collective_id", "name", "id"),
)

allocation_rounds = Table(
    "allocation_rounds",
    metadata,
    Column("id", ID, primary_key=True),
    Column("collective_id", ID, ForeignKey("collectives.id"), nullable=False),
    Column("period_start", Moment, nullable=False),
    Column("period_end", Moment, nullable=False),
    Column("bids_close_at", Moment, nullable=False),
    Column("token_budget", BigInteger, nullable=False),
    Column("status", String(12), nullable=False),
    Column("passes", Integer, nullable=False),
    Column("opened_by", ID, nullable=False),
    Column("opened_at", Moment, nullable=False),
    Column("computed_by", ID),
    Column("computed_at", Moment),
    Column("published_by", ID),
    Column("published_at", Moment),
    Column("closed_by", ID),
    Column("closed_at", Moment),
    Column("cancelled_by", ID),
    Column("cancelled_at", Moment),
    # the rounding lottery's published seed, a decimal integer (0011_fairness); drawn once,
    # when the round is first computed
    Column("lottery_seed", String(40)),
    Index("ix_allocation_rounds_collective", "collective_id", "period_start"),
)

allocation_bids = Table(
    "allocation_bids",
    metadata,
    Column("id", ID, primary_key=True),
    Column("round_id", ID, ForeignKey("allocation_rounds.id"), nullable=False),
    Column("member_id", ID, nullable=False),
    Column("asset_id", ID, ForeignKey("assets.id"), nullable=False),
    Column("max_units", BigInteger, nullable=False),
    Column("min_units", BigInteger, nullable=False),
    Column("output_category", String(60), nullable=False),
    Column("listing_id", ID),
    Column("placed_at", Moment, nullable=False),
    UniqueConstraint("round_id", "member_id", "asset_id", name="uq_allocation_bids_member"),
)

allocation_passes = Table(
    "allocation_passes",
    metadata,
    Column("round_id", ID, ForeignKey("allocation_rounds.id"), primary_key=True),
    Column("pass_no", Integer, primary_key=True, autoincrement=False),
    Column("prices", Text, nullable=False),  # JSON {asset_id: tokens per unit}
    Column("summary", Text, nullable=False),  # JSON
    Column("computed_at", Moment, nullable=False),
)

allocation_shares = Table(
    "allocation_shares",
    metadata,
    Column("id", ID, primary_key=True),
    Column("round_id", ID, ForeignKey("allocation_rounds.id"), nullable=False),
    Column("member_id", ID, nullable=False),
    Column("asset_id", ID, ForeignKey("assets.id"), nullable=False),
    Column("bid_id", ID),
    Column("units", BigInteger, nullable=False),
    Column("pass_no", Integer, nullable=False),
    Column("price_per_unit", Float, nullable=False),
    Column("value_per_unit", Float, nullable=False),
    Column("explanation", Text, nullable=False),  # JSON
    Column("declined_at", Moment),
    Column("rerun_pass", Integer),
    Index("ix_allocation_shares_round", "round_id", "member_id"),
)

usage_records = Table(
    "usage_records",
    metadata,
    Column("id", ID, primary_key=True),
    Column("collective_id", ID, ForeignKey("collectives.id"), nullable=False),
    Column("member_id", ID, nullable=False),
    Column("asset_id", ID, ForeignKey("assets.id"), nullable=False),
    Column("round_id", ID, ForeignKey("allocation_rounds.id")),
    Column("units", BigInteger, nullable=False),
    Column("output_category", String(60), nullable=False),
    Column("sales_value", Money, nullable=False),
    Column("note", Text, nullable=False),
    Column("logged_at", Moment, nullable=False),
    Index("ix_usage_records_collective", "collective_id", "logged_at"),
    Index("ix_usage_records_round", "round_id", "member_id", "asset_id"),
)

usage_sales = Table(
    "usage_sales",
    metadata,
    Column("transfer_id", ID, ForeignKey("transfers.id"), primary_key=True),
    Column("usage_id", ID, ForeignKey("usage_records.id"), nullable=False, index=True),
    Column("amount", Money, nullable=False),
)


# --- self-government (issue 11) ---------------------------------------------------------------

proposals = Table(
    "proposals",
    metadata,
    Column("id", ID, primary_key=True),
    Column("collective_id", ID, ForeignKey("collectives.id"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("params", Text, nullable=False),  # canonical JSON of the typed effect
    Column("author_id", ID, ForeignKey("people.id"), nullable=False),
    Column("status", String(12), nullable=False),
    Column("opens_at", Moment, nullable=False),
    Column("closes_at", Moment, nullable=False),
    Column("closed_at", Moment),
    Column("tally", Text),  # JSON, written at the close
    Column("outcome", String(24)),
    # the simulator's estimate: none (kind without one) | pending | ready | failed
    Column("impact_status", String(12), nullable=False),
    Column("impact", Text),
    Column("impact_claimed_at", Moment),
    Index("ix_proposals_collective", "collective_id", "id"),
    Index("ix_proposals_due", "status", "closes_at"),
)

proposal_voters = Table(
    "proposal_voters",
    metadata,
    Column("proposal_id", ID, ForeignKey("proposals.id"), primary_key=True),
    Column("member_id", ID, ForeignKey("people.id"), primary_key=True),
)

ballots = Table(
    "ballots",
    metadata,
    Column("proposal_id", ID, ForeignKey("proposals.id"), primary_key=True),
    Column("voter_id", ID, ForeignKey("people.id"), primary_key=True),
    Column("choice", String(8), nullable=False),
    Column("cast_at", Moment, nullable=False),
)

proposal_comments = Table(
    "proposal_comments",
    metadata,
    Column("id", ID, primary_key=True),
    Column("proposal_id", ID, ForeignKey("proposals.id"), nullable=False),
    Column("author_id", ID, ForeignKey("people.id"), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", Moment, nullable=False),
    Index("ix_proposal_comments_proposal", "proposal_id", "id"),
)

delegations = Table(
    "delegations",
    metadata,
    Column("collective_id", ID, ForeignKey("collectives.id"), primary_key=True),
    Column("member_id", ID, ForeignKey("people.id"), primary_key=True),
    Column("delegate_id", ID, ForeignKey("people.id"), nullable=False),
    Column("since", Moment, nullable=False),
    Index("ix_delegations_delegate", "collective_id", "delegate_id"),
)

policy_changes = Table(
    "policy_changes",
    metadata,
    Column("id", ID, primary_key=True),
    Column("collective_id", ID, ForeignKey("collectives.id"), nullable=False),
    Column("proposal_id", ID, ForeignKey("proposals.id"), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("changes", Text, nullable=False),  # JSON list of {field, from, to}
    Column("applied", Boolean, nullable=False),
    Column("note", Text, nullable=False),
    Column("applied_at", Moment, nullable=False),
    Index("ix_policy_changes_collective", "collective_id", "id"),
)

admission_approvals = Table(
    "admission_approvals",
    metadata,
    Column("collective_id", ID, ForeignKey("collectives.id"), primary_key=True),
    Column("candidate_id", ID, ForeignKey("people.id"), primary_key=True),
    Column("approver_id", ID, ForeignKey("people.id"), primary_key=True),
    Column("at", Moment, nullable=False),
)

allocation_weights = Table(
    "allocation_weights",
    metadata,
    Column("collective_id", ID, ForeignKey("collectives.id"), primary_key=True),
    Column("member_id", ID, ForeignKey("people.id"), primary_key=True),
    Column("weight", String(16), nullable=False),
)

public_services = Table(
    "public_services",
    metadata,
    Column("id", ID, primary_key=True),
    Column("collective_id", ID, ForeignKey("collectives.id"), nullable=False),
    Column("name", String(120), nullable=False),
    Column("category", String(40), nullable=False),
    Column("rate_per_unit", Money, nullable=False),
    Column("budget_per_period", Money, nullable=False),
    Column("period", String(8), nullable=False),
    Column("status", String(8), nullable=False),
    Column("proposal_id", ID, ForeignKey("proposals.id"), nullable=False),
    Column("created_at", Moment, nullable=False),
    Column("ended_at", Moment),
    Index("ix_public_services_collective", "collective_id", "id"),
)

service_providers = Table(
    "service_providers",
    metadata,
    Column("service_id", ID, ForeignKey("public_services.id"), primary_key=True),
    Column("member_id", ID, ForeignKey("people.id"), primary_key=True),
    Column("added_at", Moment, nullable=False),
)

service_claims = Table(
    "service_claims",
    metadata,
    Column("id", ID, primary_key=True),
    Column("collective_id", ID, ForeignKey("collectives.id"), nullable=False),
    Column("service_id", ID, ForeignKey("public_services.id"), nullable=False),
    Column("provider_id", ID, ForeignKey("people.id"), nullable=False),
    Column("recipient_id", ID, ForeignKey("people.id"), nullable=False),
    Column("units", BigInteger, nullable=False),
    Column("amount", Money, nullable=False),
    Column("status", String(12), nullable=False),
    Column("status_reason", String(32)),
    Column("note", Text, nullable=False),
    Column("filed_at", Moment, nullable=False),
    Column("auto_confirm_at", Moment),
    Column("confirmed_at", Moment),
    Column("paid_at", Moment),
    Column("paid_period", String(10)),
    Column("transfer_id", ID),
    Index("ix_service_claims_service", "service_id", "id"),
    Index("ix_service_claims_status", "collective_id", "status"),
)

# one row per periodic payment made: (what, who, period) happens at most once
periodic_payments = Table(
    "periodic_payments",
    metadata,
    Column("collective_id", ID, ForeignKey("collectives.id"), primary_key=True),
    Column("what", String(24), primary_key=True),
    Column("member_id", ID, ForeignKey("people.id"), primary_key=True),
    Column("period_key", String(10), primary_key=True),
    Column("amount", Money, nullable=False),
    Column("transfer_id", ID, nullable=False),
    Column("paid_at", Moment, nullable=False),
)

# each levy rate a vote set, and after which journal entry it applies (for ``ledger verify``)
levy_rates = Table(
    "levy_rates",
    metadata,
    Column("id", ID, primary_key=True),
    Column("collective_id", ID, ForeignKey("collectives.id"), nullable=False),
    Column("after_seq", BigInteger, nullable=False),
    Column("previous_rate", String(20), nullable=False),
    Column("rate", String(20), nullable=False),
    Column("proposal_id", ID, ForeignKey("proposals.id"), nullable=False),
    Column("changed_at", Moment, nullable=False),
    Index("ix_levy_rates_collective", "collective_id", "after_seq"),
)

# participatory budgeting (0009_budget_rounds): rounds, their projects, voters and ballots, and
# the service budgets their results raised
budget_rounds = Table(
    "budget_rounds",
    metadata,
    Column("id", ID, primary_key=True),
    Column("collective_id", ID, ForeignKey("collectives.id"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("budget", Money, nullable=False),
    Column("rule", String(16), nullable=False),
    Column("status", String(12), nullable=False),
    Column("source", String(12), nullable=False),  # members | proposal | import
    Column("opened_by", ID, ForeignKey("people.id"), nullable=False),
    Column("proposal_id", ID, ForeignKey("proposals.id")),
    Column("opens_at", Moment, nullable=False),
    Column("closes_at", Moment, nullable=False),
    Column("closed_at", Moment),
    Column("result", Text),  # JSON, written at the close
    Column("meta", Text),  # JSON: an imported file's other META keys
    Index("ix_budget_rounds_collective", "collective_id", "opens_at", "id"),
    Index("ix_budget_rounds_due", "status", "closes_at"),
)

budget_projects = Table(
    "budget_projects",
    metadata,
    Column("round_id", ID, ForeignKey("budget_rounds.id"), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("cost", Money, nullable=False),
    Column("description", Text, nullable=False),
    Column("proposed_by", ID, ForeignKey("people.id")),
    Column("service_id", ID, ForeignKey("public_services.id")),
    Column("created_at", Moment, nullable=False),
)

budget_round_voters = Table(
    "budget_round_voters",
    metadata,
    Column("round_id", ID, ForeignKey("budget_rounds.id"), primary_key=True),
    Column("member_id", ID, ForeignKey("people.id"), primary_key=True),
)

# voter_id is a member id, or an imported file's voter id (so no foreign key)
budget_ballots = Table(
    "budget_ballots",
    metadata,
    Column("round_id", ID, ForeignKey("budget_rounds.id"), primary_key=True),
    Column("voter_id", String(64), primary_key=True),
    Column("approve", Text, nullable=False),  # JSON list of project ids
    Column("cast_at", Moment, nullable=False),
)

service_budget_raises = Table(
    "service_budget_raises",
    metadata,
    Column("service_id", ID, ForeignKey("public_services.id"), primary_key=True),
    Column("round_id", ID, ForeignKey("budget_rounds.id"), primary_key=True),
    Column("project_id", String(64), primary_key=True),
    Column("period_key", String(10), nullable=False),
    Column("amount", Money, nullable=False),
    Column("raised_at", Moment, nullable=False),
    Index("ix_service_budget_raises_period", "service_id", "period_key"),
)

# the money supply (0012_moneysink). One row per run of a money rule (what: demurrage |
# credit_limits, once an ISO week; dormant_debts, once a day), so none happens twice; a demurrage
# run records after which journal entry it charged and at what rate and threshold, so
# ``ledger verify`` recomputes every charge.
money_rule_runs = Table(
    "money_rule_runs",
    metadata,
    Column("collective_id", ID, ForeignKey("collectives.id"), primary_key=True),
    Column("what", String(16), primary_key=True),
    Column("period_key", String(10), primary_key=True),
    Column("after_seq", BigInteger),
    Column("rate", String(20)),
    Column("threshold", Money),
    Column("total", Money, nullable=False),  # charged, or the sum of the limits set
    Column("accounts", Integer, nullable=False),  # accounts charged, or limits changed
    Column("ran_at", Moment, nullable=False),
)

# a member's dormant debt on record (domain/money_rules.py): noticed, then written off
dormant_debts = Table(
    "dormant_debts",
    metadata,
    Column("collective_id", ID, ForeignKey("collectives.id"), primary_key=True),
    Column("member_id", ID, ForeignKey("people.id"), primary_key=True),
    Column("stage", String(12), nullable=False),
    Column("noticed_at", Moment, nullable=False),
    Column("due_at", Moment, nullable=False),
    Column("written_off", Money, nullable=False),
    Column("written_off_at", Moment),
)

# The public directory's statistics, maintained in the same transaction as every change by
# triggers on ``transfers`` and ``memberships`` (0014_scale), so the directory never counts rows.
# ``day`` 0 holds all-time totals, any other ``day`` (UTC days since 1970-01-01) that day's
# postings (for ``volume_30d``). On PostgreSQL each server connection adds to its own ``shard``
# (its backend pid modulo 16), so parallel payments do not queue on one row; readers sum the
# shards. Trade kinds here are ``TRADE_KINDS`` (domain/ledger.py); the triggers name them.
collective_counters = Table(
    "collective_counters",
    metadata,
    Column("collective_id", ID, ForeignKey("collectives.id"), primary_key=True),
    Column("day", Integer, primary_key=True, autoincrement=False),
    Column("shard", Integer, primary_key=True, autoincrement=False),
    Column("active_members", BigInteger, nullable=False, server_default="0"),
    Column("trade_count", BigInteger, nullable=False, server_default="0"),
    Column("trade_volume", Money, nullable=False, server_default="0"),
    Column("demurrage", Money, nullable=False, server_default="0"),
    Column("written_off", Money, nullable=False, server_default="0"),
    Column("last_trade_at", Moment),
)
