from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI

from cybermutual.services.container import Services
from tests.api.conftest import shared_app
from tests.web.helpers import Visitor


@pytest.fixture
def app(sqlite_services: Services) -> FastAPI:
    """The whole app (pages and API) on an in-memory database: pages are edges over the same
    services the API tests check on both databases."""
    return shared_app(sqlite_services)


@pytest.fixture
def visitor(app: FastAPI) -> Callable[..., Visitor]:
    """``visitor("Ada")``: someone signed up and signed in through the forms."""
    return lambda name="Visitor": Visitor(app, name).sign_up()
