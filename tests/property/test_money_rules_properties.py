"""Issue 13 section 4 as properties: whatever members pay, hold, and however the weeks of
demurrage, the limit reviews and the write-offs interleave, the balances sum to zero, no review
leaves a member over their limit, and ``verify`` recomputes every charge and remainder."""

from __future__ import annotations

import itertools
from contextlib import suppress
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cybermutual.domain import journal
from cybermutual.domain.collective import Charter
from cybermutual.domain.errors import CreditLimitExceeded, DomainError, InvalidValue
from cybermutual.domain.ledger import (
    LEVY_SCALE,
    Account,
    AccountKind,
    Movement,
    TransferKind,
    open_transfer,
)
from cybermutual.domain.money_rules import (
    Demurrage,
    DemurrageRun,
    TurnoverLimits,
    demurrage_due,
    owed,
    reviewed_limit,
    write_off_amount,
)
from cybermutual.services.container import Services
from tests.helpers import FakeClock, examples, members

MEMBERS = [f"m{i}" for i in range(4)]
FUND = "fund"
START = datetime(2026, 11, 2, tzinfo=UTC)

rates = st.integers(0, 100_000).map(lambda n: Decimal(n) / LEVY_SCALE)  # 0 to 0.1
ops = st.one_of(
    st.tuples(
        st.just("pay"), st.sampled_from(MEMBERS), st.sampled_from(MEMBERS), st.integers(1, 5_000)
    ),
    st.tuples(
        st.just("hold"), st.sampled_from(MEMBERS), st.sampled_from(MEMBERS), st.integers(1, 2_000)
    ),
    st.tuples(st.just("week"), rates, st.integers(0, 3_000)),
    st.tuples(st.just("review"), st.sampled_from(MEMBERS), st.integers(0, 20_000)),
    st.tuples(st.just("write_off"), st.sampled_from(MEMBERS)),
)


class Ledger:
    """A collective's books in memory, journaled by the domain's own functions."""

    def __init__(self, limit: int, fund_floor: int) -> None:
        self.accounts = {
            m: Account(m, "c", AccountKind.MEMBER, m, credit_limit=limit) for m in MEMBERS
        }
        self.accounts[FUND] = Account(
            FUND, "c", AccountKind.COMMONS_FUND, None, credit_limit=fund_floor
        )
        self.head = journal.ChainHead("c")
        self.entries: list[journal.JournalEntry] = []
        self.runs: list[DemurrageRun] = []
        self.now = START
        self._n = 0

    def move(
        self, debit: str, credit: str, amount: int, kind: TransferKind, *, pending: bool = False
    ) -> None:
        self._n += 1
        movement: Movement = open_transfer(
            transfer_id=f"t{self._n}",
            debit=self.accounts[debit],
            credit=self.accounts[credit],
            amount=amount,
            kind=kind,
            memo="",
            now=self.now,
            pending=pending,
        )
        self.accounts[debit], self.accounts[credit] = movement.debit, movement.credit
        entry, self.head = journal.record(self.head, movement.transfer, at=self.now)
        self.entries.append(entry)

    def week(self, rate: Decimal, threshold: int) -> None:
        fee = Demurrage(rate, threshold)
        self.now += timedelta(weeks=1)
        self.runs.append(DemurrageRun(f"w{len(self.runs)}", self.head.seq, fee.rate, threshold))
        for member in sorted(MEMBERS):
            account = self.accounts[member]
            charged, carry = demurrage_due(
                account.balance, account.reserved, fee, account.demurrage_carry
            )
            assert charged <= max(0, account.available - threshold)
            self.accounts[member] = replace(account, demurrage_carry=carry)
            if charged:
                self.move(member, FUND, charged, TransferKind.DEMURRAGE)


