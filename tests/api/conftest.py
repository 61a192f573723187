from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cybermutual.api.app import create_app
from cybermutual.services.container import Services

_emails = itertools.count()


_apps: dict[str, FastAPI] = {}


def shared_app(services: Services) -> FastAPI:
    """One app per worker: building FastAPI's routes costs about 0.2 s, more than most tests.

    Each test points it at its own services (``app.state.services``), which is all the app holds.
    """
    if "app" not in _apps:
        _apps["app"] = create_app(services)
    app = _apps["app"]
    app.state.services = services
    return app


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(shared_app(services)) as test_client:
        yield test_client


class Member:
    """A registered, logged-in person talking to the API."""

    def __init__(self, client: TestClient, name: str) -> None:
        self.client = client
        self.email = f"{name.lower()}{next(_emails)}@example.org"
        reply = client.post(
            "/api/v1/auth/register",
            json={"email": self.email, "password": "correct horse", "display_name": name},
        )
        assert reply.status_code == 201, reply.text
        self.id: str = reply.json()["id"]
        token = client.post(
            "/api/v1/auth/token", data={"username": self.email, "password": "correct horse"}
        )
        assert token.status_code == 200, token.text
        self.headers = {"Authorization": f"Bearer {token.json()['access_token']}"}

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(f"/api/v1{path}", headers=self.headers, **kw)

    def post(
        self, path: str, *, key: str | None = None, headers: dict[str, str] | None = None, **kw: Any
    ) -> Any:
        headers = {**self.headers, **(headers or {})}
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.client.post(f"/api/v1{path}", headers=headers, **kw)

    def delete(self, path: str) -> Any:
        return self.client.delete(f"/api/v1{path}", headers=self.headers)


@pytest.fixture
def member(client: TestClient) -> Any:
    return lambda name="Member": Member(client, name)


COLLECTIVE = {
    "slug": "riverside",
    "name": "Riverside",
    "currency": {"code": "RVC", "name": "Riverside credit", "decimals": 2},
    "charter": {
        "default_credit_limit": 1000,
        "admission": "open",
        "levy_rate": "0",
        "capital_mode": "commons",
    },
}
