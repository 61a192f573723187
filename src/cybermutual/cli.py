"""The command line: serve, demo, db upgrade, ledger, allocate, simulate, bench."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table
from typer._click.core import Context
from typer.core import TyperGroup

from cybermutual.budget_cli import budget_command
from cybermutual.chain_cli import plan_chain_command
from cybermutual.config import Settings
from cybermutual.domain.errors import DomainError
from cybermutual.export_cli import export_app, keys_app
from cybermutual.money_cli import money_supply_command
from cybermutual.sim_cli import simulate_app
from cybermutual.tooling.scale_bench import scale_command

if TYPE_CHECKING:
    from cybermutual.services.container import Services


class _OneLineErrors(TyperGroup):
    """A database that cannot be opened or used is one line on stderr and exit code 1."""

    def invoke(self, ctx: Context) -> object:
        from sqlalchemy.exc import DBAPIError, SQLAlchemyError

        try:
            return super().invoke(ctx)
        except SQLAlchemyError as exc:
            reason = str(exc.orig if isinstance(exc, DBAPIError) else exc).strip()
            first = reason.splitlines()[0] if reason else type(exc).__name__
            raise _fail(f"database: {first}") from None
        except DomainError as exc:
            raise _fail(f"{exc.detail} ({exc.code})") from None


app = typer.Typer(
    help="Run cyber-collectives: mutual credit, a market, a facilitated commons, a simulator.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=_OneLineErrors,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
ledger_app = typer.Typer(help="Inspect and administer a collective's ledger.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(ledger_app, name="ledger")
app.add_typer(simulate_app, name="simulate")
app.command("budget")(budget_command)
app.command("plan-chain")(plan_chain_command)
app.add_typer(export_app(lambda url: _existing(url)), name="export")
app.add_typer(keys_app(lambda url: _existing(url)), name="keys")
console = Console()
err = Console(stderr=True, soft_wrap=True)  # an error stays one line, however long

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
    err.print(f"[bold red]error:[/] {message}", soft_wrap=True)  # one line, however long
    return typer.Exit(code)


def _port_free(host: str, port: int) -> bool:
    """Whether ``host:port`` can be listened on now (checked before any slow work)."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return False
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # the same option uvicorn sets, so a port in TIME_WAIT is not taken for busy
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError:
            return False
    return True


def _require_port(settings: Settings, command: str) -> None:
    if not _port_free(settings.host, settings.port):
        raise _fail(
            f"cannot listen on {settings.host}:{settings.port} (the port is in use or the address "
            f"is not this machine's); choose another with `cybermutual {command} --port 8001` "
            "(or CYBERMUTUAL_PORT)"
        )


#: On SIGTERM, requests still running get this long before they are cancelled; a proposal's
#: estimate running in the background then stops at its next step and stays pending.
GRACEFUL_SHUTDOWN_SECONDS = 10


def _serve(settings: Settings) -> None:
    import uvicorn

    from cybermutual.bootstrap import build, build_app
    from cybermutual.scheduler import Scheduler

    services = build(settings)
    sealed = services.ledger.seal()  # what a crash left between a commit and its sealing
    if sealed:
        console.print(f"Sealed {sealed} journal entries left unsealed by the last run.")
    # the scheduler (ticks, and the background sealer) runs in this process only: with several
    # workers this is uvicorn's supervisor, so the periodic work runs once, not once per worker
    scheduler = Scheduler(services, every=settings.tick_seconds) if settings.tick_seconds else None
    processes = f", {settings.workers} server processes" if settings.workers > 1 else ""
    console.print(
        f"Serving on [bold]http://{settings.host}:{settings.port}[/]{processes} "
        "(the web app at /, the API at /api/v1, its docs at /docs)"
    )
    if scheduler is not None:
        scheduler.start()
    try:
        if settings.workers == 1:
            uvicorn.run(
                build_app(services),
                host=settings.host,
                port=settings.port,
                log_level=settings.log_level,
                timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
            )
        else:
            # each worker builds its own services from the environment (spawned processes share
            # nothing else); the options given on the command line are passed on through it
            os.environ["CYBERMUTUAL_DATABASE_URL"] = settings.database_url
            uvicorn.run(
                "cybermutual.bootstrap:worker_app",
                factory=True,
                workers=settings.workers,
                host=settings.host,
                port=settings.port,
                log_level=settings.log_level,
                timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
            )
    finally:
        services.proposal_impact.stop()  # an estimate in the tick stops at its next step
        if scheduler is not None:
            scheduler.stop()


