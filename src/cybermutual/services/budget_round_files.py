"""Budget rounds to and from Pabulib files: what a file becomes when imported (a round closed
for input, decided at once) and what a closed round's export says (its projects and counted
ballots, voters numbered, never named)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cybermutual.domain.collective import Collective
from cybermutual.domain.errors import InvalidValue
from cybermutual.domain.governance import budget_rounds as rules
from cybermutual.domain.governance.budget_rounds import BudgetRound, RoundProject, RoundStatus
from cybermutual.domain.governance.budgeting import RULES, BudgetElection, BudgetProject
from cybermutual.domain.governance.pabulib import parse_pabulib, write_pabulib
from cybermutual.services.budget_round_closing import decide_round

MAX_IMPORTED_ID = 64
#: META keys the writer computes from the election itself
_WRITTEN_META = ("num_projects", "num_votes", "budget", "vote_type")


@dataclass(frozen=True, slots=True)
class ImportedRound:
    round: BudgetRound  # closed, with its result
    projects: list[RoundProject]
    ballots: dict[str, list[str]]  # the file's voter id -> approved project ids
    meta: dict[str, str]  # the file's other META keys, kept for the export


def imported_round(
    text: str, *, round_id: str, collective_id: str, importer: str, now: datetime
) -> ImportedRound:
    """A Pabulib file as a round closed for input, decided at once at an increment of 1. Its
    voters are the file's, not members; it moves no money (``funded: false``)."""
    parsed = parse_pabulib(text)
    election = parsed.election
    _check_ids(election)
    if election.budget < 1:
        raise InvalidValue("the file's budget must be at least 1", field="pabulib")
    meta = dict(parsed.meta)
    rule = meta.get("rule", "equal_shares")
    title = " ".join((meta.get("description") or meta.get("instance") or "").split())
    projects = [
        RoundProject(
            id=p.id,
            round_id=round_id,
            name=(" ".join((p.name or p.id).split()) or p.id)[: rules.MAX_NAME],
            cost=p.cost,
            description=parsed.project_fields.get(p.id, {}).get("description", "")[
                : rules.MAX_DESCRIPTION
            ],
            proposed_by=None,
            service_id=None,
            created_at=now,
        )
        for p in election.projects
    ]
    ids = [p.id for p in election.projects]
    ballots = {
        voter: [ids[j] for j in election.approvals[v].nonzero()[0]]
        for v, voter in enumerate(election.voter_ids)
    }
    opened = BudgetRound(
        id=round_id,
        collective_id=collective_id,
        title=title[: rules.MAX_TITLE] or "Imported budget",
        budget=election.budget,
        rule=rule if rule in RULES else "equal_shares",
        status=RoundStatus.OPEN,
        opened_by=importer,
        opens_at=now,
        closes_at=now,
        source="import",
    )
    outcome, decided = decide_round(
        opened, projects, {v: a for v, a in ballots.items() if a}, increment=1
    )
    result = rules.result_of(
        outcome,
        election=decided,
        names={p.id: p.name for p in projects},
        funded=False,
        funded_reason="imported for study: an imported round moves no money",
    )
    result["effects"] = []
    result["eligible"] = election.voters
    closed = rules.close(opened, result=result, now=now)
    extra = {k: v for k, v in meta.items() if k not in _WRITTEN_META}
    return ImportedRound(closed, projects, ballots, extra)


def exported_text(
    collective: Collective,
    budget_round: BudgetRound,
    *,
    result: dict[str, Any],
    projects: list[RoundProject],
    ballots: dict[str, list[str]],
    meta: dict[str, str],
) -> str:
    """A closed round as a Pabulib file. A round of this collective lists the ballots its close
    counted, voters numbered in an order derived from the round and their id (so the file says
    how many approved what, never who); an imported one, its file's voters as they were."""
    imported = budget_round.source == "import"
    if imported:
        voter_ids = sorted(ballots)
        labels = voter_ids
    else:
        counted = set(result.get("voter_shares", {}))
        voter_ids = sorted(
            (v for v in ballots if v in counted), key=lambda v: _pseudonym(budget_round.id, v)
        )
        labels = [str(n) for n in range(1, len(voter_ids) + 1)]
    election = BudgetElection.of(
        budget=budget_round.budget,
        projects=[BudgetProject(p.id, p.cost, p.name) for p in projects],
        ballots=[ballots[v] for v in voter_ids],
        voter_ids=labels,
    )
    increment = 1 if imported else 10**collective.currency.decimals
    header = {
        **meta,
        "description": budget_round.title,
        "unit": meta.get("unit", collective.name),
        "instance": meta.get("instance", budget_round.id),
        "currency": meta.get("currency", collective.currency.code),
        "rule": budget_round.rule,
        "add1_increment": str(increment),
    }
    return write_pabulib(
        election,
        meta=header,
        project_fields={p.id: {"description": p.description} for p in projects},
    )


def _pseudonym(round_id: str, voter: str) -> str:
    return hashlib.sha256(f"{round_id}:{voter}".encode()).hexdigest()


def _check_ids(election: BudgetElection) -> None:
    for what, ids in (
        ("project", [p.id for p in election.projects]),
        ("voter", list(election.voter_ids)),
    ):
        for value in ids:
            if len(value) > MAX_IMPORTED_ID:
                raise InvalidValue(
                    f"{what} id {value[:20]}... is longer than {MAX_IMPORTED_ID} characters",
                    field="pabulib",
                )
