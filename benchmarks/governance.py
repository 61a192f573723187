"""Self-government benchmark: the tally with liquid delegation, and closing through the stack.

    python benchmarks/governance.py [--quick]

1. The pure tally (``domain/governance/tally.count``) of N eligible voters, 40% voting directly
   and half of all members delegating to a random member (chains and cycles included).
2. Through the services on SQLite: a collective of M members opens a proposal (the voters'
   snapshot), half vote, and a ``tick`` closes it (the full tally, the decision, the effect).

Figures go to ``benchmarks/results/governance.json`` (``governance.quick.json`` with --quick).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from rich.console import Console
from rich.table import Table

from cybermutual.bootstrap import Argon2Passwords, build_services
from cybermutual.domain.collective import Charter
from cybermutual.domain.governance.tally import Ballot, Choice, count
from cybermutual.domain.money import Currency
from cybermutual.store.engine import make_engine
from cybermutual.store.migrate import upgrade

TALLY_SIZES = [10_000, 100_000, 1_000_000]
QUICK_TALLY = [10_000, 100_000]
STACK_SIZES = [500, 2_000]
QUICK_STACK = [200]
RESULTS = Path(__file__).parent / "results"


def tally(n: int, seed: int = 1) -> dict[str, Any]:
    rng = random.Random(seed)
    people = [f"m{i}" for i in range(n)]
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    voters = rng.sample(people, int(n * 0.4))
    ballots = [
        Ballot(p, rng.choice(list(Choice)), t0 + timedelta(seconds=i)) for i, p in enumerate(voters)
    ]
    delegations = {p: rng.choice(people) for p in rng.sample(people, n // 2)}
    start = time.perf_counter()
    result = count(
        eligible=set(people),
        ballots=ballots,
        delegations=delegations,
        closes_at=t0 + timedelta(days=30),
        at=t0 + timedelta(days=30),
    )
    seconds = time.perf_counter() - start
    return {"voters": n, "seconds": round(seconds, 4), "counted": result.voted}


class Clock:
    def __init__(self) -> None:
        self.moment = datetime.now(UTC)

    def now(self) -> datetime:
        return self.moment


def stack(members: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        upgrade(engine)
        clock = Clock()
        cheap = Argon2Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        services = build_services(engine, clock=clock, passwords=cheap)
        ids = [
            services.auth.register(
                email=f"m{i}@bench.example.org", password="correct horse", display_name=f"M{i}"
            ).id
            for i in range(members)
        ]
        services.collectives.create(
            founder_id=ids[0],
            slug="bench",
            name="Bench",
            currency=Currency("BEN", "Bench", 2),
            charter=Charter(),
        )
        for member in ids[1:]:
            services.collectives.join("bench", member_id=member)
        start = time.perf_counter()
        view = services.proposals.propose(
            "bench", author=ids[0], kind="set_levy", title="levy", body="", params={"rate": "0.03"}
        )
        opened = time.perf_counter() - start
        voters = ids[: members // 2]
        start = time.perf_counter()
        for n, member in enumerate(voters):
            services.votes.vote(
                "bench", voter=member, proposal_id=view.proposal.id, choice="yes" if n % 3 else "no"
            )
        per_vote = (time.perf_counter() - start) / len(voters)
        clock.moment += timedelta(days=8)
        start = time.perf_counter()
        report = services.tick.tick(impacts=False)
        closed = time.perf_counter() - start
        assert report.closed == [view.proposal.id]
        engine.dispose()
    return {
        "members": members,
        "open_seconds": round(opened, 4),
        "vote_ms": round(per_vote * 1000, 2),
        "close_seconds": round(closed, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    console = Console()
    tallies = [tally(n) for n in (QUICK_TALLY if args.quick else TALLY_SIZES)]
    stacks = [stack(m) for m in (QUICK_STACK if args.quick else STACK_SIZES)]
    table = Table(title="tally with delegation (pure Python)")
    for column in ("voters", "seconds", "counted"):
        table.add_column(column)
    for row in tallies:
        table.add_row(*(str(row[k]) for k in ("voters", "seconds", "counted")))
    console.print(table)
    table = Table(title="through the services (SQLite)")
    for column in ("members", "open_seconds", "vote_ms", "close_seconds"):
        table.add_column(column)
    for row in stacks:
        table.add_row(
            *(str(row[k]) for k in ("members", "open_seconds", "vote_ms", "close_seconds"))
        )
    console.print(table)
    RESULTS.mkdir(exist_ok=True)
    name = "governance.quick.json" if args.quick else "governance.json"
    (RESULTS / name).write_text(
        json.dumps({"machine": platform.platform(), "tally": tallies, "stack": stacks}, indent=2)
        + "\n"
    )


if __name__ == "__main__":
    main()