def _existing(database_url: str | None) -> Services:
    """Services over a database that must already exist; never creates or migrates one.

    Commands that only read (or act on an existing collective) fail in one line when the
    database is missing or older than this code, instead of creating an empty one.
    """
    from cybermutual.bootstrap import DatabaseNotReady, open_existing

    try:
        return open_existing(_settings(database_url))
    except DatabaseNotReady as exc:
        message = str(exc)
        if message.startswith("no database at"):
            message += (
                f" (from {_url_origin(database_url)}); run `cybermutual demo` or "
                "`cybermutual db upgrade` first, or point --database-url at yours"
            )
        raise _fail(message) from None


def _url_origin(database_url: str | None) -> str:
    import os

    if database_url:
        return "--database-url"
    if os.environ.get("CYBERMUTUAL_DATABASE_URL"):
        return "CYBERMUTUAL_DATABASE_URL"
    return "the default CYBERMUTUAL_DATABASE_URL"


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default 8000).")] = None,
    database_url: DatabaseUrl = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Server processes (default 1, or CYBERMUTUAL_WORKERS); the periodic tick "
            "runs once, in the supervising process.",
            min=1,
            max=64,
        ),
    ] = None,
) -> None:
    """Apply migrations and serve the API (CYBERMUTUAL_DATABASE_URL, default SQLite)."""
    settings = _settings(database_url, host=host, port=port, workers=workers)
    _require_port(settings, "serve")
    _serve(settings)


