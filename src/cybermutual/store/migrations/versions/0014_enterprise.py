"""enterprises: co-operatives and firms, roles, contracts, hours, pay periods and payouts,
equity grants, peer ratings, capital; listings and orders an enterprise sells

Revision ID: 0014_enterprise
Revises: 0013_wallet
Create Date: 2026-11-29 22:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_enterprise"
down_revision = "0013_wallet"
branch_labels = None
depends_on = None

ID = sa.String(length=32)
MOMENT = sa.DateTime(timezone=True)


def _fk(table: str, column: str, referred: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{referred}.id"], name=op.f(f"fk_{table}_{column}_{referred}")
    )


def upgrade() -> None:
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enterprise_id", ID, nullable=True))
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enterprise_id", ID, nullable=True))
        batch_op.add_column(sa.Column("delivered_by", ID, nullable=True))
        batch_op.create_index("ix_orders_enterprise", ["enterprise_id", "closed_at"], unique=False)
    op.create_table(
        "enterprises",
        sa.Column("id", ID, nullable=False),
        sa.Column("collective_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_by", ID, nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("reserve_share", sa.String(length=12), nullable=False),
        sa.Column("merit_metric", sa.String(length=24), nullable=False),
        sa.Column("mix_hours", sa.Integer(), nullable=False),
        sa.Column("mix_productivity", sa.Integer(), nullable=False),
        sa.Column("mix_ratings", sa.Integer(), nullable=False),
        sa.Column("wage_rates", sa.Text(), nullable=False),
        sa.Column("reserve", sa.BigInteger(), nullable=False),
        sa.Column("loss_carried", sa.BigInteger(), nullable=False),
        _fk("enterprises", "collective_id", "collectives"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprises")),
    )
    op.create_index(
        "ix_enterprises_collective", "enterprises", ["collective_id", "created_at"], unique=False
    )
    op.create_table(
        "enterprise_positions",
        sa.Column("id", ID, nullable=False),
        sa.Column("enterprise_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("since", MOMENT, nullable=False),
        sa.Column("ended_at", MOMENT, nullable=True),
        _fk("enterprise_positions", "enterprise_id", "enterprises"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_positions")),
    )
    op.create_index(
        "ix_enterprise_positions_enterprise",
        "enterprise_positions",
        ["enterprise_id", "member_id"],
        unique=False,
    )
    op.create_index(
        "ix_enterprise_positions_member", "enterprise_positions", ["member_id"], unique=False
    )
    op.create_table(
        "enterprise_contracts",
        sa.Column("id", ID, nullable=False),
        sa.Column("enterprise_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("hourly_wage", sa.BigInteger(), nullable=False),
        sa.Column("starts_at", MOMENT, nullable=False),
        sa.Column("ends_at", MOMENT, nullable=True),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("created_by", ID, nullable=False),
        _fk("enterprise_contracts", "enterprise_id", "enterprises"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_contracts")),
    )
    op.create_index(
        "ix_enterprise_contracts_enterprise",
        "enterprise_contracts",
        ["enterprise_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_enterprise_contracts_member", "enterprise_contracts", ["member_id"], unique=False
    )
    op.create_table(
        "enterprise_hours",
        sa.Column("id", ID, nullable=False),
        sa.Column("contract_id", ID, nullable=False),
        sa.Column("enterprise_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("worked_at", MOMENT, nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("logged_at", MOMENT, nullable=False),
        sa.Column("decided_by", ID, nullable=True),
        sa.Column("decided_at", MOMENT, nullable=True),
        sa.Column("period_id", ID, nullable=True),
        _fk("enterprise_hours", "contract_id", "enterprise_contracts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_hours")),
    )
    op.create_index(
        "ix_enterprise_hours_enterprise",
        "enterprise_hours",
        ["enterprise_id", "status", "worked_at"],
        unique=False,
    )
    op.create_index(
        "ix_enterprise_hours_member", "enterprise_hours", ["member_id", "logged_at"], unique=False
    )
    op.create_table(
        "enterprise_periods",
        sa.Column("id", ID, nullable=False),
        sa.Column("enterprise_id", ID, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("starts_at", MOMENT, nullable=False),
        sa.Column("ends_at", MOMENT, nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("closed_at", MOMENT, nullable=True),
        sa.Column("closed_by", ID, nullable=True),
        sa.Column("revenue", sa.BigInteger(), nullable=True),
        sa.Column("wages", sa.BigInteger(), nullable=True),
        sa.Column("costs", sa.BigInteger(), nullable=True),
        sa.Column("loss_recovered", sa.BigInteger(), nullable=True),
        sa.Column("reserve_added", sa.BigInteger(), nullable=True),
        sa.Column("reserve_used", sa.BigInteger(), nullable=True),
        sa.Column("shared", sa.BigInteger(), nullable=True),
        sa.Column("reserve_after", sa.BigInteger(), nullable=True),
        sa.Column("loss_carried_after", sa.BigInteger(), nullable=True),
        _fk("enterprise_periods", "enterprise_id", "enterprises"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_periods")),
        sa.UniqueConstraint("enterprise_id", "seq", name="uq_enterprise_periods_seq"),
    )
    op.create_table(
        "enterprise_payouts",
        sa.Column("id", ID, nullable=False),
        sa.Column("period_id", ID, nullable=False),
        sa.Column("enterprise_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("contract_id", ID, nullable=True),
        sa.Column("basis", sa.String(length=64), nullable=False),
        sa.Column("transfer_id", ID, nullable=True),
        sa.Column("paid_at", MOMENT, nullable=False),
        _fk("enterprise_payouts", "period_id", "enterprise_periods"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_payouts")),
    )
    op.create_index(
        "ix_enterprise_payouts_period", "enterprise_payouts", ["period_id"], unique=False
    )
    op.create_index(
        "ix_enterprise_payouts_member", "enterprise_payouts", ["member_id", "paid_at"], unique=False
    )
    op.create_index(
        "ix_enterprise_payouts_enterprise",
        "enterprise_payouts",
        ["enterprise_id", "paid_at"],
        unique=False,
    )
    op.create_table(
        "enterprise_grants",
        sa.Column("id", ID, nullable=False),
        sa.Column("enterprise_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("shares", sa.BigInteger(), nullable=False),
        sa.Column("granted_at", MOMENT, nullable=False),
        sa.Column("granted_by", ID, nullable=False),
        sa.Column("vest_start", MOMENT, nullable=True),
        sa.Column("vest_end", MOMENT, nullable=True),
        _fk("enterprise_grants", "enterprise_id", "enterprises"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_grants")),
    )
    op.create_index(
        "ix_enterprise_grants_enterprise", "enterprise_grants", ["enterprise_id"], unique=False
    )
    op.create_table(
        "enterprise_ratings",
        sa.Column("period_id", ID, nullable=False),
        sa.Column("rater_id", ID, nullable=False),
        sa.Column("ratee_id", ID, nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("rated_at", MOMENT, nullable=False),
        _fk("enterprise_ratings", "period_id", "enterprise_periods"),
        sa.PrimaryKeyConstraint(
            "period_id", "rater_id", "ratee_id", name=op.f("pk_enterprise_ratings")
        ),
    )
    op.create_table(
        "enterprise_capital",
        sa.Column("id", ID, nullable=False),
        sa.Column("enterprise_id", ID, nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("labour_hours_replaced", sa.Integer(), nullable=False),
        sa.Column("acquired_at", MOMENT, nullable=False),
        _fk("enterprise_capital", "enterprise_id", "enterprises"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_capital")),
    )
    op.create_index(
        "ix_enterprise_capital_enterprise", "enterprise_capital", ["enterprise_id"], unique=False
    )


def downgrade() -> None:
    for table in (
        "enterprise_capital",
        "enterprise_ratings",
        "enterprise_grants",
        "enterprise_payouts",
        "enterprise_periods",
        "enterprise_hours",
        "enterprise_contracts",
        "enterprise_positions",
        "enterprises",
    ):
        op.drop_table(table)
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_enterprise")
        batch_op.drop_column("delivered_by")
        batch_op.drop_column("enterprise_id")
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.drop_column("enterprise_id")
