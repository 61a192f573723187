"""The command line as an operator uses it: exit codes and messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from cybermutual.bootstrap import build_services
from cybermutual.cli import app
from cybermutual.store.engine import make_engine
from tests.helpers import FAST_PASSWORDS, members

runner = CliRunner()


def seeded(tmp_path: Path) -> tuple[str, str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert runner.invoke(app, ["db", "upgrade", "--database-url", url]).exit_code == 0
    services = build_services(make_engine(url), passwords=FAST_PASSWORDS)
    slug, (a, b) = members(services, 2)
    services.ledger.pay(slug, payer=a.id, payee=b.id, amount=42, idempotency_key="k")
    return url, slug


def test_ledger_verify_passes_then_catches_tampering(tmp_path: Path) -> None:
    url, slug = seeded(tmp_path)
    ok = runner.invoke(app, ["ledger", "verify", slug, "--database-url", url])
    assert ok.exit_code == 0, ok.output
    assert "verifies" in ok.output

    with create_engine(url).begin() as conn:  # someone edits a balance behind the ledger's back
        conn.execute(text("UPDATE accounts SET balance = balance + 1 WHERE balance > 0"))
    bad = runner.invoke(app, ["ledger", "verify", slug, "--database-url", url])
    assert bad.exit_code == 1
    assert "does NOT verify" in bad.output
    assert "cached balance differs" in bad.output


def test_verify_of_an_unknown_collective_fails_clearly(tmp_path: Path) -> None:
    url, _ = seeded(tmp_path)
    result = runner.invoke(app, ["ledger", "verify", "nowhere", "--database-url", url])
    assert result.exit_code == 1
    assert "no collective 'nowhere'" in result.output


def test_set_limit_refuses_bad_values(tmp_path: Path) -> None:
    url, slug = seeded(tmp_path)
    result = runner.invoke(app, ["ledger", "set-limit", slug, "nobody", "5", "--database-url", url])
    assert result.exit_code == 1
    assert "no account" in result.output


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """One demo database seeded through the CLI, shared by this module's demo tests."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    result = runner.invoke(app, ["demo", "--no-serve", "--database-url", url])
    assert result.exit_code == 0, result.output
    return url, result.output


def test_demo_seeds_a_collective_whose_ledger_verifies(demo_db: tuple[str, str]) -> None:
    url, output = demo_db
    assert "ada@demo.cybermutual.org" in output
    again = runner.invoke(app, ["demo", "--no-serve", "--database-url", url])
    assert "already exists" in again.output
    verified = runner.invoke(app, ["ledger", "verify", "riverside", "--database-url", url])
    assert verified.exit_code == 0, verified.output
    services = build_services(make_engine(url))
    profile = services.collectives.profile("riverside")
    assert profile.stats.active_members == 20
    assert profile.stats.posted_transfers > 200
    assert profile.stats.commons_fund > 0  # the 2% levy filled the fund


def test_the_demo_has_supply_chains_one_open_and_one_waiting_for_ada(
    demo_db: tuple[str, str],
) -> None:
    url, _ = demo_db
    services = build_services(make_engine(url))
    login = services.auth.login(email="ada@demo.cybermutual.org", password="demo-password")
    ada = services.auth.authenticate(login.token)
    chains = services.chains.chains("riverside", viewer=ada.id).items
    assert sorted(c.plan.status.value for c in chains) == ["open", "proposed"]
    table = next(c for c in chains if c.good.name == "Table")
    assert [v.link.status.value for v in table.links] == ["delivered", "ordered", "waiting"]
    (waiting,) = services.chains.my_links("riverside", member_id=ada.id)
    assert waiting[0].good.name == "Bicycle trailer"
    assert waiting[1].good.name == "Welded frame"


def test_every_command_explains_itself() -> None:
    for command in (
        ["--help"],
        ["serve", "--help"],
        ["demo", "--help"],
        ["db", "upgrade", "--help"],
        ["ledger", "verify", "--help"],
        ["bench", "--help"],
    ):
        result = runner.invoke(app, command)
        assert result.exit_code == 0, command
        assert "Usage" in result.output


def test_allocate_an_instance_file(tmp_path: Path) -> None:
    instance = tmp_path / "instance.json"
    instance.write_text(
        '{"assets": [{"id": "lathe", "capacity": 10}],'
        ' "members": [{"id": "ada", "budget": 1}, {"id": "bo", "budget": 1}],'
        ' "bids": [{"member": "ada", "asset": "lathe", "max_units": 8, "value_per_unit": 3},'
        '          {"member": "bo", "asset": "lathe", "max_units": 6, "value_per_unit": 2}]}'
    )
    result = runner.invoke(app, ["allocate", str(instance)])
    assert result.exit_code == 0, result.output
    import json

    answer = json.loads(result.output)
    assert sum(a["units"] for a in answer["allocations"]) == 10
    assert set(answer) >= {"allocations", "prices", "equilibrium_gap", "iterations", "seed"}
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    assert runner.invoke(app, ["allocate", str(bad)]).exit_code == 1
    assert runner.invoke(app, ["allocate"]).exit_code == 1


def test_simulate_policy_on_the_demo(demo_db: tuple[str, str]) -> None:
    url, _ = demo_db
    result = runner.invoke(
        app,
        [
            "simulate",
            "policy",
            "--collective",
            "riverside",
            "--levy-rate",
            "0.1",
            "--seeds",
            "2",
            "--steps",
            "8",
            "--database-url",
            url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert '"commons_fund"' in result.output
    nothing = runner.invoke(
        app, ["simulate", "policy", "--collective", "riverside", "--database-url", url]
    )
    assert nothing.exit_code == 1


def test_an_unopenable_database_is_one_line_and_exit_1(tmp_path: Path) -> None:
    """The README promises no tracebacks: a database that cannot be opened is one line."""
    for url in (
        f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}",
        "postgresql+psycopg://nobody@127.0.0.1:1/nothing",
        "not a database url",
    ):
        for command in (["db", "upgrade"], ["ledger", "verify", "riverside"]):
            result = runner.invoke(app, [*command, "--database-url", url])
            assert result.exit_code == 1, (url, command, result.output)
            assert result.exception is None or isinstance(result.exception, SystemExit)
            assert "Traceback" not in result.output
            lines = [line for line in result.output.splitlines() if line.strip()]
            assert len(lines) == 1, result.output
            assert lines[0].startswith("error: ")
            assert "database" in lines[0] or "cannot open" in lines[0]  # says what failed
