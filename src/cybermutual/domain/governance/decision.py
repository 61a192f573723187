"""Deciding a tally: quorum, then threshold (or supermajority), in exact fractions. Ties fail.

- quorum: the share of eligible voters who voted (abstentions count) must be at least ``quorum``;
- threshold: a proposal passes when ``yes > threshold x (yes + no)``;
- supermajority kinds (``amend_charter``, ``expel_member``) use the larger of ``threshold`` and
  ``supermajority`` in the same strict inequality, so with the default ``0.6667`` two votes in
  three are *not* enough (66.67% is needed); a charter that wants exactly two thirds sets
  ``0.6666``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from cybermutual.domain.collective import (
    DEFAULT_QUORUM,
    DEFAULT_SUPERMAJORITY,
    DEFAULT_THRESHOLD,
    Charter,
    parse_share,
)
from cybermutual.domain.governance.kinds import SUPERMAJORITY_KINDS, ProposalKind
from cybermutual.domain.governance.tally import Tally


class Reason(StrEnum):
    PASSED = "passed"
    QUORUM_NOT_MET = "quorum_not_met"
    THRESHOLD_NOT_MET = "threshold_not_met"
    TIED = "tied"


@dataclass(frozen=True, slots=True)
class Outcome:
    passed: bool
    reason: Reason


@dataclass(frozen=True, slots=True)
class VotingRules:
    """The charter's voting rules."""

    quorum: Decimal = DEFAULT_QUORUM
    threshold: Decimal = DEFAULT_THRESHOLD
    supermajority: Decimal = DEFAULT_SUPERMAJORITY

    def __post_init__(self) -> None:
        half, most = Decimal("0.5"), Decimal("0.99")
        object.__setattr__(
            self, "quorum", parse_share(self.quorum, "quorum", Decimal(0), Decimal(1))
        )
        object.__setattr__(self, "threshold", parse_share(self.threshold, "threshold", half, most))
        object.__setattr__(
            self, "supermajority", parse_share(self.supermajority, "supermajority", half, most)
        )

    @classmethod
    def of(cls, charter: Charter) -> VotingRules:
        return cls(charter.quorum, charter.threshold, charter.supermajority)

    def majority_for(self, kind: ProposalKind) -> Fraction:
        if kind in SUPERMAJORITY_KINDS:
            return Fraction(max(self.threshold, self.supermajority))
        return Fraction(self.threshold)


def decide(tally: Tally, *, rules: VotingRules, kind: ProposalKind) -> Outcome:
    """Passed or failed, with the first reason that decided it."""
    if tally.eligible == 0 or Fraction(tally.voted, tally.eligible) < Fraction(rules.quorum):
        return Outcome(False, Reason.QUORUM_NOT_MET)
    if tally.yes == tally.no:
        return Outcome(False, Reason.TIED)
    if tally.yes > rules.majority_for(kind) * (tally.yes + tally.no):
        return Outcome(True, Reason.PASSED)
    return Outcome(False, Reason.THRESHOLD_NOT_MET)


@dataclass(frozen=True, slots=True)
class Explanation:
    """A decision in the terms a member reads it: what was needed, what the vote gave."""

    reason: Reason
    turnout: Fraction  # voted / eligible
    quorum: Fraction  # the share of eligible voters that had to vote
    quorum_met: bool
    yes_share: Fraction | None  # yes / (yes + no); None when nobody said yes or no
    majority: Fraction  # the share of yes among yes and no that had to be exceeded
    supermajority: bool  # the kind needs the charter's supermajority

    @property
    def passed(self) -> bool:
        return self.reason is Reason.PASSED


def explain(tally: Tally, *, rules: VotingRules, kind: ProposalKind) -> Explanation:
    """Why ``decide`` decided as it did: the same tests, each with its figures."""
    turnout = Fraction(tally.voted, tally.eligible) if tally.eligible else Fraction(0)
    sides = tally.yes + tally.no
    return Explanation(
        reason=decide(tally, rules=rules, kind=kind).reason,
        turnout=turnout,
        quorum=Fraction(rules.quorum),
        quorum_met=tally.eligible > 0 and turnout >= Fraction(rules.quorum),
        yes_share=Fraction(tally.yes, sides) if sides else None,
        majority=rules.majority_for(kind),
        supermajority=kind in SUPERMAJORITY_KINDS,
    )
