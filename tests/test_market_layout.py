"""The market's code stays split by capability, and its rules stay behind the services (#10)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "cybermutual"
PACKAGES = ("services/market", "store/market", "api/routers/market")


@pytest.mark.parametrize(
    "module", [p for d in PACKAGES for p in sorted((SRC / d).glob("*.py"))], ids=str
)
def test_every_market_module_stays_under_400_lines(module: Path) -> None:
    assert len(module.read_text().splitlines()) < 400


def test_no_router_decides_a_rule_itself() -> None:
    """A route parses, calls one service and maps: refusing is the domain's, through a service,
    so every front end (API, pages, CLI) refuses the same things."""
    raising = [
        f"{path.relative_to(SRC)}:{node.lineno}"
        for path in sorted((SRC / "api" / "routers").rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Raise)
    ]
    assert raising == []
