"""budget rounds: rounds, projects, voters, ballots, service budget raises; the charter's
budget_rounds_open_to

Revision ID: 0009_budget_rounds
Revises: 0008_governance
Create Date: 2026-11-29 18:34:42.934880
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_budget_rounds"
down_revision = "0008_governance"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "budget_rounds",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("budget", sa.BigInteger(), nullable=False),
        sa.Column("rule", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("opened_by", sa.String(length=32), nullable=False),
        sa.Column("proposal_id", sa.String(length=32), nullable=True),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("meta", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["collectives.id"],
            name=op.f("fk_budget_rounds_collective_id_collectives"),
        ),
        sa.ForeignKeyConstraint(
            ["opened_by"], ["people.id"], name=op.f("fk_budget_rounds_opened_by_people")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_budget_rounds_proposal_id_proposals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_rounds")),
    )
    with op.batch_alter_table("budget_rounds", schema=None) as batch_op:
        batch_op.create_index(
            "ix_budget_rounds_collective", ["collective_id", "opens_at", "id"], unique=False
        )
        batch_op.create_index("ix_budget_rounds_due", ["status", "closes_at"], unique=False)

    op.create_table(
        "budget_ballots",
        sa.Column("round_id", sa.String(length=32), nullable=False),
        sa.Column("voter_id", sa.String(length=64), nullable=False),
        sa.Column("approve", sa.Text(), nullable=False),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["budget_rounds.id"],
            name=op.f("fk_budget_ballots_round_id_budget_rounds"),
        ),
        sa.PrimaryKeyConstraint("round_id", "voter_id", name=op.f("pk_budget_ballots")),
    )
    op.create_table(
        "budget_projects",
        sa.Column("round_id", sa.String(length=32), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("cost", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("proposed_by", sa.String(length=32), nullable=True),
        sa.Column("service_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposed_by"], ["people.id"], name=op.f("fk_budget_projects_proposed_by_people")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["budget_rounds.id"],
            name=op.f("fk_budget_projects_round_id_budget_rounds"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["public_services.id"],
            name=op.f("fk_budget_projects_service_id_public_services"),
        ),
        sa.PrimaryKeyConstraint("round_id", "id", name=op.f("pk_budget_projects")),
    )
    op.create_table(
        "budget_round_voters",
        sa.Column("round_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["people.id"], name=op.f("fk_budget_round_voters_member_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["budget_rounds.id"],
            name=op.f("fk_budget_round_voters_round_id_budget_rounds"),
        ),
        sa.PrimaryKeyConstraint("round_id", "member_id", name=op.f("pk_budget_round_voters")),
    )
    op.create_table(
        "service_budget_raises",
        sa.Column("service_id", sa.String(length=32), nullable=False),
        sa.Column("round_id", sa.String(length=32), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("period_key", sa.String(length=10), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["budget_rounds.id"],
            name=op.f("fk_service_budget_raises_round_id_budget_rounds"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["public_services.id"],
            name=op.f("fk_service_budget_raises_service_id_public_services"),
        ),
        sa.PrimaryKeyConstraint(
            "service_id", "round_id", "project_id", name=op.f("pk_service_budget_raises")
        ),
    )
    with op.batch_alter_table("service_budget_raises", schema=None) as batch_op:
        batch_op.create_index(
            "ix_service_budget_raises_period", ["service_id", "period_key"], unique=False
        )

    with op.batch_alter_table("collectives", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "budget_rounds_open_to",
                sa.String(length=10),
                server_default="proposal",
                nullable=False,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("collectives", schema=None) as batch_op:
        batch_op.drop_column("budget_rounds_open_to")

    with op.batch_alter_table("service_budget_raises", schema=None) as batch_op:
        batch_op.drop_index("ix_service_budget_raises_period")

    op.drop_table("service_budget_raises")
    op.drop_table("budget_round_voters")
    op.drop_table("budget_projects")
    op.drop_table("budget_ballots")
    with op.batch_alter_table("budget_rounds", schema=None) as batch_op:
        batch_op.drop_index("ix_budget_rounds_due")
        batch_op.drop_index("ix_budget_rounds_collective")

    op.drop_table("budget_rounds")
