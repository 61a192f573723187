"""auth: login throttling per account and client, known clients, market visibility, jury seeds

- ``login_failures`` (one row per failure, never purged) gives way to ``login_throttle`` (one
  counter per (email or '*', client or '*')) and ``login_known_clients``.
- ``api_tokens.expires_at`` is indexed, so expired tokens are purged cheaply.
- ``collectives.market_visibility``: ``members`` for collectives admitting by approval,
  ``public`` for open ones (what each already was, apart from approval-only ones, which were
  leaking).
- ``disputes.seed`` becomes text (a 256-bit hex seed from a CSPRNG; older disputes keep their
  number as text) with ``jury_draw`` naming how the jury was drawn from it;
  ``dispute_jurors.vacated_at`` marks the seat of a juror who left before voting.

Revision ID: 0004_auth
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_auth"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_failures_email"))
    op.drop_table("login_failures")
    op.create_table(
        "login_throttle",
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("client", sa.String(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("email", "client", name=op.f("pk_login_throttle")),
    )
    with op.batch_alter_table("login_throttle", schema=None) as batch_op:
        batch_op.create_index(
            "ix_login_throttle_last_failure_at", ["last_failure_at"], unique=False
        )
    op.create_table(
        "login_known_clients",
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("client", sa.String(length=80), nullable=False),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("email", "client", name=op.f("pk_login_known_clients")),
    )
    with op.batch_alter_table("login_known_clients", schema=None) as batch_op:
        batch_op.create_index(
            "ix_login_known_clients_last_success_at", ["last_success_at"], unique=False
        )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index("ix_api_tokens_expires_at", ["expires_at"], unique=False)

    with op.batch_alter_table("collectives", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "market_visibility",
                sa.String(length=16),
                nullable=False,
                server_default="public",
            )
        )
    op.execute("UPDATE collectives SET market_visibility = 'members' WHERE admission = 'approval'")
    with op.batch_alter_table("collectives", schema=None) as batch_op:
        batch_op.alter_column("market_visibility", server_default=None)

    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.alter_column(
            "seed",
            existing_type=sa.BigInteger(),
            type_=sa.String(length=64),
            existing_nullable=False,
            postgresql_using="seed::text",
        )
        batch_op.add_column(
            sa.Column("jury_draw", sa.String(length=16), nullable=False, server_default="mt19937")
        )
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.alter_column("jury_draw", server_default=None)
    with op.batch_alter_table("dispute_jurors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vacated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dispute_jurors", schema=None) as batch_op:
        batch_op.drop_column("vacated_at")
    op.execute(
        "DELETE FROM dispute_jurors WHERE dispute_id IN "
        "(SELECT id FROM disputes WHERE jury_draw <> 'mt19937')"
    )
    op.execute("DELETE FROM disputes WHERE jury_draw <> 'mt19937'")
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.drop_column("jury_draw")
        batch_op.alter_column(
            "seed",
            existing_type=sa.String(length=64),
            type_=sa.BigInteger(),
            existing_nullable=False,
            postgresql_using="seed::bigint",
        )
    with op.batch_alter_table("collectives", schema=None) as batch_op:
        batch_op.drop_column("market_visibility")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_api_tokens_expires_at")
    with op.batch_alter_table("login_known_clients", schema=None) as batch_op:
        batch_op.drop_index("ix_login_known_clients_last_success_at")
    op.drop_table("login_known_clients")
    with op.batch_alter_table("login_throttle", schema=None) as batch_op:
        batch_op.drop_index("ix_login_throttle_last_failure_at")
    op.drop_table("login_throttle")
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_failures_email"), ["email"], unique=False)
