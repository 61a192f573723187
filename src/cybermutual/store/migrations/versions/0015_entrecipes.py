"""an enterprise's links in supply chains

``chain_links.enterprise_id`` is set on the link of an enterprise's recipe: the enterprise is
the link's producer (the planner leaves it out after a decline, any member who sells for it
answers), and ``producer_id`` stays a member: the one who declared the recipe, then the one who
accepted the link for the enterprise (its order's seller). ``ix_chain_links_enterprise`` finds
the links waiting for an enterprise's answer.

Revision ID: 0015_entrecipes
Revises: 0014_entgov
Create Date: 2026-11-30 00:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_entrecipes"
down_revision = "0015_entbids"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chain_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enterprise_id", sa.String(length=32), nullable=True))
        batch_op.create_index(
            "ix_chain_links_enterprise", ["enterprise_id", "status"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_chain_links_enterprise_id_enterprises"),
            "enterprises",
            ["enterprise_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("chain_links", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_chain_links_enterprise_id_enterprises"), type_="foreignkey"
        )
        batch_op.drop_index("ix_chain_links_enterprise")
        batch_op.drop_column("enterprise_id")
