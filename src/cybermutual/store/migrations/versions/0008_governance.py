"""governance: proposals, ballots, delegations, policy history, public services and claims,
periodic payments, admission approvals, allocation weights; the charter's voting fields

Revision ID: 0008_governance
Revises: 0007_hardening
Create Date: 2026-11-29 17:38:39.356669
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_governance"
down_revision = "0007_hardening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admission_approvals",
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("candidate_id", sa.String(length=32), nullable=False),
        sa.Column("approver_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["approver_id"], ["people.id"], name=op.f("fk_admission_approvals_approver_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["people.id"], name=op.f("fk_admission_approvals_candidate_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["collectives.id"],
            name=op.f("fk_admission_approvals_collective_id_collectives"),
        ),
        sa.PrimaryKeyConstraint(
            "collective_id", "candidate_id", "approver_id", name=op.f("pk_admission_approvals")
        ),
    )
    op.create_table(
        "allocation_weights",
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("weight", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["collectives.id"],
            name=op.f("fk_allocation_weights_collective_id_collectives"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["people.id"], name=op.f("fk_allocation_weights_member_id_people")
        ),
        sa.PrimaryKeyConstraint("collective_id", "member_id", name=op.f("pk_allocation_weights")),
    )
    op.create_table(
        "delegations",
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("delegate_id", sa.String(length=32), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["collectives.id"],
            name=op.f("fk_delegations_collective_id_collectives"),
        ),
        sa.ForeignKeyConstraint(
            ["delegate_id"], ["people.id"], name=op.f("fk_delegations_delegate_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["people.id"], name=op.f("fk_delegations_member_id_people")
        ),
        sa.PrimaryKeyConstraint("collective_id", "member_id", name=op.f("pk_delegations")),
    )
    with op.batch_alter_table("delegations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_delegations_delegate", ["collective_id", "delegate_id"], unique=False
        )

    op.create_table(
        "periodic_payments",
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("what", sa.String(length=24), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("period_key", sa.String(length=10), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("transfer_id", sa.String(length=32), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["collectives.id"],
            name=op.f("fk_periodic_payments_collective_id_collectives"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["people.id"], name=op.f("fk_periodic_payments_member_id_people")
        ),
        sa.PrimaryKeyConstraint(
            "collective_id", "what", "member_id", "period_key", name=op.f("pk_periodic_payments")
        ),
    )
    op.create_table(
        "proposals",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("author_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tally", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("impact_status", sa.String(length=12), nullable=False),
        sa.Column("impact", sa.Text(), nullable=True),
        sa.Column("impact_claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["people.id"], name=op.f("fk_proposals_author_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["collectives.id"],
            name=op.f("fk_proposals_collective_id_collectives"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
    )
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.create_index("ix_proposals_collective", ["collective_id", "id"], unique=False)
        batch_op.create_index("ix_proposals_due", ["status", "closes_at"], unique=False)

    op.create_table(
        "ballots",
        sa.Column("proposal_id", sa.String(length=32), nullable=False),
        sa.Column("voter_id", sa.String(length=32), nullable=False),
        sa.Column("choice", sa.String(length=8), nullable=False),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_ballots_proposal_id_proposals")
        ),
        sa.ForeignKeyConstraint(
            ["voter_id"], ["people.id"], name=op.f("fk_ballots_voter_id_people")
        ),
        sa.PrimaryKeyConstraint("proposal_id", "voter_id", name=op.f("pk_ballots")),
    )
    op.create_table(
        "policy_changes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("proposal_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["collectives.id"],
            name=op.f("fk_policy_changes_collective_id_collectives"),
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_policy_changes_proposal_id_proposals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_changes")),
        sa.UniqueConstraint("proposal_id", name=op.f("uq_policy_changes_proposal_id")),
    )
    with op.batch_alter_table("policy_changes", schema=None) as batch_op:
        batch_op.create_index("ix_policy_changes_collective", ["collective_id", "id"], unique=False)

    op.create_table(
        "proposal_comments",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("proposal_id", sa.String(length=32), nullable=False),
        sa.Column("author_id", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["people.id"], name=op.f("fk_proposal_comments_author_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_proposal_comments_proposal_id_proposals"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_comments")),
    )
    with op.batch_alter_table("proposal_comments", schema=None) as batch_op:
        batch_op.create_index("ix_proposal_comments_proposal", ["proposal_id", "id"], unique=False)

    op.create_table(
        "proposal_voters",
        sa.Column("proposal_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["people.id"], name=op.f("fk_proposal_voters_member_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_proposal_voters_proposal_id_proposals")
        ),
        sa.PrimaryKeyConstraint("proposal_id", "member_id", name=op.f("pk_proposal_voters")),
    )
    op.create_table(
        "public_services",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("rate_per_unit", sa.BigInteger(), nullable=False),
        sa.Column("budget_per_period", sa.BigInteger(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("proposal_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["collectives.id"],
            name=op.f("fk_public_services_collective_id_collectives"),
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_public_services_proposal_id_proposals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_services")),
    )
    with op.batch_alter_table("public_services", schema=None) as batch_op:
        batch_op.create_index(
            "ix_public_services_collective", ["collective_id", "id"], unique=False
        )

    op.create_table(
        "service_claims",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("service_id", sa.String(length=32), nullable=False),
        sa.Column("provider_id", sa.String(length=32), nullable=False),
        sa.Column("recipient_id", sa.String(length=32), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("status_reason", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("auto_confirm_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_period", sa.String(length=10), nullable=True),
        sa.Column("transfer_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["collectives.id"],
            name=op.f("fk_service_claims_collective_id_collectives"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["people.id"], name=op.f("fk_service_claims_provider_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["people.id"], name=op.f("fk_service_claims_recipient_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["public_services.id"],
            name=op.f("fk_service_claims_service_id_public_services"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_claims")),
    )
    with op.batch_alter_table("service_claims", schema=None) as batch_op:
        batch_op.create_index("ix_service_claims_service", ["service_id", "id"], unique=False)
        batch_op.create_index("ix_service_claims_status", ["collective_id", "status"], unique=False)

    op.create_table(
        "service_providers",
        sa.Column("service_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["people.id"], name=op.f("fk_service_providers_member_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["public_services.id"],
            name=op.f("fk_service_providers_service_id_public_services"),
        ),
        sa.PrimaryKeyConstraint("service_id", "member_id", name=op.f("pk_service_providers")),
    )
    op.create_table(
        "levy_rates",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("after_seq", sa.BigInteger(), nullable=False),
        sa.Column("previous_rate", sa.String(length=20), nullable=False),
        sa.Column("rate", sa.String(length=20), nullable=False),
        sa.Column("proposal_id", sa.String(length=32), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["collectives.id"],
            name=op.f("fk_levy_rates_collective_id_collectives"),
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_levy_rates_proposal_id_proposals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_levy_rates")),
    )
    op.create_index(
        "ix_levy_rates_collective", "levy_rates", ["collective_id", "after_seq"], unique=False
    )
    op.add_column(
        "collectives",
        sa.Column("quorum", sa.String(length=10), server_default="0.2", nullable=False),
    )
    op.add_column(
        "collectives",
        sa.Column("threshold", sa.String(length=10), server_default="0.5", nullable=False),
    )
    op.add_column(
        "collectives",
        sa.Column("supermajority", sa.String(length=10), server_default="0.6667", nullable=False),
    )
    op.add_column(
        "collectives",
        sa.Column("approvals_needed", sa.Integer(), server_default="1", nullable=False),
    )
    op.add_column(
        "collectives",
        sa.Column("claim_confirm_days", sa.Integer(), server_default="7", nullable=False),
    )
    op.add_column(
        "collectives",
        sa.Column("basic_income", sa.BigInteger(), server_default="0", nullable=False),
    )
    op.add_column(
        "collectives",
        sa.Column(
            "basic_income_period", sa.String(length=8), server_default="month", nullable=False
        ),
    )
    op.add_column(
        "collectives", sa.Column("charter_text", sa.Text(), server_default="", nullable=False)
    )


def downgrade() -> None:
    op.drop_index("ix_levy_rates_collective", table_name="levy_rates")
    op.drop_table("levy_rates")
    op.drop_column("collectives", "charter_text")
    op.drop_column("collectives", "basic_income_period")
    op.drop_column("collectives", "basic_income")
    op.drop_column("collectives", "claim_confirm_days")
    op.drop_column("collectives", "approvals_needed")
    op.drop_column("collectives", "supermajority")
    op.drop_column("collectives", "threshold")
    op.drop_column("collectives", "quorum")

    op.drop_table("service_providers")
    with op.batch_alter_table("service_claims", schema=None) as batch_op:
        batch_op.drop_index("ix_service_claims_status")
        batch_op.drop_index("ix_service_claims_service")

    op.drop_table("service_claims")
    with op.batch_alter_table("public_services", schema=None) as batch_op:
        batch_op.drop_index("ix_public_services_collective")

    op.drop_table("public_services")
    op.drop_table("proposal_voters")
    with op.batch_alter_table("proposal_comments", schema=None) as batch_op:
        batch_op.drop_index("ix_proposal_comments_proposal")

    op.drop_table("proposal_comments")
    with op.batch_alter_table("policy_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_policy_changes_collective")

    op.drop_table("policy_changes")
    op.drop_table("ballots")
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_index("ix_proposals_due")
        batch_op.drop_index("ix_proposals_collective")

    op.drop_table("proposals")
    op.drop_table("periodic_payments")
    with op.batch_alter_table("delegations", schema=None) as batch_op:
        batch_op.drop_index("ix_delegations_delegate")

    op.drop_table("delegations")
    op.drop_table("allocation_weights")
    op.drop_table("admission_approvals")
