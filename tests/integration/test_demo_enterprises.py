"""The demo's enterprises: a co-op and a firm with a closed, paid period, a firm employee who
holds vested equity and so receives a dividend, a member with a dual wage, and a co-op's open
decision and invitation; the ledger still verifies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cybermutual.bootstrap import build_services
from cybermutual.demo.people import DEMO_PASSWORDS, DEMO_SLUG, MEMBERS, email_of
from cybermutual.demo.seeding import seed
from cybermutual.domain.enterprise.kinds import EnterpriseKind
from cybermutual.services.container import Services
from cybermutual.store.engine import make_engine
from cybermutual.store.migrate import upgrade


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Services, dict[str, str]]]:
    engine = make_engine("sqlite://")
    upgrade(engine)
    built: list[Services] = []

    def build(clock: Any) -> Services:
        built.append(build_services(engine, clock=clock, passwords=DEMO_PASSWORDS))
        return built[0]

    seed(build, payments=10, estimate=False)
    with built[0].uow(readonly=True) as uow:
        ids = {name: found[0].id for name in MEMBERS if (found := uow.people.by_email(
            email_of(name)))}  # fmt: skip
    yield built[0], ids
    engine.dispose()


def test_a_co_op_and_a_firm_each_closed_a_paid_period(
    demo: tuple[Services, dict[str, str]],
) -> None:
    services, ids = demo
    ada = ids["Ada Okafor"]
    listed = services.enterprises.enterprises(DEMO_SLUG, viewer=ada).items
    kinds = {v.enterprise.kind: v.enterprise for v in listed}
    assert set(kinds) == {EnterpriseKind.COOPERATIVE, EnterpriseKind.FIRM}
    for enterprise in kinds.values():
        periods = services.enterprises.periods(DEMO_SLUG, viewer=ada, enterprise_id=enterprise.id)
        closed = [p for p in periods if p.figures is not None]
        assert closed, enterprise.name
        figures = closed[0].figures
        assert figures is not None
        assert figures.wages > 0
        assert figures.shared > 0  # sales beat wages: a surplus shared, a profit paid out
    verified = services.ledger.verify(DEMO_SLUG)
    assert verified.ok


def test_a_firm_employee_holds_vested_equity_and_a_member_earns_a_dual_wage(
    demo: tuple[Services, dict[str, str]],
) -> None:
    services, ids = demo
    farah = services.enterprises.income(DEMO_SLUG, member=ids["Farah Haddad"])
    assert [(s.kind, s.wages > 0, s.shares > 0) for s in farah] == [
        (EnterpriseKind.FIRM, True, True)  # wages, and a dividend on her vested shares
    ]
    gustavo = services.enterprises.income(DEMO_SLUG, member=ids["Gustavo Pereira"])
    assert {s.kind for s in gustavo if s.wages > 0} == {
        EnterpriseKind.COOPERATIVE,
        EnterpriseKind.FIRM,
    }


def test_the_co_op_has_an_open_decision_and_invites_the_demo_s_first_member(
    demo: tuple[Services, dict[str, str]],
) -> None:
    services, ids = demo
    ada = ids["Ada Okafor"]
    invitations = services.coop.invitations_to(DEMO_SLUG, member=ada)
    assert [i.invitation.status.value for i in invitations] == ["pending"]
    coop = invitations[0].invitation.enterprise_id
    open_ = services.proposals.proposals(DEMO_SLUG, viewer=ada, enterprise_id=coop).items
    assert [v.proposal.kind.value for v in open_] == ["set_merit_metric"]


def test_a_firm_declares_a_recipe_its_sellers_may_answer_for(
    demo: tuple[Services, dict[str, str]],
) -> None:
    services, ids = demo
    (view,) = [
        v
        for v in services.chains.recipes(DEMO_SLUG, viewer=ids["Farah Haddad"])
        if v.recipe.enterprise_id is not None
    ]
    assert view.enterprise_name == "Mensah Cycle Works"
    assert view.producer_name == "Esi Mensah"
    # Farah works there, so the recipe is hers to keep up to date too
    mine = services.chains.my_recipes(DEMO_SLUG, member_id=ids["Farah Haddad"])
    assert view.recipe.id in {v.recipe.id for v in mine}
