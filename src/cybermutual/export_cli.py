"""``cybermutual export verify FILE.json`` and ``cybermutual keys list|rotate SLUG``.

For a treasurer checking by hand a history a newcomer brought: the signature is checked against
the issuer's public keys, fetched from the issuer's server (``GET {base_url}/api/v1/collectives/
{slug}/keys``), read from a file saved from there (``--keys-file``, to check offline), or read
from this server's database (``--local``, for a collective on this server). It prints what the
export proves, or one line saying why it does not verify, and exits 1.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from cybermutual.domain.errors import DomainError, InvalidValue
from cybermutual.domain.history_export import MAX_EXPORT_BYTES, Summary, decimal_text
from cybermutual.domain.signing import Envelope, PublicKey, grouped
from cybermutual.federation_http import HttpKeyDirectory, keys_from_json

if TYPE_CHECKING:  # the services load on use: ``cybermutual --help`` stays quick
    from cybermutual.services.container import Services
    from cybermutual.services.history_export import Verification

console = Console()
err = Console(stderr=True, soft_wrap=True)

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="Overrides CYBERMUTUAL_DATABASE_URL.", show_default=False),
]


def _read_json(path: Path, *, what: str) -> Any:
    try:
        if path.stat().st_size > MAX_EXPORT_BYTES:
            raise InvalidValue(f"{path} is larger than an export can be", field=what)
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InvalidValue(f"cannot read {path} as JSON: {exc}", field=what) from exc


def describe(verification: Verification) -> list[str]:
    """What a verified export proves, line by line."""
    s: Summary = verification.summary
    issuer = verification.envelope.issuer

    def money(minor_units: int) -> str:
        return f"{decimal_text(minor_units, s.currency_decimals)} {s.currency_code}"

    average = (
        f"{decimal_text(s.average_milli, 3).rstrip('0').rstrip('.')} stars average"
        if s.average_milli is not None
        else "no reviews yet"
    )
    since = s.joined_at.date().isoformat()
    until = f", left {s.left_at.date().isoformat()}" if s.left_at else ""
    return [
        f"[green]✓[/] signature verified: {escape(s.member_name)}'s history at "
        f"{escape(s.collective_name)} ({escape(issuer.slug)} at {escape(issuer.base_url)})",
        f"  issued {verification.issued_at.isoformat()} with key {verification.key.key_id} "
        f"(fingerprint {grouped(verification.key.fingerprint)} ...)",
        f"  member since {since}{until} ({s.status})",
        f"  {s.reviews} reviews received, {average}",
        f"  {s.trades} trades, turnover {money(s.turnover)}",
        f"  paid to the commons fund {money(s.paid_to_commons_fund)} "
        f"(levies {money(s.levies_paid)})",
    ]


def export_app(open_services: Callable[[str | None], Services]) -> typer.Typer:
    """``export verify``, reading this server's database through ``open_services``."""
    app = typer.Typer(help="Members' signed history exports.", no_args_is_help=True)

    @app.command("verify")
    def verify(
        file: Annotated[Path, typer.Argument(help="The export (JSON) to check.")],
        keys_file: Annotated[
            Path | None,
            typer.Option(help="The issuer's keys, saved from its GET .../keys (offline check)."),
        ] = None,
        local: Annotated[
            bool, typer.Option("--local", help="The issuer is a collective on this server.")
        ] = False,
        allow_private: Annotated[
            bool, typer.Option(help="Fetch keys from a private-network address too.")
        ] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
        database_url: DatabaseUrl = None,
    ) -> None:
        """Check a member's signed history export; exit 1 unless it verifies."""
        from cybermutual.bootstrap import SystemClock
        from cybermutual.services.history_export import check_export

        try:
            document = _read_json(file, what="file")
            if local:
                verification = open_services(database_url).history.verify(document, local=True)
            else:
                find = _keys_from_file(keys_file) if keys_file else _keys_online(allow_private)
                verification = check_export(document, find_key=find, now=SystemClock().now())
        except DomainError as exc:
            err.print(f"[bold red]✗ does not verify:[/] {escape(exc.detail)} ({exc.code})")
            raise typer.Exit(1) from None
        if as_json:
            print(json.dumps(verification.summary.as_json(), indent=2))
            return
        for line in describe(verification):
            console.print(line, soft_wrap=True)

    return app


def _keys_from_file(path: Path) -> Callable[[Envelope], PublicKey]:
    from cybermutual.services.history_export import key_in

    def find(envelope: Envelope) -> PublicKey:
        body = _read_json(path, what="keys_file")
        return key_in(keys_from_json(body, slug=envelope.issuer.slug), envelope)

    return find


def _keys_online(allow_private: bool) -> Callable[[Envelope], PublicKey]:
    from cybermutual.services.history_export import key_in

    directory = HttpKeyDirectory(allow_private=allow_private)

    def find(envelope: Envelope) -> PublicKey:
        return key_in(directory.fetch(envelope.issuer.base_url, envelope.issuer.slug), envelope)

    return find


def keys_app(open_services: Callable[[str | None], Services]) -> typer.Typer:
    """``keys list`` and ``keys rotate`` (operator actions on this server's database)."""
    app = typer.Typer(help="Collectives' signing keys.", no_args_is_help=True)

    @app.command("list")
    def list_keys(
        slug: Annotated[str, typer.Argument(help="The collective's slug.")],
        database_url: DatabaseUrl = None,
    ) -> None:
        """The collective's public keys, the current one first."""
        for key in open_services(database_url).keys.keys(slug):
            state = "current" if key.is_current else f"retired {key.retired_at:%Y-%m-%d}"
            console.print(f"{key.key_id}  {state}  {grouped(key.fingerprint)} ...", soft_wrap=True)

    @app.command("rotate")
    def rotate(
        slug: Annotated[str, typer.Argument(help="The collective's slug.")],
        database_url: DatabaseUrl = None,
    ) -> None:
        """A new current key; the old one stays listed, so what it signed still verifies."""
        key = open_services(database_url).keys.rotate(slug)
        console.print(f"New current key of '{slug}': {key.key_id} ({grouped(key.fingerprint)} ...)")

    return app
