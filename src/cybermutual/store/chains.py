"""Goods, recipes, chain plans and their links (supply chains, ``0014_chains``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, insert, or_, select, update

from cybermutual.domain.supply.goods import Good, name_key
from cybermutual.domain.supply.links import ChainLink, ChainPlan, LinkStatus, PlanStatus
from cybermutual.domain.supply.recipes import Recipe
from cybermutual.services.ports import Page
from cybermutual.store.pagination import newest_after, newest_cursor
from cybermutual.store.tables import chain_links, chain_plans, goods, recipes


def _pairs(text: str) -> tuple[tuple[str, int], ...]:
    return tuple((str(k), int(v)) for k, v in json.loads(text))


def _dump_pairs(pairs: Sequence[tuple[str, int]]) -> str:
    return json.dumps([[k, v] for k, v in pairs])


def _good(row: Any) -> Good:
    return Good(
        id=row.id,
        collective_id=row.collective_id,
        name=row.name,
        unit=row.unit,
        category=row.category,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def _recipe(row: Any) -> Recipe:
    return Recipe(
        id=row.id,
        collective_id=row.collective_id,
        producer_id=row.producer_id,
        enterprise_id=row.enterprise_id,
        name=row.name,
        inputs=_pairs(row.inputs),
        outputs=_pairs(row.outputs),
        commons=_pairs(row.commons),
        labour_hours=Decimal(row.labour_hours),
        capacity=row.capacity,
        price=row.price,
        active=row.active,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _recipe_values(recipe: Recipe) -> dict[str, Any]:
    return {
        "name": recipe.name,
        "inputs": _dump_pairs(recipe.inputs),
        "outputs": _dump_pairs(recipe.outputs),
        "commons": _dump_pairs(recipe.commons),
        "labour_hours": str(recipe.labour_hours),
        "capacity": recipe.capacity,
        "price": recipe.price,
        "active": recipe.active,
        "updated_at": recipe.updated_at,
    }


def _plan(row: Any) -> ChainPlan:
    return ChainPlan(
        id=row.id,
        collective_id=row.collective_id,
        requester_id=row.requester_id,
        good_id=row.good_id,
        quantity=row.quantity,
        by=row.by,
        budget=row.budget,
        status=PlanStatus(row.status),
        revision=row.revision,
        cost=row.cost,
        accept_by=row.accept_by,
        excluded=tuple(json.loads(row.excluded)),
        explanation=json.loads(row.explanation),
        reason=row.reason,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _plan_values(plan: ChainPlan) -> dict[str, Any]:
    return {
        "status": plan.status.value,
        "revision": plan.revision,
        "cost": plan.cost,
        "accept_by": plan.accept_by,
        "excluded": json.dumps(list(plan.excluded)),
        "explanation": json.dumps(plan.explanation),
        "reason": plan.reason,
        "updated_at": plan.updated_at,
    }


def _link(row: Any) -> ChainLink:
    return ChainLink(
        id=row.id,
        plan_id=row.plan_id,
        recipe_id=row.recipe_id,
        producer_id=row.producer_id,
        enterprise_id=row.enterprise_id,
        runs=row.runs,
        good_id=row.good_id,
        quantity=row.quantity,
        unit_price=row.unit_price,
        amount=row.amount,
        status=LinkStatus(row.status),
        step=row.step,
        depends_on=tuple(json.loads(row.depends_on)),
        commons=_pairs(row.commons),
        why=json.loads(row.why),
        created_at=row.created_at,
        decided_at=row.decided_at,
        order_id=row.order_id,
        listing_id=row.listing_id,
    )


def _link_values(link: ChainLink) -> dict[str, Any]:
    return {
        "status": link.status.value,
        "producer_id": link.producer_id,
        "step": link.step,
        "depends_on": json.dumps(list(link.depends_on)),
        "why": json.dumps(link.why),
        "decided_at": link.decided_at,
        "order_id": link.order_id,
        "listing_id": link.listing_id,
    }


class SqlChains:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # goods

    def add_good(self, good: Good) -> None:
        self._conn.execute(
            insert(goods).values(
                id=good.id,
                collective_id=good.collective_id,
                name=good.name,
                name_key=name_key(good.name),
                unit=good.unit,
                category=good.category,
                created_by=good.created_by,
                created_at=good.created_at,
            )
        )

    def save_good(self, good: Good) -> None:
        self._conn.execute(
            update(goods)
            .where(goods.c.id == good.id)
            .values(
                name=good.name, name_key=name_key(good.name), unit=good.unit, category=good.category
            )
        )

    def good(self, collective_id: str, good_id: str) -> Good | None:
        row = self._conn.execute(
            select(goods).where(goods.c.id == good_id, goods.c.collective_id == collective_id)
        ).first()
        return None if row is None else _good(row)

    def good_named(self, collective_id: str, name: str) -> Good | None:
        row = self._conn.execute(
            select(goods).where(
                goods.c.collective_id == collective_id, goods.c.name_key == name_key(name)
            )
        ).first()
        return None if row is None else _good(row)

    def goods(self, collective_id: str) -> list[Good]:
        rows = self._conn.execute(
            select(goods).where(goods.c.collective_id == collective_id).order_by(goods.c.name_key)
        )
        return [_good(r) for r in rows]

    # recipes

    def add_recipe(self, recipe: Recipe) -> None:
        self._conn.execute(
            insert(recipes).values(
                id=recipe.id,
                collective_id=recipe.collective_id,
                producer_id=recipe.producer_id,
                enterprise_id=recipe.enterprise_id,
                created_at=recipe.created_at,
                **_recipe_values(recipe),
            )
        )

    def save_recipe(self, recipe: Recipe) -> None:
        self._conn.execute(
            update(recipes).where(recipes.c.id == recipe.id).values(**_recipe_values(recipe))
        )

    def recipe(self, collective_id: str, recipe_id: str, *, lock: bool = False) -> Recipe | None:
        query = select(recipes).where(
            recipes.c.id == recipe_id, recipes.c.collective_id == collective_id
        )
        row = self._conn.execute(query.with_for_update() if lock else query).first()
        return None if row is None else _recipe(row)

    def recipes(
        self,
        collective_id: str,
        *,
        producer_id: str | None = None,
        active: bool | None = None,
    ) -> list[Recipe]:
        t = recipes
        query = select(t).where(t.c.collective_id == collective_id)
        if producer_id is not None:
            query = query.where(t.c.producer_id == producer_id)
        if active is not None:
            query = query.where(t.c.active == active)
        rows = self._conn.execute(query.order_by(t.c.created_at, t.c.id))
        return [_recipe(r) for r in rows]

    def recipes_by_ids(self, recipe_ids: Sequence[str]) -> dict[str, Recipe]:
        if not recipe_ids:
            return {}
        rows = self._conn.execute(select(recipes).where(recipes.c.id.in_(list(recipe_ids))))
        return {r.id: _recipe(r) for r in rows}

    # plans and links

    def add_plan(self, plan: ChainPlan) -> None:
        self._conn.execute(
            insert(chain_plans).values(
                id=plan.id,
                collective_id=plan.collective_id,
                requester_id=plan.requester_id,
                good_id=plan.good_id,
                quantity=plan.quantity,
                by=plan.by,
                budget=plan.budget,
                created_at=plan.created_at,
                **_plan_values(plan),
            )
        )

    def save_plan(self, plan: ChainPlan) -> None:
        self._conn.execute(
            update(chain_plans).where(chain_plans.c.id == plan.id).values(**_plan_values(plan))
        )

    def plan(self, collective_id: str, plan_id: str, *, lock: bool = False) -> ChainPlan | None:
        query = select(chain_plans).where(
            chain_plans.c.id == plan_id, chain_plans.c.collective_id == collective_id
        )
        row = self._conn.execute(query.with_for_update() if lock else query).first()
        return None if row is None else _plan(row)

    def plans(
        self,
        collective_id: str,
        *,
        statuses: Sequence[PlanStatus] | None = None,
        member_id: str | None = None,
        enterprise_ids: Sequence[str] = (),
        limit: int,
        cursor: str | None,
    ) -> Page[ChainPlan]:
        """Plans newest first; with ``member_id``, those they asked for or have a link in (or
        one of ``enterprise_ids``, the enterprises they sell for, has)."""
        t = chain_plans
        query = select(t).where(
            t.c.collective_id == collective_id, *newest_after(t.c.created_at, t.c.id, cursor)
        )
        if statuses:
            query = query.where(t.c.status.in_([s.value for s in statuses]))
        if member_id is not None:
            linked = select(chain_links.c.plan_id).where(
                (chain_links.c.producer_id == member_id)
                | chain_links.c.enterprise_id.in_(list(enterprise_ids))
            )
            query = query.where((t.c.requester_id == member_id) | t.c.id.in_(linked))
        rows = self._conn.execute(
            query.order_by(t.c.created_at.desc(), t.c.id.desc()).limit(limit + 1)
        )
        kept, next_cursor = newest_cursor([_plan(r) for r in rows], limit, "created_at")
        return Page(kept, next_cursor)

    def due_plans(self, *, now: datetime) -> list[tuple[str, str]]:
        """(collective id, plan id) of proposed plans whose links' time to decide is over."""
        rows = self._conn.execute(
            select(chain_plans.c.collective_id, chain_plans.c.id).where(
                chain_plans.c.status == PlanStatus.PROPOSED.value,
                chain_plans.c.accept_by <= now,
            )
        )
        return [(r.collective_id, r.id) for r in rows]

    def add_links(self, links: Sequence[ChainLink]) -> None:
        for link in links:
            self._conn.execute(
                insert(chain_links).values(
                    id=link.id,
                    plan_id=link.plan_id,
                    recipe_id=link.recipe_id,
                    enterprise_id=link.enterprise_id,
                    runs=link.runs,
                    good_id=link.good_id,
                    quantity=link.quantity,
                    unit_price=link.unit_price,
                    amount=link.amount,
                    commons=_dump_pairs(link.commons),
                    created_at=link.created_at,
                    **_link_values(link),
                )
            )

    def save_link(self, link: ChainLink) -> None:
        self._conn.execute(
            update(chain_links).where(chain_links.c.id == link.id).values(**_link_values(link))
        )

    def links(self, plan_id: str) -> list[ChainLink]:
        rows = self._conn.execute(
            select(chain_links)
            .where(chain_links.c.plan_id == plan_id)
            .order_by(chain_links.c.step, chain_links.c.created_at, chain_links.c.id)
        )
        return [_link(r) for r in rows]

    def link_of_order(self, order_id: str) -> ChainLink | None:
        row = self._conn.execute(
            select(chain_links).where(chain_links.c.order_id == order_id)
        ).first()
        return None if row is None else _link(row)

    def plan_of_link(self, link: ChainLink) -> ChainPlan | None:
        row = self._conn.execute(
            select(chain_plans).where(chain_plans.c.id == link.plan_id)
        ).first()
        return None if row is None else _plan(row)

    def links_of_producer(
        self, collective_id: str, producer_id: str, *, statuses: Sequence[LinkStatus]
    ) -> list[ChainLink]:
        rows = self._conn.execute(
            select(chain_links)
            .join(chain_plans, chain_plans.c.id == chain_links.c.plan_id)
            .where(
                chain_plans.c.collective_id == collective_id,
                or_(  # a member's own links, or an enterprise's
                    and_(
                        chain_links.c.enterprise_id.is_(None),
                        chain_links.c.producer_id == producer_id,
                    ),
                    chain_links.c.enterprise_id == producer_id,
                ),
                chain_links.c.status.in_([s.value for s in statuses]),
            )
            .order_by(chain_links.c.created_at.desc(), chain_links.c.id)
        )
        return [_link(r) for r in rows]

    def open_plans(self) -> list[tuple[str, str]]:
        """(collective id, plan id) of every open chain."""
        rows = self._conn.execute(
            select(chain_plans.c.collective_id, chain_plans.c.id).where(
                chain_plans.c.status == PlanStatus.OPEN.value
            )
        )
        return [(r.collective_id, r.id) for r in rows]
