"""federation links: links, cross-payments (outbox and inbox), nonces, link clearings

Revision ID: 0014_links
Revises: 0014_export
Create Date: 2026-11-29 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_links"
down_revision = "0014_export"  # 0013_wallet on its own; after the export branch while merged
branch_labels = None
depends_on = None

_ID = sa.String(length=32)
_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "federation_links",
        sa.Column("id", _ID, nullable=False),
        sa.Column("collective_id", _ID, nullable=False),
        sa.Column("peer_slug", sa.String(length=64), nullable=False),
        sa.Column("peer_url", sa.String(length=300), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("rate", sa.String(length=60), nullable=False),
        sa.Column("limit_out", sa.BigInteger(), nullable=False),
        sa.Column("limit_in", sa.BigInteger(), nullable=False),
        sa.Column("account_id", _ID, nullable=False),
        sa.Column("peer_link_id", _ID, nullable=True),
        sa.Column("peer_rate", sa.String(length=60), nullable=True),
        sa.Column("peer_limit_out", sa.BigInteger(), nullable=True),
        sa.Column("peer_limit_in", sa.BigInteger(), nullable=True),
        sa.Column("peer_currency", sa.String(length=10), nullable=True),
        sa.Column("peer_decimals", sa.Integer(), nullable=True),
        sa.Column("peer_key_id", sa.String(length=64), nullable=True),
        sa.Column("peer_public_key", sa.String(length=200), nullable=True),
        sa.Column("suspended_by_us", sa.Boolean(), nullable=False),
        sa.Column("suspended_by_peer", sa.Boolean(), nullable=False),
        sa.Column("outbox", sa.String(length=16), nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("activated_at", _AT, nullable=True),
        sa.Column("closed_at", _AT, nullable=True),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["collectives.id"],
            name=op.f("fk_federation_links_collective_id_collectives"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_federation_links_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_links")),
        sa.UniqueConstraint(
            "collective_id", "peer_url", "peer_slug", name="uq_federation_links_peer"
        ),
    )
    op.create_table(
        "cross_payments",
        sa.Column("id", _ID, nullable=False),
        sa.Column("collective_id", _ID, nullable=False),
        sa.Column("link_id", _ID, nullable=False),
        sa.Column("side", sa.String(length=12), nullable=False),
        sa.Column("payment_ref", _ID, nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("peer_done", sa.Boolean(), nullable=False),
        sa.Column("payer", sa.String(length=64), nullable=False),
        sa.Column("payee", sa.String(length=64), nullable=False),
        sa.Column("amount_ours", sa.BigInteger(), nullable=False),
        sa.Column("amount_theirs", sa.BigInteger(), nullable=False),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("transfer_id", _ID, nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("deadline", _AT, nullable=False),
        sa.Column("next_attempt_at", _AT, nullable=False),
        sa.Column("decided_at", _AT, nullable=True),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["collectives.id"],
            name=op.f("fk_cross_payments_collective_id_collectives"),
        ),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["federation_links.id"],
            name=op.f("fk_cross_payments_link_id_federation_links"),
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"], ["transfers.id"], name=op.f("fk_cross_payments_transfer_id_transfers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cross_payments")),
        sa.UniqueConstraint("collective_id", "side", "payment_ref", name="uq_cross_payments_ref"),
    )
    op.create_index("ix_cross_payments_link", "cross_payments", ["link_id", "state"])
    op.create_index(
        "ix_cross_payments_due", "cross_payments", ["state", "peer_done", "next_attempt_at"]
    )
    op.create_table(
        "federation_nonces",
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("seen_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("key_id", "nonce", name=op.f("pk_federation_nonces")),
    )
    op.create_index("ix_federation_nonces_seen", "federation_nonces", ["seen_at"])
    op.create_table(
        "link_clearings",
        sa.Column("link_id", _ID, nullable=False),
        sa.Column("period_key", sa.String(length=10), nullable=False),
        sa.Column("paid_out", sa.BigInteger(), nullable=False),
        sa.Column("paid_in", sa.BigInteger(), nullable=False),
        sa.Column("payments_out", sa.Integer(), nullable=False),
        sa.Column("payments_in", sa.Integer(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("cleared_at", _AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["federation_links.id"],
            name=op.f("fk_link_clearings_link_id_federation_links"),
        ),
        sa.PrimaryKeyConstraint("link_id", "period_key", name=op.f("pk_link_clearings")),
    )


def downgrade() -> None:
    op.drop_table("link_clearings")
    op.drop_index("ix_federation_nonces_seen", table_name="federation_nonces")
    op.drop_table("federation_nonces")
    op.drop_index("ix_cross_payments_due", table_name="cross_payments")
    op.drop_index("ix_cross_payments_link", table_name="cross_payments")
    op.drop_table("cross_payments")
    op.drop_table("federation_links")
