"""``cybermutual plan-chain INSTANCE.json``: plan a supply chain from a research instance.

The root CLI mounts :func:`plan_chain_command` as ``plan-chain``. The instance format and the
answer are described in :mod:`cybermutual.domain.chains.codec`; ``-`` reads the instance from
stdin. A file it cannot read or trust ends with a one-line message and exit code 1; an
infeasible request is an answer (``"feasible": false`` with the shortfall), exit code 0.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from cybermutual.domain.chains import build_model, instance_from_json, outcome_to_json, solve
from cybermutual.domain.errors import DomainError

err = Console(stderr=True, soft_wrap=True)


def plan_chain_command(
    instance: Annotated[
        str, typer.Argument(help="The instance: a JSON file, or - to read it from stdin.")
    ],
    timings: Annotated[
        bool, typer.Option(help="Also print the model-build and solve seconds (to stderr).")
    ] = False,
) -> None:
    """Plan the least-cost supply chain for an instance's request (JSON in, JSON out)."""
    name = "stdin" if instance == "-" else instance
    try:
        text = sys.stdin.read() if instance == "-" else Path(instance).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise _fail(f"cannot read {name}: {getattr(error, 'strerror', None) or error}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise _fail(f"{name} is not JSON: {error}") from None
    try:
        parsed = instance_from_json(data)
        with _solver_chatter_to_stderr():
            started = time.perf_counter()
            model = build_model(parsed)
            built = time.perf_counter()
            outcome = solve(model)
            solved = time.perf_counter()
    except DomainError as error:
        raise _fail(f"{name}: {error.detail}") from None
    if timings:
        err.print(f"model built in {built - started:.3f} s, solved in {solved - built:.3f} s")
    print(json.dumps(outcome_to_json(outcome), indent=2))


@contextmanager
def _solver_chatter_to_stderr() -> Iterator[None]:
    """HiGHS's branch and bound can print a debug line on file descriptor 1 (not through
    Python), which would break the JSON on stdout: send that descriptor to stderr meanwhile."""
    try:
        stdout = sys.__stdout__.fileno() if sys.__stdout__ else -1
    except (AttributeError, OSError, ValueError):
        stdout = -1
    if stdout < 0:
        yield
        return
    sys.stdout.flush()
    saved = os.dup(stdout)
    try:
        os.dup2(sys.__stderr__.fileno() if sys.__stderr__ else 2, stdout)
        yield
    finally:
        os.dup2(saved, stdout)
        os.close(saved)


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(1)
