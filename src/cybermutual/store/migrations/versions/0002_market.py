"""market: listings, search, orders, quotes, tasks, disputes, reviews, inbox

Revision ID: 0002
Revises: 0001

Full-text search: on PostgreSQL ``listings.search_vector`` is a ``tsvector`` with a GIN index;
on SQLite it stays empty and the ``listing_terms`` inverted index (kept by the repository) answers
instead, because FTS5's shadow tables would not match the declared schema.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_items",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["collectives.id"],
            name=op.f("fk_inbox_items_collective_id_collectives"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_items")),
    )
    with op.batch_alter_table("inbox_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inbox_member", ["collective_id", "member_id", "created_at"], unique=False
        )

    op.create_table(
        "listings",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=140), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("location", sa.String(length=120), nullable=True),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=True),
        sa.Column("asset_id", sa.String(length=32), nullable=True),
        sa.Column(
            "search_vector",
            sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["collectives.id"],
            name=op.f("fk_listings_collective_id_collectives"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["people.id"], name=op.f("fk_listings_owner_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listings")),
    )
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_listings_browse", ["collective_id", "status", "created_at"], unique=False
        )
        batch_op.create_index("ix_listings_owner", ["collective_id", "owner_id"], unique=False)
        batch_op.create_index(
            "ix_listings_search", ["search_vector"], unique=False, postgresql_using="gin"
        )
        batch_op.create_index(
            "ix_listings_price", ["collective_id", "status", "price"], unique=False
        )

    op.create_table(
        "market_categories",
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["collectives.id"],
            name=op.f("fk_market_categories_collective_id_collectives"),
        ),
        sa.PrimaryKeyConstraint("collective_id", "slug", name=op.f("pk_market_categories")),
    )
    op.create_table(
        "market_reputation",
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("review_count", sa.BigInteger(), nullable=False),
        sa.Column("star_sum", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["collectives.id"],
            name=op.f("fk_market_reputation_collective_id_collectives"),
        ),
        sa.PrimaryKeyConstraint("collective_id", "member_id", name=op.f("pk_market_reputation")),
    )
    op.create_table(
        "market_settings",
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("jury_size", sa.Integer(), nullable=False),
        sa.Column("auto_confirm_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["collectives.id"],
            name=op.f("fk_market_settings_collective_id_collectives"),
        ),
        sa.PrimaryKeyConstraint("collective_id", name=op.f("pk_market_settings")),
    )
    op.create_table(
        "listing_terms",
        sa.Column("listing_id", sa.String(length=32), nullable=False),
        sa.Column("term", sa.String(length=64), nullable=False),
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["listing_id"], ["listings.id"], name=op.f("fk_listing_terms_listing_id_listings")
        ),
        sa.PrimaryKeyConstraint("listing_id", "term", name=op.f("pk_listing_terms")),
    )
    with op.batch_alter_table("listing_terms", schema=None) as batch_op:
        batch_op.create_index("ix_listing_terms_term", ["collective_id", "term"], unique=False)

    op.create_table(
        "quotes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("listing_id", sa.String(length=32), nullable=False),
        sa.Column("quoter_id", sa.String(length=32), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["collective_id"], ["collectives.id"], name=op.f("fk_quotes_collective_id_collectives")
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"], ["listings.id"], name=op.f("fk_quotes_listing_id_listings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
    )
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.create_index("ix_quotes_listing", ["listing_id", "created_at"], unique=False)

    op.create_table(
        "task_applications",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("listing_id", sa.String(length=32), nullable=False),
        sa.Column("applicant_id", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["collectives.id"],
            name=op.f("fk_task_applications_collective_id_collectives"),
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"], ["listings.id"], name=op.f("fk_task_applications_listing_id_listings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_applications")),
        sa.UniqueConstraint("listing_id", "applicant_id", name="uq_task_applications_applicant"),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("listing_id", sa.String(length=32), nullable=False),
        sa.Column("quote_id", sa.String(length=32), nullable=True),
        sa.Column("application_id", sa.String(length=32), nullable=True),
        sa.Column("buyer_id", sa.String(length=32), nullable=False),
        sa.Column("seller_id", sa.String(length=32), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("escrow_id", sa.String(length=32), nullable=False),
        sa.Column("payout_id", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("auto_confirm_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["collective_id"], ["collectives.id"], name=op.f("fk_orders_collective_id_collectives")
        ),
        sa.ForeignKeyConstraint(
            ["escrow_id"], ["transfers.id"], name=op.f("fk_orders_escrow_id_transfers")
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"], ["listings.id"], name=op.f("fk_orders_listing_id_listings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_orders_buyer", ["collective_id", "buyer_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_orders_due", ["collective_id", "status", "auto_confirm_at"], unique=False
        )
        batch_op.create_index("ix_orders_listing", ["listing_id"], unique=False)
        batch_op.create_index(
            "ix_orders_seller", ["collective_id", "seller_id", "created_at"], unique=False
        )

    op.create_table(
        "disputes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("opened_by", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("seller_share", sa.BigInteger(), nullable=True),
        sa.Column("proposed_by", sa.String(length=32), nullable=True),
        sa.Column("proposed_share", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["collectives.id"],
            name=op.f("fk_disputes_collective_id_collectives"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_disputes_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
        sa.UniqueConstraint("order_id", name=op.f("uq_disputes_order_id")),
    )
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_disputes_collective", ["collective_id", "status", "created_at"], unique=False
        )

    op.create_table(
        "reviews",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("author_id", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["collective_id"], ["collectives.id"], name=op.f("fk_reviews_collective_id_collectives")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_reviews_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("order_id", "author_id", name="uq_reviews_order_author"),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reviews_subject", ["collective_id", "subject_id", "created_at"], unique=False
        )

    op.create_table(
        "dispute_jurors",
        sa.Column("dispute_id", sa.String(length=32), nullable=False),
        sa.Column("juror_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("vote", sa.String(length=10), nullable=True),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["dispute_id"], ["disputes.id"], name=op.f("fk_dispute_jurors_dispute_id_disputes")
        ),
        sa.PrimaryKeyConstraint("dispute_id", "juror_id", name=op.f("pk_dispute_jurors")),
    )
    with op.batch_alter_table("dispute_jurors", schema=None) as batch_op:
        batch_op.create_index("ix_dispute_jurors_juror", ["juror_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("dispute_jurors", schema=None) as batch_op:
        batch_op.drop_index("ix_dispute_jurors_juror")

    op.drop_table("dispute_jurors")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index("ix_reviews_subject")

    op.drop_table("reviews")
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.drop_index("ix_disputes_collective")

    op.drop_table("disputes")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_seller")
        batch_op.drop_index("ix_orders_listing")
        batch_op.drop_index("ix_orders_due")
        batch_op.drop_index("ix_orders_buyer")

    op.drop_table("orders")
    op.drop_table("task_applications")
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.drop_index("ix_quotes_listing")

    op.drop_table("quotes")
    with op.batch_alter_table("listing_terms", schema=None) as batch_op:
        batch_op.drop_index("ix_listing_terms_term")

    op.drop_table("listing_terms")
    op.drop_table("market_settings")
    op.drop_table("market_reputation")
    op.drop_table("market_categories")
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.drop_index("ix_listings_search")
        batch_op.drop_index("ix_listings_price")
        batch_op.drop_index("ix_listings_owner")
        batch_op.drop_index("ix_listings_browse")

    op.drop_table("listings")
    with op.batch_alter_table("inbox_items", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_member")

    op.drop_table("inbox_items")
