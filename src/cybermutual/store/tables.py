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
    Sequence,
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

# An entry is written at a *position* (its transaction's, from the database's sequence on
# PostgreSQL; ``part`` orders a transaction's entries) and *sealed* later: ``seq`` (its place in
# the chain) and the hashes are empty until then. Positions may have gaps; see docs/journal.md.
journal_entries = Table(
    "journal_entries",
    metadata,
    Column("collective_id", ID, ForeignKey("collectives.id"), primary_key=True),
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("part", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger),
    Column("transfer_id", ID, nullable=False),
    Column("event", String(10), nullable=False),
    Column("debit_account_id", ID, nullable=False),
    Column("credit_account_id", ID, nullable=False),
    Column("amount", Money, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("at_us", BigInteger, nullable=False),
    Column("was_reserved", Boolean, nullable=False),
    Column("prev_hash", String(64)),
    Column("hash", String(64)),
    UniqueConstraint("collective_id", "seq", name="uq_journal_entries_seq"),
    # the unsealed tail only: the sealer reads it without touching the sealed millions
    Index(
        "ix_journal_entries_unsealed",
        "collective_id",
        "position",
        "part",
        sqlite_where=text("seq IS NULL"),
        postgresql_where=text("seq IS NULL"),
    ),
)

# the positions of journal entries on PostgreSQL (SQLite's single writer counts per collective);
# CACHE 1 (the default) keeps it monotonic across sessions, which sealing relies on
journal_positions = Sequence("journal_positions", metadata=metadata)

ledger_heads = Table(
    "ledger_heads",
    metadata,
    Column("collective_id", ID, ForeignKey("collectives.id"), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    # levies of entries after this sequence number carry each payee's remainder (0004); the
    # ones before were rounded down payment by payment, and ``verify`` checks each by its rule
    Column("levy_carry_from", BigInteger, nullable=False, default=0, server_default="0"),
    # when a sealer last sealed this journal (microseconds, UTC): an entry written before it
    # and still unsealed was left behind, which ``verify`` reports
    Column("sealed_at_us", BigInteger),
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
    # sold by an enterprise (0014_enterprise): its members in a role act for it
    Column("enterprise_id", ID),
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
    # an enterprise's sale (0014_enterprise): the escrow pays its account; ``delivered_by`` is
    # the member who delivered, to whom the sale is attributed
    Column("enterprise_id", ID),
    Column("delivered_by", ID),
    Index("ix_orders_enterprise", "enterprise_id", "closed_at"),
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
    # the enterprise the member bids for, from their own budget (0015_entbids)
    Column("enterprise_id", ID, ForeignKey("enterprises.id")),
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
    # the enterprise holding the share (its bid's enterprise, 0015_entbids)
    Column("enterprise_id", ID, ForeignKey("enterprises.id")),
    Index("ix_allocation_shares_round", "round_id", "member_id"),
    Index("ix_allocation_shares_enterprise", "enterprise_id", "round_id"),
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
    # use of an enterprise's share, logged by one of its people (0015_entbids)
    Column("enterprise_id", ID, ForeignKey("enterprises.id")),
    Index("ix_usage_records_collective", "collective_id", "logged_at"),
    Index("ix_usage_records_round", "round_id", "member_id", "asset_id"),
    Index("ix_usage_records_enterprise", "round_id", "enterprise_id", "asset_id"),
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
    # a co-operative's own decision (issue 14): only its worker-owners vote; None: the collective's
    Column("enterprise_id", ID, ForeignKey("enterprises.id")),
    Index("ix_proposals_collective", "collective_id", "id"),
    Index("ix_proposals_due", "status", "closes_at"),
    Index("ix_proposals_enterprise", "enterprise_id", "opens_at"),
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

# --- supply chains (issue #16, 0014_chains): goods, recipes, chain plans and their links ---
# A recipe's inputs, outputs and commons hours are JSON lists of [id, quantity] pairs: the
# planner reads every active recipe of a collective at once, never one item.

goods = Table(
    "goods",
    metadata,
    Column("id", ID, primary_key=True),
    Column("collective_id", ID, ForeignKey("collectives.id"), nullable=False),
    Column("name", String(80), nullable=False),
    Column("name_key", String(80), nullable=False),  # casefolded: one "Plank" per collective
    Column("unit", String(24), nullable=False),
    Column("category", String(60), nullable=False),
    Column("created_by", ID, ForeignKey("people.id"), nullable=False),
    Column("created_at", Moment, nullable=False),
    UniqueConstraint("collective_id", "name_key", name="uq_goods_name"),
)

recipes = Table(
    "recipes",
    metadata,
    Column("id", ID, primary_key=True),
    Column("collective_id", ID, ForeignKey("collectives.id"), nullable=False),
    Column("producer_id", ID, ForeignKey("people.id"), nullable=False),
    Column("enterprise_id", ID),  # an enterprise's recipe (issue #14 adds the table)
    Column("name", String(120), nullable=False),
    Column("inputs", Text, nullable=False),
    Column("outputs", Text, nullable=False),
    Column("commons", Text, nullable=False),
    Column("labour_hours", String(20), nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("price", Money, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", Moment, nullable=False),
    Column("updated_at", Moment, nullable=False),
    Index("ix_recipes_collective", "collective_id", "active"),
    Index("ix_recipes_producer", "collective_id", "producer_id"),
)

chain_plans = Table(
    "chain_plans",
    metadata,
    Column("id", ID, primary_key=True),
    Column("collective_id", ID, ForeignKey("collectives.id"), nullable=False),
    Column("requester_id", ID, ForeignKey("people.id"), nullable=False),
    Column("good_id", ID, ForeignKey("goods.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("by", Moment, nullable=False),
    Column("budget", Money),
    Column("status", String(12), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("cost", Money, nullable=False),
    Column("accept_by", Moment, nullable=False),
    Column("excluded", Text, nullable=False),  # JSON list of producer ids
    Column("explanation", Text, nullable=False),  # JSON
    Column("reason", Text, nullable=False),
    Column("created_at", Moment, nullable=False),
    Column("updated_at", Moment, nullable=False),
    Index("ix_chain_plans_collective", "collective_id", "created_at"),
    Index("ix_chain_plans_status", "status", "accept_by"),
)

chain_links = Table(
    "chain_links",
    metadata,
    Column("id", ID, primary_key=True),
    Column("plan_id", ID, ForeignKey("chain_plans.id"), nullable=False),
    Column("recipe_id", ID, ForeignKey("recipes.id"), nullable=False),
    Column("producer_id", ID, ForeignKey("people.id"), nullable=False),
    Column("runs", Integer, nullable=False),
    Column("good_id", ID, ForeignKey("goods.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", Money, nullable=False),
    Column("amount", Money, nullable=False),
    Column("status", String(12), nullable=False),
    Column("step", Integer, nullable=False),
    Column("depends_on", Text, nullable=False),  # JSON list of link ids
    Column("commons", Text, nullable=False),  # JSON list of [asset id, hours]
    Column("why", Text, nullable=False),  # JSON
    Column("created_at", Moment, nullable=False),
    Column("decided_at", Moment),
    Column("order_id", ID, ForeignKey("orders.id")),
    Column("listing_id", ID, ForeignKey("listings.id")),
    # an enterprise's link (0015_entrecipes): the enterprise makes it; ``producer_id`` is the
    # member who declared its recipe, then the one who accepted the link for it
    Column("enterprise_id", ID, ForeignKey("enterprises.id")),
    Index("ix_chain_links_plan", "plan_id", "step"),
    Index("ix_chain_links_producer", "producer_id", "status"),
    Index("ix_chain_links_order", "order_id"),
    Index("ix_chain_links_enterprise", "enterprise_id", "status"),
)


# federation (0014_links, issue 17). A link to another collective, one row per side; ``peer_url``
# is '' for a collective on this server. ``outbox`` names the link message this side still owes
# the peer (offer, accept, suspend, close), resent until the peer answers.
federation_links = Table(
    "federation_links",
    metadata,
    Column("id", ID, primary_key=True),
    Column("collective_id", ID, ForeignKey("collectives.id"), nullable=False),
    Column("peer_slug", String(64), nullable=False),
    Column("peer_url", String(300), nullable=False),
    Column("state", String(16), nullable=False),
    Column("rate", String(60), nullable=False),
    Column("limit_out", Money, nullable=False),
    Column("limit_in", Money, nullable=False),
    Column("account_id", ID, ForeignKey("accounts.id"), nullable=False),
    Column("peer_link_id", ID),
    Column("peer_rate", String(60)),
    Column("peer_limit_out", Money),
    Column("peer_limit_in", Money),
    Column("peer_currency", String(10)),
    Column("peer_decimals", Integer),
    Column("peer_key_id", String(64)),
    Column("peer_public_key", String(200)),
    Column("suspended_by_us", Boolean, nullable=False),
    Column("suspended_by_peer", Boolean, nullable=False),
    Column("outbox", String(16)),
    Column("created_at", Moment, nullable=False),
    Column("activated_at", Moment),
    Column("closed_at", Moment),
    UniqueConstraint("collective_id", "peer_url", "peer_slug", name="uq_federation_links_peer"),
)

# a cross-payment on one side (``side``: origin or destination); ``payment_ref`` is the origin's
# id for it on both sides. The rows are the outbox (origin) and the inbox (destination) of the
# two-phase commit in ``domain/federation/payments.py``.
cross_payments = Table(
    "cross_payments",
    metadata,
    Column("id", ID, primary_key=True),
    Column("collective_id", ID, ForeignKey("collectives.id"), nullable=False),
    Column("link_id", ID, ForeignKey("federation_links.id"), nullable=False),
    Column("side", String(12), nullable=False),
    Column("payment_ref", ID, nullable=False),
    Column("state", String(12), nullable=False),
    Column("peer_done", Boolean, nullable=False),
    Column("payer", String(64), nullable=False),
    Column("payee", String(64), nullable=False),
    Column("amount_ours", Money, nullable=False),
    Column("amount_theirs", Money, nullable=False),
    Column("memo", Text, nullable=False),
    Column("transfer_id", ID, ForeignKey("transfers.id")),
    Column("reason", Text),
    Column("attempts", Integer, nullable=False),
    Column("created_at", Moment, nullable=False),
    Column("deadline", Moment, nullable=False),
    Column("next_attempt_at", Moment, nullable=False),
    Column("decided_at", Moment),
    UniqueConstraint("collective_id", "side", "payment_ref", name="uq_cross_payments_ref"),
    Index("ix_cross_payments_link", "link_id", "state"),
    Index("ix_cross_payments_due", "state", "peer_done", "next_attempt_at"),
)

# nonces of server messages already accepted, per sending key: a replay is refused
federation_nonces = Table(
    "federation_nonces",
    metadata,
    Column("key_id", String(64), primary_key=True),
    Column("nonce", String(64), primary_key=True),
    Column("seen_at", Moment, nullable=False),
    Index("ix_federation_nonces_seen", "seen_at"),
)

# one netting of a link's opposite flows per period (day): gross each way and the net
link_clearings = Table(
    "link_clearings",
    metadata,
    Column("link_id", ID, ForeignKey("federation_links.id"), primary_key=True),
    Column("period_key", String(10), primary_key=True),
    Column("paid_out", Money, nullable=False),
    Column("paid_in", Money, nullable=False),
    Column("payments_out", Integer, nullable=False),
    Column("payments_in", Integer, nullable=False),
    Column("position", Money, nullable=False),
    Column("cleared_at", Moment, nullable=False),
)

# federation: each collective's Ed25519 keys (0014_export; domain/signing.py, services/keys.py).
# ``id`` is the key id (the first 32 hex digits of the public key's SHA-256); the private key is
# sealed by ``services/keys.KeySealer`` and never leaves the server. A retired key stays listed
# (``GET .../keys``) so what it signed can still be verified.
collective_keys = Table(
    "collective_keys",
    metadata,
    Column("id", ID, primary_key=True),
    Column("collective_id", ID, ForeignKey("collectives.id"), nullable=False),
    Column("algorithm", String(16), nullable=False),
    Column("public_key", String(64), nullable=False),
    Column("private_key", Text, nullable=False),
    Column("created_at", Moment, nullable=False),
    Column("retired_at", Moment),
    Index("ix_collective_keys_collective", "collective_id", "created_at"),
)

# a newcomer's history from another collective, verified against its issuer's key: one row per
# (member, issuing collective), replaced by a newer export of the same issuer
verified_histories = Table(
    "verified_histories",
    metadata,
    Column("collective_id", ID, ForeignKey("collectives.id"), primary_key=True),
    Column("member_id", ID, ForeignKey("people.id"), primary_key=True),
    Column("issuer_base_url", String(200), primary_key=True),
    Column("issuer_slug", String(64), primary_key=True),
    Column("issuer_name", String(120), nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("issued_at", Moment, nullable=False),
    Column("verified_at", Moment, nullable=False),
    Column("digest", String(64), nullable=False),  # SHA-256 of the signed bytes
    Column("summary", Text, nullable=False),  # canonical JSON of domain.history_export.Summary
    Index("ix_verified_histories_member", "member_id"),
)


# --- enterprises (0014_enterprise): co-operatives and firms, domain/enterprise/ -------------

enterprises = Table(
    "enterprises",
    metadata,
    Column("id", ID, primary_key=True),
    Column("collective_id", ID, ForeignKey("collectives.id"), nullable=False),
    Column("kind", String(12), nullable=False),  # cooperative | firm
    Column("name", String(120), nullable=False),
    Column("description", Text, nullable=False),
    Column("created_by", ID, nullable=False),
    Column("created_at", Moment, nullable=False),
    Column("reserve_share", String(12), nullable=False),  # a decimal, 0..0.9
    Column("merit_metric", String(24), nullable=False),
    Column("mix_hours", Integer, nullable=False),
    Column("mix_productivity", Integer, nullable=False),
    Column("mix_ratings", Integer, nullable=False),
    Column("wage_rates", Text, nullable=False),  # JSON: {role: hourly wage}
    Column("reserve", Money, nullable=False),
    Column("loss_carried", Money, nullable=False),
    Index("ix_enterprises_collective", "collective_id", "created_at"),
)

# who holds which role, since when (ended roles are kept for the record)
enterprise_positions = Table(
    "enterprise_positions",
    metadata,
    Column("id", ID, primary_key=True),
    Column("enterprise_id", ID, ForeignKey("enterprises.id"), nullable=False),
    Column("member_id", ID, nullable=False),
    Column("role", String(16), nullable=False),
    Column("since", Moment, nullable=False),
    Column("ended_at", Moment),
    Index("ix_enterprise_positions_enterprise", "enterprise_id", "member_id"),
    Index("ix_enterprise_positions_member", "member_id"),
)

enterprise_contracts = Table(
    "enterprise_contracts",
    metadata,
    Column("id", ID, primary_key=True),
    Column("enterprise_id", ID, ForeignKey("enterprises.id"), nullable=False),
    Column("member_id", ID, nullable=False),
    Column("role", String(16), nullable=False),
    Column("hourly_wage", Money, nullable=False),
    Column("starts_at", Moment, nullable=False),
    Column("ends_at", Moment),
    Column("created_at", Moment, nullable=False),
    Column("created_by", ID, nullable=False),
    Index("ix_enterprise_contracts_enterprise", "enterprise_id", "created_at"),
    Index("ix_enterprise_contracts_member", "member_id"),
)

enterprise_hours = Table(
    "enterprise_hours",
    metadata,
    Column("id", ID, primary_key=True),
    Column("contract_id", ID, ForeignKey("enterprise_contracts.id"), nullable=False),
    Column("enterprise_id", ID, nullable=False),
    Column("member_id", ID, nullable=False),
    Column("worked_at", Moment, nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("note", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Column("logged_at", Moment, nullable=False),
    Column("decided_by", ID),
    Column("decided_at", Moment),
    Column("period_id", ID),
    Index("ix_enterprise_hours_enterprise", "enterprise_id", "status", "worked_at"),
    Index("ix_enterprise_hours_member", "member_id", "logged_at"),
)

enterprise_periods = Table(
    "enterprise_periods",
    metadata,
    Column("id", ID, primary_key=True),
    Column("enterprise_id", ID, ForeignKey("enterprises.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("starts_at", Moment, nullable=False),
    Column("ends_at", Moment, nullable=False),
    Column("status", String(8), nullable=False),
    Column("closed_at", Moment),
    Column("closed_by", ID),
    # the P&L, once closed (domain/enterprise/pay.Figures)
    Column("revenue", Money),
    Column("wages", Money),
    Column("costs", Money),
    Column("loss_recovered", Money),
    Column("reserve_added", Money),
    Column("reserve_used", Money),
    Column("shared", Money),
    Column("reserve_after", Money),
    Column("loss_carried_after", Money),
    UniqueConstraint("enterprise_id", "seq", name="uq_enterprise_periods_seq"),
)

# what a period close paid each member: wages per contract, surplus shares, dividends
enterprise_payouts = Table(
    "enterprise_payouts",
    metadata,
    Column("id", ID, primary_key=True),
    Column("period_id", ID, ForeignKey("enterprise_periods.id"), nullable=False),
    Column("enterprise_id", ID, nullable=False),
    Column("member_id", ID, nullable=False),
    Column("kind", String(16), nullable=False),  # wage | surplus_share | dividend
    Column("amount", Money, nullable=False),
    Column("minutes", Integer),  # a wage's hours
    Column("contract_id", ID),
    Column("basis", String(64), nullable=False),  # the merit or vested shares, exact
    Column("transfer_id", ID),
    Column("paid_at", Moment, nullable=False),
    Index("ix_enterprise_payouts_period", "period_id"),
    Index("ix_enterprise_payouts_member", "member_id", "paid_at"),
    Index("ix_enterprise_payouts_enterprise", "enterprise_id", "paid_at"),
)

# a firm's equity: shares granted, vesting linearly between vest_start and vest_end
enterprise_grants = Table(
    "enterprise_grants",
    metadata,
    Column("id", ID, primary_key=True),
    Column("enterprise_id", ID, ForeignKey("enterprises.id"), nullable=False),
    Column("member_id", ID, nullable=False),
    Column("shares", BigInteger, nullable=False),
    Column("granted_at", Moment, nullable=False),
    Column("granted_by", ID, nullable=False),
    Column("vest_start", Moment),
    Column("vest_end", Moment),
    Index("ix_enterprise_grants_enterprise", "enterprise_id"),
)

# peer ratings among a co-operative's worker-owners, per period (the peer_ratings metric)
enterprise_ratings = Table(
    "enterprise_ratings",
    metadata,
    Column("period_id", ID, ForeignKey("enterprise_periods.id"), primary_key=True),
    Column("rater_id", ID, primary_key=True),
    Column("ratee_id", ID, primary_key=True),
    Column("score", Integer, nullable=False),
    Column("rated_at", Moment, nullable=False),
)

# capital an enterprise owns (private and mixed collectives); automation replaces labour hours
enterprise_capital = Table(
    "enterprise_capital",
    metadata,
    Column("id", ID, primary_key=True),
    Column("enterprise_id", ID, ForeignKey("enterprises.id"), nullable=False),
    Column("name", String(120), nullable=False),
    Column("value", Money, nullable=False),
    Column("labour_hours_replaced", Integer, nullable=False),
    Column("acquired_at", Moment, nullable=False),
    Index("ix_enterprise_capital_enterprise", "enterprise_id"),
)

# a co-operative's invitations to join (0014_entgov, domain/governance/coop.py): the member
# answers; accepting opens the admission vote (``proposal_id``), whose close settles it
enterprise_invitations = Table(
    "enterprise_invitations",
    metadata,
    Column("id", ID, primary_key=True),
    Column("collective_id", ID, ForeignKey("collectives.id"), nullable=False),
    Column("enterprise_id", ID, ForeignKey("enterprises.id"), nullable=False),
    Column("member_id", ID, ForeignKey("people.id"), nullable=False),
    Column("invited_by", ID, ForeignKey("people.id"), nullable=False),
    Column("message", Text, nullable=False),
    Column("status", String(12), nullable=False),
    Column("created_at", Moment, nullable=False),
    Column("answered_at", Moment),
    Column("proposal_id", ID, ForeignKey("proposals.id")),
    Index("ix_enterprise_invitations_enterprise", "enterprise_id", "created_at"),
    Index("ix_enterprise_invitations_member", "member_id", "status"),
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
