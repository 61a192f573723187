"""The Pabulib file format (``.pb``): read and write approval elections as text.

A file has three sections, each a semicolon-separated table under its header line::

    META                      PROJECTS                      VOTES
    key;value                 project_id;cost;name;...      voter_id;vote;...
    budget;2500               1;600;Playground             1;1,3
    vote_type;approval        ...                           ...

``parse_pabulib(text)`` returns a :class:`PabulibFile`; ``write_pabulib(...)`` the text. Both
are pure (text in, text out). A file this module cannot trust (a missing section or column, a
cost or budget that is not a whole number, a vote for an unknown project, counts that disagree
with ``num_projects``/``num_votes``, ballots other than approval) is refused with
:class:`InvalidValue` naming the line. Other META keys and extra project and voter columns are
kept as text, so a file read and written again says the same.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from cybermutual.domain.errors import InvalidValue
from cybermutual.domain.governance.budgeting import BudgetElection, BudgetProject

SECTIONS = ("meta", "projects", "votes")
APPROVAL_TYPES = ("approval", "choose-1")
_WHOLE = re.compile(r"^\d+(?:[.,]0*)?$")


@dataclass(frozen=True, eq=False)
class PabulibFile:
    """An approval election and everything else the file said about it."""

    election: BudgetElection
    meta: dict[str, str]
    project_fields: dict[str, dict[str, str]] = field(default_factory=dict)  # id -> column -> text
    voter_fields: dict[str, dict[str, str]] = field(default_factory=dict)  # voter -> column -> text


def parse_pabulib(text: str) -> PabulibFile:
    """Read a Pabulib file's text (approval ballots only)."""
    sections: dict[str, tuple[list[str], list[tuple[int, list[str]]]]] = {}
    current: str | None = None
    rows = csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";")
    expect_header = False
    try:
        for row in rows:
            line = rows.line_num
            if not row or all(not cell.strip() for cell in row):
                continue
            name = row[0].strip().lower()
            if name in SECTIONS and all(not cell.strip() for cell in row[1:]):
                if name in sections:
                    raise InvalidValue(f"line {line}: section {name.upper()} appears twice")
                current, expect_header = name, True
                sections[name] = ([], [])
                continue
            if current is None:
                raise InvalidValue(f"line {line}: expected META, PROJECTS or VOTES first")
            if expect_header:
                sections[current] = ([cell.strip() for cell in row], [])
                expect_header = False
                continue
            sections[current][1].append((line, [cell.strip() for cell in row]))
    except csv.Error as error:
        raise InvalidValue(
            f"line {rows.line_num}: not a semicolon-separated table ({error})"
        ) from None
    for name in SECTIONS:
        if name not in sections:
            raise InvalidValue(f"the file has no {name.upper()} section")
    meta = _meta(sections["meta"][1])
    vote_type = meta.get("vote_type", "approval").lower()
    if vote_type not in APPROVAL_TYPES:
        raise InvalidValue(
            f"only approval ballots are supported, this file has vote_type={vote_type}"
        )
    if "budget" not in meta:
        raise InvalidValue("META has no budget")
    budget = _whole(meta["budget"], "the budget")
    projects, project_fields = _projects(*sections["projects"])
    ballots, voter_ids, voter_fields = _votes(*sections["votes"], {p.id for p in projects})
    _check_count(meta, "num_projects", len(projects))
    _check_count(meta, "num_votes", len(ballots))
    election = BudgetElection.of(
        budget=budget, projects=projects, ballots=ballots, voter_ids=voter_ids
    )
    return PabulibFile(election, meta, project_fields, voter_fields)


