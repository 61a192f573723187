from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cybermutual.api.app import create_app
from cybermutual.services.container import Services
from tests.api.helpers import Member

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


@pytest.fixture
def member(client: TestClient) -> Any:
    return lambda name="Member": Member(client, name)
