"""Bulk seeding of one large collective, for ``cybermutual bench scale``.

A collective the size of a small country (a million members, ten million journal entries)
cannot be made through the services one request at a time, so this writes the rows those
requests would have written, in bulk: ``COPY`` on PostgreSQL (psycopg 3), ``executemany`` on
SQLite. What it makes is an ordinary database that the application reads without any special
case: the collective itself, its founder and system accounts are made by the services; members,
accounts, posted payments and their journal entries (chained with the same hash as
``domain/journal.py``, in order), the head, the directory's counters, listings with their
search index, assets and an allocation round whose bidding has closed are written here.

Payments are drawn twice from the same seeded generators, a chunk at a time: the first pass
only adds up the balances (accounts are written before the transfers that refer to them), the
second writes the transfers and entries, so memory stays bounded whatever the sizes.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, insert, select, text, update

from cybermutual.domain.journal import ChainHead, canonical_json, record
from cybermutual.domain.ledger import Transfer, TransferKind, TransferStatus
from cybermutual.domain.market.listings import search_terms
from cybermutual.store.bulk import write_copy_text, write_rows
from cybermutual.store.bulk_load import (
    counting,
    drop_foreign_keys,
    drop_plain_indexes,
    recount_counters,
)
from cybermutual.store.tables import (
    allocation_rounds,
    ledger_heads,
)

#: Rows generated and written at a time.
CHUNK = 50_000

#: The words listings are made of: a search for any of them matches about 1/len of them.
_GOODS_TEXT = (
    "bread cheese apples honey coffee tea soap candles bicycle ladder drill saw hammer tent "
    "kayak guitar piano violin camera laptop printer sofa table chair lamp rug blanket jacket "
    "boots scarf gloves seeds compost firewood eggs milk butter jam pickles cider wine beer "
    "pottery baskets quilts toys books maps bread wool yarn flour rice beans lentils"
)
_GOODS = tuple(_GOODS_TEXT.split())
_SERVICES_TEXT = (
    "repair tutoring childcare plumbing wiring painting gardening cooking cleaning sewing "
    "translation accounting massage haircut delivery moving carpentry welding coding design "
    "photography singing dancing yoga nursing eldercare bookkeeping roofing tiling masonry"
)
_SERVICES = tuple(_SERVICES_TEXT.split())
_QUALITIES_TEXT = (
    "fresh organic local handmade used vintage sturdy light small large quick careful weekly "
    "evening weekend friendly patient expert beginner solar electric wooden"
)
_QUALITIES = tuple(_QUALITIES_TEXT.split())
_CATEGORIES = ("goods", "services", "food", "repairs", "other")

# canonical_json of a posted payment's journal body, keys sorted (checked against record())
_BODY = (
    '{"amount":%d,"at_us":%d,"collective":"%s","credit":"%s","debit":"%s","event":"posted",'
    '"kind":"payment","seq":%d,"transfer":"%s","was_reserved":false}'
)

Progress = Callable[[str, int, int], None]  # (task, done, total)


@dataclass(frozen=True, slots=True)
class ScalePlan:
    """What to make. ``listings`` and ``assets`` default from ``members``."""

    members: int
    entries: int
    listings: int
    assets: int
    bids_per_member: int = 2
    seed: int = 7
    days: int = 60  # the entries spread evenly over the last ``days`` days
    credit_limit: int = 1_000_000
    tag: str = "scale"  # in the members' emails, so several seeded collectives can share a database

    @classmethod
    def of(cls, members: int, entries: int, **given: Any) -> ScalePlan:
        values: dict[str, Any] = {
            "listings": members,
            "assets": max(1, min(10_000, members // 100)),
            **{k: v for k, v in given.items() if v is not None},
        }
        return cls(members=members, entries=entries, **values)


@dataclass(frozen=True, slots=True)
class Seeded:
    """What the bench needs to find again: ids, and a few members to log in as."""

    collective_id: str
    round_id: str
    member_ids: tuple[str, ...]  # a sample of members (their emails: ``member_email``)
    head: ChainHead
    seconds: float


def member_email(index: int, tag: str = "scale") -> str:
    """The login of seeded member ``index`` of the collective seeded with ``tag``."""
    return f"member{index}@{tag}.scale.invalid"


class _Writer:
    """Rows into one table of the load's transaction (:func:`store.bulk.write_rows`)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._postgres = conn.dialect.name == "postgresql"

    def write(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        if rows:
            write_rows(self._conn, table, columns, rows)

    def write_text(self, table: str, columns: Sequence[str], lines: list[str]) -> None:
        """Rows already in COPY's text format, one line each (split for SQLite, where every
        value is then stored as text or, for digits, as an integer: SQLite's own affinity)."""
        if not lines:
            return
        if self._postgres:
            write_copy_text(self._conn, table, columns, "".join(lines))
            return
        write_rows(
            self._conn,
            table,
            columns,
            [[None if v == "\\N" else v for v in line[:-1].split("\t")] for line in lines],
        )


def _ids(prefix: str, start: int, count: int) -> list[str]:
    return [f"{prefix}{i:019x}" for i in range(start, start + count)]


def _chunks(total: int) -> Iterator[tuple[int, int]]:
    for start in range(0, total, CHUNK):
        yield start, min(CHUNK, total - start)


def _payments(plan: ScalePlan, chunk_no: int, count: int) -> tuple[Any, Any, Any]:
    """Payer, payee and amount of one chunk of payments; the same every time it is drawn."""
    rng = np.random.default_rng([plan.seed, 1, chunk_no])
    payer = rng.integers(0, plan.members, count)
    payee = (payer + rng.integers(1, plan.members, count)) % plan.members
    amount = rng.integers(1, 10_000, count)
    return payer, payee, amount


def seed_scale(
    engine: Engine,
    plan: ScalePlan,
    *,
    collective_id: str,
    founder_id: str,
    password_hash: str,
    progress: Progress,
    now: datetime,
) -> Seeded:
    """Add ``plan``'s members, payments, listings, assets and a round to a collective the
    services have just made (with its founder as its only member and an empty journal)."""
    if plan.members < 2:
        raise ValueError("a scale run needs at least two members")
    started = time.perf_counter()
    stamp = f"{int(now.timestamp() * 1000):012x}"
    people_ids = _ids(stamp + "a", 0, plan.members)
    account_ids = _ids(stamp + "b", 0, plan.members)
    with engine.begin() as conn:
        postgres = conn.dialect.name == "postgresql"
        writer = _Writer(conn)
        head = ChainHead(collective_id)
        found = conn.execute(
            select(ledger_heads.c.seq).where(ledger_heads.c.collective_id == collective_id)
        ).scalar_one()
        if found != 0:
            raise ValueError("scale seeding needs a collective with an empty journal")
        rebuilt: list[str] = []
        if postgres:  # the counters are recounted once at the end instead of row by row
            counting(conn, enabled=False)
            rebuilt = drop_plain_indexes(conn) + drop_foreign_keys(conn)
        _members(writer, plan, collective_id, people_ids, password_hash, now, progress)
        balances = _balances(plan, progress)
        _accounts(writer, plan, collective_id, people_ids, account_ids, balances, progress)
        head = _journal(writer, plan, collective_id, people_ids, account_ids, now, progress)
        conn.execute(
            update(ledger_heads)
            .where(ledger_heads.c.collective_id == collective_id)
            .values(seq=head.seq, hash=head.hash)
        )
        if postgres:  # entries written after the load take positions after the seeded ones
            conn.execute(
                text(
                    "SELECT setval('journal_positions', GREATEST("
                    "(SELECT last_value FROM journal_positions), :last))"
                ),
                {"last": head.seq + 1},
            )
        _listings(writer, plan, collective_id, people_ids, now, progress)
        asset_ids = _assets(writer, plan, collective_id, now, progress)
        round_id = _round(writer, conn, plan, collective_id, founder_id, people_ids, asset_ids, now)
        _bids(writer, plan, round_id, people_ids, asset_ids, now, progress)
        if postgres:
            for definition in rebuilt:
                progress("indexes", rebuilt.index(definition), len(rebuilt))
                conn.execute(text(definition))
            progress("indexes", len(rebuilt), len(rebuilt))
            counting(conn, enabled=True)
            recount_counters(conn, collective_id)
    if postgres:
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    sample = tuple(people_ids[: min(64, plan.members)])
    return Seeded(collective_id, round_id, sample, head, time.perf_counter() - started)


def _members(
    writer: _Writer,
    plan: ScalePlan,
    collective_id: str,
    people_ids: list[str],
    password_hash: str,
    now: datetime,
    progress: Progress,
) -> None:
    for start, count in _chunks(plan.members):
        ids = people_ids[start : start + count]
        writer.write(
            "people",
            ("id", "email", "display_name", "password_hash", "created_at"),
            [
                (pid, member_email(start + i, plan.tag), f"Member {start + i}", password_hash, now)
                for i, pid in enumerate(ids)
            ],
        )
        writer.write(
            "memberships",
            ("collective_id", "member_id", "status", "joined_at"),
            [(collective_id, pid, "active", now) for pid in ids],
        )
        progress("members", start + count, plan.members)


def _balances(plan: ScalePlan, progress: Progress) -> Any:
    balance = np.zeros(plan.members, dtype=np.int64)
    for chunk_no, (start, count) in enumerate(_chunks(plan.entries)):
        payer, payee, amount = _payments(plan, chunk_no, count)
        balance -= np.bincount(payer, amount, minlength=plan.members).astype(np.int64)
        balance += np.bincount(payee, amount, minlength=plan.members).astype(np.int64)
        progress("balances", start + count, plan.entries)
    lowest = int(balance.min(initial=0))
    if lowest < -plan.credit_limit:
        raise ValueError(f"a member would end at {lowest}, below the credit limit; add members")
    return balance


def _accounts(
    writer: _Writer,
    plan: ScalePlan,
    collective_id: str,
    people_ids: list[str],
    account_ids: list[str],
    balances: Any,
    progress: Progress,
) -> None:
    columns: tuple[str, ...] = (
        "id",
        "collective_id",
        "kind",
        "owner_id",
        "balance",
        "reserved",
        "credit_limit",
    )
    columns += ("levy_carry", "demurrage_carry")
    for start, count in _chunks(plan.members):
        writer.write(
            "accounts",
            columns,
            [
                (
                    account_ids[i],
                    collective_id,
                    "member",
                    people_ids[i],
                    int(balances[i]),
                    0,
                    plan.credit_limit,
                    0,
                    0,
                )
                for i in range(start, start + count)
            ],
        )
        progress("accounts", start + count, plan.members)


def check_body_template(collective_id: str) -> None:
    """The fast body template is byte for byte ``canonical_json`` of ``record()``'s entry."""
    at = datetime(2026, 1, 1, tzinfo=UTC)
    transfer = Transfer(
        "t" * 32,
        collective_id,
        "d" * 32,
        "c" * 32,
        5,
        TransferKind.PAYMENT,
        TransferStatus.POSTED,
        "",
        at,
        settled_at=at,
    )
    entry, _ = record(ChainHead(collective_id), transfer, at=at)
    fast = _BODY % (5, entry.at_us, collective_id, "c" * 32, "d" * 32, 1, "t" * 32)
    if fast.encode() != canonical_json(entry.body()):
        raise AssertionError("the journal body template no longer matches canonical_json")


def _journal(
    writer: _Writer,
    plan: ScalePlan,
    collective_id: str,
    people_ids: list[str],
    account_ids: list[str],
    now: datetime,
    progress: Progress,
) -> ChainHead:
    check_body_template(collective_id)
    stamp = f"{int(now.timestamp() * 1000):012x}c"
    first_us = int((now - timedelta(days=plan.days)).timestamp() * 1_000_000)
    step_us = max(1, plan.days * 86_400_000_000 // max(1, plan.entries))
    sha256 = hashlib.sha256
    prev = ChainHead(collective_id).hash
    seq = 0
    transfer_columns: tuple[str, ...] = (
        "id",
        "collective_id",
        "debit_account_id",
        "credit_account_id",
        "amount",
    )
    transfer_columns += ("kind", "status", "memo", "created_at", "settled_at", "initiated_by")
    entry_columns: tuple[str, ...] = (
        "collective_id",
        "position",  # sealed as they are written: a seeded entry's position is its seq
        "part",
        "seq",
        "transfer_id",
        "event",
        "debit_account_id",
    )
    entry_columns += ("credit_account_id", "amount", "kind", "at_us", "was_reserved")
    entry_columns += ("prev_hash", "hash")
    postgres = writer._postgres
    for chunk_no, (start, count) in enumerate(_chunks(plan.entries)):
        payer, payee, amount = _payments(plan, chunk_no, count)
        moments = first_us + (np.arange(start, start + count, dtype=np.int64) + 1) * step_us
        # the moments as text once per chunk: timestamptz for COPY, UtcDateTime's for SQLite
        stamps = np.datetime_as_string(moments.astype("datetime64[us]"), unit="us").tolist()
        stamps = [f"{t}+00" for t in stamps] if postgres else [t.replace("T", " ") for t in stamps]
        lines_t: list[str] = []
        lines_e: list[str] = []
        for tid, p, q, a, at_us, at in zip(
            _ids(stamp, start, count),
            payer.tolist(),
            payee.tolist(),
            amount.tolist(),
            moments.tolist(),
            stamps,
            strict=True,
        ):
            seq += 1
            debit, credit = account_ids[p], account_ids[q]
            digest = sha256(
                (prev + _BODY % (a, at_us, collective_id, credit, debit, seq, tid)).encode()
            ).hexdigest()
            # ids, hashes and these words hold no tab, newline or backslash: no escaping
            lines_t.append(
                f"{tid}\t{collective_id}\t{debit}\t{credit}\t{a}\tpayment\tposted\t\t{at}\t{at}"
                f"\t{people_ids[p]}\n"
            )
            lines_e.append(
                f"{collective_id}\t{seq}\t0\t{seq}\t{tid}\tposted\t{debit}\t{credit}\t{a}\tpayment"
                f"\t{at_us}\t0\t{prev}\t{digest}\n"  # was_reserved: 0 reads as false on both
            )
            prev = digest
        writer.write_text("transfers", transfer_columns, lines_t)
        writer.write_text("journal_entries", entry_columns, lines_e)
        progress("journal", start + count, plan.entries)
    return ChainHead(collective_id, seq, prev)


def _listings(
    writer: _Writer,
    plan: ScalePlan,
    collective_id: str,
    people_ids: list[str],
    now: datetime,
    progress: Progress,
) -> None:
    postgres = writer._postgres
    columns: tuple[str, ...] = (
        "id",
        "collective_id",
        "owner_id",
        "kind",
        "status",
        "title",
        "description",
    )
    columns += ("category", "tags", "price", "created_at", "updated_at")
    stamp = f"{int(now.timestamp() * 1000):012x}d"
    words = _GOODS + _SERVICES
    for chunk_no, (start, count) in enumerate(_chunks(plan.listings)):
        rng = np.random.default_rng([plan.seed, 2, chunk_no])
        owner = rng.integers(0, plan.members, count).tolist()
        noun = rng.integers(0, len(words), count).tolist()
        quality = rng.integers(0, len(_QUALITIES), (count, 2)).tolist()
        price = rng.integers(100, 100_000, count).tolist()
        age = rng.integers(0, plan.days * 86_400, count).tolist()
        rows: list[tuple[object, ...]] = []
        terms: list[tuple[object, ...]] = []
        for i, lid in enumerate(_ids(stamp, start, count)):
            name = words[noun[i]]
            service = noun[i] >= len(_GOODS)
            title = f"{_QUALITIES[quality[i][0]]} {name}"
            description = f"{_QUALITIES[quality[i][1]]} {name}, ask for details"
            category = "services" if service else _CATEGORIES[noun[i] % 5]
            at = now - timedelta(seconds=age[i])
            found = search_terms(f"{title} {description}  {category}")
            row: tuple[object, ...] = (lid, collective_id, people_ids[owner[i]])
            row += ("offer", "open", title, description, category, "", price[i], at, at)
            if postgres:
                row += (" ".join(f"'{t}'" for t in found),)
            else:
                terms.extend((lid, t, collective_id) for t in found)
            rows.append(row)
        writer.write("listings", columns + (("search_vector",) if postgres else ()), rows)
        writer.write("listing_terms", ("listing_id", "term", "collective_id"), terms)
        progress("listings", start + count, plan.listings)


def _assets(
    writer: _Writer, plan: ScalePlan, collective_id: str, now: datetime, progress: Progress
) -> list[str]:
    ids = _ids(f"{int(now.timestamp() * 1000):012x}e", 0, plan.assets)
    rng = np.random.default_rng([plan.seed, 3])
    capacity = rng.integers(
        1, 2 * max(1, plan.members * plan.bids_per_member // plan.assets), plan.assets
    )
    columns: tuple[str, ...] = (
        "id",
        "collective_id",
        "name",
        "category",
        "capacity",
        "unit",
        "location",
    )
    columns += ("description", "output_categories", "status", "contributed_at", "updated_at")
    outputs = json.dumps(["goods"])
    writer.write(
        "assets",
        columns,
        [
            (
                aid,
                collective_id,
                f"Workshop {i}",
                "workshop",
                int(capacity[i]),
                "hour",
                "",
                "",
                outputs,
                "available",
                now,
                now,
            )
            for i, aid in enumerate(ids)
        ],
    )
    progress("assets", plan.assets, plan.assets)
    return ids


def _round(
    writer: _Writer,
    conn: Connection,
    plan: ScalePlan,
    collective_id: str,
    founder_id: str,
    people_ids: list[str],
    asset_ids: list[str],
    now: datetime,
) -> str:
    """An allocation round whose bidding closed a minute ago, for the coming week."""
    round_id = f"{int(now.timestamp() * 1000):012x}f{0:019x}"
    conn.execute(
        insert(allocation_rounds).values(
            id=round_id,
            collective_id=collective_id,
            period_start=now + timedelta(days=1),
            period_end=now + timedelta(days=8),
            bids_close_at=now - timedelta(minutes=1),
            token_budget=100,
            status="open",
            passes=0,
            opened_by=founder_id,
            opened_at=now - timedelta(days=1),
        )
    )
    return round_id


def _bids(
    writer: _Writer,
    plan: ScalePlan,
    round_id: str,
    people_ids: list[str],
    asset_ids: list[str],
    now: datetime,
    progress: Progress,
) -> None:
    per = min(plan.bids_per_member, len(asset_ids))
    stamp = f"{int(now.timestamp() * 1000):012x}9"
    columns: tuple[str, ...] = ("id", "round_id", "member_id", "asset_id", "max_units", "min_units")
    columns += ("output_category", "placed_at")
    n = 0
    for chunk_no, (start, count) in enumerate(_chunks(plan.members)):
        rng = np.random.default_rng([plan.seed, 4, chunk_no])
        first = rng.integers(0, len(asset_ids), count)
        wanted = rng.integers(1, 6, (count, per))
        rows: list[tuple[object, ...]] = []
        ids = _ids(stamp, n, count * per)
        for i in range(count):
            for j in range(per):  # ``per`` different assets, one after another
                asset = asset_ids[(int(first[i]) + j) % len(asset_ids)]
                rows.append(
                    (
                        ids[i * per + j],
                        round_id,
                        people_ids[start + i],
                        asset,
                        int(wanted[i, j]),
                        0,
                        "goods",
                        now,
                    )
                )
        n += count * per
        writer.write("allocation_bids", columns, rows)
        progress("bids", start + count, plan.members)
