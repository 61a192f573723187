"""Self-government in a real browser: a levy proposal decided by three members (one through a
delegate) that lands in the policy history, a public service with a claim, and a budget-round
ballot; every governance page accessible (axe-core) and usable at 360 px."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.helpers import assert_accessible, assert_fits_phone, screenshot, sign_in

PB_FILE = (
    "META\nkey;value\ndescription;Green budget\nbudget;3000\nPROJECTS\nproject_id;cost;name\n"
    "a;1200;Playground\nb;900;Benches\nc;600;Trees\nd;2500;Fountain\n"
    "VOTES\nvoter_id;vote\n1;a,b\n2;a,b,c\n3;b,c\n4;d\n"
)


def check(page: Any, name: str) -> None:
    """A screenshot, axe-core and the 360-pixel check on the page as it is now."""
    screenshot(page, name)
    assert_accessible(page)
    assert_fits_phone(page)


def section(page: Any, name: str) -> None:
    """Open a part of governance from its own navigation."""
    page.get_by_role("navigation", name="Governance").get_by_role("link", name=name).click()


def three_members(api: Any, **charter: Any) -> tuple[Any, Any, Any, str]:
    """Ada founded a collective (levy 2%) that Bo and Cy joined, all through the API."""
    ada, bo, cy = api("Ada"), api("Bo"), api("Cy")
    slug = ada.start_collective("Riverside", levy_rate="0.02", **charter)
    bo.join(slug)
    cy.join(slug)
    return ada, bo, cy, slug


def test_a_levy_proposal_is_decided_with_a_delegate_and_lands_in_the_history(
    page: Any, new_page: Any, api: Any
) -> None:
    ada, bo, cy, slug = three_members(api)
    sign_in(page, ada.email)
    page.goto(f"/c/{slug}")
    page.get_by_role("link", name="Governance").click()
    expect(page.get_by_role("heading", name="Governance", level=1)).to_be_visible()
    check(page, "governance-empty")

    # Ada trusts Bo with her vote
    section(page, "Delegation")
    page.get_by_label("Delegate my vote to").select_option(label="Bo")
    page.get_by_role("button", name="Delegate my vote").click()
    expect(page.get_by_role("status")).to_contain_text("You delegated your vote to Bo")
    expect(page.get_by_text("You delegate to Bo")).to_be_visible()
    check(page, "governance-delegation")

    # she proposes a levy of 3%
    section(page, "Proposals")
    page.get_by_role("button", name="New proposal").click()
    check(page, "governance-new")
    page.get_by_role("link", name="Change the levy").click()
    page.get_by_label("Title").fill("Raise the levy to 3%")
    page.get_by_label("New levy (%)").fill("60")
    page.get_by_label("Why (optional)").fill("The clinic needs a steadier fund.")
    page.get_by_role("button", name="Open the vote").click()
    # refused next to its cause, with everything typed kept
    expect(page.get_by_role("alert")).to_contain_text("a levy is from 0% to 50% of each payment")
    expect(page.get_by_label("New levy (%)")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Title")).to_have_value("Raise the levy to 3%")
    expect(page.get_by_label("Why (optional)")).to_have_value("The clinic needs a steadier fund.")
    check(page, "governance-new-refused")
    page.get_by_label("New levy (%)").fill("3")
    page.get_by_role("button", name="Open the vote").click()
    expect(page.get_by_role("heading", name="Raise the levy to 3%", level=1)).to_be_visible()
    expect(page.get_by_text("Set the levy on every payment to 3.00% (now 2.00%)")).to_be_visible()
    expect(page.get_by_role("heading", name="Estimated effect")).to_be_visible()
    check(page, "governance-proposal-open")

    # Bo sees who trusts him, and votes; Cy discusses and votes; the vote closes at once
    for person, comment in ((bo, None), (cy, "Fine by me.")):
        other = new_page()
        sign_in(other, person.email)
        other.goto(f"/c/{slug}/governance")
        expect(other.get_by_text("voted so far")).to_be_visible()
        other.get_by_role("link", name="Raise the levy to 3%").click()
        if comment:
            other.get_by_label("Your comment").fill(comment)
            other.get_by_role("button", name="Post comment").click()
            expect(other.get_by_text(comment)).to_be_visible()
        other.get_by_role("button", name="Vote yes").click()
        expect(other.get_by_role("status")).to_contain_text("You voted yes")
        if person is bo:
            other.get_by_role("link", name="← Governance").click()
            section(other, "Delegation")
            trust = other.locator("section", has_text="Who trusts you")
            expect(trust).to_contain_text("Ada")
    page.reload()
    expect(page.get_by_text("Quorum met.")).to_be_visible()
    expect(page.get_by_text("1 of them through a delegate", exact=False)).to_be_visible()
    expect(page.get_by_text("Levy: 2.00% → 3.00%")).to_be_visible()
    check(page, "governance-proposal-decided")
    page.set_viewport_size({"width": 360, "height": 780})
    screenshot(page, "governance-proposal-decided-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("link", name="← Governance").click()
    section(page, "Policy history")
    history = page.get_by_role("main")
    expect(history).to_contain_text("Raise the levy to 3%")
    expect(history).to_contain_text("Levy: 2.00% → 3.00%")
    expect(history).to_contain_text("Took effect")
    check(page, "governance-policies")
    section(page, "Proposals")
    expect(page.get_by_role("heading", name="Decided", exact=True)).to_be_visible()
    check(page, "governance-overview")
    page.get_by_role("link", name="Home", exact=True).click()
    levy = page.get_by_role("definition").filter(has_text="%").first
    expect(levy).to_have_text("3.00%")  # the charter's levy now


def test_a_provider_files_a_claim_that_the_member_confirms(
    page: Any, new_page: Any, api: Any
) -> None:
    ada, bo, cy, slug = three_members(api)
    clinic = ada.post(
        f"/collectives/{slug}/proposals",
        {
            "kind": "fund_service",
            "title": "A community clinic",
            "params": {
                "name": "Community clinic",
                "category": "health",
                "rate_per_unit": 1000,
                "budget_per_period": 10000,
                "period": "month",
            },
        },
    )
    for person in (ada, bo, cy):
        person.post(f"/collectives/{slug}/proposals/{clinic['id']}/votes", {"choice": "yes"})
    sign_in(page, ada.email)
    page.goto(f"/c/{slug}/governance/services")
    check(page, "governance-services")
    page.get_by_role("link", name="Community clinic").click()
    page.get_by_role("button", name="Become a provider").click()
    expect(page.get_by_role("status")).to_contain_text("You provide Community clinic")
    page.get_by_label("Member you served").select_option(label="Bo")
    page.get_by_label("Units given").fill("2")
    page.get_by_role("button", name="File the claim").click()
    expect(page.get_by_role("status")).to_contain_text("Bo is asked to confirm it")
    check(page, "governance-service")

    other = new_page()
    sign_in(other, bo.email)
    other.goto(f"/c/{slug}/governance/services")
    expect(other.get_by_text("Claims waiting for your answer")).to_be_visible()
    other.get_by_role("link", name="Community clinic").first.click()
    other.get_by_role("button", name="Confirm").click()
    expect(other.get_by_role("status")).to_contain_text("Confirmed")
    expect(other.get_by_text("Confirmed, waiting")).to_be_visible()  # the fund is still empty


def test_a_member_opens_a_budget_round_and_another_casts_a_ballot(
    page: Any, new_page: Any, api: Any
) -> None:
    ada, bo, _cy, slug = three_members(api, budget_rounds_open_to="members")
    sign_in(page, ada.email)
    page.goto(f"/c/{slug}/governance/rounds")
    page.get_by_label("Title").fill("Workshop tools")
    page.get_by_label("Budget (RVC)").fill("100")
    page.get_by_role("button", name="Open the round").click()
    expect(page.get_by_role("status")).to_contain_text("The round is open")
    for name, cost in (("Lathe", "60"), ("Drill press", "30"), ("Soldering kit", "15")):
        page.get_by_label("Project name").fill(name)
        page.get_by_label("Cost (RVC)").fill(cost)
        page.get_by_role("button", name="Propose the project").click()
        expect(page.get_by_role("status")).to_contain_text(f"'{name}' is on the ballot")
    check(page, "governance-round-open")

    other = new_page()
    sign_in(other, bo.email)
    other.goto(f"/c/{slug}/governance/rounds")
    check(other, "governance-rounds")
    other.get_by_role("link", name="Workshop tools").click()
    other.get_by_label("Lathe").check()
    other.get_by_label("Soldering kit").check()
    other.get_by_role("button", name="Save my ballot").click()
    expect(other.get_by_role("status")).to_contain_text("Your ballot approves 2 projects")
    expect(other.get_by_label("Lathe")).to_be_checked()
    expect(other.get_by_label("Drill press")).not_to_be_checked()

    # a closed round explains its result (a Pabulib file, decided at once)
    study = bo.post(f"/collectives/{slug}/budget-rounds/import", {"pabulib": PB_FILE})
    other.goto(f"/c/{slug}/governance/rounds/{study['id']}")
    result = other.get_by_role("main")
    expect(result).to_contain_text("3 of 4")
    expect(result).to_contain_text("Bought in round 1: each supporter paid at most 3.00 RVC")
    check(other, "governance-round-result")
