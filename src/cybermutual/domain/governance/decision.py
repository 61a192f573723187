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
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction

from cybermutual.domain.errors import InvalidValue
from cybermutual.domain.governance.kinds import SUPERMAJORITY_KINDS, ProposalKind
from cybermutual.domain.governance.tally import Tally

DEFAULT_QUORUM = Decimal("0.2")
DEFAULT_THRESHOLD = Decimal("0.5")
DEFAULT_SUPERMAJORITY = Decimal("0.6667")


class Reason(StrEnum):
    PASSED = "passed"
    QUORUM_NOT_MET = "quorum_not_met"
    THRESHOLD_NOT_MET = "threshold_not_met"
    TIED = "tied"


@dataclass(frozen=True, slots=True)
class Outcome:
    passed: bool
    reason: Reason


def parse_share(text: str | Decimal, *, name: str, low: Decimal, high: Decimal) -> Decimal:
    """A charter share ("0.2") as an exact decimal within ``[low, high]``, 4 decimals at most."""
    try:
        value = Decimal(str(text))
    except InvalidOperation as exc:
        raise InvalidValue(f"{name} must be a decimal string", field=name) from exc
    exponent = value.as_tuple().exponent
    if (
        not value.is_finite()
        or not low <= value <= high
        or (isinstance(exponent, int) and exponent < -4)
    ):
        raise InvalidValue(
            f"{name} must be from {low} to {high} with at most 4 decimals", field=name
        )
    return value.normalize() if value else Decimal(0)


@dataclass(frozen=True, slots=True)
class VotingRules:
    """The charter's voting rules."""

    quorum: Decimal = DEFAULT_QUORUM
    threshold: Decimal = DEFAULT_THRESHOLD
    supermajority: Decimal = DEFAULT_SUPERMAJORITY

    def __post_init__(self) -> None:
        one, zero, half = Decimal(1), Decimal(0), Decimal("0.5")
        object.__setattr__(
            self, "quorum", parse_share(self.quorum, name="quorum", low=zero, high=one)
        )
        object.__setattr__(
            self,
            "threshold",
            parse_share(self.threshold, name="threshold", low=half, high=Decimal("0.99")),
        )
        object.__setattr__(
            self,
            "supermajority",
            parse_share(self.supermajority, name="supermajority", low=half, high=Decimal("0.99")),
        )

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
