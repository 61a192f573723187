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

from cybermutual.domain.errors import DomainError, InvalidValue
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
    increment: Annotated[
        int | None,
        typer.Option(
            help="Units add1 raises every share by (default: the file's META add1_increment, "
            "which a budget round's export writes, else 1).",
            min=1,
        ),
    ] = None,
) -> None:
    """Decide which projects a participatory budget funds (Pabulib file in, JSON out)."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise _fail(f"cannot read {file}: {getattr(error, 'strerror', None) or error}") from None
    try:
        parsed = parse_pabulib(text)
        step = increment if increment is not None else _meta_increment(parsed.meta)
        outcome = decide(
            parsed.election,
            rule=rule,  # type: ignore[arg-type]
            completion=completion,  # type: ignore[arg-type]
            increment=step,
        )
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


def _meta_increment(meta: dict[str, str]) -> int:
    """The add1 step a file asks for (``add1_increment``, written by a round's export), else 1."""
    raw = meta.get("add1_increment", "1").strip()
    if not raw.isdigit() or int(raw) < 1:
        raise InvalidValue(f"META add1_increment must be a whole number from 1, not {raw!r}")
    return int(raw)


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False, markup=True, soft_wrap=True)
    return typer.Exit(1)
