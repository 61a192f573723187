"""The command line: serve, demo, db upgrade, ledger verify, bench."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from cybermutual.config import Settings
from cybermutual.domain.errors import DomainError

app = typer.Typer(
    help="cybermutual: run cyber-collectives (mutual credit, a facilitated commons, governance).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
ledger_app = typer.Typer(help="Inspect and administer a collective's ledger.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(ledger_app, name="ledger")
console = Console()
err = Console(stderr=True)

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="Overrides CYBERMUTUAL_DATABASE_URL.", show_default=False),
]


def _settings(database_url: str | None = None, **overrides: object) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    if database_url:
        values["database_url"] = database_url
    return Settings(**values)  # type: ignore[arg-type]


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def _serve(settings: Settings) -> None:
    import uvicorn

    from cybermutual.bootstrap import build, build_app

    services = build(settings)
    console.print(f"Serving on [bold]http://{settings.host}:{settings.port}[/] (API docs at /docs)")
    uvicorn.run(
        build_app(services), host=settings.host, port=settings.port, log_level=settings.log_level
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Apply migrations and serve the API (CYBERMUTUAL_DATABASE_URL, default SQLite)."""
    _serve(_settings(database_url, host=host, port=port))


@app.command()
def demo(
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    database_url: Annotated[
        str, typer.Option("--database-url", help="Where the demo lives.")
    ] = "sqlite:///./cybermutual-demo.db",
    fresh: Annotated[bool, typer.Option(help="Delete an existing demo database first.")] = False,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Seed, then exit.")] = False,
) -> None:
    """Create an embedded database with a demo collective, print the logins, and serve."""
    from cybermutual.bootstrap import build, build_services
    from cybermutual.demo import DEMO_PASSWORD, DEMO_SLUG, MEMBERS, email_of, seed

    settings = _settings(database_url, host=host, port=port)
    if fresh and settings.database_url.startswith("sqlite:///"):
        path = Path(settings.database_url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    services = build(settings)
    if services.collectives.directory(limit=1).items:
        console.print("The demo database already exists; use --fresh to start over.")
    else:
        engine = services.uow.engine  # type: ignore[attr-defined]
        with Progress(console=console) as bar:
            task = bar.add_task("Seeding the demo collective", total=None)
            seed(
                lambda clock: build_services(engine, clock=clock),
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    table = Table(title=f"Demo logins (password: {DEMO_PASSWORD})")
    table.add_column("member")
    table.add_column("email (username)")
    for name in MEMBERS[:6]:
        table.add_row(name, email_of(name))
    table.add_row("…", f"{len(MEMBERS) - 6} more: firstname@demo.cybermutual.org")
    console.print(table)
    url = f"http://{settings.host}:{settings.port}"
    console.print(f"Collective [bold]{DEMO_SLUG}[/]: {url}/api/v1/collectives/{DEMO_SLUG}")
    if not no_serve:
        _serve(settings)


@db_app.command("upgrade")
def db_upgrade(database_url: DatabaseUrl = None) -> None:
    """Apply every pending migration."""
    from cybermutual.store.engine import make_engine
    from cybermutual.store.migrate import upgrade

    settings = _settings(database_url)
    upgrade(make_engine(settings.database_url))
    console.print("Database is up to date.")


@ledger_app.command("verify")
def ledger_verify(
    slug: Annotated[str, typer.Argument(help="The collective's slug.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Recompute every balance from the journal; exit non-zero on any broken invariant."""
    from cybermutual.bootstrap import build

    try:
        result = build(_settings(database_url)).ledger.verify(slug)
    except DomainError as exc:
        raise _fail(exc.detail) from None
    if not result.ok:
        for problem in result.problems:
            err.print(f"[red]✗[/] {problem}")
        raise _fail(f"ledger of '{slug}' does NOT verify ({len(result.problems)} problems)")
    console.print(
        f"[green]✓[/] ledger of '{slug}' verifies: {result.entries} journal entries, "
        f"balances recomputed, sum zero, head {result.head}"
    )


@ledger_app.command("set-limit")
def ledger_set_limit(
    slug: Annotated[str, typer.Argument(help="The collective's slug.")],
    member_id: Annotated[str, typer.Argument(help="The member's id.")],
    credit_limit: Annotated[int, typer.Argument(help="New limit in minor units.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Set one member's credit limit (operator action)."""
    from cybermutual.bootstrap import build

    try:
        account = build(_settings(database_url)).ledger.set_credit_limit(
            slug, member_id=member_id, credit_limit=credit_limit
        )
    except DomainError as exc:
        raise _fail(exc.detail) from None
    console.print(f"Credit limit of {member_id} is now {account.credit_limit}.")


@app.command()
def bench(
    quick: Annotated[bool, typer.Option(help="Small sizes only (a smoke run).")] = False,
    only: Annotated[
        str | None, typer.Option(help="Run one benchmark, e.g. 'ledger_throughput'.")
    ] = None,
) -> None:
    """Run every benchmark in benchmarks/, printing and recording its figures."""
    folder = Path.cwd() / "benchmarks"
    scripts = sorted(p for p in folder.glob("*.py") if not p.name.startswith("_"))
    if only:
        scripts = [p for p in scripts if p.stem == only]
    if not scripts:
        raise _fail(f"no benchmarks found in {folder}")
    failed = []
    for script in scripts:
        console.rule(f"[bold]{script.stem}")
        args = [sys.executable, str(script), *(["--quick"] if quick else [])]
        if subprocess.run(args, check=False).returncode != 0:
            failed.append(script.stem)
    if failed:
        raise _fail(f"benchmarks failed: {', '.join(failed)}")
