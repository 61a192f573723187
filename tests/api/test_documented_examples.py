"""Every curl example in README.md and docs/*.md runs, as written, against a live server.

A real ``cybermutual serve`` (uvicorn) listens on a free loopback port; ``bash`` runs the ``sh``
blocks that call curl, file by file (README.md first, then docs/ in name order) in one session,
so variables the README sets (``$API``, ``$AUTH``, ...) carry over exactly as for a reader who
pastes them in order. Only two things differ from a reader's terminal: the port (``8000`` in the
docs) and a ``curl`` wrapper that stops at the first answer of 400 or more, printing it.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_BLOCK = re.compile(r"^```(?:sh|bash|shell)\n(.*?)^```", re.MULTILINE | re.DOTALL)
# Stop at the first refused call, showing the answer; a reader would see it on their screen.
PRELUDE = """set -euo pipefail
curl() { command curl --silent --show-error --fail-with-body "$@"; echo; }
"""


def curl_blocks(document: Path) -> list[str]:
    return [block for block in _BLOCK.findall(document.read_text()) if "curl " in block]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def live_server(engine: Engine, tmp_path: Path) -> Iterator[str]:
    """``cybermutual serve`` in its own process on an empty database; yields its base URL."""
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
        "CYBERMUTUAL_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "CYBERMUTUAL_LOG_LEVEL": "warning",
    }
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "cybermutual", "serve", "--port", str(port)],
        cwd=tmp_path,
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
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        f"the server did not start:\n{(tmp_path / 'server.log').read_text()}"
                    )
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_the_documents_have_runnable_examples() -> None:
    found = {d.name: len(curl_blocks(d)) for d in DOCUMENTS}
    assert found["README.md"] >= 3, found
    assert found["market.md"] >= 6, found


def test_every_json_example_says_it_is_json() -> None:
    """curl's -d sends a form unless told otherwise; the server answers that with a 415."""
    for document in DOCUMENTS:
        for block in curl_blocks(document):
            for command in re.split(r"(?<!\\)\n", block):
                sends_json = re.search(r"-d '[{\[]", command)
                if command.lstrip().startswith("#") or not sends_json:
                    continue
                assert "Content-Type: application/json" in command, (document.name, command)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed (.ci/run installs it)")
def test_every_documented_example_runs_against_a_live_server(
    live_server: str, tmp_path: Path
) -> None:
    script = PRELUDE
    for document in DOCUMENTS:
        for number, block in enumerate(curl_blocks(document), start=1):
            script += f"\necho '### {document.name}, example {number}' >&2\n{block}"
    script = script.replace("http://127.0.0.1:8000", live_server)
    (tmp_path / "examples.sh").write_text(script)
    ran = subprocess.run(
        ["bash", "-x", str(tmp_path / "examples.sh")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        check=False,
    )
    trace = ran.stderr[-4000:]
    assert ran.returncode == 0, f"stdout:\n{ran.stdout[-3000:]}\ntrace:\n{trace}"
    assert "### market.md, example 6" in ran.stderr  # every block ran
    assert '"status":"completed"' in ran.stdout  # a deal went all the way through
