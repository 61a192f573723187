"""``cybermutual simulate money-supply``: each money rule's effect on a real collective."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from cybermutual.bootstrap import SystemClock, build_services
from cybermutual.cli import app
from cybermutual.store.engine import make_engine
from tests.helpers import FAST_PASSWORDS, FakeClock, members

runner = CliRunner()


def seeded(tmp_path: Path, *, trade: bool = True, demurrage: bool = False) -> str:
    """A collective of four that traded last week (by the real clock, which the CLI reads),
    with demurrage voted in if asked."""
    url = f"sqlite:///{tmp_path / 'money.db'}"
    assert runner.invoke(app, ["db", "upgrade", "--database-url", url]).exit_code == 0
    clock = FakeClock(SystemClock().now() - timedelta(days=7))  # the CLI reads the real one
    services = build_services(make_engine(url), clock=clock, passwords=FAST_PASSWORDS)
    slug, people = members(services, 4, credit_limit=20_000)
    if trade:
        for n in range(12):
            payer, payee = people[n % 4], people[(n + 1) % 4]
            services.ledger.pay(
                slug, payer=payer.id, payee=payee.id, amount=1_000 + 100 * n, idempotency_key=f"{n}"
            )
    if demurrage:
        view = services.proposals.propose(
            slug,
            author=people[0].id,
            kind="set_demurrage",
            title="Fee",
            body="",
            params={"rate": "0.01"},
        )
        for voter in people:
            services.votes.vote(slug, voter=voter.id, proposal_id=view.proposal.id, choice="yes")
    return url


def test_every_rule_on_and_off(tmp_path: Path) -> None:
    url = seeded(tmp_path)
    result = runner.invoke(
        app,
        [
            "simulate",
            "money-supply",
            "--collective",
            "river",
            "--weeks",
            "60",
            "--seeds",
            "2",
            "--json",
            "--database-url",
            url,
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["members"], report["limits"], report["levy_rate"]) == (4, 80_000, "0.25")
    assert report["weekly_volume"] > 0
    outcomes = {o["name"]: o for o in report["outcomes"]}
    assert len(outcomes) == 7
    assert outcomes["no levy (the control)"]["median_weeks_to_limits"] is None
    assert outcomes["fixed limits (today)"]["fund_at_end"] > 0
    assert outcomes["services spend the levy"]["services_paid"] > 0
    table = runner.invoke(
        app,
        ["simulate", "money-supply", "--collective", "river", "--weeks", "20", "--seeds", "1"],
        env={"CYBERMUTUAL_DATABASE_URL": url, "COLUMNS": "200"},
    )
    assert table.exit_code == 0, table.output
    # the table's cells wrap to the terminal's width (Rich reads it once): look for words only
    assert "services" in table.output
    assert "weeks" in table.output


def test_a_collective_without_trade_is_refused_in_one_line(tmp_path: Path) -> None:
    url = seeded(tmp_path, trade=False)
    result = runner.invoke(
        app, ["simulate", "money-supply", "--collective", "river", "--database-url", url]
    )
    assert result.exit_code == 1
    assert "no trade in the last 13 weeks" in result.output
    assert "Traceback" not in result.output
    bad = runner.invoke(
        app,
        [
            "simulate",
            "money-supply",
            "--collective",
            "river",
            "--levy-rate",
            "2",
            "--database-url",
            url,
        ],
    )
    assert bad.exit_code == 1
    assert "levy_rate" in bad.output


def test_cron_ticks_charge_demurrage_once_and_verify_agrees(tmp_path: Path) -> None:
    url = seeded(tmp_path, demurrage=True)
    first = runner.invoke(app, ["tick", "--no-impacts", "--database-url", url])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["demurrage_charged"] > 0
    again = runner.invoke(app, ["tick", "--no-impacts", "--database-url", url])
    assert json.loads(again.output)["demurrage_charged"] == 0  # once a week
    verify = runner.invoke(app, ["ledger", "verify", "river", "--database-url", url])
    assert verify.exit_code == 0, verify.output
