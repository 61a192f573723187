"""``cybermutual ledger verify`` of a big journal on PostgreSQL: time and peak memory.

Seeds a collective of ``--members`` members with ``--entries`` posted payments straight into the
tables (``COPY``, a valid hash chain, balances that follow from it), then runs ``ledger verify``
in a process of its own and reports its wall time and peak resident memory. The target of
issue 15 is 10,000,000 entries in under 60 s, in bounded memory (the journal and the transfers
are streamed). Run: ``python benchmarks/verify_scale.py --entries 1000000``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from rich.console import Console

from cybermutual.bootstrap import Argon2Passwords, build_services
from cybermutual.domain import journal
from cybermutual.domain.collective import Charter
from cybermutual.domain.ledger import AccountKind, Transfer, TransferKind, TransferStatus
from cybermutual.domain.money import Currency
from cybermutual.store.engine import make_engine
from cybermutual.store.migrate import upgrade
from cybermutual.tooling.postgres import EphemeralPostgres

RESULTS = Path(__file__).with_name("results") / "verify_scale.json"
PASSWORDS = Argon2Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
console = Console()
CHUNK = 50_000


def seed(url: str, *, members: int, entries: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    services = build_services(engine, passwords=PASSWORDS)
    founder = services.auth.register(email="f@bench.org", password="benchmark", display_name="f")
    collective = services.collectives.create(
        founder_id=founder.id,
        slug="big",
        name="Big",
        currency=Currency("BIG", "Big", 2),
        charter=Charter(default_credit_limit=10**12),
    )
    with engine.begin() as conn:  # members straight into the tables: registering is argon2
        raw = conn.connection.driver_connection
        assert raw is not None
        now = datetime.now(UTC)
        with raw.cursor().copy(
            "COPY people (id, email, display_name, password_hash, created_at) FROM STDIN"
        ) as copy:
            for i in range(1, members):
                copy.write_row((f"p{i:031d}", f"m{i}@bench.org", f"m{i}", "-", now))
        with raw.cursor().copy(
            "COPY memberships (collective_id, member_id, status, joined_at) FROM STDIN"
        ) as copy:
            for i in range(1, members):
                copy.write_row((collective.id, f"p{i:031d}", "active", now))
        with raw.cursor().copy(
            "COPY accounts (id, collective_id, kind, owner_id, balance, reserved, credit_limit, "
            "levy_carry, demurrage_carry) FROM STDIN"
        ) as copy:
            for i in range(1, members):
                copy.write_row(
                    (f"a{i:031d}", collective.id, "member", f"p{i:031d}", 0, 0, None, 0, 0)
                )
    accounts = [f"a{i:031d}" for i in range(1, members)]
    balance = dict.fromkeys(accounts, 0)
    head = journal.ChainHead(collective.id)
    began = datetime(2026, 1, 1, tzinfo=UTC)
    done = 0
    while done < entries:
        n = min(CHUNK, entries - done)
        transfers, drafts = [], []
        for k in range(done, done + n):
            debit, credit = (
                accounts[(k * 7919) % len(accounts)],
                accounts[(k * 31 + 1) % len(accounts)],
            )
            if debit == credit:
                credit = accounts[(accounts.index(credit) + 1) % len(accounts)]
            at = began + timedelta(microseconds=k)
            t = Transfer(
                f"t{k:031d}",
                collective.id,
                debit,
                credit,
                100 + k % 900,
                TransferKind.PAYMENT,
                TransferStatus.POSTED,
                "",
                at,
            )
            balance[debit] -= t.amount
            balance[credit] += t.amount
            transfers.append(t)
            drafts.append(journal.draft(t, at=at))
        sealed, head = journal.seal(head, drafts)
        with engine.begin() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            with raw.cursor().copy(
                "COPY transfers (id, collective_id, debit_account_id, credit_account_id, amount, "
                "kind, status, memo, created_at) FROM STDIN"
            ) as copy:
                for t in transfers:
                    copy.write_row(
                        (
                            t.id,
                            t.collective_id,
                            t.debit_account_id,
                            t.credit_account_id,
                            t.amount,
                            t.kind.value,
                            t.status.value,
                            "",
                            t.created_at,
                        )
                    )
            with raw.cursor().copy(
                "COPY journal_entries (collective_id, position, part, seq, transfer_id, event, "
                "debit_account_id, credit_account_id, amount, kind, at_us, was_reserved, "
                "prev_hash, hash) FROM STDIN"
            ) as copy:
                for e in sealed:
                    copy.write_row(
                        (
                            e.collective_id,
                            e.seq,
                            0,
                            e.seq,
                            e.transfer_id,
                            e.event.value,
                            e.debit_account_id,
                            e.credit_account_id,
                            e.amount,
                            e.kind,
                            e.at_us,
                            False,
                            e.prev_hash,
                            e.hash,
                        )
                    )
        done += n
        console.print(f"seeded {done:,} entries")
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        cur = raw.cursor()
        cur.executemany(
            "UPDATE accounts SET balance = %s WHERE id = %s",
            [(b, a) for a, b in balance.items() if b],
        )
        cur.execute(
            "UPDATE ledger_heads SET seq = %s, hash = %s WHERE collective_id = %s",
            (head.seq, head.hash, collective.id),
        )
        cur.execute("SELECT setval('journal_positions', %s)", (head.seq + 1,))
        cur.execute("ANALYZE")
    assert AccountKind.MEMBER
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="20,000 entries (smoke run)")
    args = parser.parse_args()
    if args.quick:
        args.entries, args.members = 20_000, 1_000
    server = EphemeralPostgres.start(durable=False)
    try:
        url = server.create_database("big")
        began = time.perf_counter()
        seed(url, members=args.members, entries=args.entries)
        seeded = time.perf_counter() - began
        began = time.perf_counter()
        run = subprocess.run(
            [
                sys.executable,
                "-c",
                "from cybermutual.cli import app; app()",
                "ledger",
                "verify",
                "big",
                "--database-url",
                url,
            ],
            capture_output=True,
            text=True,
            env=os.environ.copy(),
        )
        elapsed = time.perf_counter() - began
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    finally:
        server.stop()
    figures = {
        "entries": args.entries,
        "members": args.members,
        "seed_seconds": round(seeded, 1),
        "verify_seconds": round(elapsed, 1),
        "verify_peak_rss_mb": round(peak_mb),
        "verified": run.returncode == 0,
        "load": os.getloadavg(),
    }
    console.print(run.stdout or run.stderr)
    console.print(figures)
    results = RESULTS.with_suffix(".quick.json") if args.quick else RESULTS
    results.parent.mkdir(exist_ok=True)
    results.write_text(json.dumps(figures, indent=2) + "\n")
    if not figures["verified"]:
        raise SystemExit("ledger verify did not pass")


if __name__ == "__main__":
    main()
