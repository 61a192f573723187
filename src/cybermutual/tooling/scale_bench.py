"""``cybermutual bench scale``: one collective the size of a small country, made and measured.

It seeds a collective in bulk (:mod:`cybermutual.store.scale_seed`), checks it with the same
``ledger verify`` operators run, then measures what a member and the public see, through a real
server process and 8 concurrent clients: ``GET .../accounts/me``, a single payment, the public
directory with its statistics, market search, an allocation round from the database to
published shares, and the server's resident memory. Figures are printed and recorded in
``benchmarks/results/scale.json``. PostgreSQL is what it is meant for; SQLite works at small
sizes (the suite's smoke test runs both).
"""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

console = Console()

#: Every seeded member's password (the bench logs in as a few of them).
BENCH_PASSWORD = "scale bench password"  # a throwaway database's test logins
CLIENTS = 8
SEARCH_WORDS = ("bread", "repair", "fresh", "guitar", "tutoring", "wooden", "honey", "yoga")


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    if not ordered:
        return {"n": 0}

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)

    return {"n": len(ordered), "p50_ms": at(0.5), "p99_ms": at(0.99), "max_ms": at(1.0)}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (uvicorn's workers), in MB."""
    total = 0
    for candidate in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return round(total / 1024, 1)


def _children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(c) for c in found]


def _load() -> str:
    try:
        return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()
    except OSError:
        return "unknown"