@settings(max_examples=examples(300), deadline=None)
@given(
    limit=st.integers(0, 10_000),
    fund_floor=st.integers(0, 3_000),
    steps=st.lists(ops, max_size=60),
)
def test_the_money_rules_keep_the_books_whole(
    limit: int, fund_floor: int, steps: list[Any]
) -> None:
    books = Ledger(limit, fund_floor)
    rule = TurnoverLimits(Decimal("0.5"), 13, 100, 8_000)
    for step in steps:
        match step:
            case ("pay", payer, payee, amount) if payer != payee:
                with suppress(CreditLimitExceeded):  # refused: nothing changes
                    books.move(payer, payee, amount, TransferKind.PAYMENT)
            case ("hold", payer, payee, amount) if payer != payee:
                with suppress(CreditLimitExceeded):
                    books.move(payer, payee, amount, TransferKind.ESCROW, pending=True)
            case ("week", rate, threshold):
                books.week(rate, threshold)
            case ("review", member, sales):
                account = books.accounts[member]
                new = reviewed_limit(
                    account.credit_limit,
                    rule.limit_for(sales),
                    balance=account.balance,
                    reserved=account.reserved,
                )
                if account.available >= -(account.credit_limit or 0):
                    assert account.available >= -new  # a review never pushes anyone over
                books.accounts[member] = replace(account, credit_limit=new)
            case ("write_off", member):
                debt = max(0, -books.accounts[member].balance)
                amount = write_off_amount(debt, books.accounts[FUND].headroom)
                if amount:
                    books.move(FUND, member, amount, TransferKind.WRITE_OFF)
                    assert books.accounts[member].balance <= 0  # a debt taken, never more
                    assert books.accounts[FUND].available >= -fund_floor
                    account = books.accounts[member]
                    closed = owed(account.balance, account.reserved)  # the line closes
                    books.accounts[member] = replace(account, credit_limit=closed)
                    assert account.available >= -closed
    assert sum(a.balance for a in books.accounts.values()) == 0
    result = journal.verify(
        books.entries,
        books.accounts.values(),
        head=books.head,
        demurrage=journal.DemurrageRule(tuple(books.runs), FUND),
    )
    assert result.ok, result.problems


@settings(max_examples=examples(200), deadline=None)
@given(
    balances=st.lists(st.integers(-(10**9), 10**9), min_size=1, max_size=40),
    rate=rates,
    threshold=st.integers(0, 10**6),
)
def test_weeks_of_demurrage_pay_the_exact_fee_of_their_sum(
    balances: list[int], rate: Decimal, threshold: int
) -> None:
    """Charged week by week with the remainder carried, the fees add up to the floor of the
    exact fee on all the weeks' excess: rounding never favours anyone by a minor unit."""
    fee = Demurrage(rate, threshold)
    carry = paid = 0
    for balance in balances:
        charged, carry = demurrage_due(balance, 0, fee, carry)
        assert 0 <= charged <= max(0, balance - threshold)
        paid += charged
    exact = sum(max(0, b - threshold) for b in balances) * fee.rate
    assert paid == int(exact)
    assert paid * LEVY_SCALE + carry == exact * LEVY_SCALE


@given(
    current=st.integers(0, 10**6),
    earned=st.integers(0, 10**6),
    balance=st.integers(-(10**6), 10**6),
    reserved=st.integers(0, 10**6),
)
def test_a_review_never_sets_a_limit_below_the_debt(
    current: int, earned: int, balance: int, reserved: int
) -> None:
    new = reviewed_limit(current, earned, balance=balance, reserved=reserved)
    owed = max(0, reserved - balance)
    assert new >= min(current, owed)  # below the debt only if the members already voted so
    assert new >= earned
    assert new <= max(earned, current)  # and never raised above what was earned or voted


_anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.text(max_size=12),
    st.sampled_from(["0.5", "1e999999", "-0", "NaN", "Infinity", "1E-9", "10", "0.00001"]),
)


