"""the money supply: the charter's credit-limit rule, demurrage and dormant-debt settings; each
account's demurrage remainder; weekly money-rule runs; dormant debts

Revision ID: 0012_moneysink
Revises: 0011_fairness
Create Date: 2026-11-29 19:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_moneysink"
down_revision = "0011_fairness"
branch_labels = None
depends_on = None


def _charter() -> tuple[sa.Column[object], ...]:
    """The charter's new columns (a fresh tuple each time: a column belongs to one table)."""
    return (
        sa.Column(
            "credit_limit_rule", sa.String(length=10), nullable=False, server_default="fixed"
        ),
        sa.Column(
            "credit_limit_multiple", sa.String(length=20), nullable=False, server_default="1"
        ),
        sa.Column("credit_limit_weeks", sa.Integer(), nullable=False, server_default="13"),
        sa.Column("credit_limit_floor", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("credit_limit_cap", sa.BigInteger(), nullable=False, server_default=str(10**15)),
        sa.Column("demurrage_rate", sa.String(length=20), nullable=False, server_default="0"),
        sa.Column("demurrage_threshold", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("dormant_weeks", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("dormant_grace_weeks", sa.Integer(), nullable=False, server_default="4"),
    )


def upgrade() -> None:
    with op.batch_alter_table("collectives", schema=None) as batch_op:
        for column in _charter():
            batch_op.add_column(column)
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("demurrage_carry", sa.BigInteger(), nullable=False, server_default="0")
        )
    op.create_table(
        "money_rule_runs",
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("what", sa.String(length=16), nullable=False),
        sa.Column("period_key", sa.String(length=10), nullable=False),
        sa.Column("after_seq", sa.BigInteger(), nullable=True),
        sa.Column("rate", sa.String(length=20), nullable=True),
        sa.Column("threshold", sa.BigInteger(), nullable=True),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["collectives.id"],
            name=op.f("fk_money_rule_runs_collective_id_collectives"),
        ),
        sa.PrimaryKeyConstraint(
            "collective_id", "what", "period_key", name=op.f("pk_money_rule_runs")
        ),
    )
    op.create_table(
        "dormant_debts",
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("stage", sa.String(length=12), nullable=False),
        sa.Column("noticed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("written_off", sa.BigInteger(), nullable=False),
        sa.Column("written_off_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["collectives.id"],
            name=op.f("fk_dormant_debts_collective_id_collectives"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["people.id"], name=op.f("fk_dormant_debts_member_id_people")
        ),
        sa.PrimaryKeyConstraint("collective_id", "member_id", name=op.f("pk_dormant_debts")),
    )


def downgrade() -> None:
    op.drop_table("dormant_debts")
    op.drop_table("money_rule_runs")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("demurrage_carry")
    with op.batch_alter_table("collectives", schema=None) as batch_op:
        for column in reversed(_charter()):
            batch_op.drop_column(column.name)
