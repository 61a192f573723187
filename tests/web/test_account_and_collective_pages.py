"""The foundation's pages without a browser: sessions, CSRF, the public pages, starting, joining
and leaving a collective, and every refusal on them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.helpers import COLLECTIVE, Member
from tests.web.helpers import PASSWORD, Visitor, alert, text_of

START = {
    "name": "Hillside",
    "slug": "hillside",
    "currency.code": "HIL",
    "currency.name": "Hill hours",
    "currency.decimals": "2",
    "charter.default_credit_limit": "50",
    "charter.admission": "open",
    "charter.levy_rate": "2.5",
    "charter.text": "We grow food together.",
}


def test_the_public_pages_show_for_anyone(app: FastAPI) -> None:
    founder = Member(TestClient(app), "Ada")
    founder.post("/collectives", json={**COLLECTIVE, "charter": {"text": "Bikes and tools."}})
    anyone = Visitor(app)
    assert "An economy its members run" in text_of(anyone.get("/"))
    directory = text_of(anyone.get("/collectives"))
    assert "Riverside" in directory
    assert "Members 1" in directory
    home = anyone.get("/c/riverside")
    assert home.status_code == 200
    assert "Bikes and tools." in home.text
    assert "Sign up to join" in text_of(home)


def test_a_missing_page_is_a_friendly_404_and_the_api_keeps_its_problems(app: FastAPI) -> None:
    anyone = Visitor(app)
    for path in ("/no-such-page", "/c/no-such-collective", "/c/no-such-collective/leave"):
        page = anyone.get(path)
        if path.endswith("leave"):
            assert page.status_code == 303  # members only: sign in first
            continue
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
        assert "Traceback" not in page.text
    api = anyone.get("/api/v1/collectives/no-such-collective")
    assert api.status_code == 404
    assert api.json()["code"] == "collective_not_found"


def test_sign_up_signs_in_and_refusals_keep_what_was_typed(app: FastAPI) -> None:
    new = Visitor(app, "Grace")
    mismatch = new.submit(
        "/signup",
        {"email": new.email, "display_name": "Grace", "password": PASSWORD, "password_again": "x"},
    )
    assert mismatch.status_code == 422
    assert "differ" in alert(mismatch)
    assert new.email in mismatch.text
    short = new.submit(
        "/signup",
        {
            "email": new.email,
            "display_name": "Grace",
            "password": "short",
            "password_again": "short",
        },
    )
    assert short.status_code == 422
    assert "password must have" in alert(short)
    new.sign_up()
    assert new.get("/collectives/new").status_code == 200  # a members-only page opens
    again = Visitor(app, "Grace")
    again.email = new.email
    taken = again.submit(
        "/signup",
        {"email": new.email, "display_name": "G", "password": PASSWORD, "password_again": PASSWORD},
    )
    assert taken.status_code == 409
    assert "already registered" in alert(taken)


def test_sign_in_sign_out_and_a_wrong_password(
    visitor: Callable[..., Visitor], app: FastAPI
) -> None:
    ada = visitor("Ada")
    out = ada.submit("/signout")
    assert out.status_code == 303
    assert ada.get("/collectives/new").status_code == 303  # signed out: to the sign-in page
    wrong = ada.submit("/signin", {"email": ada.email, "password": "wrong password"})
    assert wrong.status_code == 401
    assert "wrong email or password" in alert(wrong)
    back = ada.submit("/signin", {"email": ada.email, "password": PASSWORD, "next": "/c/x"})
    assert back.status_code == 303
    assert back.headers["location"] == "/c/x"
    elsewhere = ada.submit("/signin", {"email": ada.email, "password": PASSWORD, "next": "//evil"})
    assert elsewhere.headers["location"] == "/collectives"  # never off this site


def test_signing_out_revokes_the_session_not_only_the_cookie(
    visitor: Callable[..., Visitor],
) -> None:
    ada = visitor("Ada")
    stolen = ada.client.cookies.get("cm_session")
    ada.submit("/signout")
    thief = TestClient(ada.client.app, follow_redirects=False)
    thief.cookies.set("cm_session", stolen or "")
    assert thief.get("/collectives/new").status_code == 303


def test_a_form_without_the_csrf_token_or_from_another_site_is_refused(
    visitor: Callable[..., Visitor],
) -> None:
    ada = visitor("Ada")
    bare = ada.client.post("/collectives/new", data=START)
    assert bare.status_code == 403
    assert "nothing was changed" in bare.text
    forged = ada.client.post("/collectives/new", data={**START, "csrf_token": "guess" * 6})
    assert forged.status_code == 403
    cross = ada.client.post(
        "/collectives/new",
        data={**START, "csrf_token": ada.csrf},
        headers={"Origin": "https://evil.example"},
    )
    assert cross.status_code == 403
    assert ada.get("/c/hillside").status_code == 404  # nothing was started


def test_a_session_cookie_does_not_open_the_api_nor_a_bearer_token_a_form(
    visitor: Callable[..., Visitor], app: FastAPI
) -> None:
    ada = visitor("Ada")
    session = ada.client.cookies.get("cm_session")
    assert ada.get("/api/v1/me").status_code == 401  # the cookie alone
    as_bearer = ada.get("/api/v1/me", headers={"Authorization": f"Bearer {session}"})
    assert as_bearer.status_code == 401
    bob = Member(TestClient(app), "Bob")
    browser = TestClient(app, follow_redirects=False)
    browser.get("/signin")
    token = browser.cookies.get("cm_csrf")
    form = browser.post(
        "/collectives/new", data={**START, "csrf_token": token or ""}, headers=bob.headers
    )
    assert form.status_code == 303
    assert form.headers["location"].startswith("/signin")


def test_session_cookies_are_httponly_and_lax(app: FastAPI) -> None:
    ada = Visitor(app, "Ada")
    reply = ada.submit(
        "/signup",
        {
            "email": ada.email,
            "display_name": "Ada",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )
    cookie = next(c for c in reply.headers.get_list("set-cookie") if c.startswith("cm_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie


def test_change_password_signs_out_other_sessions(
    visitor: Callable[..., Visitor], app: FastAPI
) -> None:
    ada = visitor("Ada")
    other = Visitor(app, "Ada")
    other.email = ada.email
    assert other.submit("/signin", {"email": ada.email, "password": PASSWORD}).status_code == 303
    wrong = ada.submit(
        "/account/password",
        {
            "current_password": "nope",
            "new_password": "new password",
            "new_password_again": "new password",
        },
    )
    assert wrong.status_code == 422
    assert "current password is wrong" in alert(wrong)
    short = ada.submit(
        "/account/password",
        {"current_password": PASSWORD, "new_password": "x", "new_password_again": "x"},
    )
    assert short.status_code == 422
    assert "password must have" in alert(short)
    done = ada.submit(
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "new password",
            "new_password_again": "new password",
        },
    )
    assert done.status_code == 303
    assert ada.get("/collectives/new").status_code == 200  # this session stays
    assert other.get("/collectives/new").status_code == 303  # the other one is signed out
    again = Visitor(app)
    assert (
        again.submit("/signin", {"email": ada.email, "password": "new password"}).status_code == 303
    )


def test_start_a_collective_and_its_refusals(visitor: Callable[..., Visitor]) -> None:
    ada = visitor("Ada")
    bad = ada.submit("/collectives/new", {**START, "currency.code": "h"})
    assert bad.status_code == 422
    assert "currency code" in alert(bad)
    assert 'value="Hillside"' in bad.text  # what was typed is kept
    for field, value, words in [
        ("slug", "No Spaces", "slug must be"),
        ("charter.levy_rate", "abc", "percentage"),
        ("charter.default_credit_limit", "1.234", "decimals"),
        ("currency.decimals", "9", "from 0 to 6"),
        ("charter.admission", "whoever", "choose one of"),
    ]:
        refused = ada.submit("/collectives/new", {**START, field: value})
        assert refused.status_code == 422, (field, refused.text[:500])
        assert words in alert(refused), field
    started = ada.submit("/collectives/new", START)
    assert started.status_code == 303
    assert started.headers["location"] == "/c/hillside"
    home = text_of(ada.get("/c/hillside"))
    assert "Hillside is open" in home
    assert "2.50%" in home
    assert "50.00 HIL" in home
    taken = ada.submit("/collectives/new", START)
    assert taken.status_code == 409
    assert "taken" in alert(taken)


def test_join_and_leave_and_leaving_in_debt_is_refused_with_the_reason(
    visitor: Callable[..., Visitor], app: FastAPI
) -> None:
    founder = Member(TestClient(app), "Ada")
    founder.post("/collectives", json=COLLECTIVE)
    bob = visitor("Bob")
    joined = bob.submit("/c/riverside/join")
    assert joined.status_code == 303
    assert "member now" in text_of(bob.get("/c/riverside"))
    again = bob.submit("/c/riverside/join")
    assert again.status_code == 409
    assert "already" in alert(again).lower()
    bob_id = next(
        m["member_id"]
        for m in founder.get("/collectives/riverside/memberships").json()["items"]
        if m["display_name"] == "Bob"
    )
    pay = founder.post(
        "/collectives/riverside/transfers", key="k1", json={"to": bob_id, "amount": 100}
    )
    assert pay.status_code == 201, pay.text
    assert "1.00 RVC" in text_of(bob.get("/c/riverside/leave"))
    left = bob.submit("/c/riverside/leave")
    assert left.status_code == 303
    assert "You left" in text_of(bob.get("/c/riverside"))
    founder_page = Visitor(app, "Ada")
    founder_page.email = founder.email
    founder_page.submit("/signin", {"email": founder.email, "password": "correct horse"})
    leave_page = text_of(founder_page.get("/c/riverside/leave"))
    assert "You owe 1.00 RVC" in leave_page
    refused = founder_page.submit("/c/riverside/leave")
    assert refused.status_code == 422
    assert "negative" in alert(refused).lower()


def test_times_are_shown_in_the_zone_the_browser_reports(app: FastAPI) -> None:
    founder = Member(TestClient(app), "Ada")
    founder.post("/collectives", json=COLLECTIVE)
    created = founder.get("/collectives/riverside").json()["created_at"]
    anyone = Visitor(app)
    anyone.client.cookies.set("cm_tz", "Pacific%2FKiritimati")  # UTC+14: always the next day
    when = datetime.fromisoformat(created.replace("Z", "+00:00")) + timedelta(hours=14)
    assert f"since {when.day} {when:%b %Y}" in text_of(anyone.get("/c/riverside"))
    anyone.client.cookies.set("cm_tz", "Not%2FA_Zone")
    assert anyone.get("/c/riverside").status_code == 200  # an unknown zone falls back to UTC


def test_cookies_are_secure_when_served_over_https(app: FastAPI) -> None:
    browser = TestClient(app, base_url="https://testserver", follow_redirects=False)
    browser.get("/signin")
    token = browser.cookies.get("cm_csrf")
    reply = browser.post(
        "/signup",
        data={
            "csrf_token": token or "",
            "email": "tls@example.org",
            "display_name": "Tess",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )
    assert reply.status_code == 303
    for name in ("cm_session", "cm_csrf", "cm_device"):
        cookies = [c for c in reply.headers.get_list("set-cookie") if c.startswith(f"{name}=")]
        assert all("Secure" in c for c in cookies), (name, cookies)
