"""The way in, in a real browser: landing, directory, signing up and in, starting, joining and
leaving a collective; each page accessible (axe-core) and usable at 360 px."""

from __future__ import annotations

from typing import Any

from tests.browser.helpers import (
    assert_accessible,
    assert_fits_phone,
    screenshot,
    sign_in,
    sign_up,
    unique,
)


def test_pages_signed_out_are_accessible_and_fit_a_phone(page: Any, api: Any) -> None:
    founder = api("Ada")
    slug = founder.start_collective("Riverside", text="We repair bikes and share tools.")
    for path, name in [
        ("/", "landing"),
        ("/collectives", "directory"),
        ("/signin", "signin"),
        ("/signup", "signup"),
        (f"/c/{slug}", "collective-signed-out"),
        ("/no-such-page", "not-found"),
    ]:
        page.goto(path)
        screenshot(page, name)
        assert_accessible(page)
        assert_fits_phone(page)


def test_a_newcomer_signs_up_starts_a_collective_and_another_joins_and_leaves(
    page: Any, new_page: Any
) -> None:
    email = sign_up(page, "Grace")
    page.get_by_role("button", name="Start a collective").click()
    name = unique("Hillside")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Web address").fill(name.lower())
    page.get_by_label("Currency code").fill("HIL")
    page.get_by_label("Currency name").fill("Hill hours")
    page.get_by_label("Levy on each payment (%)").fill("2")
    page.get_by_role("button", name="Start the collective").click()
    assert page.get_by_role("status").filter(has_text="Welcome").is_visible()
    assert page.get_by_role("heading", name=name, level=1).is_visible()
    screenshot(page, "collective-home")
    assert_accessible(page)
    assert_fits_phone(page)

    other = new_page()
    sign_up(other, "Linus")
    other.goto("/collectives")
    other.get_by_role("link", name=name).click()
    other.get_by_role("button", name=f"Join {name}").click()
    assert other.get_by_role("status").filter(has_text="member now").is_visible()
    other.get_by_role("link", name="Leave…").click()
    screenshot(other, "leave")
    assert_accessible(other)
    other.get_by_role("button", name=f"Leave {name}").click()
    assert other.get_by_role("status").filter(has_text="You left").is_visible()

    page.get_by_role("button", name="Account menu").click()
    page.get_by_role("button", name="Sign out").click()
    assert page.get_by_role("link", name="Sign in").is_visible()
    sign_in(page, email)
    assert page.get_by_role("heading", name="Directory of collectives").is_visible()


def test_a_refused_form_keeps_what_was_typed_and_says_why(page: Any) -> None:
    sign_up(page, "Mira")
    page.goto("/collectives/new")
    page.get_by_label("Name", exact=True).fill("Bad money")
    page.get_by_label("Web address").fill(unique("bad-money"))
    page.get_by_label("Currency code").fill("x")
    page.get_by_label("Currency name").fill("Bad")
    page.get_by_role("button", name="Start the collective").click()
    error = page.get_by_role("alert")
    assert "currency code" in error.inner_text()
    assert page.get_by_label("Name", exact=True).input_value() == "Bad money"
    assert page.get_by_label("Currency code").get_attribute("aria-invalid") == "true"
    assert_accessible(page)
