"""co-operative governance: proposals scoped to an enterprise, and invitations to join one

``proposals.enterprise_id`` is None for the collective's own decisions; a co-operative's
proposals carry their enterprise, and only its worker-owners vote on them
(``ix_proposals_enterprise`` lists one co-operative's proposals, newest first).
``enterprise_invitations`` holds each invitation to become a worker-owner, answered by the
invited member, and the admission vote it opened.

Revision ID: 0014_entgov
Revises: 0014_enterprise
Create Date: 2026-11-29 22:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_entgov"
down_revision = "0014_enterprise"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enterprise_id", sa.String(length=32), nullable=True))
        batch_op.create_index(
            "ix_proposals_enterprise", ["enterprise_id", "opens_at"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_proposals_enterprise_id_enterprises"),
            "enterprises",
            ["enterprise_id"],
            ["id"],
        )
    op.create_table(
        "enterprise_invitations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("enterprise_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("invited_by", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("proposal_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["collectives.id"],
            name=op.f("fk_enterprise_invitations_collective_id_collectives"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_enterprise_invitations_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"], ["people.id"], name=op.f("fk_enterprise_invitations_invited_by_people")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["people.id"], name=op.f("fk_enterprise_invitations_member_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_enterprise_invitations_proposal_id_proposals"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_invitations")),
    )
    with op.batch_alter_table("enterprise_invitations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_enterprise_invitations_enterprise", ["enterprise_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_enterprise_invitations_member", ["member_id", "status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("enterprise_invitations", schema=None) as batch_op:
        batch_op.drop_index("ix_enterprise_invitations_member")
        batch_op.drop_index("ix_enterprise_invitations_enterprise")
    op.drop_table("enterprise_invitations")
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_proposals_enterprise_id_enterprises"), type_="foreignkey"
        )
        batch_op.drop_index("ix_proposals_enterprise")
        batch_op.drop_column("enterprise_id")
