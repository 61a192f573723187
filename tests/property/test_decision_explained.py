"""The explanation a member reads under a closed proposal tells the same story as the decision."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from cybermutual.domain.governance.decision import Reason, VotingRules, decide, explain
from cybermutual.domain.governance.kinds import ProposalKind
from cybermutual.domain.governance.tally import Counts, Tally

counts = st.builds(
    Counts,
    st.integers(min_value=0, max_value=20),
    st.integers(min_value=0, max_value=20),
    st.integers(min_value=0, max_value=20),
)
shares = st.sampled_from(["0", "0.2", "0.5", "0.6", "0.6667", "0.75", "0.99"])


@given(
    direct=counts,
    delegated=counts,
    absent=st.integers(min_value=0, max_value=40),
    quorum=shares,
    threshold=st.sampled_from(["0.5", "0.6", "0.6667", "0.75"]),
    supermajority=st.sampled_from(["0.5", "0.6667", "0.75"]),
    kind=st.sampled_from(list(ProposalKind)),
)
def test_the_explanation_gives_the_decision_and_its_figures(
    direct: Counts,
    delegated: Counts,
    absent: int,
    quorum: str,
    threshold: str,
    supermajority: str,
    kind: ProposalKind,
) -> None:
    tally = Tally(direct, delegated, eligible=direct.total + delegated.total + absent)
    rules = VotingRules(Decimal(quorum), Decimal(threshold), Decimal(supermajority))
    told = explain(tally, rules=rules, kind=kind)
    outcome = decide(tally, rules=rules, kind=kind)
    assert told.reason is outcome.reason
    assert told.passed is outcome.passed
    # each figure shown is the one the rule compared
    assert told.quorum_met is (told.reason is not Reason.QUORUM_NOT_MET)
    if told.quorum_met:
        assert told.turnout >= told.quorum
        assert told.turnout == Fraction(tally.voted, tally.eligible)
    if told.passed:
        assert told.yes_share is not None
        assert told.yes_share > told.majority
    elif told.reason is Reason.THRESHOLD_NOT_MET:
        assert told.yes_share is not None
        assert told.yes_share <= told.majority
    assert told.supermajority is (kind in (ProposalKind.AMEND_CHARTER, ProposalKind.EXPEL_MEMBER))
    assert told.majority >= Fraction(rules.threshold)


def test_two_votes_in_three_are_not_the_default_supermajority() -> None:
    tally = Tally(Counts(yes=2, no=1), Counts(), eligible=3)
    told = explain(tally, rules=VotingRules(), kind=ProposalKind.AMEND_CHARTER)
    assert told.reason is Reason.THRESHOLD_NOT_MET
    assert told.yes_share == Fraction(2, 3)
    assert told.majority == Fraction(Decimal("0.6667"))
