"""federation: each collective's Ed25519 signing keys (every existing collective gets one), and
the verified histories newcomers attach

Revision ID: 0014_export
Revises: 0013_wallet
Create Date: 2026-11-29 22:40:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from cybermutual.services.keys import SecretSealer, new_key

revision = "0014_export"
down_revision = "0014_chains"
branch_labels = None
depends_on = None


def upgrade() -> None:
    keys = op.create_table(
        "collective_keys",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("private_key", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["collectives.id"],
            name=op.f("fk_collective_keys_collective_id_collectives"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collective_keys")),
    )
    op.create_index(
        "ix_collective_keys_collective", "collective_keys", ["collective_id", "created_at"]
    )
    op.create_table(
        "verified_histories",
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=False),
        sa.Column("issuer_base_url", sa.String(length=200), nullable=False),
        sa.Column("issuer_slug", sa.String(length=64), nullable=False),
        sa.Column("issuer_name", sa.String(length=120), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["collectives.id"],
            name=op.f("fk_verified_histories_collective_id_collectives"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["people.id"], name=op.f("fk_verified_histories_member_id_people")
        ),
        sa.PrimaryKeyConstraint(
            "collective_id",
            "member_id",
            "issuer_base_url",
            "issuer_slug",
            name=op.f("pk_verified_histories"),
        ),
    )
    op.create_index("ix_verified_histories_member", "verified_histories", ["member_id"])
    # every collective made before keys existed gets its first key now (sealed under
    # CYBERMUTUAL_KEY_SECRET when that is set, as the running server would)
    conn = op.get_bind()
    sealer = SecretSealer.from_environment()
    now = datetime.now(UTC)  # noqa: TID251 (a migration runs once, at the edge)
    stored = now.replace(tzinfo=None) if conn.dialect.name == "sqlite" else now  # as UtcDateTime
    existing = [row[0] for row in conn.execute(sa.text("SELECT id FROM collectives ORDER BY id"))]
    rows = []
    for collective_id in existing:
        made = new_key(collective_id, sealer=sealer, now=now)
        rows.append(
            {
                "id": made.public.key_id,
                "collective_id": collective_id,
                "algorithm": made.public.algorithm,
                "public_key": made.public.public_key,
                "private_key": made.sealed_private_key,
                "created_at": stored,
                "retired_at": None,
            }
        )
    if rows:
        op.bulk_insert(keys, rows)


def downgrade() -> None:
    op.drop_index("ix_verified_histories_member", table_name="verified_histories")
    op.drop_table("verified_histories")
    op.drop_index("ix_collective_keys_collective", table_name="collective_keys")
    op.drop_table("collective_keys")
