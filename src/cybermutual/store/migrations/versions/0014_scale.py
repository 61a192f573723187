"""scale: the directory's statistics as counters kept by the database itself

The public directory counted every posted transfer and active membership on each request, which
at a million members and ten million entries takes seconds. ``collective_counters`` holds those
figures, maintained by triggers on ``transfers`` and ``memberships`` in the same transaction as
the change, whatever code path makes it (a payment, an escrow settling, a bulk load); this
migration fills it from the rows already there.

- ``day`` 0 is the all-time row; any other ``day`` (UTC days since 1970-01-01) holds that day's
  postings, so ``volume_30d`` sums about thirty rows.
- On PostgreSQL a connection adds to the row of its own ``shard`` (backend pid modulo 16), so
  payments in parallel do not wait on one row; readers sum the shards. Every trigger locks the
  all-time row before a day row, so two transactions cannot deadlock on counters.
- The trade kinds (``payment``, ``escrow``) are ``TRADE_KINDS`` of domain/ledger.py; a test
  fails if that set changes without these triggers.

Revision ID: 0014_scale
Revises: 0013_wallet
Create Date: 2026-11-29 22:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_scale"
down_revision = "0014_sequencer"
branch_labels = None
depends_on = None

SHARDS = 16
TRADE = "('payment', 'escrow')"
COUNTED = "('payment', 'escrow', 'demurrage', 'write_off')"

_PG_FUNCTIONS = f"""
CREATE FUNCTION cm_counters_add(
    c varchar, at timestamptz, members bigint, trades bigint, volume bigint,
    demurrage_moved bigint, written bigint
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    s integer := pg_backend_pid() % {SHARDS};
    trade_at timestamptz := CASE WHEN trades > 0 THEN at END;
BEGIN
    INSERT INTO collective_counters AS k (collective_id, day, shard, active_members,
        trade_count, trade_volume, demurrage, written_off, last_trade_at)
    VALUES (c, 0, s, members, trades, volume, demurrage_moved, written, trade_at)
    ON CONFLICT (collective_id, day, shard) DO UPDATE SET
        active_members = k.active_members + EXCLUDED.active_members,
        trade_count = k.trade_count + EXCLUDED.trade_count,
        trade_volume = k.trade_volume + EXCLUDED.trade_volume,
        demurrage = k.demurrage + EXCLUDED.demurrage,
        written_off = k.written_off + EXCLUDED.written_off,
        last_trade_at = GREATEST(k.last_trade_at, EXCLUDED.last_trade_at);
    IF at IS NOT NULL THEN
        INSERT INTO collective_counters AS k (collective_id, day, shard, active_members,
            trade_count, trade_volume, demurrage, written_off, last_trade_at)
        VALUES (c, floor(extract(epoch FROM at) / 86400)::integer, s, 0, trades, volume,
            demurrage_moved, written, trade_at)
        ON CONFLICT (collective_id, day, shard) DO UPDATE SET
            trade_count = k.trade_count + EXCLUDED.trade_count,
            trade_volume = k.trade_volume + EXCLUDED.trade_volume,
            demurrage = k.demurrage + EXCLUDED.demurrage,
            written_off = k.written_off + EXCLUDED.written_off,
            last_trade_at = GREATEST(k.last_trade_at, EXCLUDED.last_trade_at);
    END IF;
END $$;

CREATE FUNCTION cm_count_transfer() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sign integer;
    r transfers;
BEGIN
    FOREACH sign IN ARRAY ARRAY[-1, 1] LOOP
        IF sign < 0 THEN
            CONTINUE WHEN TG_OP = 'INSERT';
            r := OLD;
        ELSE
            CONTINUE WHEN TG_OP = 'DELETE';
            r := NEW;
        END IF;
        CONTINUE WHEN r.status <> 'posted' OR r.kind NOT IN {COUNTED};
        PERFORM cm_counters_add(
            r.collective_id, COALESCE(r.settled_at, r.created_at), 0,
            CASE WHEN r.kind IN {TRADE} THEN sign ELSE 0 END,
            CASE WHEN r.kind IN {TRADE} THEN sign * r.amount ELSE 0 END,
            CASE WHEN r.kind = 'demurrage' THEN sign * r.amount ELSE 0 END,
            CASE WHEN r.kind = 'write_off' THEN sign * r.amount ELSE 0 END);
    END LOOP;
    RETURN NULL;
END $$;

CREATE FUNCTION cm_count_membership() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    delta integer := 0;
    c varchar;
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.status = 'active' THEN
        delta := delta - 1;
        c := OLD.collective_id;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.status = 'active' THEN
        delta := delta + 1;
        c := NEW.collective_id;
    END IF;
    IF delta <> 0 THEN
        PERFORM cm_counters_add(c, NULL, delta, 0, 0, 0, 0);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER cm_transfers_counted AFTER INSERT OR DELETE ON transfers
    FOR EACH ROW EXECUTE FUNCTION cm_count_transfer();
CREATE TRIGGER cm_transfers_recounted AFTER UPDATE ON transfers
    FOR EACH ROW WHEN (
        OLD.status IS DISTINCT FROM NEW.status OR OLD.amount IS DISTINCT FROM NEW.amount
        OR OLD.kind IS DISTINCT FROM NEW.kind
        OR OLD.settled_at IS DISTINCT FROM NEW.settled_at
        OR OLD.collective_id IS DISTINCT FROM NEW.collective_id)
    EXECUTE FUNCTION cm_count_transfer();
CREATE TRIGGER cm_memberships_counted AFTER INSERT OR DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION cm_count_membership();
CREATE TRIGGER cm_memberships_recounted AFTER UPDATE ON memberships
    FOR EACH ROW WHEN (
        OLD.status IS DISTINCT FROM NEW.status
        OR OLD.collective_id IS DISTINCT FROM NEW.collective_id)
    EXECUTE FUNCTION cm_count_membership();
"""

_PG_DROP = """
DROP TRIGGER IF EXISTS cm_memberships_recounted ON memberships;
DROP TRIGGER IF EXISTS cm_memberships_counted ON memberships;
DROP TRIGGER IF EXISTS cm_transfers_recounted ON transfers;
DROP TRIGGER IF EXISTS cm_transfers_counted ON transfers;
DROP FUNCTION IF EXISTS cm_count_membership();
DROP FUNCTION IF EXISTS cm_count_transfer();
DROP FUNCTION IF EXISTS cm_counters_add(varchar, timestamptz, bigint, bigint, bigint, bigint,
    bigint);
"""


def _sqlite_day(row: str) -> str:
    return f"CAST(strftime('%s', COALESCE({row}.settled_at, {row}.created_at)) AS INTEGER) / 86400"


def _sqlite_transfer_add(row: str, sign: int) -> str:
    """Statements adding (sign 1) or taking away (-1) transfer ``row`` on its two rows."""
    counted = f"{row}.status = 'posted' AND {row}.kind IN {COUNTED}"
    trade = f"({row}.kind IN {TRADE})"
    at = f"COALESCE({row}.settled_at, {row}.created_at)"
    statements = []
    for day in ("0", _sqlite_day(row)):
        key = f"collective_id = {row}.collective_id AND day = {day} AND shard = 0"
        statements.append(
            "INSERT OR IGNORE INTO collective_counters (collective_id, day, shard) "
            f"SELECT {row}.collective_id, {day}, 0 WHERE {counted};"
        )
        statements.append(
            "UPDATE collective_counters SET "
            f"trade_count = trade_count + {sign} * {trade}, "
            f"trade_volume = trade_volume + {sign} * {trade} * {row}.amount, "
            f"demurrage = demurrage + {sign} * ({row}.kind = 'demurrage') * {row}.amount, "
            f"written_off = written_off + {sign} * ({row}.kind = 'write_off') * {row}.amount, "
            f"last_trade_at = CASE WHEN {sign} > 0 AND {trade} "
            f"AND (last_trade_at IS NULL OR last_trade_at < {at}) THEN {at} "
            "ELSE last_trade_at END "
            f"WHERE {key} AND {counted};"
        )
    return "\n".join(statements)


def _sqlite_membership_add(row: str, sign: int) -> str:
    active = f"{row}.status = 'active'"
    key = f"collective_id = {row}.collective_id AND day = 0 AND shard = 0"
    return (
        "INSERT OR IGNORE INTO collective_counters (collective_id, day, shard) "
        f"SELECT {row}.collective_id, 0, 0 WHERE {active};\n"
        f"UPDATE collective_counters SET active_members = active_members + {sign} "
        f"WHERE {key} AND {active};"
    )


def _sqlite_triggers() -> list[str]:
    changed = "status, amount, kind, settled_at, collective_id"
    return [
        "CREATE TRIGGER cm_transfers_counted AFTER INSERT ON transfers BEGIN\n"
        f"{_sqlite_transfer_add('NEW', 1)}\nEND",
        "CREATE TRIGGER cm_transfers_uncounted AFTER DELETE ON transfers BEGIN\n"
        f"{_sqlite_transfer_add('OLD', -1)}\nEND",
        f"CREATE TRIGGER cm_transfers_recounted AFTER UPDATE OF {changed} ON transfers BEGIN\n"
        f"{_sqlite_transfer_add('OLD', -1)}\n{_sqlite_transfer_add('NEW', 1)}\nEND",
        "CREATE TRIGGER cm_memberships_counted AFTER INSERT ON memberships BEGIN\n"
        f"{_sqlite_membership_add('NEW', 1)}\nEND",
        "CREATE TRIGGER cm_memberships_uncounted AFTER DELETE ON memberships BEGIN\n"
        f"{_sqlite_membership_add('OLD', -1)}\nEND",
        "CREATE TRIGGER cm_memberships_recounted AFTER UPDATE OF status, collective_id "
        "ON memberships BEGIN\n"
        f"{_sqlite_membership_add('OLD', -1)}\n{_sqlite_membership_add('NEW', 1)}\nEND",
    ]


_SQLITE_TRIGGER_NAMES = (
    "cm_transfers_counted",
    "cm_transfers_uncounted",
    "cm_transfers_recounted",
    "cm_memberships_counted",
    "cm_memberships_uncounted",
    "cm_memberships_recounted",
)


def backfill_sql(dialect: str) -> list[str]:
    """Statements that fill ``collective_counters`` from the rows already there."""
    if dialect == "postgresql":
        day = "floor(extract(epoch FROM COALESCE(settled_at, created_at)) / 86400)::integer"
    else:
        day = "CAST(strftime('%s', COALESCE(settled_at, created_at)) AS INTEGER) / 86400"
    sums = f"""
        SUM(CASE WHEN kind IN {TRADE} THEN 1 ELSE 0 END),
        SUM(CASE WHEN kind IN {TRADE} THEN amount ELSE 0 END),
        SUM(CASE WHEN kind = 'demurrage' THEN amount ELSE 0 END),
        SUM(CASE WHEN kind = 'write_off' THEN amount ELSE 0 END),
        MAX(CASE WHEN kind IN {TRADE} THEN COALESCE(settled_at, created_at) END)
    """
    columns = (
        "collective_id, day, shard, active_members, trade_count, trade_volume, demurrage, "
        "written_off, last_trade_at"
    )
    return [
        f"""INSERT INTO collective_counters ({columns})
        SELECT collective_id, {day}, 0, 0, {sums}
        FROM transfers WHERE status = 'posted' AND kind IN {COUNTED}
        GROUP BY collective_id, {day}""",
        f"""INSERT INTO collective_counters ({columns})
        SELECT collective_id, 0, 0, 0, {sums}
        FROM transfers WHERE status = 'posted' AND kind IN {COUNTED}
        GROUP BY collective_id""",
        """INSERT INTO collective_counters (collective_id, day, shard)
        SELECT id, 0, 0 FROM collectives c WHERE NOT EXISTS (
            SELECT 1 FROM collective_counters k WHERE k.collective_id = c.id AND k.day = 0)""",
        """UPDATE collective_counters SET active_members = (
            SELECT COUNT(*) FROM memberships m
            WHERE m.collective_id = collective_counters.collective_id AND m.status = 'active')
        WHERE day = 0 AND shard = 0""",
    ]


def upgrade() -> None:
    op.create_table(
        "collective_counters",
        sa.Column("collective_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("shard", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("active_members", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("trade_count", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("trade_volume", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("demurrage", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("written_off", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("last_trade_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["collective_id"],
            ["collectives.id"],
            name=op.f("fk_collective_counters_collective_id_collectives"),
        ),
        sa.PrimaryKeyConstraint(
            "collective_id", "day", "shard", name=op.f("pk_collective_counters")
        ),
    )
    dialect = op.get_bind().dialect.name
    for statement in backfill_sql(dialect):
        op.execute(statement)
    if dialect == "postgresql":
        op.execute(_PG_FUNCTIONS)
    else:
        for trigger in _sqlite_triggers():
            op.execute(trigger)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_DROP)
    else:
        for name in _SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("collective_counters")
