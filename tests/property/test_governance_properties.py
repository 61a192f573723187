"""Tallies with liquid delegation, and service payments, under random inputs.

A tally never counts a non-member, anyone twice, or a vote after the close; delegation chains and
cycles resolve as written (checked against a naive walker); a payment run never takes the fund
below its floor nor a service over its period budget, and never lets a claim overtake another;
decisions are monotone in yes votes and never pass a tie or the same votes reversed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from cybermutual.domain.governance import public_services as ps
from cybermutual.domain.governance.decision import VotingRules, decide
from cybermutual.domain.governance.kinds import Period, ProposalKind
from cybermutual.domain.governance.tally import (
    Ballot,
    Choice,
    Counts,
    Tally,
    count,
    latest_ballots,
)

OPENS = datetime(2026, 11, 1, tzinfo=UTC)
CLOSES = OPENS + timedelta(days=7)
PEOPLE = [f"m{i}" for i in range(8)]
OUTSIDERS = ["x0", "x1"]
EVERYONE = PEOPLE + OUTSIDERS

ballots_st = st.lists(
    st.builds(
        Ballot,
        voter=st.sampled_from(EVERYONE),
        choice=st.sampled_from(Choice),
        cast_at=st.integers(0, 8 * 24).map(lambda h: OPENS + timedelta(hours=h)),
    ),
    max_size=30,
)
delegations_st = st.dictionaries(st.sampled_from(EVERYONE), st.sampled_from(EVERYONE)).map(
    lambda d: {k: v for k, v in d.items() if k != v}
)
eligible_st = st.sets(st.sampled_from(PEOPLE))


def naive_choice(
    voter: str, direct: dict[str, Choice], delegations: dict[str, str]
) -> Choice | None:
    """Follow the chain at most len(EVERYONE) steps: a longer walk is a cycle."""
    current: str | None = voter
    for _ in range(len(EVERYONE) + 1):
        if current is None:
            return None
        if current in direct:
            return direct[current]
        current = delegations.get(current)
    return None


@given(eligible_st, ballots_st, delegations_st)
def test_tally_matches_a_naive_count(
    eligible: set[str], ballots: list[Ballot], delegations: dict[str, str]
) -> None:
    tally = count(
        eligible=eligible, ballots=ballots, delegations=delegations, closes_at=CLOSES, at=CLOSES
    )
    direct = {
        b.voter: b.choice
        for b in sorted(ballots, key=lambda b: b.cast_at)
        if b.voter in eligible and b.cast_at < CLOSES
    }
    expected = {v: naive_choice(v, direct, delegations) for v in eligible}
    counted = {v: c for v, c in expected.items() if c is not None}
    assert tally.voted == len(counted) <= tally.eligible == len(eligible)
    assert tally.yes == sum(c is Choice.YES for c in counted.values())
    assert tally.no == sum(c is Choice.NO for c in counted.values())
    assert tally.direct.total == len(direct)  # a direct vote always counts as itself
    assert tally.delegated.total == len(counted) - len(direct)


@given(eligible_st, ballots_st, delegations_st, ballots_st)
def test_non_members_and_late_votes_change_nothing(
    eligible: set[str], ballots: list[Ballot], delegations: dict[str, str], extra: list[Ballot]
) -> None:
    before = count(
        eligible=eligible, ballots=ballots, delegations=delegations, closes_at=CLOSES, at=CLOSES
    )
    noise = [b for b in extra if b.voter not in eligible or b.cast_at >= CLOSES]
    after = count(
        eligible=eligible,
        ballots=ballots + noise,
        delegations=delegations,
        closes_at=CLOSES,
        at=CLOSES,
    )
    assert after == before


@given(eligible_st, ballots_st)
def test_each_voter_counts_once_with_their_latest_ballot(
    eligible: set[str], ballots: list[Ballot]
) -> None:
    direct = latest_ballots(ballots, eligible=eligible, closes_at=CLOSES, at=CLOSES)
    assert set(direct) <= eligible
    for voter, choice in direct.items():
        valid = [b for b in ballots if b.voter == voter and b.cast_at < CLOSES]
        assert choice in {b.choice for b in valid if b.cast_at == max(x.cast_at for x in valid)}


@given(st.integers(1, len(PEOPLE) - 1), st.sampled_from(Choice))
def test_a_chain_carries_its_end_vote_and_a_cycle_counts_nobody(
    length: int, choice: Choice
) -> None:
    chain = {PEOPLE[i]: PEOPLE[i + 1] for i in range(length)}
    end = [Ballot(PEOPLE[length], choice, OPENS)]
    tally = count(eligible=set(PEOPLE), ballots=end, delegations=chain, closes_at=CLOSES, at=CLOSES)
    assert tally.direct.total == 1
    assert tally.delegated.total == length
    assert getattr(tally.delegated, choice.value) == length
    cycle = {**chain, PEOPLE[length]: PEOPLE[0]}
    tally = count(eligible=set(PEOPLE), ballots=[], delegations=cycle, closes_at=CLOSES, at=CLOSES)
    assert tally.voted == 0


SERVICES = {
    f"s{i}": ps.PublicService(
        id=f"s{i}",
        collective_id="c",
        name=f"S{i}",
        category="care",
        rate_per_unit=1,
        budget_per_period=budget,
        period=Period.MONTH,
        status=ps.ServiceStatus.ACTIVE,
        proposal_id="p",
        created_at=OPENS,
    )
    for i, budget in enumerate([50, 120, 400])
}
claims_st = st.lists(
    st.tuples(st.sampled_from(sorted(SERVICES)), st.integers(1, 50), st.integers(0, 1000)),
    max_size=25,
).map(
    lambda rows: [
        ps.Claim(
            id=f"k{n}",
            collective_id="c",
            service_id=sid,
            provider_id="p",
            recipient_id="r",
            units=units,
            amount=units,
            status=ps.ClaimStatus.WAITING,
            status_reason=None,
            filed_at=OPENS,
            auto_confirm_at=None,
            confirmed_at=OPENS + timedelta(minutes=minute),
        )
        for n, (sid, units, minute) in enumerate(rows)
    ]
)


@given(
    claims_st,
    st.none() | st.integers(0, 500),
    st.fixed_dictionaries({s: st.integers(0, 60) for s in SERVICES}),
)
def test_payments_respect_fund_budget_and_order(
    claims: list[ps.Claim], headroom: int | None, spent: dict[str, int]
) -> None:
    plan = ps.plan_payments(claims, services=SERVICES, spent=spent, fund_headroom=headroom)
    assert len(plan.pay) + len(plan.wait) == len(claims)
    if headroom is not None:
        assert sum(c.amount for c in plan.pay) <= headroom
    for sid, service in SERVICES.items():
        paid = sum(c.amount for c in plan.pay if c.service_id == sid)
        assert spent[sid] + paid <= max(service.budget_per_period, spent[sid])
    key = {c.id: (c.confirmed_at, c.id) for c in claims}
    for waiting, reason in plan.wait:
        for later in plan.pay:
            if reason is ps.WaitReason.FUND_INSUFFICIENT or later.service_id == waiting.service_id:
                assert key[later.id] < key[waiting.id]


counts_st = st.builds(Counts, st.integers(0, 40), st.integers(0, 40), st.integers(0, 40))
rules_st = st.builds(
    VotingRules,
    quorum=st.sampled_from([Decimal("0"), Decimal("0.2"), Decimal("0.5"), Decimal("1")]),
    threshold=st.sampled_from([Decimal("0.5"), Decimal("0.6"), Decimal("0.75")]),
    supermajority=st.sampled_from([Decimal("0.5"), Decimal("0.6667"), Decimal("0.9")]),
)


@given(counts_st, counts_st, st.integers(0, 50), rules_st, st.sampled_from(ProposalKind))
def test_decisions_are_monotone_and_ties_fail(
    direct: Counts, delegated: Counts, absent: int, rules: VotingRules, kind: ProposalKind
) -> None:
    tally = Tally(direct, delegated, eligible=direct.total + delegated.total + absent)
    outcome = decide(tally, rules=rules, kind=kind)
    if tally.yes == tally.no:
        assert not outcome.passed
    if outcome.passed:
        # one more yes (an absent member voting yes) never turns a pass into a fail
        if absent:
            more = Tally(direct.plus(Choice.YES), delegated, eligible=tally.eligible)
            assert decide(more, rules=rules, kind=kind).passed
        # a supermajority kind never passes where the plain threshold fails
        assert decide(tally, rules=rules, kind=ProposalKind.RESOLUTION).passed
        # and the same votes the other way round fail
        flipped = Tally(
            Counts(direct.no, direct.yes, direct.abstain),
            Counts(delegated.no, delegated.yes, delegated.abstain),
            eligible=tally.eligible,
        )
        assert not decide(flipped, rules=rules, kind=kind).passed
