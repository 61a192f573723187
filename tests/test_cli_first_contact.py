"""What a newcomer does first with the command line (issue #9): the demo, then the CLI on it."""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cybermutual.bootstrap import build_services
from cybermutual.cli import app
from cybermutual.demo import DEMO_PASSWORD, MEMBERS, email_of
from cybermutual.store.engine import make_engine

runner = CliRunner()


@pytest.fixture(scope="module")
def newcomer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory where `cybermutual demo` ran with no options, as `make demo` runs it."""
    where = tmp_path_factory.mktemp("fresh-clone")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(where)
        patch.delenv("CYBERMUTUAL_DATABASE_URL", raising=False)
        result = runner.invoke(app, ["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    return where


@pytest.fixture
def in_newcomer_dir(newcomer_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(newcomer_dir)
    monkeypatch.delenv("CYBERMUTUAL_DATABASE_URL", raising=False)
    return newcomer_dir


def test_the_cli_sees_the_demo_without_options(in_newcomer_dir: Path) -> None:
    verified = runner.invoke(app, ["ledger", "verify", "riverside"])
    assert verified.exit_code == 0, verified.output
    assert "verifies" in verified.output
    allocated = runner.invoke(app, ["allocate", "--collective", "riverside"])
    assert allocated.exit_code == 0, allocated.output
    assert "Allocation round" in allocated.output
    assert "Ada Okafor" in allocated.output  # members by name, not by id
    impact = runner.invoke(
        app,
        [
            *("simulate", "policy", "--collective", "riverside"),
            *("--levy-rate", "0.05", "--seeds", "2", "--steps", "8"),
        ],
    )
    assert impact.exit_code == 0, impact.output
    assert '"commons_fund"' in impact.output


def test_read_only_commands_never_create_a_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CYBERMUTUAL_DATABASE_URL", raising=False)
    for command in (
        ["ledger", "verify", "riverside"],
        ["ledger", "set-limit", "riverside", "someone", "5"],
        ["allocate", "--collective", "riverside"],
        ["simulate", "policy", "--collective", "riverside", "--levy-rate", "0.1"],
    ):
        result = runner.invoke(app, command)
        assert result.exit_code == 1, (command, result.output)
        message = result.output.strip()
        assert "\n" not in message, message  # one line, no traceback
        assert message.startswith("error: no database at cybermutual.db"), message
        assert "cybermutual demo" in message
    assert list(tmp_path.iterdir()) == []


def test_a_database_without_the_schema_is_refused_not_migrated(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'other.db'}"
    make_engine(url).connect().close()  # an empty SQLite file, say someone else's
    result = runner.invoke(app, ["ledger", "verify", "riverside", "--database-url", url])
    assert result.exit_code == 1
    assert "cybermutual db upgrade" in result.output


def test_every_demo_login_is_printed_and_works(newcomer_dir: Path) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(newcomer_dir)
        patch.delenv("CYBERMUTUAL_DATABASE_URL", raising=False)
        shown = runner.invoke(app, ["demo", "--no-serve"])
    assert "already exists" in shown.output
    services = build_services(make_engine(f"sqlite:///{newcomer_dir / 'cybermutual.db'}"))
    for name in MEMBERS:
        assert email_of(name) in shown.output, name
        assert services.auth.login(email=email_of(name), password=DEMO_PASSWORD)
    assert email_of("Lucía Fernández") == "lucia@demo.cybermutual.org"
    assert email_of("Ivo Petrović") == "ivo@demo.cybermutual.org"
    assert email_of("Øyvind Ærø") == "yvind@demo.cybermutual.org"  # no decomposition: dropped


def test_demo_refuses_a_taken_port_before_seeding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CYBERMUTUAL_DATABASE_URL", raising=False)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = runner.invoke(app, ["demo", "--port", str(port)])
    assert result.exit_code == 1
    assert f"127.0.0.1:{port}" in result.output
    assert "--port" in result.output
    assert not (tmp_path / "cybermutual.db").exists()  # nothing was seeded in vain


def test_demo_never_seeds_into_someone_elses_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'real.db'}"
    from tests.helpers import FAST_PASSWORDS, members

    assert runner.invoke(app, ["db", "upgrade", "--database-url", url]).exit_code == 0
    members(build_services(make_engine(url), passwords=FAST_PASSWORDS), 1)
    seeded = runner.invoke(app, ["demo", "--no-serve", "--database-url", url])
    assert seeded.exit_code == 1
    assert "other collectives" in seeded.output
    fresh = runner.invoke(app, ["demo", "--no-serve", "--fresh", "--database-url", url])
    assert fresh.exit_code == 1
    assert (tmp_path / "real.db").exists()


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_demo_installs_only_what_the_server_needs(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]

    def plan(target: str, *extra: str) -> str:
        venv = f"VENV={tmp_path / '.venv'}"
        ran = subprocess.run(
            ["make", "-n", "--no-print-directory", "-C", str(root), target, venv, *extra],
            capture_output=True,
            text=True,
            check=True,
        )
        return ran.stdout

    demo = plan("demo")
    installs = [line for line in demo.splitlines() if "pip install" in line]
    assert len(installs) == 1
    assert installs[0].endswith("-e .")  # no dev, bench or cluster extras
    assert "--quiet" not in installs[0]  # pip shows its progress
    assert ">> installing" in demo  # and a line says what is happening
    assert "[dev,bench,cluster]" in plan("test")
    assert plan("demo", "PORT=8001").splitlines()[-1].endswith("demo --port 8001")


def test_a_visitor_can_finish_the_demo_round_at_once(tmp_path: Path) -> None:
    """Compute, publish, decline, re-run and close the demo's last round without waiting."""
    from cybermutual.demo import DEMO_PASSWORDS, DEMO_SLUG, seed
    from cybermutual.domain.commons.rounds import RoundStatus
    from cybermutual.store.migrate import upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    upgrade(engine)
    seed(
        lambda clock: build_services(engine, clock=clock, passwords=DEMO_PASSWORDS), estimate=False
    )
    services = build_services(engine, passwords=DEMO_PASSWORDS)
    visitor = services.auth.authenticate(
        services.auth.login(email=email_of(MEMBERS[2]), password=DEMO_PASSWORD).token
    )
    inbox = services.market.inbox(DEMO_SLUG, member_id=visitor.id)
    assert inbox.unread == 0  # the demo's history was read; a visitor's own notices stand out
    assert any(i.event == "payment_received" for i in inbox.page.items)
    rounds = services.allocation.rounds(DEMO_SLUG).items
    [ready] = [r for r in rounds if r.status is RoundStatus.OPEN]
    allocation = services.allocation
    allocation.compute(DEMO_SLUG, ready.id, member_id=visitor.id)
    report = allocation.publish(DEMO_SLUG, ready.id, member_id=visitor.id)
    share = next(s for s in report.shares if s.units > 0)
    allocation.decline(DEMO_SLUG, ready.id, share.id, member_id=share.member_id)
    allocation.rerun(DEMO_SLUG, ready.id, member_id=visitor.id)
    assert allocation.close(DEMO_SLUG, ready.id, member_id=visitor.id).status is RoundStatus.CLOSED

    # the past round's values come from measured productivity and demand, not a neutral 1.0
    past = max((r for r in rounds if r.status is RoundStatus.CLOSED), key=lambda r: r.period_start)
    values = {round(s.value_per_unit, 2) for s in allocation.report(DEMO_SLUG, past.id).shares}
    assert len(values) >= 5, values
    assert services.ledger.verify(DEMO_SLUG).ok
