"""``cybermutual simulate money-supply --collective SLUG``: how many weeks until the members
are at their credit limits in aggregate, at a levy, with each money rule on and off.

The root CLI mounts :func:`money_supply_command` under ``simulate``. It prints the collective's
figures, the arithmetic of the drain and one row per scenario (``--json`` for the same as JSON);
a collective it cannot read ends with a one-line message and exit code 1.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cybermutual.domain.errors import DomainError
from cybermutual.services.container import Services
from cybermutual.services.money_supply import MoneySupplyReport, ScenarioOutcome

console = Console()
err = Console(stderr=True)


def money_supply_command(
    open_services: Callable[[str | None], Services],
) -> Callable[..., None]:
    """The command, reading the database through ``open_services`` (the root CLI's)."""

    def money_supply(
        collective: Annotated[str, typer.Option("--collective", help="The collective's slug.")],
        levy_rate: Annotated[str, typer.Option(help="The levy rate to test, e.g. 0.25.")] = "0.25",
        weeks: Annotated[int, typer.Option(min=1, max=1040, help="Weeks simulated.")] = 260,
        seeds: Annotated[int, typer.Option(min=1, max=32, help="Runs per scenario.")] = 8,
        dormant_share: Annotated[
            float,
            typer.Option(min=0.0, max=1.0, help="Share of members who stop trading part-way."),
        ] = 0.1,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
        database_url: Annotated[
            str | None,
            typer.Option("--database-url", help="Overrides CYBERMUTUAL_DATABASE_URL."),
        ] = None,
    ) -> None:
        """Weeks until members hit their limits in aggregate, with each money rule on and off."""
        services = open_services(database_url)
        try:
            with console.status(f"Simulating '{collective}' under each money rule"):
                report = services.money_supply.report(
                    collective,
                    levy_rate=levy_rate,
                    weeks=weeks,
                    seeds=seeds,
                    dormant_share=dormant_share,
                )
        except DomainError as exc:
            err.print(f"[bold red]error:[/] {exc.detail}", soft_wrap=True)
            raise typer.Exit(1) from None
        if as_json:
            print(json.dumps(_plain(report), indent=2))
        else:
            _print(report, weeks=weeks)

    return money_supply


def _plain(report: MoneySupplyReport) -> dict[str, object]:
    body = asdict(report)
    body["levy_rate"] = str(report.levy_rate)
    body["outcomes"] = [
        {
            **asdict(o),
            "median_weeks_to_limits": ScenarioOutcome.median(o.weeks_to_limits),
            "median_weeks_to_stall": ScenarioOutcome.median(o.weeks_to_stall),
        }
        for o in report.outcomes
    ]
    return body


def _print(report: MoneySupplyReport, *, weeks: int) -> None:
    console.print(
        f"{report.members} members, trade {report.weekly_volume} a week (mean payment "
        f"{report.payment}), limits {report.limits} in all, commons fund {report.fund}; "
        f"levy {report.levy_rate}."
    )
    if report.weeks_by_arithmetic is not None:
        console.print(
            f"If trade held up, the levy would use 90% of the members' credit in "
            f"{report.weeks_by_arithmetic:.0f} weeks."
        )
    table = Table(title=f"Median over the seeds ('-': not within {weeks} weeks)")
    for column in (
        "scenario",
        "weeks to limits",
        "weeks to stall",
        "fund at end",
        "written off",
        "demurrage",
        "services paid",
    ):
        table.add_column(column, justify="left" if column == "scenario" else "right")

    def week(value: int | None) -> str:
        return "-" if value is None else str(value)

    for o in report.outcomes:
        table.add_row(
            o.name,
            week(ScenarioOutcome.median(o.weeks_to_limits)),
            week(ScenarioOutcome.median(o.weeks_to_stall)),
            str(o.fund_at_end),
            str(o.written_off),
            str(o.demurrage),
            str(o.services_paid),
        )
    console.print(table)
