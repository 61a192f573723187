"""What browser tests share: the live server, people made through the API, screenshots, axe-core
and the 360-pixel check."""

from __future__ import annotations

import itertools
import json
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
#: the test output directory: a screenshot of every page a journey visits
SCREENSHOTS = ROOT / "test-results" / "screenshots"
AXE = Path(__file__).with_name("vendor") / "axe.min.js"
PASSWORD = "correct horse"
_serial = itertools.count()


@dataclass(frozen=True)
class LiveServer:
    url: str
    folder: Path


def unique(name: str) -> str:
    """A name no other test on this server uses (tests share one server per worker)."""
    return f"{name}{next(_serial)}{uuid.uuid4().hex[:4]}"


class ApiPerson:
    """A person registered and logged in through the JSON API of the live server."""

    def __init__(self, request: Any, name: str) -> None:
        self.request = request
        self.name = name
        self.email = f"{unique(name.lower())}@example.org"
        reply = request.post(
            "/api/v1/auth/register",
            data={"email": self.email, "password": PASSWORD, "display_name": name},
        )
        assert reply.ok, reply.text()
        self.id: str = reply.json()["id"]
        token = request.post(
            "/api/v1/auth/token", form={"username": self.email, "password": PASSWORD}
        )
        assert token.ok, token.text()
        self.headers = {"Authorization": f"Bearer {token.json()['access_token']}"}

    def get(self, path: str) -> Any:
        reply = self.request.get(f"/api/v1{path}", headers=self.headers)
        assert reply.ok, reply.text()
        return reply.json()

    def post(self, path: str, body: dict[str, Any] | None = None, *, key: bool = False) -> Any:
        headers = dict(self.headers)
        if key:
            headers["Idempotency-Key"] = uuid.uuid4().hex
        reply = self.request.post(f"/api/v1{path}", headers=headers, data=body or {})
        assert reply.ok, reply.text()
        return reply.json()

    def start_collective(self, name: str = "Riverside", **charter: Any) -> str:
        """A new open collective with this person as founder; its slug."""
        slug = unique(re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"))[:50]
        self.post(
            "/collectives",
            {
                "slug": slug,
                "name": name,
                "currency": {"code": "RVC", "name": "Riverside credit", "decimals": 2},
                "charter": {"default_credit_limit": 10_000, "admission": "open", **charter},
            },
        )
        return slug

    def join(self, slug: str) -> None:
        self.post(f"/collectives/{slug}/memberships")


def sign_up(page: Any, name: str) -> str:
    """Sign up through the form on screen; the email used."""
    email = f"{unique(name.lower())}@example.org"
    page.goto("/signup")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_load_state()
    return email


def sign_in(page: Any, email: str) -> None:
    page.goto("/signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def screenshot(page: Any, name: str) -> Path:
    """A full-page screenshot under the test output directory."""
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert not violations, json.dumps(violations, indent=2)


def horizontal_overflow(page: Any) -> int:
    """How many pixels the page is wider than the window (0: no horizontal scroll)."""
    overflow: int = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    return overflow


def assert_fits_phone(page: Any) -> None:
    """At 360 px wide the page has no horizontal scroll."""
    size = page.viewport_size
    page.set_viewport_size({"width": 360, "height": 780})
    try:
        assert horizontal_overflow(page) <= 0, f"{page.url} scrolls sideways at 360 px"
    finally:
        page.set_viewport_size(size)
