"""Invariants of an enterprise's pay period (issue 14), over random co-operatives and firms."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cybermutual.domain.enterprise.contracts import Contract, HoursEntry, HoursStatus
from cybermutual.domain.enterprise.kinds import (
    Enterprise,
    EnterpriseKind,
    MeritMetric,
    MixWeights,
    Role,
)
from cybermutual.domain.enterprise.pay import (
    Contribution,
    Grant,
    PayPeriod,
    close_period,
    merits,
    vested,
)
from cybermutual.domain.enterprise.reports import gini
from cybermutual.domain.errors import InvalidTransition, PeriodNotOver
from cybermutual.domain.profit_sharing import split_profit
from tests.helpers import examples

T0 = datetime(2026, 11, 1, tzinfo=UTC)
END = T0 + timedelta(days=30)
METRICS = st.sampled_from(list(MeritMetric))
MIXES = st.builds(
    MixWeights, st.integers(0, 5), st.integers(0, 5), st.integers(1, 5)
)  # at least one weight
AMOUNTS = st.integers(0, 10**9)


def _enterprise(kind: EnterpriseKind, **extra: object) -> Enterprise:
    return replace(
        Enterprise("e", "c", kind, "Works", "", "m0", T0),
        **extra,  # type: ignore[arg-type]
    )


def _period() -> PayPeriod:
    return PayPeriod("p", "e", 1, T0, END)


@st.composite
def workforces(draw: st.DrawFn) -> tuple[dict[str, Contract], list[HoursEntry]]:
    """Contracts and approved hours for 1..6 members (some with no hours at all)."""
    n = draw(st.integers(1, 6))
    contracts, entries = {}, []
    for i in range(n):
        contract = Contract(
            f"c{i}", "e", f"m{i}", Role.EMPLOYEE, draw(st.integers(0, 5000)), T0, None, T0, "m0"
        )
        contracts[contract.id] = contract
        for j, minutes in enumerate(draw(st.lists(st.integers(1, 600), max_size=4))):
            worked_at = T0 + timedelta(days=j)
            entries.append(
                HoursEntry(f"h{i}-{j}", contract.id, "e", contract.member_id, worked_at,
                           minutes, "", HoursStatus.APPROVED, T0)
            )  # fmt: skip
    return contracts, entries


@st.composite
def contributions(draw: st.DrawFn) -> list[Contribution]:
    n = draw(st.integers(1, 7))
    return [
        Contribution(
            f"m{i}",
            draw(st.integers(0, 10_000)),
            draw(st.integers(0, 10**7)),
            tuple(draw(st.lists(st.integers(0, 10), max_size=5))),
        )
        for i in range(n)
    ]


@settings(max_examples=examples(200), deadline=None)
@given(
    work=workforces(),
    owners=contributions(),
    metric=METRICS,
    mix=MIXES,
    revenue=AMOUNTS,
    costs=st.integers(0, 10**8),
    reserve=st.integers(0, 10**6),
    carried=st.integers(0, 10**6),
    share=st.sampled_from([Decimal(0), Decimal("0.1"), Decimal("0.25"), Decimal("0.9")]),
)
def test_a_cooperative_close_accounts_for_every_minor_unit(
    work: tuple[dict[str, Contract], list[HoursEntry]],
    owners: list[Contribution],
    metric: MeritMetric,
    mix: MixWeights,
    revenue: int,
    costs: int,
    reserve: int,
    carried: int,
    share: Decimal,
) -> None:
    contracts, entries = work
    before = _enterprise(
        EnterpriseKind.COOPERATIVE,
        merit_metric=metric,
        mix=mix,
        reserve=reserve,
        loss_carried=carried,
        reserve_share=share,
    )
    closing = close_period(
        _period(), before, contracts=contracts, entries=entries, revenue=revenue, costs=costs,
        contributions=owners, by="m0", now=END,
    )  # fmt: skip
    f = closing.period.figures
    assert f is not None
    # payouts sum exactly to what was shared, wages exactly to the wage bill
    assert sum(s.amount for s in closing.shares) == f.shared
    assert sum(w.amount for w in closing.wages) == f.wages
    assert all(s.amount > 0 for s in closing.shares)
    # what was not paid out is exactly what the reserve and the carried loss moved by: the
    # enterprise's account (revenue - costs - wages - shared) is always explained
    after = closing.enterprise
    kept = (after.reserve - before.reserve) - (after.loss_carried - before.loss_carried)
    assert kept == f.result - f.shared
    assert after.reserve >= 0
    assert after.loss_carried >= 0
    # nothing is shared while a loss is carried, or out of a loss
    if f.shared:
        assert after.loss_carried == 0
        assert f.result > 0
    # the reserve absorbs a loss before any is carried
    if after.loss_carried > before.loss_carried:
        assert after.reserve == 0


@settings(max_examples=examples(200), deadline=None)
@given(
    minutes=st.lists(st.integers(0, 5000), min_size=2, max_size=6),
    per_hour=st.integers(0, 10_000),
    metric=st.sampled_from([MeritMetric.HOURS, MeritMetric.PRODUCTIVITY, MeritMetric.MIX]),
    mix=st.builds(MixWeights, st.integers(1, 5), st.integers(0, 5), st.just(0)),
    surplus=AMOUNTS,
)
def test_more_hours_at_the_same_productivity_never_gets_less(
    minutes: list[int], per_hour: int, metric: MeritMetric, mix: MixWeights, surplus: int
) -> None:
    # the same productivity: every worker-owner sold ``per_hour`` for each hour worked
    people = [Contribution(f"m{i}", m, per_hour * m) for i, m in enumerate(minutes)]
    shares = split_profit(surplus, merits(metric, people, mix=mix))
    assert sum(shares) == surplus
    for i, a in enumerate(people):
        for j, b in enumerate(people):
            if a.minutes > b.minutes:
                assert shares[i] >= shares[j]


@settings(max_examples=examples(200), deadline=None)
@given(
    n=st.integers(1, 9),
    minutes=st.integers(0, 5000),
    sales=st.integers(0, 10**6),
    ratings=st.lists(st.integers(0, 10), max_size=4).map(tuple),
    metric=METRICS,
    mix=MIXES,
    surplus=AMOUNTS,
)
def test_equal_contributions_get_shares_within_one_minor_unit(
    n: int,
    minutes: int,
    sales: int,
    ratings: tuple[int, ...],
    metric: MeritMetric,
    mix: MixWeights,
    surplus: int,
) -> None:
    people = [Contribution(f"m{i}", minutes, sales, ratings) for i in range(n)]
    shares = split_profit(surplus, merits(metric, people, mix=mix))
    assert sum(shares) == surplus
    assert max(shares) - min(shares) <= 1


@settings(max_examples=examples(100), deadline=None)
@given(
    grants=st.lists(
        st.tuples(st.integers(1, 10**6), st.integers(0, 60), st.integers(1, 60)),
        min_size=1,
        max_size=5,
    ),
    profit=AMOUNTS,
    at_day=st.integers(0, 90),
)
def test_a_firm_pays_its_profit_to_vested_shares_exactly(
    grants: list[tuple[int, int, int]], profit: int, at_day: int
) -> None:
    held = [
        Grant(f"g{i}", "e", f"m{i}", shares, T0, "m0", T0 + timedelta(days=start),
              T0 + timedelta(days=start + length))
        for i, (shares, start, length) in enumerate(grants)
    ]  # fmt: skip
    end = T0 + timedelta(days=at_day, seconds=1)
    period = PayPeriod("p", "e", 1, T0 - timedelta(days=1), end)
    closing = close_period(
        period, _enterprise(EnterpriseKind.FIRM), contracts={}, entries=[], revenue=profit,
        costs=0, grants=held, by="m0", now=end,
    )  # fmt: skip
    f = closing.period.figures
    assert f is not None
    assert sum(s.amount for s in closing.shares) == f.shared
    vested_now = {g.member_id: vested(g, end) for g in held}
    assert {s.member_id for s in closing.shares} <= {m for m, v in vested_now.items() if v}
    if not any(vested_now.values()):  # nobody to pay: all of it is kept
        assert f.shared == 0
        assert closing.enterprise.reserve == profit


@given(
    shares=st.integers(1, 10**9),
    days=st.integers(1, 400),
    a=st.integers(0, 500),
    b=st.integers(0, 500),
)
@settings(max_examples=examples(100), deadline=None)
def test_vesting_only_grows_and_ends_whole(shares: int, days: int, a: int, b: int) -> None:
    grant = Grant("g", "e", "m", shares, T0, "m0", T0, T0 + timedelta(days=days))
    early, late = sorted((a, b))
    assert (
        0
        <= vested(grant, T0 + timedelta(days=early))
        <= vested(grant, T0 + timedelta(days=late))
        <= shares
    )
    assert vested(grant, T0 + timedelta(days=days)) == shares


@given(incomes=st.lists(st.integers(0, 10**9), min_size=1, max_size=30))
@settings(max_examples=examples(100), deadline=None)
def test_gini_is_between_zero_and_its_maximum(incomes: list[int]) -> None:
    g = gini(incomes)
    assert g is not None
    n = len(incomes)
    assert 0 <= g <= 1 - Fraction(1, n)
    assert gini([incomes[0]] * n) == 0


def test_no_close_before_the_end_and_a_closed_period_never_closes_again() -> None:
    coop = _enterprise(EnterpriseKind.COOPERATIVE)
    owners = [Contribution("m0", 60)]
    with pytest.raises(PeriodNotOver):
        close_period(_period(), coop, contracts={}, entries=[], revenue=100, costs=0,
                     contributions=owners, by="m0", now=END - timedelta(seconds=1))  # fmt: skip
    closing = close_period(_period(), coop, contracts={}, entries=[], revenue=100, costs=0,
                           contributions=owners, by="m0", now=END)  # fmt: skip
    assert [s.amount for s in closing.shares] == [100]
    with pytest.raises(InvalidTransition):
        close_period(closing.period, closing.enterprise, contracts={}, entries=[], revenue=100,
                     costs=0, contributions=owners, by="m0", now=END)  # fmt: skip


def test_the_loss_rule_reserve_first_then_carried_then_recovered() -> None:
    coop = _enterprise(EnterpriseKind.COOPERATIVE, reserve=100, reserve_share=Decimal("0.1"))
    owners = [Contribution("m0", 60), Contribution("m1", 60)]

    def close(enterprise: Enterprise, revenue: int, costs: int) -> tuple[Enterprise, list[int]]:
        done = close_period(_period(), enterprise, contracts={}, entries=[], revenue=revenue,
                            costs=costs, contributions=owners, by="m0", now=END)  # fmt: skip
        return done.enterprise, [s.amount for s in done.shares]

    after, paid = close(coop, 0, 150)  # a loss of 150: the reserve's 100, then 50 carried
    assert (after.reserve, after.loss_carried, paid) == (0, 50, [])
    after, paid = close(after, 80, 0)  # 80: 50 repays the carried loss, 3 of 30 kept, 27 shared
    assert (after.reserve, after.loss_carried, paid) == (3, 0, [14, 13])
