"""Browser tests: Playwright drives Debian's Chromium against a real server on a scratch database.

Never a downloaded browser: ``/usr/bin/chromium`` (``apt-get install chromium``; ``.ci/run``
installs it). Where it or Playwright is missing, every browser test skips and says why.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.helpers import SCREENSHOTS, ApiPerson, LiveServer

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
#: headless, no sandbox (CI runs as root), and nothing that reaches for the network
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``cybermutual serve`` in its own process on a scratch SQLite database (one per worker)."""
    folder = tmp_path_factory.mktemp("web-server")
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
        "CYBERMUTUAL_DATABASE_URL": f"sqlite:///{folder / 'web.db'}",
        "CYBERMUTUAL_LOG_LEVEL": "warning",
    }
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "cybermutual", "serve", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v1/health", timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the server did not start:\n{(folder / 'server.log').read_text()}")
                time.sleep(0.1)
        yield LiveServer(url, folder)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium): browser tests skipped")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is missing (make test installs it)")
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def chromium(playwright: Any) -> Iterator[Any]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(chromium: Any, server: LiveServer) -> Iterator[Any]:
    """A fresh browser context (its own cookies) at a desktop size, in Berlin's time zone."""
    context = chromium.new_context(
        base_url=server.url, viewport={"width": 1280, "height": 900}, timezone_id="Europe/Berlin"
    )
    context.set_default_timeout(15_000)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def new_page(chromium: Any, server: LiveServer) -> Iterator[Any]:
    """``new_page()``: another person's browser (own context), for journeys with two people."""
    contexts: list[Any] = []

    def make(width: int = 1280) -> Any:
        context = chromium.new_context(
            base_url=server.url, viewport={"width": width, "height": 900}
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def api(playwright: Any, server: LiveServer) -> Iterator[Any]:
    """``api("Ada")``: a person set up through the JSON API (for the state a test starts from)."""
    request = playwright.request.new_context(base_url=server.url)
    yield lambda name="Member": ApiPerson(request, name)
    request.dispose()


@pytest.fixture(scope="session", autouse=True)
def _screenshots() -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
