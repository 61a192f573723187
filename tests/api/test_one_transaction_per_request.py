"""A request is one service call in one unit of work: finding a task's current assignment and
acting on it cannot be split by another request, and a profile is read from one snapshot (#10)."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cybermutual.services.collectives import CollectiveService
from cybermutual.services.container import Services
from cybermutual.services.market import MarketService
from cybermutual.services.ports import UnitOfWork, UnitOfWorkFactory
from tests.api.helpers import M, join_riverside


class CountingUnitsOfWork:
    """The same factory, recording each unit of work opened (``True`` for a read-only one)."""

    def __init__(self, inner: UnitOfWorkFactory) -> None:
        self.inner = inner
        self.opened: list[bool] = []

    def __call__(self, *, readonly: bool = False) -> UnitOfWork:
        self.opened.append(readonly)
        return self.inner(readonly=readonly)


@pytest.fixture
def counted(client: TestClient, services: Services) -> CountingUnitsOfWork:
    """The app's market and collective services open their units of work through a counter."""
    counter = CountingUnitsOfWork(services.uow)
    counted_services = replace(
        services,
        market=MarketService(counter, clock=services.clock, rng=random.Random(1)),
        collectives=CollectiveService(counter, clock=services.clock),
    )
    client.app.state.services = counted_services  # type: ignore[attr-defined]
    return counter


def _assigned_task(member: Any) -> tuple[Any, Any, str]:
    ada, bo, *_jury = join_riverside(member, "Ada", "Bo", "Cy", "Di", "Ed")
    tid = ada.post(f"{M}/tasks", json={"title": "Mow", "category": "home", "reward": 200}).json()
    application = bo.post(f"{M}/tasks/{tid['id']}/applications", json={}).json()
    assigned = ada.post(
        f"{M}/tasks/{tid['id']}/assign", key="as", json={"application_id": application["id"]}
    )
    assert assigned.status_code == 201, assigned.text
    return ada, bo, tid["id"]


def test_submitting_and_approving_a_task_is_one_unit_of_work_each(
    member: Any, counted: CountingUnitsOfWork
) -> None:
    ada, bo, task = _assigned_task(member)
    counted.opened.clear()
    assert bo.post(f"{M}/tasks/{task}/submit").json()["status"] == "delivered"
    assert counted.opened == [False]
    counted.opened.clear()
    assert ada.post(f"{M}/tasks/{task}/approve", key="ap").json()["status"] == "completed"
    assert counted.opened == [False]


def test_disputing_a_task_is_one_unit_of_work(member: Any, counted: CountingUnitsOfWork) -> None:
    ada, _bo, task = _assigned_task(member)
    counted.opened.clear()
    disputed = ada.post(f"{M}/tasks/{task}/dispute", key="d", json={"reason": "Not mown"})
    assert disputed.status_code == 201, disputed.text
    assert disputed.json()["order"]["status"] == "disputed"
    assert counted.opened == [False]
    again = ada.post(f"{M}/tasks/{task}/dispute", key="d", json={"reason": "Not mown"})
    assert again.json()["id"] == disputed.json()["id"]  # a retry replays


def test_a_member_profile_is_read_in_one_unit_of_work(
    member: Any, counted: CountingUnitsOfWork
) -> None:
    ada, bo, _task = _assigned_task(member)
    offer = {"kind": "offer", "title": "Bread", "category": "food", "price": 300}
    assert ada.post(f"{M}/listings", json=offer).status_code == 201
    counted.opened.clear()
    profile = bo.get(f"{M}/members/{ada.id}")
    assert profile.status_code == 200, profile.text
    assert profile.json()["display_name"] == "Ada"
    assert [item["title"] for item in profile.json()["listings"]] == ["Bread"]
    assert profile.json()["reputation"]["count"] == 0
    assert counted.opened == [True]
