"""``cybermutual budget FILE.pb``: close a participatory budget from a Pabulib file.

The root CLI mounts :func:`budget_command` as ``budget``. It prints
``{"selected": [...], "cost": ..., "rule": ...}`` (with ``--explain``, also why each project
won or lost); a file it cannot read or trust ends with a one-line message and exit code 1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cybermutual.domain.errors import DomainError
from cybermutual.domain.governance.budgeting import decide
from cybermutual.domain.governance.pabulib import parse_pabulib

err = Console(stderr=True)


def budget_command(
    file: Annotated[Path, typer.Argument(help="A Pabulib .pb file with approval ballots.")],
    rule: Annotated[
        str, typer.Option(help="equal_shares (the method of equal shares) or greedy.")
    ] = "equal_shares",
    completion: Annotated[
        str, typer.Option(help="add1 (raise every share by 1 unit while it helps) or none.")
    ] = "add1",
    explain: Annotated[
        bool, typer.Option(help="Also print why each project was or was not selected.")
    ] = False,
) -> None:
    """Decide which projects a participatory budget funds (Pabulib file in, JSON out)."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise _fail(f"cannot read {file}: {getattr(error, 'strerror', None) or error}") from None
    try:
        election = parse_pabulib(text).election
        outcome = decide(election, rule=rule, completion=completion)  # type: ignore[arg-type]
    except DomainError as error:
        raise _fail(f"{file}: {error.detail}") from None
    result = outcome.as_dict()
    if explain:
        result["stopped_because"] = outcome.stopped_because
        result["projects"] = [
            {"id": p.id, "cost": p.cost, "approvals": p.approvals, "selected": p.selected,
             "reason": p.reason, "detail": p.detail}
            for p in outcome.projects
        ]  # fmt: skip
    print(json.dumps(result, indent=2))


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False, markup=True, soft_wrap=True)
    return typer.Exit(1)
