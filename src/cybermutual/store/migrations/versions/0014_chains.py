"""supply chains: goods, recipes, chain plans and their links (issue #16)

Revision ID: 0014_chains
Revises: 0013_wallet
Create Date: 2026-11-29 22:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_chains"
down_revision = "0013_wallet"
branch_labels = None
depends_on = None

ID = sa.String(length=32)


def _moment(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "goods",
        sa.Column("id", ID, primary_key=True),
        sa.Column("collective_id", ID, sa.ForeignKey("collectives.id"), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("name_key", sa.String(length=80), nullable=False),
        sa.Column("unit", sa.String(length=24), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("created_by", ID, sa.ForeignKey("people.id"), nullable=False),
        _moment("created_at"),
        sa.UniqueConstraint("collective_id", "name_key", name="uq_goods_name"),
    )
    op.create_table(
        "recipes",
        sa.Column("id", ID, primary_key=True),
        sa.Column("collective_id", ID, sa.ForeignKey("collectives.id"), nullable=False),
        sa.Column("producer_id", ID, sa.ForeignKey("people.id"), nullable=False),
        sa.Column("enterprise_id", ID, nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("inputs", sa.Text(), nullable=False),
        sa.Column("outputs", sa.Text(), nullable=False),
        sa.Column("commons", sa.Text(), nullable=False),
        sa.Column("labour_hours", sa.String(length=20), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _moment("created_at"),
        _moment("updated_at"),
    )
    op.create_index("ix_recipes_collective", "recipes", ["collective_id", "active"])
    op.create_index("ix_recipes_producer", "recipes", ["collective_id", "producer_id"])
    op.create_table(
        "chain_plans",
        sa.Column("id", ID, primary_key=True),
        sa.Column("collective_id", ID, sa.ForeignKey("collectives.id"), nullable=False),
        sa.Column("requester_id", ID, sa.ForeignKey("people.id"), nullable=False),
        sa.Column("good_id", ID, sa.ForeignKey("goods.id"), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        _moment("by"),
        sa.Column("budget", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("cost", sa.BigInteger(), nullable=False),
        _moment("accept_by"),
        sa.Column("excluded", sa.Text(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        _moment("created_at"),
        _moment("updated_at"),
    )
    op.create_index("ix_chain_plans_collective", "chain_plans", ["collective_id", "created_at"])
    op.create_index("ix_chain_plans_status", "chain_plans", ["status", "accept_by"])
    op.create_table(
        "chain_links",
        sa.Column("id", ID, primary_key=True),
        sa.Column("plan_id", ID, sa.ForeignKey("chain_plans.id"), nullable=False),
        sa.Column("recipe_id", ID, sa.ForeignKey("recipes.id"), nullable=False),
        sa.Column("producer_id", ID, sa.ForeignKey("people.id"), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("good_id", ID, sa.ForeignKey("goods.id"), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("depends_on", sa.Text(), nullable=False),
        sa.Column("commons", sa.Text(), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        _moment("created_at"),
        _moment("decided_at", nullable=True),
        sa.Column("order_id", ID, sa.ForeignKey("orders.id"), nullable=True),
        sa.Column("listing_id", ID, sa.ForeignKey("listings.id"), nullable=True),
    )
    op.create_index("ix_chain_links_plan", "chain_links", ["plan_id", "step"])
    op.create_index("ix_chain_links_producer", "chain_links", ["producer_id", "status"])
    op.create_index("ix_chain_links_order", "chain_links", ["order_id"])


def downgrade() -> None:
    op.drop_table("chain_links")
    op.drop_table("chain_plans")
    op.drop_table("recipes")
    op.drop_table("goods")
