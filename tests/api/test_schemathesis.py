"""Schemathesis against the app's own OpenAPI document, on both databases.

Every operation is called with cases generated from its schema (valid and invalid), with real
ids in its path most of the time (a seeded collective with members, an asset, a listing, an
order, a quote, a task, a round with a bid and a payment), so requests reach real objects and
not only ``404``. Whatever is sent: never a 5xx, and every error is a problem document.
Bounded: a few examples per operation and mode, well under a minute per database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.result import Err, Ok

from cybermutual.api.app import create_app
from cybermutual.bootstrap import build_services
from cybermutual.services.simulation_pool import SimulationPool
from cybermutual.store.engine import make_engine
from cybermutual.store.migrate import upgrade
from tests.api.helpers import COLLECTIVE, LATHE, Member
from tests.helpers import FAST_PASSWORDS, FakeClock, examples

EXAMPLES = 6  # per operation and generation mode
C = "/collectives/riverside"
SKIPPED = {("DELETE", "/api/v1/auth/token")}  # would log the caller out of every later case


def _seed(client: TestClient, clock: FakeClock) -> tuple[list[Member], dict[str, str]]:
    ada, bo = Member(client, "Ada"), Member(client, "Bo")
    assert ada.post("/collectives", json=COLLECTIVE).status_code == 201
    assert bo.post(f"{C}/memberships").status_code == 201
    ids = {"slug": "riverside", "member_id": bo.id}
    ids["asset_id"] = ada.post(f"{C}/assets", json=LATHE).json()["id"]
    offer = {"kind": "offer", "title": "Bread", "category": "food", "price": 30, "quantity": 50}
    ids["listing_id"] = bo.post(f"{C}/listings", json=offer).json()["id"]
    order = ada.post(f"{C}/orders", key="o1", json={"listing_id": ids["listing_id"]})
    assert order.status_code == 201, order.text
    ids["order_id"] = order.json()["id"]
    wanted = {"kind": "request", "title": "Fix a bike", "category": "repairs", "price": 100}
    request_id = ada.post(f"{C}/listings", json=wanted).json()["id"]
    quote = bo.post(f"{C}/listings/{request_id}/quotes", json={"price": 90})
    ids["quote_id"] = quote.json().get("id", "none")
    task = {"title": "Sweep the yard", "category": "repairs", "reward": 20}
    ids["task_id"] = ada.post(f"{C}/tasks", key="t1", json=task).json().get("id", "none")
    now = clock.now()
    round_ = ada.post(
        f"{C}/allocation-rounds",
        json={
            "period_start": (now + timedelta(days=2)).isoformat(),
            "period_end": (now + timedelta(days=9)).isoformat(),
            "bids_close_at": (now + timedelta(days=1)).isoformat(),
        },
    )
    ids["round_id"] = round_.json()["id"]
    bid = {"asset_id": ids["asset_id"], "max_units": 3, "output_category": "crafts"}
    ids["bid_id"] = bo.post(f"{C}/allocation-rounds/{ids['round_id']}/bids", json=bid).json()["id"]
    paid = ada.post(f"{C}/transfers", key="p1", json={"to": bo.id, "amount": 5, "memo": "tea"})
    ids["transfer_id"] = paid.json()["id"]
    coop = {"kind": "cooperative", "name": "Rye", "cofounders": [bo.id]}
    enterprise = ids["enterprise_id"] = ada.post(f"{C}/enterprises", json=coop).json()["id"]
    e = f"{C}/enterprises/{enterprise}"
    contract = ada.post(f"{e}/contracts", json={"member": bo.id, "hourly_wage": 10}).json()["id"]
    ids["contract_id"] = contract
    hours = {"contract": contract, "worked_at": now.isoformat(), "hours": "1"}
    ids["entry_id"] = bo.post(f"{e}/hours", json=hours).json()["id"]
    ends = {"ends_at": (now + timedelta(days=7)).isoformat()}
    ids["period_id"] = ada.post(f"{e}/periods", json=ends).json()["id"]
    return [ada, bo], ids


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def world(request: pytest.FixtureRequest) -> Iterator[tuple[Any, list[Member], dict[str, str]]]:
    if request.param == "sqlite":
        url = "sqlite://"
    else:
        url = request.getfixturevalue("postgres_server").create_database(
            f"schemathesis_{id(request)}"
        )
    engine = make_engine(url)
    upgrade(engine)
    clock = FakeClock()
    services = build_services(
        engine,
        clock=clock,
        passwords=FAST_PASSWORDS,
        simulation_pool=SimulationPool(workers=1, queue=2, per_member=2),
        simulation_work_limit=20_000,  # policy-impact stays cheap; larger asks are refused
    )
    app = create_app(services)
    with TestClient(app) as client:
        people, ids = _seed(client, clock)
    yield app, people, ids
    services.policy_impact.pool.shutdown()
    engine.dispose()


def _operations(app: Any) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    results = list(schema.get_all_operations())
    assert not [r.err() for r in results if isinstance(r, Err)]  # every operation loads
    found = [r.ok() for r in results if isinstance(r, Ok)]
    kept = [op for op in found if (op.method.upper(), op.path) not in SKIPPED]
    return sorted(kept, key=lambda op: (op.method.upper() == "DELETE", op.path, op.method))


def assert_sound(response: Any, label: str) -> None:
    assert response.status_code < 500, f"{label}: {response.status_code} {response.text[:500]}"
    if response.status_code >= 400:
        content_type = response.headers.get("content-type", [""])
        assert content_type[0].startswith("application/problem+json"), label
        body = response.json()
        assert {"type", "title", "status", "detail", "code"} <= body.keys(), label
        assert body["status"] == response.status_code, label
        assert re.fullmatch(r"[a-z][a-z0-9_]*", body["code"]), label


def _exercise(operation: Any, people: list[Member], ids: dict[str, str]) -> None:
    label = f"{operation.method.upper()} {operation.path}"
    strategy = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @settings(
        max_examples=examples(2) * EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, real=st.floats(0, 1), who=st.sampled_from(people))
    def call(case: Any, real: float, who: Member) -> None:
        if real < 0.85 and case.path_parameters:
            for name in case.path_parameters:
                if name in ids:
                    case.path_parameters[name] = ids[name]
        case.headers = {**(case.headers or {}), "Authorization": who.headers["Authorization"]}
        assert_sound(case.call(), label)

    call()


@pytest.mark.slow  # a long sweep: make test runs it, make test-fast leaves it out
def test_no_operation_gives_a_5xx(world: tuple[Any, list[Member], dict[str, str]]) -> None:
    app, people, ids = world
    operations = _operations(app)
    assert len(operations) >= 60
    failures: list[str] = []
    for operation in operations:
        try:
            _exercise(operation, people, ids)
        except AssertionError as exc:
            failures.append(str(exc).splitlines()[0][:400])
    assert failures == []
