"""Every route, fed random JSON and random path values: never a 5xx, always a problem document."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cybermutual.api.app import create_app
from cybermutual.services.container import Services
from tests.api.helpers import COLLECTIVE, Member
from tests.helpers import examples

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest,
) -> Iterator[tuple[TestClient, Member, list[tuple[str, str]]]]:
    """One app per database with a collective, shared by every example (state may pile up)."""
    from cybermutual.bootstrap import build_services
    from cybermutual.store.engine import make_engine
    from cybermutual.store.migrate import upgrade
    from tests.helpers import FAST_PASSWORDS

    if request.param == "sqlite":
        url = "sqlite://"
    else:
        server = request.getfixturevalue("postgres_server")
        url = server.create_database(f"fuzz_{id(request)}")
    engine = make_engine(url)
    upgrade(engine)
    services: Services = build_services(engine, passwords=FAST_PASSWORDS)
    with TestClient(create_app(services)) as client:
        ada = Member(client, "Ada")
        ada.post("/collectives", json=COLLECTIVE)
        routes = [
            (method.upper(), path)
            for path, item in client.get("/api/v1/openapi.json").json()["paths"].items()
            for method in item
            if method in ("get", "post", "patch", "put", "delete")
            and (method, path) != ("delete", "/api/v1/auth/token")  # would log the fuzzer out
        ]
        yield client, ada, routes
    engine.dispose()


def fill(path: str, values: list[str]) -> str:
    it = iter(values)
    return re.sub(
        r"\{slug\}", "riverside", re.sub(r"\{(?!slug)[^}]+\}", lambda _: next(it, "x"), path)
    )


@settings(
    max_examples=examples(300),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_no_request_gets_a_server_error(
    world: tuple[TestClient, Member, list[tuple[str, str]]], data: st.DataObject
) -> None:
    client, ada, routes = world
    method, path = data.draw(st.sampled_from(routes))
    ids = data.draw(
        st.lists(
            st.sampled_from(["x", ada.id, "0" * 32, "%20", "..", "é", "a%00b", "%00"]), max_size=3
        )
    )
    url = fill(path, ids)
    headers = dict(ada.headers)
    if data.draw(st.booleans()):
        headers["Idempotency-Key"] = data.draw(st.text(min_size=0, max_size=8))
    kwargs: dict[str, Any] = {"headers": headers}
    if method in ("POST", "PATCH", "PUT"):
        kwargs["json"] = data.draw(json_values)
    else:
        kwargs["params"] = data.draw(
            st.dictionaries(
                st.sampled_from(["limit", "cursor", "status", "q", "sort", "kind", "min_price"]),
                st.text(max_size=10),
                max_size=3,
            )
        )
    try:
        reply = client.request(method, url, **kwargs)
    except UnicodeEncodeError:
        return  # the client cannot send this header at all
    assert reply.status_code < 500, (method, url, kwargs, reply.text)
    if reply.status_code >= 400:
        assert reply.headers["content-type"].startswith("application/problem+json")
        assert reply.json()["code"]
