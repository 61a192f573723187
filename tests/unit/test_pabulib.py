"""The Pabulib format: what we write reads back the same, and bad files say what is wrong."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

from cybermutual.domain.errors import InvalidValue
from cybermutual.domain.governance.budgeting import decide
from cybermutual.domain.governance.pabulib import parse_pabulib, write_pabulib
from tests.budgeting_helpers import WIELICZKA_LIKE, elections, pabutools_outcome


def test_reads_a_file_with_its_metadata_and_extra_columns() -> None:
    parsed = parse_pabulib(WIELICZKA_LIKE)
    election = parsed.election
    assert election.budget == 10
    assert [(p.id, p.cost, p.name) for p in election.projects] == [
        ("a", 6, "Playground"), ("b", 4, "Benches"), ("c", 5, "Trees")
    ]  # fmt: skip
    assert election.voter_ids == ("1", "2", "3", "4")
    assert election.approvals.tolist() == [
        [True, True, False], [True, False, False], [False, True, True], [False, False, True]
    ]  # fmt: skip
    assert parsed.meta["unit"] == "Wieliczka"
    assert parsed.project_fields["a"]["category"] == "education,sport"
    assert parsed.voter_fields["1"] == {"age": "30", "sex": "F"}
    assert parsed.voter_fields["3"] == {"age": "", "sex": ""}
    assert decide(election).selected == ("b",)


def test_round_trip_keeps_everything() -> None:
    parsed = parse_pabulib(WIELICZKA_LIKE)
    text = write_pabulib(
        parsed.election,
        meta=parsed.meta,
        project_fields=parsed.project_fields,
        voter_fields=parsed.voter_fields,
    )
    again = parse_pabulib(text)
    assert again.meta == {**parsed.meta, "budget": "10"}
    assert again.project_fields == parsed.project_fields
    assert again.voter_fields == parsed.voter_fields
    assert again.election.voter_ids == parsed.election.voter_ids
    assert np.array_equal(again.election.approvals, parsed.election.approvals)
    assert (
        write_pabulib(
            again.election,
            meta=again.meta,
            project_fields=again.project_fields,
            voter_fields=again.voter_fields,
        )
        == text
    )


@given(elections())
def test_any_election_round_trips_and_pabutools_reads_it_the_same(election: object) -> None:
    from pabutools.election.pabulib import parse_pabulib_from_string

    from cybermutual.domain.governance.budgeting import BudgetElection

    assert isinstance(election, BudgetElection)
    text = write_pabulib(election)
    again = parse_pabulib(text).election
    assert again.budget == election.budget
    assert again.projects == election.projects
    assert np.array_equal(again.approvals, election.approvals)
    instance, profile = parse_pabulib_from_string(text)  # the reference reader agrees
    assert instance.budget_limit == election.budget
    assert len(profile) == election.voters
    assert sorted(decide(again).selected) == pabutools_outcome(election, "equal_shares", "add1")


def replace(old: str, new: str) -> str:
    assert old in WIELICZKA_LIKE
    return WIELICZKA_LIKE.replace(old, new)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no META section"),
        ("hello;world\n", "expected META, PROJECTS or VOTES first"),
        (WIELICZKA_LIKE.split("VOTES")[0], "no VOTES section"),
        (replace("budget;10,00", "budget;ten"), "the budget is not a number"),
        (replace("budget;10,00", "budget;10.5"), "whole, non-negative"),
        (replace("budget;10,00\n", ""), "META has no budget"),
        (replace("vote_type;approval", "vote_type;cumulative"), "only approval ballots"),
        (replace("b;4;2;Benches", "b;-4;2;Benches"), "cost of project 'b'"),
        (replace("c;5.0;2", "c;0;2"), "between 1"),
        (replace("c;5.0;2", "a;5.0;2"), "project 'a' appears twice"),
        (replace("project_id;cost", "project_id;price"), "PROJECTS has no cost column"),
        (replace("4;c;22;F", "4;d;22;F"), "line 22: voter '4' approves unknown project 'd'"),
        (replace("4;c;22;F", "3;c;22;F"), "voter '3' votes twice"),
        (replace("2;a;41;M", "2;a,a;41;M"), "approves a project twice"),
        (replace("num_votes;4", "num_votes;5"), "num_votes=5 but the file has 4"),
        (replace("1;a,b;30;F", "1;a,b;30;F;extra"), "5 fields where the VOTES header has 4"),
        (WIELICZKA_LIKE + "META\nkey;value\n", "section META appears twice"),
    ],
)
def test_bad_files_are_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        parse_pabulib(text)


def test_windows_line_endings_read_the_same() -> None:
    unix, windows = (
        parse_pabulib(WIELICZKA_LIKE),
        parse_pabulib(WIELICZKA_LIKE.replace("\n", "\r\n")),
    )
    assert windows.meta == unix.meta
    assert windows.election.projects == unix.election.projects
    assert windows.voter_fields == unix.voter_fields
    assert np.array_equal(windows.election.approvals, unix.election.approvals)
