"""sequencer: journal entries take a position when written and are chained (sealed) after

- ``journal_entries.position`` and ``.part``: where a transaction's entries stand (a database
  sequence on PostgreSQL, ``journal_positions``); they are the primary key with the collective.
  Entries already chained keep their place: ``position = seq``, ``part = 0`` (the sequence starts
  above every existing ``seq``).
- ``seq``, ``prev_hash`` and ``hash`` are empty until the entry is sealed; ``seq`` stays unique
  per collective (``uq_journal_entries_seq``), and ``ix_journal_entries_unsealed`` is partial:
  the unsealed tail only.
- ``ledger_heads.sealed_at_us``: when a sealer last ran on the journal.

Revision ID: 0014_sequencer
Revises: 0013_wallet
Create Date: 2026-11-29 22:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_sequencer"
down_revision = "0014_entgov"
branch_labels = None
depends_on = None

_COLUMNS = (
    "collective_id, position, part, seq, transfer_id, event, debit_account_id, "
    "credit_account_id, amount, kind, at_us, was_reserved, prev_hash, hash"
)
_OLD_COLUMNS = (
    "collective_id, seq, 0, seq, transfer_id, event, debit_account_id, "
    "credit_account_id, amount, kind, at_us, was_reserved, prev_hash, hash"
)


def _new_table(name: str) -> None:
    op.create_table(
        name,
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("part", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("transfer_id", sa.String(length=32), nullable=False),
        sa.Column("event", sa.String(length=10), nullable=False),
        sa.Column("debit_account_id", sa.String(length=32), nullable=False),
        sa.Column("credit_account_id", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("at_us", sa.BigInteger(), nullable=False),
        sa.Column("was_reserved", sa.Boolean(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["collectives.id"],
            name="fk_journal_entries_collective_id_collectives",
        ),
        sa.PrimaryKeyConstraint("collective_id", "position", "part", name="pk_journal_entries"),
        sa.UniqueConstraint("collective_id", "seq", name="uq_journal_entries_seq"),
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # in place: a journal of millions of entries is not copied
        op.add_column("journal_entries", sa.Column("position", sa.BigInteger(), nullable=True))
        op.add_column("journal_entries", sa.Column("part", sa.Integer(), nullable=True))
        op.execute("UPDATE journal_entries SET position = seq, part = 0")
        op.alter_column("journal_entries", "position", nullable=False)
        op.alter_column("journal_entries", "part", nullable=False)
        op.drop_constraint("pk_journal_entries", "journal_entries", type_="primary")
        op.create_primary_key(
            "pk_journal_entries", "journal_entries", ["collective_id", "position", "part"]
        )
        op.create_unique_constraint(
            "uq_journal_entries_seq", "journal_entries", ["collective_id", "seq"]
        )
        for column in ("seq", "prev_hash", "hash"):
            op.alter_column("journal_entries", column, nullable=True)
        op.execute("CREATE SEQUENCE journal_positions")
        op.execute(
            "SELECT setval('journal_positions', "
            "(SELECT coalesce(max(seq), 0) + 1 FROM journal_entries), false)"
        )
    else:  # SQLite changes a primary key by copying the table
        _new_table("journal_entries_0014")
        op.execute(
            f"INSERT INTO journal_entries_0014 ({_COLUMNS}) "
            f"SELECT {_OLD_COLUMNS} FROM journal_entries"
        )
        op.drop_table("journal_entries")
        op.rename_table("journal_entries_0014", "journal_entries")
    op.create_index(
        "ix_journal_entries_unsealed",
        "journal_entries",
        ["collective_id", "position", "part"],
        unique=False,
        sqlite_where=sa.text("seq IS NULL"),
        postgresql_where=sa.text("seq IS NULL"),
    )
    op.add_column("ledger_heads", sa.Column("sealed_at_us", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    # only a sealed journal goes back: the old schema has no place for an unsealed entry
    op.drop_column("ledger_heads", "sealed_at_us")
    op.drop_index("ix_journal_entries_unsealed", table_name="journal_entries")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE journal_positions")
        op.drop_constraint("uq_journal_entries_seq", "journal_entries", type_="unique")
        op.drop_constraint("pk_journal_entries", "journal_entries", type_="primary")
        for column in ("seq", "prev_hash", "hash"):
            op.alter_column("journal_entries", column, nullable=False)
        op.create_primary_key("pk_journal_entries", "journal_entries", ["collective_id", "seq"])
        op.drop_column("journal_entries", "part")
        op.drop_column("journal_entries", "position")
        return
    op.create_table(
        "journal_entries_0013",
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("transfer_id", sa.String(length=32), nullable=False),
        sa.Column("event", sa.String(length=10), nullable=False),
        sa.Column("debit_account_id", sa.String(length=32), nullable=False),
        sa.Column("credit_account_id", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("at_us", sa.BigInteger(), nullable=False),
        sa.Column("was_reserved", sa.Boolean(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["collectives.id"],
            name="fk_journal_entries_collective_id_collectives",
        ),
        sa.PrimaryKeyConstraint("collective_id", "seq", name="pk_journal_entries"),
    )
    columns = (
        "collective_id, seq, transfer_id, event, debit_account_id, credit_account_id, "
        "amount, kind, at_us, was_reserved, prev_hash, hash"
    )
    op.execute(
        f"INSERT INTO journal_entries_0013 ({columns}) SELECT {columns} FROM journal_entries"
    )
    op.drop_table("journal_entries")
    op.rename_table("journal_entries_0013", "journal_entries")
