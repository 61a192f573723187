"""Tables made ready for a bulk load, and put back after it (PostgreSQL).

For ``cybermutual bench scale``: the directory's counting triggers (0014_scale) are switched
off and the collective's counters recounted once at the end; plain indexes and foreign keys of
the loaded tables are dropped and made again after the load (one sort per index, one join per
key, instead of work on every row). All of it runs in the load's transaction, so a failed load
leaves every trigger, index and key as it was.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, func, insert, select, text

from cybermutual.domain.ledger import TRADE_KINDS, TransferStatus
from cybermutual.store.tables import collective_counters, memberships, transfers

#: The counting triggers of 0014_scale (PostgreSQL), by table.
_COUNTING_TRIGGERS = {
    "transfers": ("cm_transfers_counted", "cm_transfers_recounted"),
    "memberships": ("cm_memberships_counted", "cm_memberships_recounted"),
}


def counting(conn: Connection, *, enabled: bool) -> None:
    """Switch the directory's counting triggers (only those) off for the load, or back on; in
    the load's transaction, so a failed load leaves them on."""
    verb = "ENABLE" if enabled else "DISABLE"
    for table, names in _COUNTING_TRIGGERS.items():
        for name in names:
            conn.execute(text(f"ALTER TABLE {table} {verb} TRIGGER {name}"))


#: Tables whose plain (not unique) indexes and foreign keys are dropped for a load and made
#: again after it: one sort per index and one join per key, instead of work on every row.
_REINDEXED = ("transfers", "journal_entries", "listings", "allocation_bids")


def drop_foreign_keys(conn: Connection) -> list[str]:
    """Drop the foreign keys of ``_REINDEXED`` for the load (each row would look up its
    parents); the statements that add them back, which check every row at once."""
    rows = conn.execute(
        text(
            "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid "
            "WHERE c.contype = 'f' AND t.relname = ANY(:tables) "
            "AND t.relnamespace = current_schema()::regnamespace"
        ),
        {"tables": list(_REINDEXED)},
    ).all()
    for table, name, _ in rows:
        conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    return [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {d}' for table, name, d in rows]


def drop_plain_indexes(conn: Connection) -> list[str]:
    """Drop the plain indexes of ``_REINDEXED`` (in the load's transaction: a failed load
    keeps them); the statements that build them again."""
    rows = conn.execute(
        text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "JOIN pg_class c ON c.relname = i.indexname "
            "JOIN pg_index x ON x.indexrelid = c.oid "
            "WHERE i.schemaname = current_schema() AND i.tablename = ANY(:tables) "
            "AND NOT x.indisunique"
        ),
        {"tables": list(_REINDEXED)},
    ).all()
    for name, _ in rows:
        conn.execute(text(f'DROP INDEX "{name}"'))
    return [definition for _, definition in rows]


def recount_counters(conn: Connection, collective_id: str) -> None:
    """Rebuild one collective's ``collective_counters`` from its rows, as 0014 backfills them
    (trade figures and members: a seeded collective moves no demurrage and writes off nothing)."""
    k = collective_counters
    conn.execute(delete(k).where(k.c.collective_id == collective_id))
    trade = [kind.value for kind in TRADE_KINDS]
    day = (
        func.floor(func.extract("epoch", transfers.c.settled_at) / 86400).cast(k.c.day.type)
        if conn.dialect.name == "postgresql"
        else func.cast(func.strftime("%s", transfers.c.settled_at), k.c.day.type) / 86400
    )
    posted = (
        select(
            day.label("day"),
            func.count().label("n"),
            func.sum(transfers.c.amount).label("volume"),
            func.max(transfers.c.settled_at).label("last"),
        )
        .where(
            transfers.c.collective_id == collective_id,
            transfers.c.status == TransferStatus.POSTED.value,
            transfers.c.kind.in_(trade),
        )
        .group_by(day)
    )
    rows = conn.execute(posted).all()
    active = conn.execute(
        select(func.count()).where(
            memberships.c.collective_id == collective_id, memberships.c.status == "active"
        )
    ).scalar_one()
    values = [
        {
            "collective_id": collective_id,
            "day": int(r.day),
            "shard": 0,
            "active_members": 0,
            "trade_count": int(r.n),
            "trade_volume": int(r.volume),
            "last_trade_at": r.last,
        }
        for r in rows
    ]
    total = {
        "collective_id": collective_id,
        "day": 0,
        "shard": 0,
        "active_members": int(active),
        "trade_count": sum(v["trade_count"] for v in values),
        "trade_volume": sum(v["trade_volume"] for v in values),
        "last_trade_at": max((v["last_trade_at"] for v in values), default=None),
    }
    conn.execute(insert(k), [total, *values])
