"""Issue 13 section 4 through the services, on both databases: credit limits that follow
turnover, demurrage into the commons fund, dormant debts written off; each voted, each run by
the tick once a week, and ``ledger verify`` recomputing what they did."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text

from cybermutual.bootstrap import build_services
from cybermutual.domain.errors import InvalidValue
from cybermutual.domain.ledger import TransferKind
from cybermutual.services.container import Services
from cybermutual.store.tables import transfers
from tests.helpers import (
    FAST_PASSWORDS,
    SERVERS,
    FakeClock,
    count_rows,
    members,
    person,
    together,
)


def passed(services: Services, slug: str, voters: list[str], kind: str, params: Any) -> Any:
    """Propose and let everyone vote yes: every voter counted, so it closes at once."""
    view = services.proposals.propose(
        slug, author=voters[0], kind=kind, title=kind, body="", params=params
    )
    for voter in voters:
        services.votes.vote(slug, voter=voter, proposal_id=view.proposal.id, choice="yes")
    closed = services.proposals.proposal(slug, viewer=voters[0], proposal_id=view.proposal.id)
    assert closed.proposal.status.value == "passed"
    assert closed.policy is not None
    assert closed.policy.applied, closed.policy
    return closed


def balance(services: Services, slug: str, member: str) -> int:
    return services.ledger.account(slug, member_id=member).account.balance


def limit(services: Services, slug: str, member: str) -> int | None:
    return services.ledger.account(slug, member_id=member).account.credit_limit


def fund(services: Services, slug: str) -> int:
    return services.collectives.profile(slug).stats.commons_fund


def sum_of_balances(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(text("SELECT COALESCE(SUM(balance), 0) FROM accounts")).scalar_one()
        )


def pay(services: Services, slug: str, payer: str, payee: str, amount: int, key: str) -> None:
    services.ledger.pay(slug, payer=payer, payee=payee, amount=amount, idempotency_key=key)


def tick(services: Services) -> dict[str, Any]:
    return services.tick.tick(impacts=False).as_dict()


def test_limits_follow_sales_and_never_drop_below_a_debt(services: Services) -> None:
    slug, people = members(services, 3, credit_limit=10_000)
    a, b, c = (p.id for p in people)
    pay(services, slug, a, b, 4_000, "sale")  # b sold 4,000; a owes 4,000; c did nothing
    view = passed(
        services,
        slug,
        [a, b, c],
        "set_credit_limit_rule",
        {"rule": "turnover", "multiple": "0.5", "weeks": 13, "floor": 1_000, "cap": 50_000},
    )
    # reviewed at once: b earns 0.5 x 4,000; c the floor; a's 1,000 would be below their debt
    assert [limit(services, slug, m) for m in (a, b, c)] == [4_000, 2_000, 1_000]
    assert {"field": "member_limits_reviewed", "from": None, "to": 3} in view.policy.changes
    assert services.ledger.verify(slug).ok
    # a lower limit only stops new spending: a can still receive, not spend
    refused = services.ledger.account(slug, member_id=a)
    assert refused.account.available == -(refused.account.credit_limit or 0)
    newcomer = person(services, "newcomer")
    services.collectives.join(slug, member_id=newcomer.id)
    assert limit(services, slug, newcomer.id) == 1_000  # no sales yet: the floor
    assert tick(services)["credit_limits_changed"] == 0  # this week's review is done


def test_the_weekly_review_runs_once_a_week(services: Services, clock: FakeClock) -> None:
    slug, people = members(services, 2, credit_limit=10_000)
    a, b = (p.id for p in people)
    pay(services, slug, a, b, 300, "one")
    passed(services, slug, [a, b], "set_credit_limit_rule", {"rule": "turnover", "multiple": "2"})
    assert (limit(services, slug, a), limit(services, slug, b)) == (300, 600)
    pay(services, slug, b, a, 100, "two")
    assert tick(services)["credit_limits_changed"] == 0  # reviewed this week already
    clock.advance(days=7)
    assert tick(services)["credit_limits_changed"] == 1  # a sold 100: 2 x 100, their debt
    assert (limit(services, slug, a), limit(services, slug, b)) == (200, 600)
    assert tick(services)["credit_limits_changed"] == 0
    clock.advance(weeks=14)  # the sales leave the window; a still owes 200
    tick(services)
    assert (limit(services, slug, a), limit(services, slug, b)) == (200, 0)
    inbox = services.market.inbox(slug, member_id=b).page.items
    assert any(i.event == "credit_limit_changed" for i in inbox)


def test_demurrage_is_charged_weekly_exactly_and_verified(
    services: Services, clock: FakeClock, engine: Engine
) -> None:
    slug, people = members(services, 3, credit_limit=100_000)
    a, b, c = (p.id for p in people)
    pay(services, slug, a, b, 10_333, "big")
    pay(services, slug, a, c, 1_000, "small")
    passed(services, slug, [a, b, c], "set_demurrage", {"rate": "0.0015", "threshold": 1_000})
    first = tick(services)
    # 0.15% of the 9,333 above the threshold is 13.9995: 13 now, 0.9995 carried; c is at it
    assert first["demurrage_charged"] == 13
    assert (balance(services, slug, b), balance(services, slug, c)) == (10_320, 1_000)
    assert tick(services)["demurrage_charged"] == 0  # once a week
    clock.advance(days=7)
    # 0.15% of 9,320 is 13.98, plus the 0.9995 carried: 14, and 0.9795 carried
    assert tick(services)["demurrage_charged"] == 14
    assert fund(services, slug) == 27
    assert services.collectives.profile(slug).stats.demurrage == 27  # a public figure
    assert sum_of_balances(engine) == 0
    result = services.ledger.verify(slug)
    assert result.ok, result.problems
    charges = select(func.count()).where(transfers.c.kind == TransferKind.DEMURRAGE.value)
    assert count_rows(engine, charges) == 2
    account = services.ledger.account(slug, member_id=b).account
    assert account.demurrage_carry == 979_500
    pay(services, slug, a, c, 1, "later")  # a new head: verify computes afresh
    with engine.begin() as conn:  # someone forgives the remainder behind the ledger's back
        conn.execute(
            text("UPDATE accounts SET demurrage_carry = 0 WHERE id = :id"), {"id": account.id}
        )
    problems = services.ledger.verify(slug).problems
    assert [(p.kind, p.ids) for p in problems] == [
        ("demurrage_carry_mismatch", {"account": account.id})
    ]


def test_verify_finds_a_charge_no_run_owes(services: Services, engine: Engine) -> None:
    slug, people = members(services, 2, credit_limit=100_000)
    a, b = (p.id for p in people)
    pay(services, slug, a, b, 5_000, "pay")
    passed(services, slug, [a, b], "set_demurrage", {"rate": "0.01"})
    tick(services)
    assert fund(services, slug) == 50
    with engine.begin() as conn:  # the run's record changed after the fact: rate 0.02
        conn.execute(text("UPDATE money_rule_runs SET rate = '0.02' WHERE what = 'demurrage'"))
    kinds = {p.kind for p in services.ledger.verify(slug).problems}
    assert "demurrage_wrong" in kinds


def test_money_held_in_escrow_pays_no_demurrage(services: Services) -> None:
    slug, people = members(services, 2, credit_limit=100_000)
    a, b = (p.id for p in people)
    pay(services, slug, a, b, 5_000, "pay")
    services.ledger.pay(slug, payer=b, payee=a, amount=4_000, idempotency_key="hold", pending=True)
    passed(services, slug, [a, b], "set_demurrage", {"rate": "0.1", "threshold": 0})
    assert tick(services)["demurrage_charged"] == 100  # 10% of the 1,000 available
    assert services.ledger.verify(slug).ok


def test_a_dormant_debt_is_noticed_then_written_off(
    services: Services, clock: FakeClock, engine: Engine
) -> None:
    slug, people = members(services, 3, credit_limit=10_000, levy_rate="0.25")
    a, b, c = (p.id for p in people)
    pay(services, slug, a, b, 2_000, "a-owes")  # levy 500 to the fund
    pay(services, slug, c, b, 1_000, "c-owes")  # levy 250
    passed(services, slug, [a, b, c], "set_dormant_debt", {"weeks": 8, "grace_weeks": 2})
    assert tick(services)["debts_noticed"] == 0
    clock.advance(weeks=8)
    pay(services, slug, c, b, 10, "c-is-back")  # c trades again: not dormant
    report = tick(services)
    assert (report["debts_noticed"], report["debts_written_off"]) == (1, 0)
    assert tick(services)["debts_noticed"] == 0  # noticed once
    assert any(
        i.event == "debt_dormant" for i in services.market.inbox(slug, member_id=a).page.items
    )
    clock.advance(weeks=2)
    report = tick(services)
    # the fund holds 752 (levies): it takes 752 of a's 2,000 and never goes below its floor
    assert report["debts_written_off"] == 1
    assert (balance(services, slug, a), fund(services, slug)) == (-1_248, 0)
    assert limit(services, slug, a) == 1_248  # closed: no new borrowing, never below the debt
    pay(services, slug, b, c, 2_000, "b-spends")  # levies refill the fund: 500
    tick(services)
    assert fund(services, slug) == 500  # dormant debts are looked at once a day
    clock.advance(days=1)
    tick(services)
    assert (balance(services, slug, a), fund(services, slug)) == (-748, 0)
    assert limit(services, slug, a) == 748
    pay(services, slug, b, c, 4_000, "b-spends-more")  # 1,000 more: the rest of a's debt
    clock.advance(days=1)
    tick(services)
    assert (balance(services, slug, a), fund(services, slug), limit(services, slug, a)) == (
        0,
        252,
        0,
    )
    clock.advance(weeks=10)
    assert tick(services)["debts_noticed"] == 1  # b, idle and in debt since; a owes nothing
    notices = [
        i for i in services.market.inbox(slug, member_id=a).page.items if i.event == "debt_dormant"
    ]
    assert len(notices) == 1
    assert sum_of_balances(engine) == 0
    result = services.ledger.verify(slug)
    assert result.ok, result.problems
    write_offs = select(func.sum(transfers.c.amount)).where(
        transfers.c.kind == TransferKind.WRITE_OFF.value
    )
    assert count_rows(engine, write_offs) == 2_000
    assert services.collectives.profile(slug).stats.written_off == 2_000  # a public figure
    assert any(
        i.event == "debt_written_off" for i in services.market.inbox(slug, member_id=a).page.items
    )


def test_trading_after_the_notice_keeps_the_debt(services: Services, clock: FakeClock) -> None:
    slug, people = members(services, 2, credit_limit=10_000, levy_rate="0.5")
    a, b = (p.id for p in people)
    pay(services, slug, a, b, 2_000, "owes")
    passed(services, slug, [a, b], "set_dormant_debt", {"weeks": 4})
    clock.advance(weeks=4)
    assert tick(services)["debts_noticed"] == 1
    pay(services, slug, a, b, 1, "still-here")
    clock.advance(weeks=5)
    assert tick(services)["debts_written_off"] == 0
    assert balance(services, slug, a) == -2_001
    assert limit(services, slug, a) == 10_000
    # switching the rule off lets every pending notice lapse
    clock.advance(weeks=4)
    assert tick(services)["debts_noticed"] == 1
    view = passed(services, slug, [a, b], "set_dormant_debt", {"weeks": 0})
    assert {"field": "dormant_notices_lapsed", "from": None, "to": 1} in view.policy.changes
    clock.advance(weeks=8)
    assert tick(services)["debts_written_off"] == 0


def test_ticks_at_once_charge_and_write_off_once(
    services: Services, engine: Engine, clock: FakeClock
) -> None:
    """Several servers ticking at the same moment: one demurrage run, one write-off."""
    slug, people = members(services, 4, credit_limit=10_000, levy_rate="0.5")
    a, b, c, d = (p.id for p in people)
    pay(services, slug, a, b, 4_000, "a-owes")  # the fund gets 2,000; b holds 2,000
    passed(services, slug, [a, b, c, d], "set_demurrage", {"rate": "0.01"})
    passed(services, slug, [a, b, c, d], "set_dormant_debt", {"weeks": 4, "grace_weeks": 1})
    clock.advance(weeks=4)
    tick(services)  # the notice, and this week's demurrage
    clock.advance(weeks=1, days=1)
    fleet = [services] + [
        build_services(engine, clock=clock, passwords=FAST_PASSWORDS) for _ in range(SERVERS - 1)
    ]
    errors: list[str] = []
    failures = together(fleet, lambda s: errors.extend(s.tick.tick(impacts=False).errors))
    assert not failures
    assert not errors  # each rule ran once: the other servers found it done under the locks
    charges = select(func.count()).where(transfers.c.kind == TransferKind.DEMURRAGE.value)
    assert count_rows(engine, charges) == 2  # one a week
    offs = select(func.count()).where(transfers.c.kind == TransferKind.WRITE_OFF.value)
    assert count_rows(engine, offs) == 1
    taken = select(func.sum(transfers.c.amount)).where(
        transfers.c.kind == TransferKind.WRITE_OFF.value
    )
    # the fund (2,000 of levy and two weeks of b's demurrage) took what it could, once
    assert fund(services, slug) == 0
    assert balance(services, slug, a) == -4_000 + count_rows(engine, taken) < 0
    assert sum_of_balances(engine) == 0
    assert services.ledger.verify(slug).ok


def test_the_model_reads_a_collective_and_refuses_one_it_cannot_model(
    services: Services,
) -> None:
    slug, people = members(services, 3, credit_limit=10_000)
    a, b, c = (p.id for p in people)
    pay(services, slug, a, b, 600, "one")
    pay(services, slug, b, a, 400, "two")
    economy = services.money_supply.economy(slug)
    assert (economy.balances, economy.limits, economy.payment) == (
        (-200, 200, 0),
        (10_000,) * 3,
        500,
    )
    assert sum(economy.weekly_sales) == 1_000  # all of it fell in this week
    services.collectives.leave(slug, member_id=c)
    pay(services, slug, b, a, 200, "three")  # a owes nothing now: a may leave
    services.collectives.leave(slug, member_id=a)
    with pytest.raises(InvalidValue, match="two active members"):
        services.money_supply.report(slug, levy_rate="0.25", weeks=4, seeds=1)
