"""Payments per second through the service layer, single and batched, on SQLite and PostgreSQL.

Beside them, on the same (durable: fsync on) PostgreSQL server with the same client count,
``pgbench -b tpcb-like``: a TPC-B transaction is a bank transfer, so it is what a
PostgreSQL-backed ledger can hope to reach. Run: ``python benchmarks/ledger_throughput.py``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import re
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from rich.console import Console
from rich.table import Table

from cybermutual.bootstrap import Argon2Passwords, build_services
from cybermutual.domain.collective import Charter
from cybermutual.domain.money import Currency
from cybermutual.services.container import Services
from cybermutual.services.ledger import PaymentOrder
from cybermutual.store.engine import make_engine
from cybermutual.store.migrate import upgrade
from cybermutual.tooling.postgres import EphemeralPostgres, find_bindir

RESULTS = Path(__file__).with_name("results") / "ledger_throughput.json"
MEMBERS = 200
LEVY = "0"
PASSWORDS = Argon2Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
console = Console()


def prepare(url: str) -> list[str]:
    """A collective of ``MEMBERS`` members with room to trade; returns their ids."""
    engine = make_engine(url)
    upgrade(engine)
    services = build_services(engine, passwords=PASSWORDS)
    people = [
        services.auth.register(email=f"m{i}@bench.org", password="benchmark", display_name=f"m{i}")
        for i in range(MEMBERS)
    ]
    services.collectives.create(
        founder_id=people[0].id,
        slug="bench",
        name="Bench",
        currency=Currency("BEN", "Bench", 2),
        charter=Charter(default_credit_limit=10**12, levy_rate=LEVY),  # type: ignore[arg-type]
    )
    for p in people[1:]:
        services.collectives.join("bench", member_id=p.id)
    engine.dispose()
    return [p.id for p in people]


def _pay_loop(services: Services, ids: list[str], worker: int, count: int) -> int:
    n = len(ids)
    for k in range(count):
        payer = ids[(worker * 7919 + k * 31) % n]
        payee = ids[(worker * 104729 + k * 17 + 1) % n]
        if payer == payee:
            payee = ids[(ids.index(payee) + 1) % n]
        services.ledger.pay(
            "bench",
            payer=payer,
            payee=payee,
            amount=100 + k % 900,
            idempotency_key=f"w{worker}-{k}",
        )
    return count


def _process_client(
    url: str, ids: list[str], worker: int, count: int, start: Any, out: Any
) -> None:
    services = build_services(make_engine(url, pool_size=1), passwords=PASSWORDS)
    _warm_up(services, ids, worker)
    start.wait()
    out.put(_pay_loop(services, ids, worker, count))


def _warm_up(services: Services, ids: list[str], worker: int) -> None:
    """One payment before the clock starts: a new process compiles its statements and opens
    its connection on the first one, which a server does once, not per payment."""
    payer, payee = ids[worker % len(ids)], ids[(worker + 1) % len(ids)]
    services.ledger.pay(
        "bench", payer=payer, payee=payee, amount=1, idempotency_key=f"warm-{worker}"
    )


def one_server(url: str, ids: list[str], *, clients: int, per_client: int) -> float:
    """Payments/s, one payment per request, ``clients`` concurrent callers into one server
    process (threads, as a web server runs them: concurrent payments share transactions)."""
    services = build_services(make_engine(url, pool_size=clients), passwords=PASSWORDS)
    start = threading.Barrier(clients + 1)
    done = [0] * clients

    _warm_up(services, ids, clients)

    def client(worker: int) -> None:
        start.wait()
        done[worker] = _pay_loop(services, ids, worker, per_client)

    threads = [threading.Thread(target=client, args=(w,)) for w in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    return sum(done) / (time.perf_counter() - began)


class LockWaits:
    """Samples PostgreSQL's backends while a run goes on: the share of samples waiting on a
    lock (the journal's head row before the sequencer) rather than on their clients or disk."""

    def __init__(self, url: str) -> None:
        self._url = url.replace("postgresql+psycopg://", "postgresql://")
        self._stop = threading.Event()
        self.samples = self.waiting = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> LockWaits:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        import psycopg

        db = self._url.rsplit("/", 1)[1]
        with psycopg.connect(self._url, autocommit=True) as conn:
            while not self._stop.is_set():
                for (kind,) in conn.execute(
                    "SELECT wait_event_type FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid() AND state <> 'idle'",
                    (db,),
                ):
                    self.samples += 1
                    self.waiting += kind == "Lock"
                time.sleep(0.02)

    @property
    def share(self) -> float:
        return self.waiting / self.samples if self.samples else 0.0


def many_servers(url: str, ids: list[str], *, clients: int, per_client: int) -> float:
    """Payments/s with ``clients`` separate server processes: only database locks coordinate."""
    ctx = mp.get_context("fork")
    start, out = ctx.Barrier(clients + 1), ctx.Queue()
    procs = [
        ctx.Process(target=_process_client, args=(url, ids, w, per_client, start, out))
        for w in range(clients)
    ]
    for p in procs:
        p.start()
    start.wait()
    began = time.perf_counter()
    total = int(sum(out.get() for _ in procs))
    elapsed = time.perf_counter() - began
    for p in procs:
        p.join()
    return total / elapsed


def batched(url: str, ids: list[str], *, batches: int, size: int) -> float:
    """Payments/s posted ``size`` at a time, all-or-nothing, from one client."""
    services = build_services(make_engine(url), passwords=PASSWORDS)
    n = len(ids)
    orders = [
        [
            PaymentOrder(ids[(b * 13 + k) % n], ids[(b * 13 + k + 1 + k % 5) % n], 100 + k)
            for k in range(size)
        ]
        for b in range(batches)
    ]
    began = time.perf_counter()
    for batch in orders:
        services.ledger.post_many("bench", batch)
    return batches * size / (time.perf_counter() - began)


def pgbench(server: EphemeralPostgres, *, clients: int, seconds: int) -> float:
    db = "pgbench"
    server.psql(f"CREATE DATABASE {db}")
    subprocess.run(
        server.tool("pgbench", "-i", "-q", "-s", "1", db), check=True, capture_output=True
    )
    run = subprocess.run(
        server.tool(
            "pgbench", "-b", "tpcb-like", "-c", str(clients), "-j", "2", "-T", str(seconds), db
        ),
        check=True,
        capture_output=True,
        text=True,
    )
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", run.stdout)
    if match is None:
        raise RuntimeError(f"could not read pgbench output:\n{run.stdout}")
    return float(match.group(1))


def verify(url: str) -> bool:
    return build_services(make_engine(url), passwords=PASSWORDS).ledger.verify("bench").ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small counts (smoke run)")
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    per_client = 50 if args.quick else 400
    batches, size = (5, 1_000) if args.quick else (40, 1_000)
    figures: dict[str, Any] = {
        "clients": args.clients,
        "quick": args.quick,
        "load_before": os.getloadavg(),  # the machine may be shared: figures scale with it
    }

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        console.print("SQLite: preparing…")
        ids = prepare(url)
        figures["sqlite_single"] = one_server(url, ids, clients=args.clients, per_client=per_client)
        figures["sqlite_single_processes"] = many_servers(
            url, ids, clients=args.clients, per_client=per_client // 4
        )
        figures["sqlite_batched"] = batched(url, ids, batches=batches, size=size)
        figures["sqlite_verified"] = verify(url)

    if find_bindir() is not None:
        console.print("PostgreSQL (durable, fsync on): starting…")
        server = EphemeralPostgres.start(durable=True)
        try:
            url = server.create_database("ledger")
            ids = prepare(url)
            figures["postgres_single"] = one_server(
                url, ids, clients=args.clients, per_client=per_client
            )
            with LockWaits(url) as waits:
                figures["postgres_single_processes"] = many_servers(
                    url, ids, clients=args.clients, per_client=per_client // 4
                )
            figures["postgres_processes_lock_wait_share"] = round(waits.share, 3)
            figures["postgres_batched"] = batched(url, ids, batches=batches, size=size)
            figures["postgres_verified"] = verify(url)
            figures["pgbench_tpcb"] = pgbench(
                server, clients=args.clients, seconds=5 if args.quick else 15
            )
        finally:
            server.stop()

    table = Table(title=f"Ledger throughput ({args.clients} clients, payments per second)")
    table.add_column("what")
    table.add_column("payments/s", justify="right")
    table.add_column("vs pgbench TPC-B", justify="right")
    tpcb = figures.get("pgbench_tpcb")
    for key, label in [
        ("sqlite_single", "SQLite, single payments, one server process"),
        ("sqlite_single_processes", f"SQLite, single payments, {args.clients} server processes"),
        ("sqlite_batched", f"SQLite, batches of {size}"),
        ("postgres_single", "PostgreSQL, single payments, one server process"),
        ("postgres_single_processes", f"PostgreSQL, single payments, {args.clients} processes"),
        ("postgres_batched", f"PostgreSQL, batches of {size}"),
        ("pgbench_tpcb", "pgbench -b tpcb-like (same server, same clients)"),
    ]:
        if key in figures:
            ratio = f"{figures[key] / tpcb:.0%}" if tpcb and key.startswith("postgres") else ""
            table.add_row(label, f"{figures[key]:,.0f}", ratio)
    console.print(table)
    console.print(
        f"ledger verify after the runs: sqlite={figures.get('sqlite_verified')}, "
        f"postgres={figures.get('postgres_verified')}; PostgreSQL backends waiting on a lock "
        f"with {args.clients} processes: {figures.get('postgres_processes_lock_wait_share', 0):.0%}"
        f" of samples; load average before: {figures['load_before'][0]:.1f}"
    )
    results = RESULTS.with_suffix(".quick.json") if args.quick else RESULTS
    results.parent.mkdir(exist_ok=True)
    results.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
