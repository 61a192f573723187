"""Supply chains: goods and recipes members declare, and chains the facilitator plans from them.

A member asks for a good (``plan_chain``); the planner (``domain/chains``) finds the cheapest
set of recipes that makes it; the plan is stored with its explanation and each producer is asked
to accept or decline their link (``decide``). A decline, or a link left undecided past the
plan's ``accept_by`` (``expire_due``, run by the tick), re-plans without that producer, keeping
the links already accepted where the new plan runs them as agreed. When every link has said yes
the chain opens on the market (``chain_progress``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from cybermutual.domain.collective import Collective
from cybermutual.domain.commons.assets import require_commons
from cybermutual.domain.errors import (
    ChainInfeasible,
    ChainLinkNotFound,
    ChainPlanNotFound,
    GoodExists,
    GoodNotFound,
    InvalidTransition,
    InvalidValue,
    LinkClosed,
    NotFound,
    NotTheRequester,
    OverBudget,
    RecipeNotFound,
)
from cybermutual.domain.market.events import EventKind, MarketEvent
from cybermutual.domain.supply import goods as goods_rules
from cybermutual.domain.supply import instance as planning
from cybermutual.domain.supply import recipes as recipe_rules
from cybermutual.domain.supply.goods import Good
from cybermutual.domain.supply.instance import AssetCapacity, Planned, PlannedLink
from cybermutual.domain.supply.links import (
    LIVE,
    ChainLink,
    ChainPlan,
    LinkAction,
    LinkStatus,
    PlanStatus,
    accept_deadline,
    already,
    check_request,
    transition,
)
from cybermutual.domain.supply.recipes import Recipe
from cybermutual.services import chain_makers
from cybermutual.services.chain_progress import (
    event,
    fail_plan,
    needs_progress,
    open_chain,
    progress,
)
from cybermutual.services.enterprise_common import acting_seller
from cybermutual.services.ids import new_id
from cybermutual.services.inbox import notify
from cybermutual.services.loading import active_member_collective, check_limit, load_collective
from cybermutual.services.market.loading import known_member_collective
from cybermutual.services.ports import Clock, Page, UnitOfWork, UnitOfWorkFactory

#: The planner: an instance in ``cybermutual plan-chain``'s format -> its JSON answer.
Planner = Callable[[dict[str, Any]], Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class RecipeView:
    recipe: Recipe
    producer_name: str  # the member who declared it
    goods: Mapping[str, Good]
    asset_names: Mapping[str, str]
    enterprise_name: str = ""  # an enterprise's recipe: the enterprise that makes it


@dataclass(frozen=True, slots=True)
class LinkView:
    link: ChainLink
    producer_name: str  # the member's, or the enterprise's name
    recipe_name: str
    good: Good
    order_status: str | None
    by_enterprise: bool = False  # the producer is an enterprise (its sellers answer for it)
    mine: bool = False  # the viewer answers for its producer (themself, or an enterprise)


@dataclass(frozen=True, slots=True)
class PlanView:
    plan: ChainPlan
    requester_name: str
    good: Good
    links: list[LinkView]  # the current proposal (or the chain's links once open)
    earlier: list[LinkView]  # links dropped by a re-plan, declined or expired

    def link(self, link_id: str) -> LinkView | None:
        return next((v for v in self.links + self.earlier if v.link.id == link_id), None)


@dataclass(frozen=True, slots=True)
class Feasibility:
    feasible: bool
    cost: int | None
    links: int
    shortfall: list[dict[str, Any]]
    over_budget: bool


class ChainService:
    def __init__(self, uow: UnitOfWorkFactory, *, clock: Clock, planner: Planner) -> None:
        self._uow = uow
        self._clock = clock
        self._planner = planner

    # goods

    def declare_good(
        self, slug: str, *, member_id: str, name: str, unit: str, category: str
    ) -> Good:
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, member_id)
            good = goods_rules.declare(
                good_id=new_id(),
                collective_id=collective.id,
                name=name,
                unit=unit,
                category=category,
                by=member_id,
                now=self._clock.now(),
            )
            if uow.chains.good_named(collective.id, good.name) is not None:
                raise GoodExists(f"there is already a good named '{good.name}'", field="name")
            uow.chains.add_good(good)
            uow.commit()
        return good

    def goods(self, slug: str, *, viewer: str) -> list[Good]:
        with self._uow(readonly=True) as uow:
            collective = known_member_collective(uow, slug, viewer)
            return uow.chains.goods(collective.id)

    def good(self, slug: str, good_id: str, *, viewer: str) -> Good:
        with self._uow(readonly=True) as uow:
            collective = known_member_collective(uow, slug, viewer)
            return _good(uow, collective, good_id)

    # recipes

    def declare_recipe(
        self,
        slug: str,
        *,
        producer: str,
        name: str,
        inputs: Mapping[str, int],
        outputs: Mapping[str, int],
        commons: Mapping[str, int] | None = None,
        labour_hours: Decimal | str | int = 0,
        capacity: int,
        price: int,
        enterprise: str | None = None,
    ) -> RecipeView:
        """``producer`` declares a recipe they run, or one ``enterprise`` runs (``producer``
        needs a role there that sells: ``not_permitted`` otherwise)."""
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, producer)
            if enterprise is not None:
                enterprise = acting_seller(uow, collective, enterprise, producer).id
            recipe = recipe_rules.declare(
                recipe_id=new_id(),
                collective_id=collective.id,
                producer_id=producer,
                name=name,
                inputs=inputs,
                outputs=outputs,
                commons=commons or {},
                labour_hours=labour_hours,
                capacity=capacity,
                price=price,
                now=self._clock.now(),
                enterprise_id=enterprise,
            )
            _check_names(uow, collective, recipe)
            uow.chains.add_recipe(recipe)
            view = _recipe_view(uow, collective, recipe)
            uow.commit()
        return view

    def revise_recipe(self, slug: str, recipe_id: str, *, actor: str, **changes: Any) -> RecipeView:
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, actor)
            recipe = uow.chains.recipe(collective.id, recipe_id, lock=True)
            if recipe is None:
                raise RecipeNotFound(f"no recipe '{recipe_id}' here", recipe=recipe_id)
            if recipe.enterprise_id is not None:  # any of its sellers keeps it up to date
                acting_seller(uow, collective, recipe.enterprise_id, actor)
                actor = recipe.producer_id
            revised = recipe_rules.revise(recipe, actor=actor, now=self._clock.now(), **changes)
            _check_names(uow, collective, revised)
            uow.chains.save_recipe(revised)
            view = _recipe_view(uow, collective, revised)
            uow.commit()
        return view

    def recipes(
        self, slug: str, *, viewer: str, producer: str | None = None, active: bool | None = True
    ) -> list[RecipeView]:
        """Declared recipes (``producer``'s only: "what I can make")."""
        with self._uow(readonly=True) as uow:
            collective = known_member_collective(uow, slug, viewer)
            found = uow.chains.recipes(collective.id, producer_id=producer, active=active)
            return _recipe_views(uow, collective, found)

    def recipe(self, slug: str, recipe_id: str, *, viewer: str) -> RecipeView:
        with self._uow(readonly=True) as uow:
            collective = known_member_collective(uow, slug, viewer)
            recipe = uow.chains.recipe(collective.id, recipe_id)
            if recipe is None:
                raise RecipeNotFound(f"no recipe '{recipe_id}' here", recipe=recipe_id)
            return _recipe_view(uow, collective, recipe)

    def my_recipes(self, slug: str, *, member_id: str) -> list[RecipeView]:
        """What ``member_id`` can make: the recipes they declared, and those of every enterprise
        they sell for (withdrawn ones too), oldest first."""
        with self._uow(readonly=True) as uow:
            collective = known_member_collective(uow, slug, member_id)
            firms = set(_sells_for(uow, collective, member_id))
            found = [
                r
                for r in uow.chains.recipes(collective.id, active=None)
                if r.producer_id == member_id or r.enterprise_id in firms
            ]
            return _recipe_views(uow, collective, found)

    def sells_for(self, slug: str, *, member_id: str) -> list[tuple[str, str]]:
        """The enterprises ``member_id`` may declare recipes for (id, name), by name."""
        with self._uow(readonly=True) as uow:
            collective = known_member_collective(uow, slug, member_id)
            names = uow.enterprises.names(_sells_for(uow, collective, member_id))
        return sorted(names.items(), key=lambda item: (item[1], item[0]))

    # plans

    def feasibility(
        self, slug: str, *, viewer: str, good_id: str, quantity: int, budget: int | None = None
    ) -> Feasibility:
        """What ``plan_chain`` would find, stored nowhere (the ask form's live answer)."""
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise InvalidValue("quantity is a whole number of units", field="quantity")
        with self._uow(readonly=True) as uow:
            collective = active_member_collective(uow, slug, viewer)
            _good(uow, collective, good_id)
            try:
                planned = self._plan(
                    uow,
                    collective,
                    requester=viewer,
                    good_id=good_id,
                    quantity=quantity,
                    budget=budget,
                )
            except ChainInfeasible as refusal:
                return Feasibility(False, None, 0, list(refusal.context["shortfall"]), False)
            except OverBudget as refusal:
                return Feasibility(True, refusal.context["cost"], 0, [], True)
        return Feasibility(True, planned.cost, len(planned.links), [], False)

    def plan_chain(
        self,
        slug: str,
        *,
        requester: str,
        good_id: str,
        quantity: int,
        by: datetime,
        budget: int | None = None,
    ) -> PlanView:
        now = self._clock.now()
        check_request(quantity=quantity, by=by, budget=budget, now=now)
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, requester)
            good = _good(uow, collective, good_id)
            planned = self._plan(
                uow,
                collective,
                requester=requester,
                good_id=good.id,
                quantity=quantity,
                budget=budget,
            )
            plan = ChainPlan(
                id=new_id(),
                collective_id=collective.id,
                requester_id=requester,
                good_id=good.id,
                quantity=quantity,
                by=by,
                budget=budget,
                status=PlanStatus.PROPOSED,
                revision=1,
                cost=planned.cost,
                accept_by=accept_deadline(now=now, by=by),
                excluded=(),
                explanation=planned.explanation,
                created_at=now,
                updated_at=now,
            )
            uow.chains.add_plan(plan)
            links = _links_of(plan, planned, {}, now=now)
            uow.chains.add_links(links)
            _ask(uow, collective, plan, links, now=now)
            view = _plan_view(uow, collective, plan)
            uow.commit()
        return view

    def plan(self, slug: str, plan_id: str, *, viewer: str) -> PlanView:
        with self._uow(readonly=True) as uow:
            collective = known_member_collective(uow, slug, viewer)
            return _plan_view(uow, collective, _load_plan(uow, collective, plan_id), viewer=viewer)

    def chains(
        self,
        slug: str,
        *,
        viewer: str,
        in_progress: bool = True,
        mine: bool = False,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[PlanView]:
        """Chains of the collective, newest first (in progress only, by default)."""
        with self._uow(readonly=True) as uow:
            collective = known_member_collective(uow, slug, viewer)
            page = uow.chains.plans(
                collective.id,
                statuses=[PlanStatus.PROPOSED, PlanStatus.OPEN] if in_progress else None,
                member_id=viewer if mine else None,
                enterprise_ids=_sells_for(uow, collective, viewer) if mine else (),
                limit=check_limit(limit),
                cursor=cursor,
            )
            return Page(
                [_plan_view(uow, collective, p, viewer=viewer) for p in page.items],
                page.next_cursor,
            )

    def my_links(self, slug: str, *, member_id: str) -> list[tuple[PlanView, LinkView]]:
        """Links waiting for ``member_id``'s answer, with their plans."""
        with self._uow(readonly=True) as uow:
            collective = known_member_collective(uow, slug, member_id)
            links = uow.chains.links_of_producer(
                collective.id, member_id, statuses=[LinkStatus.PROPOSED]
            )
            for enterprise_id in _sells_for(uow, collective, member_id):
                links += uow.chains.links_of_producer(
                    collective.id, enterprise_id, statuses=[LinkStatus.PROPOSED]
                )
            found = []
            for link in links:
                plan = uow.chains.plan_of_link(link)
                if plan is None or plan.status is not PlanStatus.PROPOSED:
                    continue
                view = _plan_view(uow, collective, plan, viewer=member_id)
                mine = view.link(link.id)
                if mine is not None:
                    found.append((view, mine))
            return found

    def decide(
        self, slug: str, plan_id: str, link_id: str, *, actor: str, accept: bool
    ) -> PlanView:
        """The producer's answer on their link; the last yes opens the chain, a no re-plans."""
        now = self._clock.now()
        with self._uow() as uow:
            collective = active_member_collective(uow, slug, actor)
            plan = _load_plan(uow, collective, plan_id, lock=True)
            links = uow.chains.links(plan.id)
            link = next((k for k in links if k.id == link_id), None)
            if link is None:
                raise ChainLinkNotFound(f"no link '{link_id}' in this plan", link=link_id)
            producer = chain_makers.answering_as(uow, link, actor)
            action = LinkAction.ACCEPT if accept else LinkAction.DECLINE
            if already(link, action):  # a second click: answered as the first was
                return _plan_view(uow, collective, plan, viewer=actor)
            if plan.status is not PlanStatus.PROPOSED or plan.accept_by <= now:
                raise LinkClosed(
                    "this chain is no longer waiting for answers", status=plan.status.value
                )
            changed = transition(link, action, actor=producer, now=now)
            if accept and link.enterprise_id is not None:  # who takes its order when it opens
                changed = replace(changed, producer_id=actor)
            uow.chains.save_link(changed)
            links = [changed if k.id == link.id else k for k in links]
            if accept:
                live = [k for k in links if k.status in LIVE]
                if all(k.status is LinkStatus.ACCEPTED for k in live):
                    plan = open_chain(uow, collective, plan, live, now=now)
            else:
                plan = self._replan(uow, collective, plan, links, drop=[producer], now=now)
            view = _plan_view(uow, collective, plan, viewer=actor)
            uow.commit()
        return view

    def cancel(self, slug: str, plan_id: str, *, actor: str) -> PlanView:
        """The requester calls off a chain before it opens (nothing was ordered yet)."""
        now = self._clock.now()
        with self._uow() as uow:
            collective = known_member_collective(uow, slug, actor)
            plan = _load_plan(uow, collective, plan_id, lock=True)
            if plan.requester_id != actor:
                raise NotTheRequester("only the member who asked for this chain may cancel it")
            if plan.status is not PlanStatus.PROPOSED:
                raise InvalidTransition(
                    f"this chain is {plan.status.value}: only a chain still waiting for its "
                    "producers' answers can be cancelled (an open chain's orders are cancelled "
                    "on the market, one by one)",
                    status=plan.status.value,
                )
            live = [k for k in uow.chains.links(plan.id) if k.status in LIVE]
            for k in live:
                uow.chains.save_link(transition(k, LinkAction.SUPERSEDE, actor=None, now=now))
            cancelled = replace(
                plan,
                status=PlanStatus.CANCELLED,
                reason="cancelled by its requester",
                updated_at=now,
            )
            uow.chains.save_plan(cancelled)
            notify(
                uow,
                collective,
                [
                    event(
                        EventKind.CHAIN_FAILED,
                        chain_makers.people(uow, live),
                        plan,
                        "A chain you were asked to join was cancelled by the member who asked "
                        "for it: your link is no longer needed.",
                    )
                ],
                now=now,
            )
            view = _plan_view(uow, collective, cancelled)
            uow.commit()
        return view

    def expire_due(self) -> int:
        """Re-plan every proposed chain whose time to decide is over; how many were."""
        now = self._clock.now()
        with self._uow(readonly=True) as uow:
            due = uow.chains.due_plans(now=now)
            slugs = uow.governance.slugs(sorted({cid for cid, _ in due}))
        done = 0
        for collective_id, plan_id in due:  # one transaction each
            with self._uow() as uow:
                collective = load_collective(uow, slugs[collective_id])
                plan = uow.chains.plan(collective.id, plan_id, lock=True)
                if plan is None or plan.status is not PlanStatus.PROPOSED or plan.accept_by > now:
                    continue
                links = uow.chains.links(plan.id)
                late = [k for k in links if k.status is LinkStatus.PROPOSED]
                expired = {
                    k.id: transition(k, LinkAction.EXPIRE, actor=None, now=now) for k in late
                }
                for k in expired.values():
                    uow.chains.save_link(k)
                links = [expired.get(k.id, k) for k in links]
                self._replan(uow, collective, plan, links, drop=[k.maker_id for k in late], now=now)
                uow.commit()
                done += 1
        return done

    def progress_open(self) -> int:
        """Move open chains on (the tick's safety net behind ``follow_order``): each is read
        first, and written only when a delivery, a completion or a release is due."""
        now = self._clock.now()
        with self._uow(readonly=True) as uow:
            found = uow.chains.open_plans()
            slugs = uow.governance.slugs(sorted({cid for cid, _ in found}))
            due = []
            for collective_id, plan_id in found:
                plan = uow.chains.plan(collective_id, plan_id)
                if plan is not None and needs_progress(uow, plan, now=now):
                    due.append((collective_id, plan_id))
        moved = 0
        for collective_id, plan_id in due:
            with self._uow() as uow:
                collective = load_collective(uow, slugs[collective_id])
                plan = uow.chains.plan(collective.id, plan_id, lock=True)
                if plan is None:
                    continue
                after = progress(uow, collective, plan, now=now)
                uow.commit()
            moved += after.status is not plan.status
        return moved

    def valueflows(self, slug: str, plan_id: str, *, viewer: str) -> dict[str, Any]:
        from cybermutual.domain.supply.valueflows import plan_document

        view = self.plan(slug, plan_id, viewer=viewer)
        with self._uow(readonly=True) as uow:
            collective = known_member_collective(uow, slug, viewer)
            recipes = uow.chains.recipes_by_ids([v.link.recipe_id for v in view.links])
            goods = {g.id: g for g in uow.chains.goods(collective.id)}
        return plan_document(
            plan=view.plan,
            links=[v.link for v in view.links],
            recipes=recipes,
            goods=goods,
            names={v.link.maker_id: v.producer_name for v in view.links}
            | {view.plan.requester_id: view.requester_name},
            base=f"/api/v1/collectives/{slug}",
            currency=f"{collective.currency.code} minor units",
            organizations={v.link.maker_id for v in view.links if v.by_enterprise},
        )

    # planning

    def _plan(
        self,
        uow: UnitOfWork,
        collective: Collective,
        *,
        requester: str,
        good_id: str,
        quantity: int,
        excluded: tuple[str, ...] = (),
        kept: Mapping[str, int] | None = None,
        budget: int | None = None,
    ) -> Planned:
        """The planner's chain; a requester never supplies their own chain (nobody buys from
        themselves), so their recipes are left out like a decliner's."""
        goods = uow.chains.goods(collective.id)
        recipes = uow.chains.recipes(collective.id, active=True)
        assets = _assets(uow, collective)
        firms = uow.enterprises.names({r.enterprise_id for r in recipes if r.enterprise_id})
        # an enterprise none of whose sellers but the requester could sell to them is left out
        excluded = (
            *excluded,
            *(e for e in firms if not set(chain_makers.sellers(uow, e)) - {requester}),
        )
        asked = planning.build(
            goods=goods,
            recipes=recipes,
            assets=assets,
            good_id=good_id,
            quantity=quantity,
            excluded=(requester, *excluded),
            kept=kept,
            budget=budget,
        )
        answer = self._planner(asked)
        if not answer.get("feasible"):
            if answer.get("reason") == "over_budget":
                cost = answer.get("cheapest_cost")
                raise OverBudget(
                    f"the cheapest chain costs {cost}, over the budget of {budget}",
                    cost=cost,
                    budget=budget,
                    field="budget",
                )
            short = planning.shortfall(answer, goods=goods)
            what = "; ".join(f"{s.units:g} {s.unit} of {s.name}" for s in short)
            raise ChainInfeasible(
                f"no chain of declared recipes can make this: short of {what or 'capacity'}",
                shortfall=[s.as_dict() for s in short],
                field="quantity",
            )
        names = uow.people.names({r.producer_id for r in recipes}) | firms
        return planning.read(answer, goods=goods, recipes=recipes, assets=assets, names=names)

    def _replan(
        self,
        uow: UnitOfWork,
        collective: Collective,
        plan: ChainPlan,
        links: list[ChainLink],
        *,
        drop: list[str],
        now: datetime,
    ) -> ChainPlan:
        """Plan again without the producers in ``drop`` (and every one dropped before)."""
        excluded = tuple(dict.fromkeys([*plan.excluded, *drop]))
        live = [k for k in links if k.status in LIVE and k.maker_id not in excluded]
        kept = {k.recipe_id: k.runs for k in live if k.status is LinkStatus.ACCEPTED}
        try:
            planned = self._plan(
                uow,
                collective,
                requester=plan.requester_id,
                good_id=plan.good_id,
                quantity=plan.quantity,
                excluded=excluded,
                kept=kept,
                budget=plan.budget,
            )
        except (ChainInfeasible, OverBudget) as refusal:
            return self._give_up(uow, collective, plan, links, excluded, refusal.detail, now=now)
        carried = {k.recipe_id: k for k in live}
        fresh = _links_of(plan, planned, carried, now=now)
        kept_ids = {k.id for k in fresh} & {k.id for k in live}
        dropped = [k for k in links if k.status in LIVE and k.id not in kept_ids]
        for k in dropped:
            uow.chains.save_link(transition(k, LinkAction.SUPERSEDE, actor=None, now=now))
        uow.chains.add_links([k for k in fresh if k.id not in kept_ids])
        for k in fresh:
            if k.id in kept_ids:
                uow.chains.save_link(k)
        replanned = replace(
            plan,
            revision=plan.revision + 1,
            cost=planned.cost,
            excluded=excluded,
            explanation=planned.explanation,
            accept_by=accept_deadline(now=now, by=plan.by),
            updated_at=now,
        )
        uow.chains.save_plan(replanned)
        notify(
            uow,
            collective,
            [
                event(
                    EventKind.CHAIN_REPLANNED,
                    [
                        plan.requester_id,
                        *chain_makers.people(uow, [k for k in dropped if k.maker_id not in drop]),
                    ],
                    plan,
                    "A producer declined or did not answer, so the chain was planned again "
                    "without them.",
                )
            ],
            now=now,
        )
        _ask(uow, collective, replanned, [k for k in fresh if k.id not in kept_ids], now=now)
        if all(k.status is LinkStatus.ACCEPTED for k in fresh):
            return open_chain(uow, collective, replanned, fresh, now=now)
        return replanned

    @staticmethod
    def _give_up(
        uow: UnitOfWork,
        collective: Collective,
        plan: ChainPlan,
        links: list[ChainLink],
        excluded: tuple[str, ...],
        why: str,
        *,
        now: datetime,
    ) -> ChainPlan:
        live = [k for k in links if k.status in LIVE]
        for k in live:
            uow.chains.save_link(transition(k, LinkAction.SUPERSEDE, actor=None, now=now))
        return fail_plan(
            uow,
            collective,
            plan,
            reason=f"re-planned without the producers who declined: {why}",
            notice="A chain was dropped: without the producers who declined, no chain is left.",
            people=chain_makers.people(uow, live),
            now=now,
            excluded=excluded,
        )


def _links_of(
    plan: ChainPlan, planned: Planned, carried: Mapping[str, ChainLink], *, now: datetime
) -> list[ChainLink]:
    """The plan's links. A link of the last proposal carries on where the new plan runs its
    recipe as before: an accepted one the planner kept, or one still waiting for its answer
    (its producer is not asked twice); every other link is new and proposed."""

    def carried_over(p: PlannedLink) -> ChainLink | None:
        before = carried.get(p.recipe.id)
        if before is None or before.runs != p.runs:
            return None
        if before.status is LinkStatus.ACCEPTED and not p.kept:
            return None
        return before

    reused = {p.recipe.id: carried_over(p) for p in planned.links}
    ids = {r: (k.id if k is not None else new_id()) for r, k in reused.items()}
    links = []
    for p in planned.links:
        good_id, per_run = p.recipe.main_output
        quantity = per_run * p.runs
        base = reused[p.recipe.id]
        step = p.step
        depends_on = tuple(ids[r] for r in p.depends_on)
        if base is not None:
            links.append(replace(base, step=step, depends_on=depends_on, why=p.why))
            continue
        links.append(
            ChainLink(
                id=ids[p.recipe.id],
                plan_id=plan.id,
                recipe_id=p.recipe.id,
                producer_id=p.recipe.producer_id,
                enterprise_id=p.recipe.enterprise_id,
                runs=p.runs,
                good_id=good_id,
                quantity=quantity,
                unit_price=p.recipe.price,
                amount=p.recipe.price * quantity,
                status=LinkStatus.PROPOSED,
                step=step,
                depends_on=depends_on,
                commons=tuple((a, h * p.runs) for a, h in p.recipe.commons),
                why=p.why,
                created_at=now,
            )
        )
    return links


def _ask(
    uow: UnitOfWork,
    collective: Collective,
    plan: ChainPlan,
    links: list[ChainLink],
    *,
    now: datetime,
) -> None:
    goods = {g.id: g for g in uow.chains.goods(collective.id)}
    notify(
        uow,
        collective,
        [
            MarketEvent(
                EventKind.CHAIN_LINK_PROPOSED,
                tuple(chain_makers.people(uow, [k])),
                "chain_plan",
                plan.id,
                f"{{actor}} asks you to make {k.quantity} {goods[k.good_id].unit} of "
                f"{goods[k.good_id].name} in a supply chain: accept or decline by "
                f"{plan.accept_by:%Y-%m-%d %H:%M} UTC.",
                plan.requester_id,
            )
            for k in links
            if k.status is LinkStatus.PROPOSED
        ],
        now=now,
    )


def _sells_for(uow: UnitOfWork, collective: Collective, member_id: str) -> list[str]:
    return [
        e
        for e in uow.enterprises.enterprises_of_member(collective.id, member_id)
        if member_id in chain_makers.sellers(uow, e)
    ]


def _good(uow: UnitOfWork, collective: Collective, good_id: str) -> Good:
    good = uow.chains.good(collective.id, good_id)
    if good is None:
        raise GoodNotFound(f"no good '{good_id}' here", good=good_id, field="good")
    return good


def _load_plan(
    uow: UnitOfWork, collective: Collective, plan_id: str, *, lock: bool = False
) -> ChainPlan:
    plan = uow.chains.plan(collective.id, plan_id, lock=lock)
    if plan is None:
        raise ChainPlanNotFound(f"no chain plan '{plan_id}' here", plan=plan_id)
    return plan


def _assets(uow: UnitOfWork, collective: Collective) -> list[AssetCapacity]:
    return [
        AssetCapacity(a.id, a.name, a.unit, a.capacity)
        for a in uow.assets.all_of(collective.id)
        if a.is_available
    ]


def _check_names(uow: UnitOfWork, collective: Collective, recipe: Recipe) -> None:
    """Every good a recipe names is one of the collective's; every asset is its commons'."""
    known = {g.id for g in uow.chains.goods(collective.id)}
    for field, items in (("inputs", recipe.inputs), ("outputs", recipe.outputs)):
        for good_id, _ in items:
            if good_id not in known:
                raise GoodNotFound(f"no good '{good_id}' here", good=good_id, field=field)
    if recipe.commons:
        require_commons(collective)
        available = {a.id for a in _assets(uow, collective)}
        for asset_id, _ in recipe.commons:
            if asset_id not in available:
                raise NotFound(
                    f"no available commons asset '{asset_id}' here", asset=asset_id, field="commons"
                )


def _recipe_views(uow: UnitOfWork, collective: Collective, found: list[Recipe]) -> list[RecipeView]:
    goods = {g.id: g for g in uow.chains.goods(collective.id)}
    names = uow.people.names({r.producer_id for r in found})
    firms = uow.enterprises.names({r.enterprise_id for r in found if r.enterprise_id})
    assets = {a.id: a.name for a in uow.assets.all_of(collective.id)}
    return [
        RecipeView(
            r, names.get(r.producer_id, ""), goods, assets, firms.get(r.enterprise_id or "", "")
        )
        for r in found
    ]


def _recipe_view(uow: UnitOfWork, collective: Collective, recipe: Recipe) -> RecipeView:
    return _recipe_views(uow, collective, [recipe])[0]


def _plan_view(
    uow: UnitOfWork, collective: Collective, plan: ChainPlan, *, viewer: str | None = None
) -> PlanView:
    links = uow.chains.links(plan.id)
    goods = {g.id: g for g in uow.chains.goods(collective.id)}
    recipes = uow.chains.recipes_by_ids([k.recipe_id for k in links])
    firms = uow.enterprises.names({k.enterprise_id for k in links if k.enterprise_id})
    names = uow.people.names({plan.requester_id, *(k.producer_id for k in links)}) | firms
    orders = uow.market.orders.by_ids([k.order_id for k in links if k.order_id])

    def view(k: ChainLink) -> LinkView:
        order = orders.get(k.order_id or "")
        return LinkView(
            link=k,
            producer_name=names.get(k.maker_id, ""),
            recipe_name=recipes[k.recipe_id].name if k.recipe_id in recipes else "",
            good=goods[k.good_id],
            order_status=None if order is None else order.status.value,
            by_enterprise=k.enterprise_id is not None,
            mine=viewer is not None and chain_makers.may_answer(uow, k, viewer),
        )

    gone = {LinkStatus.DECLINED, LinkStatus.EXPIRED, LinkStatus.SUPERSEDED}
    return PlanView(
        plan=plan,
        requester_name=names.get(plan.requester_id, ""),
        good=goods[plan.good_id],
        links=[view(k) for k in links if k.status not in gone],
        earlier=[view(k) for k in links if k.status in gone],
    )