class _Server:
    """``cybermutual serve`` in a child process on a free port, over the seeded database."""

    def __init__(self, database_url: str) -> None:
        self.port = _free_port()
        env = {
            **os.environ,
            "CYBERMUTUAL_DATABASE_URL": database_url,
            "CYBERMUTUAL_TICK_SECONDS": "0",
            "CYBERMUTUAL_LOG_LEVEL": "warning",
        }
        self.process = subprocess.Popen(  # this interpreter, our own module
            [sys.executable, "-m", "cybermutual", "serve", "--port", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{self.port}"

    def wait(self, timeout: float = 120) -> None:
        import httpx2 as httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the server exited before answering")
            try:
                if httpx.get(f"{self.base}/api/v1/collectives", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        raise RuntimeError("the server did not answer in time")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _in_parallel(clients: int, work: Callable[[int], list[float]]) -> list[float]:
    results: list[list[float]] = [[] for _ in range(clients)]
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            results[i] = work(i)
        except BaseException as exc:  # reported below, after every thread ended
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return [s for r in results for s in r]


def measure_api(
    database_url: str, slug: str, emails: list[str], *, payee: str, requests: int
) -> dict[str, Any]:
    """p50/p99 of what members and the public ask, at ``CLIENTS`` clients, and the memory."""
    import httpx2 as httpx

    server = _Server(database_url)
    try:
        server.wait()
        base = f"{server.base}/api/v1"
        tokens = []
        for email in emails[:CLIENTS]:
            reply = httpx.post(
                f"{base}/auth/token", data={"username": email, "password": BENCH_PASSWORD}
            )
            reply.raise_for_status()
            tokens.append(reply.json()["access_token"])
        peak = [0.0]

        def timed(i: int, call: Callable[[httpx.Client, int], httpx.Response]) -> list[float]:
            samples = []
            headers = {"Authorization": f"Bearer {tokens[i % len(tokens)]}"}
            with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
                for n in range(requests):
                    start = time.perf_counter()
                    reply = call(client, n)
                    samples.append(time.perf_counter() - start)
                    if reply.status_code >= 400:
                        raise RuntimeError(f"{reply.request.url}: {reply.status_code} {reply.text}")
                    if n % 20 == 0:
                        peak[0] = max(peak[0], _rss_mb(server.process.pid))
            return samples

        figures: dict[str, Any] = {}
        figures["account_me"] = _percentiles(
            _in_parallel(
                CLIENTS,
                lambda i: timed(i, lambda c, n: c.get(f"/collectives/{slug}/accounts/me")),
            )
        )
        stamp = time.time_ns()

        def pay(i: int) -> list[float]:
            return timed(
                i,
                lambda c, n: c.post(
                    f"/collectives/{slug}/transfers",
                    json={"to": payee, "amount": 1, "memo": "bench"},
                    headers={"Idempotency-Key": f"scale-{stamp}-{i}-{n}"},
                ),
            )

        figures["payment"] = _percentiles(_in_parallel(CLIENTS, pay))
        figures["directory"] = _percentiles(
            _in_parallel(CLIENTS, lambda i: timed(i, lambda c, n: c.get("/collectives")))
        )

        def search(i: int) -> list[float]:
            word = SEARCH_WORDS[i % len(SEARCH_WORDS)]
            return timed(
                i,
                lambda c, n: c.get(
                    f"/collectives/{slug}/listings", params={"q": word[: 3 + n % 3]}
                ),
            )

        figures["search"] = _percentiles(_in_parallel(CLIENTS, search))
        figures["server_rss_mb"] = max(peak[0], _rss_mb(server.process.pid))
        return figures
    finally:
        server.stop()


def scale_command(
    members: Annotated[int, typer.Option(min=2, help="Members to seed.")] = 10_000,
    entries: Annotated[int, typer.Option(min=1, help="Journal entries (payments) to seed.")] = (
        100_000
    ),
    listings: Annotated[
        int | None, typer.Option(min=0, help="Market listings (default: one per member).")
    ] = None,
    assets: Annotated[
        int | None, typer.Option(min=1, help="Commons assets (default: members/100, <= 10,000).")
    ] = None,
    requests: Annotated[int, typer.Option(min=1, help="Requests per client per figure.")] = 200,
    slug: Annotated[str, typer.Option(help="Slug of the collective to make.")] = "scale",
    verify: Annotated[bool, typer.Option(help="Run ledger verify after seeding.")] = True,
    measure: Annotated[bool, typer.Option(help="Measure after seeding.")] = True,
    results: Annotated[Path, typer.Option(help="Where to record the figures (JSON).")] = Path(
        "benchmarks/results/scale.json"
    ),
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", help="Overrides CYBERMUTUAL_DATABASE_URL."),
    ] = None,
) -> None:
    """Seed one collective of MEMBERS members and ENTRIES journal entries in bulk, verify its
    ledger, then measure the API, search, the directory and an allocation round on it."""
    from cybermutual.bootstrap import build_services
    from cybermutual.config import Settings
    from cybermutual.domain.collective import CapitalMode, Charter
    from cybermutual.domain.money import Currency
    from cybermutual.store.engine import make_engine
    from cybermutual.store.migrate import upgrade
    from cybermutual.store.scale_seed import ScalePlan, member_email, seed_scale
    from cybermutual.store.tables import people

    settings = Settings(**({"database_url": database_url} if database_url else {}))  # type: ignore[arg-type]
    engine = make_engine(settings.database_url)
    upgrade(engine)
    services = build_services(engine)
    plan = ScalePlan.of(members, entries, listings=listings, assets=assets, tag=slug)
    now = services.clock.now()
    with engine.connect() as conn:
        from sqlalchemy import select

        from cybermutual.store.tables import collectives

        if conn.execute(select(collectives.c.id).where(collectives.c.slug == slug)).first():
            console.print(f"[bold red]error:[/] '{slug}' exists in this database; pass --slug NEW")
            raise typer.Exit(1)
    founder = services.auth.register(
        email=f"founder-{slug}@scale.invalid", password=BENCH_PASSWORD, display_name="Founder"
    )
    services.collectives.create(
        founder_id=founder.id,
        slug=slug,
        name=f"Scale ({members:,} members)",
        currency=Currency("SCL", "Scale credits", 2),
        charter=Charter(default_credit_limit=plan.credit_limit, capital_mode=CapitalMode.COMMONS),
    )
    collective = services.collectives.profile(slug).collective
    with engine.connect() as conn:
        password_hash = conn.execute(
            select(people.c.password_hash).where(people.c.id == founder.id)
        ).scalar_one()
    load_before = _load()
    console.print(
        f"Seeding '{slug}' on {engine.dialect.name}: {plan.members:,} members, "
        f"{plan.entries:,} entries, {plan.listings:,} listings, {plan.assets:,} assets"
    )
    with Progress(
        TextColumn("{task.description:>9}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        tasks: dict[str, Any] = {}

        def progress(task: str, done: int, total: int) -> None:
            if task not in tasks:
                tasks[task] = bar.add_task(task, total=total)
            bar.update(tasks[task], completed=done)

        seeded = seed_scale(
            engine,
            plan,
            collective_id=collective.id,
            founder_id=founder.id,
            password_hash=password_hash,
            progress=progress,
            now=now,
        )
    figures: dict[str, Any] = {
        "database": engine.dialect.name,
        "members": plan.members,
        "entries": plan.entries,
        "listings": plan.listings,
        "assets": plan.assets,
        "bids": plan.members * min(plan.bids_per_member, plan.assets),
        "seed_seconds": round(seeded.seconds, 1),
        "load_before": load_before,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "at": now.isoformat(timespec="seconds"),
    }
    console.print(f"seeded in {seeded.seconds:.1f} s")
    if verify:
        start = time.perf_counter()
        verified = services.ledger.verify(slug)
        figures["verify"] = {
            "ok": verified.ok,
            "entries": verified.entries,
            "seconds": round(time.perf_counter() - start, 2),
        }
        if not verified.ok:
            for problem in verified.problems[:10]:
                console.print(f"[red]✗[/] {problem.kind}: {problem.message}")
            raise typer.Exit(1)
    if measure:
        start = time.perf_counter()
        profile = services.collectives.directory()
        figures["directory_in_process_ms"] = round((time.perf_counter() - start) * 1000, 2)
        assert profile.items
        emails = [member_email(i, slug) for i in range(min(CLIENTS, plan.members))]
        figures["api"] = measure_api(
            settings.database_url, slug, emails, payee=founder.id, requests=requests
        )
        figures["allocation"] = measure_allocation(services, slug, seeded.round_id, founder.id)
    figures["load_after"] = _load()
    _report(figures)
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(figures, indent=2) + "\n")
    console.print(f"recorded in {results}")
    engine.dispose()


def measure_allocation(services: Any, slug: str, round_id: str, founder_id: str) -> dict[str, Any]:
    """An allocation round from the database to published shares, timed step by step."""
    start = time.perf_counter()
    report = services.allocation.compute(slug, round_id, member_id=founder_id)
    computed = time.perf_counter() - start
    services.allocation.publish(slug, round_id, member_id=founder_id)
    total = time.perf_counter() - start
    return {
        "shares": len(report.shares),
        "compute_seconds": round(computed, 2),
        "publish_seconds": round(total - computed, 2),
        "seconds": round(total, 2),
    }


def _report(figures: dict[str, Any]) -> None:
    table = Table(title=f"scale: {figures['members']:,} members, {figures['entries']:,} entries")
    table.add_column("what")
    table.add_column("figure", justify="right")
    table.add_row("seeding", f"{figures['seed_seconds']} s")
    if "verify" in figures:
        table.add_row("ledger verify", f"{figures['verify']['seconds']} s")
    for name, label in (
        ("account_me", "GET accounts/me p99"),
        ("payment", "payment p99"),
        ("directory", "directory p99"),
        ("search", "search p99"),
    ):
        if name in figures.get("api", {}):
            table.add_row(f"{label} ({CLIENTS} clients)", f"{figures['api'][name]['p99_ms']} ms")
    if "api" in figures:
        table.add_row("server resident memory", f"{figures['api']['server_rss_mb']} MB")
    if "allocation" in figures:
        table.add_row("allocation round", f"{figures['allocation']['seconds']} s")
    console.print(table)
