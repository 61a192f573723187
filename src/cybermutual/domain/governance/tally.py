"""Counting a proposal's votes, with liquid delegation.

Each eligible voter counts at most once. A direct ballot (the latest one cast before the close)
always counts as itself. A voter without one counts with the final choice of their delegate,
followed transitively along delegations until someone who voted directly; a chain that runs into
a cycle, or ends at someone who neither voted nor delegated, counts as not voting. Ballots of
anyone who is not eligible are ignored (a delegation may pass *through* such a person to an
eligible voter further along, because delegation is about trust, not eligibility).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from fractions import Fraction
from typing import Any


class Choice(StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


@dataclass(frozen=True, slots=True)
class Ballot:
    voter: str
    choice: Choice
    cast_at: datetime


@dataclass(frozen=True, slots=True)
class Counts:
    yes: int = 0
    no: int = 0
    abstain: int = 0

    @property
    def total(self) -> int:
        return self.yes + self.no + self.abstain

    def plus(self, choice: Choice) -> Counts:
        return Counts(
            self.yes + (choice is Choice.YES),
            self.no + (choice is Choice.NO),
            self.abstain + (choice is Choice.ABSTAIN),
        )

    def as_dict(self) -> dict[str, int]:
        return {"yes": self.yes, "no": self.no, "abstain": self.abstain}


@dataclass(frozen=True, slots=True)
class Tally:
    """The public count after the close: direct and delegated votes, and the eligible total."""

    direct: Counts
    delegated: Counts
    eligible: int

    @property
    def yes(self) -> int:
        return self.direct.yes + self.delegated.yes

    @property
    def no(self) -> int:
        return self.direct.no + self.delegated.no

    @property
    def abstain(self) -> int:
        return self.direct.abstain + self.delegated.abstain

    @property
    def voted(self) -> int:
        return self.direct.total + self.delegated.total

    @property
    def turnout(self) -> Fraction:
        return Fraction(self.voted, self.eligible) if self.eligible else Fraction(0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "yes": self.yes,
            "no": self.no,
            "abstain": self.abstain,
            "eligible": self.eligible,
            "voted": self.voted,
            "turnout": _decimal_text(self.turnout),
            "direct": self.direct.as_dict(),
            "delegated": self.delegated.as_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Tally:
        return cls(
            Counts(**data["direct"]), Counts(**data["delegated"]), eligible=int(data["eligible"])
        )


def _decimal_text(value: Fraction, places: int = 4) -> str:
    """A fraction rounded half-up to ``places`` decimals, as a string ("0.6667")."""
    scaled = (value.numerator * 10**places * 2 + value.denominator) // (2 * value.denominator)
    whole, rest = divmod(scaled, 10**places)
    return f"{whole}.{rest:0{places}d}"


def latest_ballots(
    ballots: Iterable[Ballot], *, eligible: Set[str], closes_at: datetime, at: datetime
) -> dict[str, Choice]:
    """Each eligible voter's latest ballot cast before the close and no later than ``at``."""
    latest: dict[str, Ballot] = {}
    for ballot in ballots:
        if ballot.voter not in eligible or ballot.cast_at >= closes_at or ballot.cast_at > at:
            continue
        seen = latest.get(ballot.voter)
        if seen is None or ballot.cast_at >= seen.cast_at:
            latest[ballot.voter] = ballot
    return {voter: ballot.choice for voter, ballot in latest.items()}


def resolve(
    voters: Iterable[str], *, direct: Mapping[str, Choice], delegations: Mapping[str, str]
) -> dict[str, Choice | None]:
    """The choice each voter counts with: their own, their delegate chain's, or None.

    Linear in the number of people on the chains: each chain is walked once and every person on
    it remembers the answer.
    """
    known: dict[str, Choice | None] = dict(direct)
    for voter in voters:
        path: list[str] = []
        on_path: set[str] = set()
        current: str | None = voter
        answer: Choice | None = None
        while current is not None:
            if current in known:
                answer = known[current]
                break
            if current in on_path:  # a cycle: nobody on it voted
                answer = None
                break
            path.append(current)
            on_path.add(current)
            current = delegations.get(current)
        for person in path:
            known[person] = answer
    return {voter: known.get(voter) for voter in voters}


def count(
    *,
    eligible: Set[str],
    ballots: Iterable[Ballot],
    delegations: Mapping[str, str],
    closes_at: datetime,
    at: datetime,
) -> Tally:
    """The tally at ``at`` (the close): every eligible voter counted at most once."""
    direct = latest_ballots(ballots, eligible=eligible, closes_at=closes_at, at=at)
    choices = resolve(sorted(eligible), direct=direct, delegations=delegations)
    own, delegated = Counts(), Counts()
    for voter, choice in choices.items():
        if choice is None:
            continue
        if voter in direct:
            own = own.plus(choice)
        else:
            delegated = delegated.plus(choice)
    return Tally(own, delegated, eligible=len(eligible))


def everyone_counted(tally: Tally) -> bool:
    """Every eligible voter voted, directly or through a delegate."""
    return tally.eligible > 0 and tally.voted == tally.eligible