@app.command()
def demo(
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default 8000).")] = None,
    database_url: DatabaseUrl = None,
    fresh: Annotated[bool, typer.Option(help="Delete an existing demo database first.")] = False,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Seed, then exit.")] = False,
) -> None:
    """Seed the demo collectives into the database every command uses, print the logins, serve.

    The database is CYBERMUTUAL_DATABASE_URL (default ./cybermutual.db), so `ledger verify
    riverside`, `allocate --collective riverside` and `simulate policy --collective riverside`
    see the demo without options. A database that holds other collectives is never touched.
    """
    from cybermutual.bootstrap import build, seeding, sqlite_path
    from cybermutual.demo import DEMO_PASSWORD, DEMO_PASSWORDS, DEMO_SLUG, seed

    settings = _settings(database_url, host=host, port=port)
    if not no_serve:
        _require_port(settings, "demo")
    path = sqlite_path(settings.database_url)
    if fresh:
        if path is None:
            raise _fail("--fresh deletes a SQLite file; empty a PostgreSQL database yourself")
        if path.exists() and not _is_demo(settings):
            raise _fail(f"{path} holds collectives other than the demo; not deleting it")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    console.print(f"Database: {settings.database_url}")
    services = build(settings)
    if _is_demo(settings, services):
        console.print("The demo already exists in this database (use --fresh to start over).")
    elif services.collectives.directory(limit=1).items:
        raise _fail(
            f"{settings.database_url} already holds other collectives; seed the demo elsewhere "
            "with --database-url sqlite:///./cybermutual-demo.db"
        )
    else:
        with Progress(console=console) as bar:
            task = bar.add_task("Seeding the demo collectives", total=None)
            seed(  # the open proposal's estimate is left to the server's tick (or `tick`)
                seeding(settings, passwords=DEMO_PASSWORDS),
                estimate=False,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    _print_logins(DEMO_PASSWORD)
    url = f"http://{settings.host}:{settings.port}"
    console.print(
        f"Open [bold]{url}/c/{DEMO_SLUG}[/] in a browser and sign in with a login above; "
        f"the API is at {url}/api/v1 (docs at {url}/docs)"
    )
    if not no_serve:
        _serve(settings)


def _is_demo(settings: Settings, services: Services | None = None) -> bool:
    from cybermutual.bootstrap import build
    from cybermutual.demo import DEMO_SLUG

    services = services or build(settings)
    try:
        services.collectives.profile(DEMO_SLUG)
    except DomainError:
        return False
    return True


def _print_logins(password: str) -> None:
    from cybermutual.demo import MEMBERS, email_of

    table = Table(title=f"Demo logins (password for all: {password})")
    table.add_column("member")
    table.add_column("email (username)")
    for name in MEMBERS:
        table.add_row(name, email_of(name))
    console.print(table)


@db_app.command("upgrade")
def db_upgrade(database_url: DatabaseUrl = None) -> None:
    """Apply every pending migration."""
    from cybermutual.bootstrap import upgrade_database

    upgrade_database(_settings(database_url))
    console.print("Database is up to date.")


@app.command()
def tick(
    database_url: DatabaseUrl = None,
    impacts: Annotated[
        bool, typer.Option(help="Also compute pending impact estimates (a few per run).")
    ] = True,
) -> None:
    """Do what is due now: close proposals, pay claims and basic income, apply the money rules,
    send what links and cross-payments owe other servers.

    Safe to run as often as you like, and beside a running server: nothing happens twice.
    """
    services = _existing(database_url)
    try:
        report = services.tick.tick(impacts=impacts)
        federation = services.federation.tick()
    except DomainError as exc:
        raise _fail(exc.detail) from None
    print(json.dumps({**report.as_dict(), "federation": federation.as_dict()}, indent=2))
    if report.errors or federation.errors:
        raise typer.Exit(1)


@ledger_app.command("verify")
def ledger_verify(
    slug: Annotated[str, typer.Argument(help="The collective's slug.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Recompute balances, levies and demurrage from the journal and check every escrow,
    reservation, write-off and leaver; print each problem and exit 1 on any."""
    services = _existing(database_url)
    try:
        result = services.ledger.verify(slug)
    except DomainError as exc:
        raise _fail(exc.detail) from None
    if not result.ok:
        for problem in result.problems:
            err.print(f"[red]✗[/] {problem.kind}: {escape(problem.message)}", soft_wrap=True)
        raise _fail(f"ledger of '{slug}' does NOT verify ({len(result.problems)} problems)")
    tail = f" ({result.unsealed} not sealed yet)" if result.unsealed else ""
    console.print(
        f"[green]✓[/] ledger of '{slug}' verifies: {result.entries} journal entries{tail}, "
        f"balances recomputed, sum zero, head {result.head}"
    )


@ledger_app.command("seal")
def ledger_seal(database_url: DatabaseUrl = None) -> None:
    """Chain every committed journal entry not sealed yet (serve does this on start and at
    every tick; after a crash, or with CYBERMUTUAL_SEAL_AFTER_COMMIT=false, from cron)."""
    sealed = _existing(database_url).ledger.seal()
    console.print(f"Sealed {sealed} journal entries.")


@ledger_app.command("set-limit")
def ledger_set_limit(
    slug: Annotated[str, typer.Argument(help="The collective's slug.")],
    member_id: Annotated[str, typer.Argument(help="The member's id.")],
    credit_limit: Annotated[int, typer.Argument(help="New limit in minor units.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Set one member's credit limit (operator action)."""
    services = _existing(database_url)
    try:
        account = services.ledger.set_credit_limit(
            slug, member_id=member_id, credit_limit=credit_limit
        )
    except DomainError as exc:
        raise _fail(exc.detail) from None
    console.print(f"Credit limit of {member_id} is now {account.credit_limit}.")


bench_app = typer.Typer(
    help="Run the benchmarks in benchmarks/ (no subcommand), or one at scale.",
    invoke_without_command=True,
)
app.add_typer(bench_app, name="bench")


@bench_app.callback()
def bench(
    ctx: typer.Context,
    quick: Annotated[bool, typer.Option(help="Small sizes only (a smoke run).")] = False,
    only: Annotated[
        str | None, typer.Option(help="Run one benchmark, e.g. 'ledger_throughput'.")
    ] = None,
) -> None:
    """Run every benchmark in benchmarks/, printing and recording its figures."""
    if ctx.invoked_subcommand is not None:
        return
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


bench_app.command("scale")(scale_command)


@app.command()
def allocate(
    instance: Annotated[
        Path | None,
        typer.Argument(
            help="Instance JSON: {assets: [{id, capacity}], members: [{id, budget}], "
            "bids: [{member, asset, max_units, value_per_unit}]}.",
            exists=True,
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    fractional: Annotated[
        bool, typer.Option(help="Print the unrounded equilibrium instead of whole units.")
    ] = False,
    seed: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="The rounding lottery's seed (the same seed gives the same units); "
            "default: a fresh one from the operating system, printed back as 'seed'.",
            show_default=False,
        ),
    ] = None,
    collective: Annotated[
        str | None,
        typer.Option("--collective", help="Compute the open allocation round of a collective."),
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Share out the commons: solve an instance file, or a collective's open round.

    Whole units are drawn by a lottery over the fractional shares; its seed is printed with
    the result (``seed``), and ``--seed S`` re-runs exactly that draw.
    """
    if (instance is None) == (collective is None):
        raise _fail("give either an INSTANCE file or --collective SLUG")
    if collective is not None and (seed is not None or fractional):
        raise _fail(
            "--seed and --fractional are for instance files; a round draws its own seed once "
            "and publishes it"
        )
    try:
        if instance is not None:
            from cybermutual.domain.allocation import solve_instance
            from cybermutual.services.commons_rounds import secure_seed

            try:
                data = json.loads(instance.read_text())
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise _fail(f"{instance} is not valid JSON: {exc}") from None
            drawn = None if fractional else (secure_seed() if seed is None else seed)
            print(json.dumps(solve_instance(data, fractional=fractional, seed=drawn), indent=2))
            return
        assert collective is not None
        services = _existing(database_url)
        report = services.allocation.allocate_collective(collective)
        people = services.auth.names(s.member_id for s in report.shares)
    except DomainError as exc:
        raise _fail(exc.detail) from None
    table = Table(
        title=f"Allocation round {report.round.id} of '{collective}'",
        caption=_round_caption(report.passes[-1].summary if report.passes else {}),
    )
    for column in ("member", "asset", "asked", "received", "price", "reason"):
        table.add_column(column)
    names = {a.id: a.name for a in report.assets.values()}
    asked = {b.id: b.max_units for b in report.bids}
    for share in report.shares:
        holder = people.get(share.member_id, share.member_id)
        if share.enterprise_id is not None:  # bid for an enterprise, which holds the share
            holder += f" for {report.enterprises.get(share.enterprise_id, share.enterprise_id)}"
        table.add_row(
            holder,
            names.get(share.asset_id, share.asset_id),
            str(asked.get(share.bid_id or "", "")),
            str(share.units),
            f"{share.price_per_unit:.3f}",
            str(share.explanation.get("reason", "")),
        )
    console.print(table)


def _round_caption(summary: Mapping[str, object]) -> str:
    """The round's lottery seed, budget rule and fairness figures, in one caption."""
    lottery = summary.get("lottery")
    budgets = summary.get("budgets")
    parts = []
    if isinstance(lottery, Mapping):
        parts.append(f"lottery seed {lottery.get('seed')} (pass {lottery.get('pass')})")
    if isinstance(budgets, Mapping):
        parts.append(str(budgets.get("description", budgets.get("rule", ""))))
    if "welfare_given_up_share" in summary:
        parts.append(f"welfare given up for fairness {summary['welfare_given_up_share']:.1%}")
    if "ef1" in summary:
        parts.append(f"bundle envy {summary.get('bundle_envy')}, EF1 {summary['ef1']}")
    return "; ".join(escape(p) for p in parts)


@simulate_app.command("policy")
def simulate_policy(
    collective: Annotated[
        str | None, typer.Option("--collective", help="The collective's slug.")
    ] = None,
    proposal: Annotated[
        str | None,
        typer.Option(
            "--proposal",
            help="A proposal's id: print its impact estimate (computed now if still pending).",
        ),
    ] = None,
    levy_rate: Annotated[
        str | None, typer.Option(help="Proposed levy rate, e.g. 0.05 (default: unchanged).")
    ] = None,
    basic_income: Annotated[
        int | None, typer.Option(help="Proposed basic income, minor units per member per week.")
    ] = None,
    credit_limit: Annotated[
        int | None, typer.Option(help="Proposed credit limit for every member, minor units.")
    ] = None,
    service: Annotated[
        list[str] | None,
        typer.Option(help="A free public service: CATEGORY=MINOR_UNITS_PER_WEEK (repeatable)."),
    ] = None,
    seeds: Annotated[
        int, typer.Option(min=1, max=32, help="Paired draws (a seed and the priors each).")
    ] = 16,
    steps: Annotated[
        int, typer.Option(min=4, max=520, help="Weeks simulated after the burn-in.")
    ] = 260,
    cluster: Annotated[
        str | None, typer.Option(help="Run the seeds on a Dask cluster at tcp://HOST:PORT.")
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Estimate a policy's effect on a real collective before members vote on it."""
    from cybermutual.services.policy_impact import PolicyChange

    if proposal is not None:
        try:
            estimate = _existing(database_url).proposal_impact.for_proposal(proposal)
        except DomainError as exc:
            raise _fail(exc.detail) from None
        print(json.dumps(estimate, indent=2))
        return
    if collective is None:
        raise _fail("give --collective SLUG (with the changes to estimate) or --proposal ID")
    services_budget: dict[str, int] = {}
    for item in service or []:
        name, _, amount = item.partition("=")
        if not name or not amount.isdigit():
            raise _fail(f"--service takes CATEGORY=AMOUNT, not {item!r}")
        services_budget[name] = int(amount)
    change = PolicyChange(
        levy_rate=levy_rate,
        basic_income=basic_income,
        credit_limit=credit_limit,
        services=services_budget or None,
    )
    if change == PolicyChange():
        raise _fail(
            "name at least one change: --levy-rate, --basic-income, --credit-limit, --service"
        )
    services = _existing(database_url)
    try:
        with console.status(
            f"Simulating '{collective}' with and without the policy ({seeds} seeds)"
        ):
            impact = services.policy_impact.estimate(
                collective, change, seeds=seeds, steps=steps, cluster=cluster
            )
    except DomainError as exc:
        raise _fail(exc.detail) from None
    print(json.dumps(impact, indent=2))


simulate_app.command("money-supply")(money_supply_command(lambda url: _existing(url)))
