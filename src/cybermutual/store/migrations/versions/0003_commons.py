"""commons: assets, allocation rounds, bids, passes, shares, usage log

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 15:19:26.386488
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "allocation_rounds",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("bids_close_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("token_budget", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("passes", sa.Integer(), nullable=False),
        sa.Column("opened_by", sa.String(length=32), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("computed_by", sa.String(length=32), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(length=32), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=32), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["collectives.id"],
            name=op.f("fk_allocation_rounds_collective_id_collectives"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation_rounds")),
    )
    with op.batch_alter_table("allocation_rounds", schema=None) as batch_op:
        batch_op.create_index(
            "ix_allocation_rounds_collective", ["collective_id", "period_start"], unique=False
        )

    op.create_table(
        "assets",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("capacity", sa.BigInteger(), nullable=False),
        sa.Column("unit", sa.String(length=60), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("output_categories", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("contributed_by", sa.String(length=32), nullable=True),
        sa.Column("contributed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["collective_id"], ["collectives.id"], name=op.f("fk_assets_collective_id_collectives")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assets")),
    )
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.create_index("ix_assets_collective", ["collective_id", "name", "id"], unique=False)

    op.create_table(
        "allocation_bids",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("round_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("asset_id", sa.String(length=32), nullable=False),
        sa.Column("max_units", sa.BigInteger(), nullable=False),
        sa.Column("min_units", sa.BigInteger(), nullable=False),
        sa.Column("output_category", sa.String(length=60), nullable=False),
        sa.Column("listing_id", sa.String(length=32), nullable=True),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["assets.id"], name=op.f("fk_allocation_bids_asset_id_assets")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["allocation_rounds.id"],
            name=op.f("fk_allocation_bids_round_id_allocation_rounds"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation_bids")),
        sa.UniqueConstraint("round_id", "member_id", "asset_id", name="uq_allocation_bids_member"),
    )
    op.create_table(
        "allocation_passes",
        sa.Column("round_id", sa.String(length=32), nullable=False),
        sa.Column("pass_no", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("prices", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["allocation_rounds.id"],
            name=op.f("fk_allocation_passes_round_id_allocation_rounds"),
        ),
        sa.PrimaryKeyConstraint("round_id", "pass_no", name=op.f("pk_allocation_passes")),
    )
    op.create_table(
        "allocation_shares",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("round_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("asset_id", sa.String(length=32), nullable=False),
        sa.Column("bid_id", sa.String(length=32), nullable=True),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("pass_no", sa.Integer(), nullable=False),
        sa.Column("price_per_unit", sa.Float(), nullable=False),
        sa.Column("value_per_unit", sa.Float(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("declined_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rerun_pass", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["assets.id"], name=op.f("fk_allocation_shares_asset_id_assets")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["allocation_rounds.id"],
            name=op.f("fk_allocation_shares_round_id_allocation_rounds"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation_shares")),
    )
    with op.batch_alter_table("allocation_shares", schema=None) as batch_op:
        batch_op.create_index("ix_allocation_shares_round", ["round_id", "member_id"], unique=False)

    op.create_table(
        "usage_records",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("asset_id", sa.String(length=32), nullable=False),
        sa.Column("round_id", sa.String(length=32), nullable=True),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("output_category", sa.String(length=60), nullable=False),
        sa.Column("sales_value", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("logged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["assets.id"], name=op.f("fk_usage_records_asset_id_assets")
        ),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["collectives.id"],
            name=op.f("fk_usage_records_collective_id_collectives"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["allocation_rounds.id"],
            name=op.f("fk_usage_records_round_id_allocation_rounds"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_records")),
    )
    with op.batch_alter_table("usage_records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_usage_records_collective", ["collective_id", "logged_at"], unique=False
        )
        batch_op.create_index(
            "ix_usage_records_round", ["round_id", "member_id", "asset_id"], unique=False
        )

    op.create_table(
        "usage_sales",
        sa.Column("transfer_id", sa.String(length=32), nullable=False),
        sa.Column("usage_id", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["transfer_id"], ["transfers.id"], name=op.f("fk_usage_sales_transfer_id_transfers")
        ),
        sa.ForeignKeyConstraint(
            ["usage_id"], ["usage_records.id"], name=op.f("fk_usage_sales_usage_id_usage_records")
        ),
        sa.PrimaryKeyConstraint("transfer_id", name=op.f("pk_usage_sales")),
    )
    with op.batch_alter_table("usage_sales", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_usage_sales_usage_id"), ["usage_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("usage_sales", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_usage_sales_usage_id"))

    op.drop_table("usage_sales")
    with op.batch_alter_table("usage_records", schema=None) as batch_op:
        batch_op.drop_index("ix_usage_records_round")
        batch_op.drop_index("ix_usage_records_collective")

    op.drop_table("usage_records")
    with op.batch_alter_table("allocation_shares", schema=None) as batch_op:
        batch_op.drop_index("ix_allocation_shares_round")

    op.drop_table("allocation_shares")
    op.drop_table("allocation_passes")
    op.drop_table("allocation_bids")
    with op.batch_alter_table("assets", schema=None) as batch_op:
        batch_op.drop_index("ix_assets_collective")

    op.drop_table("assets")
    with op.batch_alter_table("allocation_rounds", schema=None) as batch_op:
        batch_op.drop_index("ix_allocation_rounds_collective")

    op.drop_table("allocation_rounds")
