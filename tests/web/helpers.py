"""What page tests share: a person using the web app through its forms, with their own cookies."""

from __future__ import annotations

import itertools
import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

PASSWORD = "correct horse"
_emails = itertools.count()


class Visitor:
    """A browser without a browser: its own cookie jar, forms posted with the page's CSRF token."""

    def __init__(self, app: FastAPI, name: str = "Visitor") -> None:
        self.client = TestClient(app, follow_redirects=False)
        self.name = name
        self.email = f"{name.lower()}{next(_emails)}@example.org"

    @property
    def csrf(self) -> str:
        """The CSRF token this browser's forms carry (a first page sets it)."""
        token = self.client.cookies.get("cm_csrf")
        if token is None:
            self.client.get("/signin")
            token = self.client.cookies.get("cm_csrf")
        assert token is not None
        return token

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, **kw)

    def submit(self, path: str, data: dict[str, str] | None = None, **kw: Any) -> Any:
        """Post a form as the page would (with its CSRF token)."""
        return self.client.post(path, data={"csrf_token": self.csrf, **(data or {})}, **kw)

    def sign_up(self) -> Visitor:
        reply = self.submit(
            "/signup",
            {
                "email": self.email,
                "display_name": self.name,
                "password": PASSWORD,
                "password_again": PASSWORD,
            },
        )
        assert reply.status_code == 303, reply.text
        return self


def alert(page: Any) -> str:
    """The refusal shown on a page (``role="alert"``), as text."""
    found = re.findall(r'<(\w+)[^>]*role="alert"[^>]*>(.*?)</\1>', page.text, flags=re.S)
    assert found, f"no refusal on the page:\n{page.text[:2000]}"
    return " ".join(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", f)).strip() for _, f in found)


def text_of(page: Any) -> str:
    """A page's visible text, roughly (tags dropped, space squeezed)."""
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", page.text, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))
