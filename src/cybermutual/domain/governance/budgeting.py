"""Participatory budgeting: which proposed projects the fund pays for, by approval ballots.

Pure: standard library and numpy, no I/O. Amounts are whole units (minor units for a
collective's currency, the file's unit for a Pabulib file); every decision is exact
(``fractions.Fraction``), floats only search. Entry points::

    BudgetElection.of(budget=..., projects=[BudgetProject(id, cost)], ballots=[[ids], ...])
    decide(election, rule="equal_shares", completion="add1", increment=1) -> Outcome
    outcome.projects      # per project: selected or not, and why
    outcome.voter_share(i)  # what voter i paid toward which winners

Rules, both equal to pabutools' (``method_of_equal_shares`` with ``Cost_Sat`` and
``voter_budget_increment=1`` or none; ``greedy_utilitarian_welfare`` with ``Cost_Sat``):

- ``equal_shares``: the method of equal shares with cost utilities (:mod:`.equal_shares`).
  Completion ``add1`` reruns it with every voter's share raised by ``increment`` until the
  outcome spends all it can (no unselected approved project fits in what is left) or would
  overspend; in the second case the last outcome within the budget stands.
- ``greedy``: projects by number of approvals, most first, each bought if it still fits.

Ties go to the smallest project id in Python string order (``"10" < "9"``). One deliberate
difference from pabutools: a project no one approved is never bought (pabutools' greedy buys
it from leftover money); everything else is the same outcome on every instance.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal, get_args

import numpy as np
from numpy.typing import NDArray

from cybermutual.domain.errors import InvalidValue
from cybermutual.domain.governance.equal_shares import (
    EqualSharesEngine,
    Run,
    voter_payments,
)

Rule = Literal["equal_shares", "greedy"]
Completion = Literal["add1", "none"]
RULES: tuple[str, ...] = get_args(Rule)
COMPLETIONS: tuple[str, ...] = get_args(Completion)
#: Largest budget or cost accepted: exact in a float64, so the float search stays sound.
MAX_AMOUNT = 10**15
#: add1 raises of the share tried before giving up (each is one run of the rule).
MAX_COMPLETION_STEPS = 10_000
FORBIDDEN_IN_IDS = (";", ",", "\n", "\r", '"')


@dataclass(frozen=True, slots=True)
class BudgetProject:
    """A proposed project and what it costs, in whole units."""

    id: str
    cost: int
    name: str = ""


@dataclass(frozen=True, eq=False)
class BudgetElection:
    """A budget round's input: the fund, the projects and one approval ballot per voter.

    ``approvals[v, j]`` says whether voter ``v`` approves ``projects[j]`` (read-only).
    """

    budget: int
    projects: tuple[BudgetProject, ...]
    approvals: NDArray[np.bool_]
    voter_ids: tuple[str, ...]

    @classmethod
    def of(
        cls,
        *,
        budget: int,
        projects: Sequence[BudgetProject],
        ballots: Sequence[Iterable[str]],
        voter_ids: Sequence[str] | None = None,
    ) -> BudgetElection:
        """Validate and build; ``ballots[v]`` lists the project ids voter ``v`` approves."""
        index = {p.id: j for j, p in enumerate(projects)}
        matrix = np.zeros((len(ballots), len(projects)), dtype=bool)
        ids = _voter_ids(voter_ids, len(ballots))
        for v, ballot in enumerate(ballots):
            for project_id in ballot:
                j = index.get(project_id)
                if j is None:
                    raise InvalidValue(f"voter {ids[v]} approves unknown project {project_id!r}")
                if matrix[v, j]:
                    raise InvalidValue(f"voter {ids[v]} approves project {project_id!r} twice")
                matrix[v, j] = True
        return cls.from_matrix(budget=budget, projects=projects, approvals=matrix, voter_ids=ids)

    @classmethod
    def from_matrix(
        cls,
        *,
        budget: int,
        projects: Sequence[BudgetProject],
        approvals: NDArray[np.bool_],
        voter_ids: Sequence[str] | None = None,
    ) -> BudgetElection:
        """Validate and build from a (voters x projects) boolean matrix."""
        _check_amount("the budget", budget, minimum=0)
        seen: set[str] = set()
        for project in projects:
            if not isinstance(project.id, str) or not project.id.strip():
                raise InvalidValue("every project needs a non-empty id")
            if project.id != project.id.strip() or any(c in project.id for c in FORBIDDEN_IN_IDS):
                raise InvalidValue(
                    f"project id {project.id!r} may not contain ; , quotes, line breaks "
                    "or surrounding spaces"
                )
            if project.id in seen:
                raise InvalidValue(f"project id {project.id!r} appears twice")
            seen.add(project.id)
            _check_amount(f"the cost of project {project.id!r}", project.cost, minimum=1)
        matrix = np.asarray(approvals)
        if matrix.dtype != np.bool_ or matrix.ndim != 2 or matrix.shape[1] != len(projects):
            raise InvalidValue("approvals must be a boolean matrix of voters x projects")
        ids = _voter_ids(voter_ids, matrix.shape[0])
        matrix = matrix.copy()
        matrix.setflags(write=False)
        return cls(int(budget), tuple(projects), matrix, ids)

    @property
    def voters(self) -> int:
        return int(self.approvals.shape[0])


@dataclass(frozen=True, slots=True)
class ProjectVerdict:
    """Why a project was or was not funded, as data and as one sentence."""

    id: str
    cost: int
    approvals: int
    selected: bool
    reason: Literal["selected", "no_supporters", "unaffordable", "did_not_fit"]
    detail: str
    round: int | None = None  # 1-based position in the order of purchase
    rho: Fraction | None = None  # equal shares: what a supporter paid per unit of cost
    price_per_supporter: Fraction | None = None  # equal shares: the most any supporter paid
    supporters_remaining: Fraction | None = None  # equal shares: their shares left at the end


@dataclass(frozen=True, slots=True)
class VoterShare:
    """What one voter paid, from their equal share, toward each winner they approved."""

    voter: str
    share: Fraction | None  # None under greedy, which charges no shares
    paid: tuple[tuple[str, Fraction], ...]
    approved_winners: tuple[str, ...]

    @property
    def total_paid(self) -> Fraction:
        return sum((amount for _, amount in self.paid), Fraction(0))


@dataclass(frozen=True, eq=False)
class Outcome:
    """A closed budget round: the winners, why each project won or lost, who paid what."""

    rule: Rule
    completion: Completion
    budget: int
    selected: tuple[str, ...]  # in order of purchase
    cost: int
    projects: tuple[ProjectVerdict, ...]
    share: Fraction | None  # equal shares: the share per voter the outcome was decided at
    completion_steps: int  # how many times add1 raised the share
    stopped_because: str
    _election: BudgetElection = field(repr=False)
    _engine: EqualSharesEngine | None = field(repr=False)
    _run: Run | None = field(repr=False)
    _group_of: NDArray[np.int64] | None = field(repr=False)

    def voter_share(self, voter: int) -> VoterShare:
        """Voter ``voter`` (a position in the election's ballots)."""
        election = self._election
        if not 0 <= voter < election.voters:
            raise InvalidValue(f"there is no voter {voter}")
        ids = [p.id for p in election.projects]
        position = {project_id: j for j, project_id in enumerate(ids)}
        approved = tuple(s for s in self.selected if election.approvals[voter, position[s]])
        if self._engine is None or self._run is None or self._group_of is None:
            return VoterShare(election.voter_ids[voter], None, (), approved)
        paid = voter_payments(self._engine, self._run, int(self._group_of[voter]))
        return VoterShare(
            election.voter_ids[voter],
            self._run.share,
            tuple((ids[j], amount) for j, amount in paid),
            approved,
        )

    def voter_shares(self) -> Iterator[VoterShare]:
        """Every voter's share, in ballot order (computed one at a time)."""
        return (self.voter_share(v) for v in range(self._election.voters))

    def as_dict(self) -> dict[str, object]:
        """The summary ``cybermutual budget`` prints."""
        return {"selected": list(self.selected), "cost": self.cost, "rule": self.rule}


def decide(
    election: BudgetElection,
    *,
    rule: Rule = "equal_shares",
    completion: Completion = "add1",
    increment: int = 1,
    max_steps: int = MAX_COMPLETION_STEPS,
) -> Outcome:
    """Close a budget round under ``rule`` (``completion`` applies to equal shares only)."""
    if rule not in RULES:
        raise InvalidValue(f"unknown rule {rule!r}: choose one of {', '.join(RULES)}")
    if completion not in COMPLETIONS:
        raise InvalidValue(
            f"unknown completion {completion!r}: choose one of {', '.join(COMPLETIONS)}"
        )
    _check_amount("the increment", increment, minimum=1)
    if rule == "greedy":
        return greedy(election)
    return equal_shares(election, completion=completion, increment=increment, max_steps=max_steps)


def greedy(election: BudgetElection) -> Outcome:
    """Most approvals first, each project bought if it fits in what is left."""
    counts = election.approvals.sum(axis=0).astype(np.int64)
    order = sorted(
        range(len(election.projects)), key=lambda j: (-counts[j], election.projects[j].id)
    )
    left = election.budget
    verdicts: dict[int, ProjectVerdict] = {}
    selected: list[str] = []
    for j in order:
        project, approvals = election.projects[j], int(counts[j])
        if approvals == 0:
            verdicts[j] = _no_supporters(project)
        elif project.cost <= left:
            left -= project.cost
            selected.append(project.id)
            verdicts[j] = ProjectVerdict(
                project.id, project.cost, approvals, True, "selected",
                f"selected {_ordinal(len(selected))}: {approvals} approvals, and its cost "
                f"{project.cost} fitted in the {left + project.cost} left",
                round=len(selected),
            )  # fmt: skip
        else:
            verdicts[j] = ProjectVerdict(
                project.id, project.cost, approvals, False, "did_not_fit",
                f"{approvals} approvals, but its cost {project.cost} did not fit in the "
                f"{left} left when its turn came",
            )  # fmt: skip
    return Outcome(
        rule="greedy",
        completion="none",
        budget=election.budget,
        selected=tuple(selected),
        cost=election.budget - left,
        projects=tuple(verdicts[j] for j in range(len(election.projects))),
        share=None,
        completion_steps=0,
        stopped_because="every project was considered once",
        _election=election,
        _engine=None,
        _run=None,
        _group_of=None,
    )


def equal_shares(
    election: BudgetElection,
    *,
    completion: Completion = "add1",
    increment: int = 1,
    max_steps: int = MAX_COMPLETION_STEPS,
) -> Outcome:
    """The method of equal shares with cost utilities, completed by ``add1`` or not at all.

    add1 can need as many raises as there are units between the first share and the largest
    cost (a fund counted in cents with few voters); past ``max_steps`` raises it is refused
    with :class:`InvalidValue` rather than left running: pass a larger ``increment``."""
    approvals, weights, group_of = group_ballots(election.approvals)
    projects = election.projects
    engine = EqualSharesEngine(
        approvals, weights, tuple(p.cost for p in projects), tuple(p.id for p in projects)
    )
    if election.voters == 0:
        share = Fraction(0)
        return _mes_outcome(
            election, engine, Run(share, (), None), group_of, completion, 0, "no voters"
        )
    share = Fraction(election.budget, election.voters)
    run = engine.run(share)
    steps = 0
    if completion == "none":
        return _mes_outcome(election, engine, run, group_of, completion, 0, "no completion asked")
    costs = engine.costs
    while True:
        bought = {p.project for p in run.purchases}
        spent = sum(costs[j] for j in bought)
        left = election.budget - spent
        if all(costs[j] > left for j in engine.candidates if j not in bought):
            reason = (
                f"exhaustive at a share of {_show(run.share)}: no other approved project fits "
                f"in the {left} left"
            )
            return _mes_outcome(election, engine, run, group_of, completion, steps, reason)
        following = engine.run(run.share + increment)
        following_cost = sum(costs[p.project] for p in following.purchases)
        if following_cost > election.budget:
            reason = (
                f"raising the share to {_show(following.share)} would select projects costing "
                f"{following_cost}, over the budget of {election.budget}"
            )
            return _mes_outcome(election, engine, run, group_of, completion, steps, reason)
        run, steps = following, steps + 1
        if steps >= max_steps:
            raise InvalidValue(
                f"add1 did not settle within {max_steps} raises of the share by {increment}; "
                "raise the share by a larger increment"
            )


def group_ballots(
    approvals: NDArray[np.bool_],
) -> tuple[NDArray[np.bool_], NDArray[np.int64], NDArray[np.int64]]:
    """Identical ballots as one row: ``(distinct rows, voters per row, row of each voter)``."""
    voters, projects = approvals.shape
    if voters == 0:
        return approvals.copy(), np.zeros(0, np.int64), np.zeros(0, np.int64)
    packed = np.ascontiguousarray(np.packbits(approvals, axis=1))
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel() if projects else None
    if keys is None:
        return approvals[:1].copy(), np.array([voters], np.int64), np.zeros(voters, np.int64)
    _, first, inverse, counts = np.unique(
        keys, return_index=True, return_inverse=True, return_counts=True
    )
    return approvals[first], counts.astype(np.int64), inverse.ravel().astype(np.int64)


def _mes_outcome(
    election: BudgetElection,
    engine: EqualSharesEngine,
    run: Run,
    group_of: NDArray[np.int64],
    completion: Completion,
    steps: int,
    stopped_because: str,
) -> Outcome:
    verdicts: dict[int, ProjectVerdict] = {}
    for position, purchase in enumerate(run.purchases, start=1):
        project = election.projects[purchase.project]
        verdicts[purchase.project] = ProjectVerdict(
            project.id, project.cost, engine.support[purchase.project], True, "selected",
            f"selected in round {position} at rho={_show(purchase.rho)}: its supporters paid "
            f"at most {_show(purchase.price)} each",
            round=position, rho=purchase.rho, price_per_supporter=purchase.price,
        )  # fmt: skip
    for j, project in enumerate(election.projects):
        if j in verdicts:
            continue
        if engine.support[j] == 0:
            verdicts[j] = _no_supporters(project)
            continue
        left = run.remaining(j)
        verdicts[j] = ProjectVerdict(
            project.id, project.cost, engine.support[j], False, "unaffordable",
            f"its supporters' remaining shares ({_show(left)}) could not cover its cost "
            f"({project.cost})",
            supporters_remaining=left,
        )  # fmt: skip
    chosen = tuple(election.projects[p.project].id for p in run.purchases)
    return Outcome(
        rule="equal_shares",
        completion=completion,
        budget=election.budget,
        selected=chosen,
        cost=sum(election.projects[p.project].cost for p in run.purchases),
        projects=tuple(verdicts[j] for j in range(len(election.projects))),
        share=run.share,
        completion_steps=steps,
        stopped_because=stopped_because,
        _election=election,
        _engine=engine,
        _run=run,
        _group_of=group_of,
    )


def _no_supporters(project: BudgetProject) -> ProjectVerdict:
    return ProjectVerdict(project.id, project.cost, 0, False, "no_supporters", "no one approved it")


def _check_amount(what: str, value: object, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InvalidValue(f"{what} must be a whole number, not {value!r}")
    if not minimum <= int(value) <= MAX_AMOUNT:
        raise InvalidValue(f"{what} must be between {minimum} and {MAX_AMOUNT}, not {value}")


def _voter_ids(voter_ids: Sequence[str] | None, voters: int) -> tuple[str, ...]:
    if voter_ids is None:
        return tuple(str(v + 1) for v in range(voters))
    ids = tuple(str(v) for v in voter_ids)
    if len(ids) != voters:
        raise InvalidValue(f"{len(ids)} voter ids for {voters} ballots")
    if len(set(ids)) != len(ids):
        raise InvalidValue("voter ids must be unique")
    return ids


def _show(value: Fraction) -> str:
    """A fraction as a person reads it: exact when short, else a decimal."""
    if value.denominator == 1:
        return str(value.numerator)
    text = str(value)
    return text if len(text) <= 15 else f"{float(value):.6g}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
