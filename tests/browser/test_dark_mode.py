"""The dark scheme in a real browser: every main page of a collective passes axe-core (no serious
or critical violation) and fits 360 px with the system set to dark, and a chart's axis labels are
drawn in the page's text colour, following the system when it switches between light and dark."""

from __future__ import annotations

from datetime import timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import pytest

from tests.browser.helpers import assert_accessible, assert_fits_phone, screenshot, sign_in

#: Bright and dark grey pixels in the chart's axis area: how a test sees the labels' colour
#: (the plotted line is the accent colour, never grey, so it does not count).
AXIS_GREYS = """() => {
    const el = document.querySelector('.chart[data-drawn]');
    const canvas = el.querySelector('canvas');
    const ctx = canvas.getContext('2d');
    const top = canvas.height - Math.round(36 * devicePixelRatio);  // the x axis's labels
    const data = ctx.getImageData(0, top, canvas.width, canvas.height - top).data;
    let bright = 0, dark = 0;
    for (let i = 0; i < data.length; i += 4) {
        const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
        if (a < 200 || Math.max(r, g, b) - Math.min(r, g, b) > 24) continue;
        if (r > 150) bright++; else if (r < 100) dark++;
    }
    return {bright, dark};
}"""


@pytest.fixture
def collective(api: Any) -> dict[str, str]:
    """Ada's collective with some trade, an asset and an open round, a listing and a proposal."""
    ada, bo = api("Ada"), api("Bo")
    slug = ada.start_collective("Riverside", levy_rate="0.02", text="We share a workshop.")
    bo.join(slug)
    for amount in (1_250, 4_000, 700):
        ada.post(f"/collectives/{slug}/transfers", {"to": bo.id, "amount": amount}, key=True)
    bo.post(f"/collectives/{slug}/transfers", {"to": ada.id, "amount": 2_100}, key=True)
    ada.post(
        f"/collectives/{slug}/assets",
        {
            "name": "Wood lathe",
            "category": "tools",
            "capacity": 10,
            "unit": "hours",
            "location": "Workshop, bay 1",
            "output_categories": ["crafts", "repairs"],
        },
    )
    # bidding closes in two days by the server's clock (its Date header)
    close = parsedate_to_datetime(ada.request.get("/api/v1/health").headers["date"])
    close += timedelta(days=2)
    round_id = ada.post(
        f"/collectives/{slug}/allocation-rounds",
        {
            "bids_close_at": close.isoformat(),
            "period_start": (close + timedelta(seconds=1)).isoformat(),
            "period_end": (close + timedelta(days=7)).isoformat(),
            "token_budget": 100,
        },
    )["id"]
    listing = bo.post(
        f"/collectives/{slug}/listings",
        {
            "kind": "offer",
            "title": "Sourdough loaf",
            "description": "Rye starter, baked on Saturday morning.",
            "category": "food",
            "price": 450,
            "quantity": 6,
        },
    )["id"]
    proposal = ada.post(
        f"/collectives/{slug}/proposals",
        {"kind": "set_levy", "title": "Raise the levy to 3%", "params": {"rate": "0.03"}},
    )["id"]
    return {
        "email": ada.email,
        "slug": slug,
        "round": round_id,
        "listing": listing,
        "proposal": proposal,
    }


def test_every_main_page_in_the_dark_is_accessible_and_fits_a_phone(
    page: Any, collective: dict[str, str]
) -> None:
    page.emulate_media(color_scheme="dark")
    sign_in(page, collective["email"])
    c = f"/c/{collective['slug']}"
    pages = {
        "home": c,
        "wallet": f"{c}/wallet",
        "market": f"{c}/market",
        "listing": f"{c}/market/{collective['listing']}",
        "commons": f"{c}/commons",
        "round": f"{c}/commons/rounds/{collective['round']}",
        "what-if": f"{c}/what-if",
        "governance": f"{c}/governance",
        "proposal": f"{c}/governance/{collective['proposal']}",
        "inbox": "/inbox",
        "profile": "/profile",
    }
    for name, path in pages.items():
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
        screenshot(page, f"dark-{name}")
        assert_accessible(page)
        assert_fits_phone(page)
        # axe leaves the unread badge out (it is small and labelled): its white figure is
        # checked here against its own background
        badge = page.locator("#inbox-link .badge")
        if badge.count():
            text, ground = badge.evaluate(
                "el => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]"
            )
            assert _contrast(text, ground) >= 4.5, (text, ground)


def test_a_charts_axis_labels_follow_the_system_scheme(
    page: Any, collective: dict[str, str]
) -> None:
    sign_in(page, collective["email"])
    page.emulate_media(color_scheme="dark")
    page.goto(f"/c/{collective['slug']}/wallet")
    page.wait_for_selector(".chart[data-drawn] canvas")
    dark = page.evaluate(AXIS_GREYS)
    # light labels on the dark page, not the black of the canvas's default
    assert dark["bright"] > 50, dark
    assert dark["bright"] > 5 * dark["dark"], dark

    # the system switches to light: the chart is drawn again, now with dark labels
    page.emulate_media(color_scheme="light")
    page.wait_for_function(
        f"() => {{ const g = ({AXIS_GREYS})(); return g.dark > 50 && g.dark > 5 * g.bright; }}"
    )


def _contrast(one: str, other: str) -> float:
    """WCAG's contrast ratio of two CSS ``rgb(...)`` colours."""

    def luminance(colour: str) -> float:
        channels = [int(c) / 255 for c in colour[colour.index("(") + 1 : -1].split(",")[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)
