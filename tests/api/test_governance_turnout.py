"""How many have voted shows while a proposal is open (never who or how), on both databases."""

from __future__ import annotations

from typing import Any

import pytest

from cybermutual.services.container import Services
from tests.api.helpers import COLLECTIVE

P = "/collectives/riverside"


@pytest.fixture(autouse=True)
def quick_impact(services: Services) -> None:
    services.proposal_impact.seeds, services.proposal_impact.steps = 2, 8


def test_voted_so_far_counts_ballots_while_open_and_the_tally_after(member: Any) -> None:
    ada, bo, cy = (member(name) for name in ("Ada", "Bo", "Cy"))
    assert ada.post("/collectives", json=COLLECTIVE).status_code == 201
    for other in (bo, cy):
        assert other.post(f"{P}/memberships").status_code == 201
    made = ada.post(f"{P}/proposals", json={"kind": "resolution", "title": "Fair", "params": {}})
    pid = made.json()["id"]
    assert made.json()["voted_so_far"] == 0
    assert bo.post(f"{P}/proposals/{pid}/votes", json={"choice": "no"}).status_code == 200
    assert bo.post(f"{P}/proposals/{pid}/votes", json={"choice": "yes"}).status_code == 200
    seen = cy.get(f"{P}/proposals/{pid}").json()
    assert seen["voted_so_far"] == 1  # a changed vote is still one voter
    assert seen["tally"] is None  # how they voted stays hidden
    assert seen["my_vote"] is None
    listed = ada.get(f"{P}/proposals?status=open").json()["items"][0]
    assert listed["voted_so_far"] == 1
    for who in (ada, cy):
        assert who.post(f"{P}/proposals/{pid}/votes", json={"choice": "yes"}).status_code == 200
    closed = ada.get(f"{P}/proposals/{pid}").json()
    assert closed["status"] == "passed"
    assert closed["voted_so_far"] == closed["tally"]["voted"] == 3