@settings(max_examples=examples(400), deadline=None)
@given(
    values=st.dictionaries(
        st.sampled_from(
            [
                "credit_limit_rule",
                "credit_limit_multiple",
                "credit_limit_weeks",
                "credit_limit_floor",
                "credit_limit_cap",
                "demurrage_rate",
                "demurrage_threshold",
                "dormant_weeks",
                "dormant_grace_weeks",
            ]
        ),
        _anything,
        max_size=5,
    )
)
def test_a_charter_is_built_or_refused_with_a_named_field(values: dict[str, Any]) -> None:
    """Whatever arrives, the charter either holds valid money rules or refuses with
    ``invalid_value`` naming one of them: never another exception (a 500 at the edge)."""
    try:
        charter = Charter(**values)
    except InvalidValue as refused:
        field = str(refused.context.get("field", ""))
    else:
        field = ""
    if field:
        assert field.startswith("charter.")
        return
    assert charter.credit_limit_floor <= charter.credit_limit_cap
    assert 0 <= charter.demurrage_rate <= Decimal("0.1")
    assert charter.turnover_limits.limit_for(10**15) <= charter.credit_limit_cap


_collectives = itertools.count()
service_ops = st.one_of(
    st.tuples(st.just("pay"), st.integers(0, 3), st.integers(0, 3), st.integers(1, 2_000)),
    st.tuples(st.just("hold"), st.integers(0, 3), st.integers(0, 3), st.integers(1, 500)),
    st.tuples(st.just("days"), st.integers(1, 30)),
)


@settings(
    max_examples=examples(20),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    levy=st.sampled_from(["0", "0.1", "0.5"]),
    rate=st.sampled_from(["0.001", "0.0375", "0.1"]),
    turnover=st.booleans(),
    steps=st.lists(service_ops, min_size=1, max_size=25),
)
def test_through_the_tick_the_books_stay_whole_and_verify(
    sqlite_services: Services,
    clock: FakeClock,
    levy: str,
    rate: str,
    turnover: bool,
    steps: list[Any],
) -> None:
    """Members pay and hold money while weeks pass under all three rules: after every tick the
    balances sum to zero, nobody is below their limit, and ``ledger verify`` recomputes every
    levy, demurrage charge, remainder and write-off."""
    services = sqlite_services
    slug, people = members(
        services, 4, slug=f"money-{next(_collectives)}", credit_limit=5_000, levy_rate=levy
    )
    ids = [p.id for p in people]
    rules: list[tuple[str, dict[str, Any]]] = [
        ("set_demurrage", {"rate": rate, "threshold": 200}),
        ("set_dormant_debt", {"weeks": 2, "grace_weeks": 1}),
    ]
    if turnover:
        rules.append(
            ("set_credit_limit_rule", {"rule": "turnover", "multiple": "3", "floor": 2_000})
        )
    for kind, params in rules:
        view = services.proposals.propose(
            slug, author=ids[0], kind=kind, title=kind, body="", params=params
        )
        for voter in ids:
            services.votes.vote(slug, voter=voter, proposal_id=view.proposal.id, choice="yes")
    for n, step in enumerate(steps):
        match step:
            case ("pay" | "hold", payer, payee, amount) if payer != payee:
                with suppress(DomainError):  # refused: over the limit, nothing changes
                    services.ledger.pay(
                        slug,
                        payer=ids[payer],
                        payee=ids[payee],
                        amount=amount,
                        idempotency_key=f"k{n}",
                        pending=step[0] == "hold",
                    )
            case ("days", days):
                clock.advance(days=days)
                report = services.tick.tick(impacts=False)
                assert not report.errors
                if report.debts_written_off:
                    event("a debt was written off")
                if report.demurrage_charged:
                    event("demurrage was charged")
                if report.credit_limits_changed:
                    event("limits were reviewed")
        with services.uow(readonly=True) as uow:
            collective = uow.collectives.by_slug(slug)
            assert collective is not None
            accounts = uow.accounts.all_of(collective.id)
        assert sum(a.balance for a in accounts) == 0
        for a in accounts:
            if a.kind is AccountKind.MEMBER:
                assert a.available >= -(a.credit_limit or 0), a
    result = services.ledger.verify(slug)
    assert result.ok, result.problems