def write_pabulib(
    election: BudgetElection,
    *,
    meta: Mapping[str, str] | None = None,
    project_fields: Mapping[str, Mapping[str, str]] | None = None,
    voter_fields: Mapping[str, Mapping[str, str]] | None = None,
) -> str:
    """The Pabulib text of an approval election (extra META keys and columns kept)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    given = dict(meta or {})
    header = {
        "description": given.pop("description", "budget round"),
        "country": given.pop("country", ""),
        "unit": given.pop("unit", ""),
        "instance": given.pop("instance", ""),
        "num_projects": str(len(election.projects)),
        "num_votes": str(election.voters),
        "budget": str(election.budget),
        "vote_type": "approval",
        "rule": given.pop("rule", "equal_shares"),
    }
    for key in ("num_projects", "num_votes", "budget", "vote_type"):
        given.pop(key, None)
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    for key, value in {**header, **given}.items():
        writer.writerow([key, value])
    extras = {
        p.id: {**({"name": p.name} if p.name else {}), **(project_fields or {}).get(p.id, {})}
        for p in election.projects
    }
    project_columns = _columns(extras.values(), skip=("project_id", "cost", "votes"))
    writer.writerow(["PROJECTS"])
    writer.writerow(["project_id", "cost", "votes", *project_columns])
    counts = election.approvals.sum(axis=0)
    for j, project in enumerate(election.projects):
        own = extras.get(project.id, {})
        row = [project.id, str(project.cost), str(int(counts[j]))]
        writer.writerow(row + [own.get(c, "") for c in project_columns])
    voters = voter_fields or {}
    voter_columns = _columns(voters.values(), skip=("voter_id", "vote"))
    writer.writerow(["VOTES"])
    writer.writerow(["voter_id", "vote", *voter_columns])
    ids = [p.id for p in election.projects]
    for v, voter in enumerate(election.voter_ids):
        vote = ",".join(ids[j] for j in election.approvals[v].nonzero()[0])
        voter_own = voters.get(voter, {})
        writer.writerow([voter, vote] + [voter_own.get(c, "") for c in voter_columns])
    return out.getvalue()


def _meta(rows: list[tuple[int, list[str]]]) -> dict[str, str]:
    meta: dict[str, str] = {}
    for line, row in rows:
        if len(row) < 2 or not row[0]:
            raise InvalidValue(f"line {line}: a META line is key;value")
        if row[0] in meta:
            raise InvalidValue(f"line {line}: META key {row[0]!r} appears twice")
        meta[row[0]] = row[1]
    return meta


def _projects(
    header: list[str], rows: list[tuple[int, list[str]]]
) -> tuple[list[BudgetProject], dict[str, dict[str, str]]]:
    for column in ("project_id", "cost"):
        if column not in header:
            raise InvalidValue(f"PROJECTS has no {column} column")
    projects: list[BudgetProject] = []
    fields: dict[str, dict[str, str]] = {}
    seen: set[str] = set()
    for line, row in rows:
        record = _record(header, row, line, "PROJECTS")
        project_id = record["project_id"]
        if not project_id:
            raise InvalidValue(f"line {line}: a project has no project_id")
        if project_id in seen:
            raise InvalidValue(f"line {line}: project {project_id!r} appears twice")
        seen.add(project_id)
        cost = _whole(record["cost"], f"line {line}: the cost of project {project_id!r}")
        projects.append(BudgetProject(project_id, cost, record.get("name", "")))
        extra = {k: v for k, v in record.items() if k not in ("project_id", "cost", "votes")}
        if extra:
            fields[project_id] = extra
    return projects, fields


def _votes(
    header: list[str], rows: list[tuple[int, list[str]]], known: set[str]
) -> tuple[list[list[str]], list[str], dict[str, dict[str, str]]]:
    for column in ("voter_id", "vote"):
        if column not in header:
            raise InvalidValue(f"VOTES has no {column} column")
    ballots: list[list[str]] = []
    voter_ids: list[str] = []
    fields: dict[str, dict[str, str]] = {}
    seen: set[str] = set()
    for line, row in rows:
        record = _record(header, row, line, "VOTES")
        voter = record["voter_id"]
        if not voter:
            raise InvalidValue(f"line {line}: a vote has no voter_id")
        if voter in seen:
            raise InvalidValue(f"line {line}: voter {voter!r} votes twice")
        seen.add(voter)
        ballot = [p.strip() for p in record["vote"].split(",") if p.strip()]
        for project_id in ballot:
            if project_id not in known:
                raise InvalidValue(
                    f"line {line}: voter {voter!r} approves unknown project {project_id!r}"
                )
        if len(set(ballot)) != len(ballot):
            raise InvalidValue(f"line {line}: voter {voter!r} approves a project twice")
        ballots.append(ballot)
        voter_ids.append(voter)
        extra = {k: v for k, v in record.items() if k not in ("voter_id", "vote")}
        if extra:
            fields[voter] = extra
    return ballots, voter_ids, fields


def _record(header: list[str], row: list[str], line: int, section: str) -> dict[str, str]:
    if len(row) > len(header):
        raise InvalidValue(
            f"line {line}: {len(row)} fields where the {section} header has {len(header)}"
        )
    values = row + [""] * (len(header) - len(row))
    return {k: ("" if v.lower() == "none" else v) for k, v in zip(header, values, strict=True)}


def _whole(text: str, what: str) -> int:
    """A whole amount; ``1500``, ``1500.0`` and ``1500,00`` are accepted, ``1500.5`` is not."""
    cleaned = text.strip()
    if not _WHOLE.match(cleaned):
        try:
            Decimal(cleaned.replace(",", "."))
        except InvalidOperation:
            raise InvalidValue(f"{what} is not a number: {text!r}") from None
        raise InvalidValue(f"{what} must be a whole, non-negative number of units, not {text!r}")
    return int(re.split(r"[.,]", cleaned)[0])


def _check_count(meta: Mapping[str, str], key: str, actual: int) -> None:
    if key in meta and meta[key].strip():
        try:
            stated = int(meta[key])
        except ValueError:
            raise InvalidValue(f"META {key} is not a whole number: {meta[key]!r}") from None
        if stated != actual:
            raise InvalidValue(f"META says {key}={stated} but the file has {actual}")


def _columns(records: Iterable[Mapping[str, str]], *, skip: tuple[str, ...]) -> list[str]:
    columns: list[str] = []
    for record in records:
        for key in record:
            if key not in skip and key not in columns:
                columns.append(key)
    return columns
