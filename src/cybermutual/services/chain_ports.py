"""What supply chains need from storage (``store/chains.py`` implements it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from cybermutual.domain.supply.goods import Good
from cybermutual.domain.supply.links import ChainLink, ChainPlan, LinkStatus, PlanStatus
from cybermutual.domain.supply.recipes import Recipe
from cybermutual.services.ports import Page


class ChainStore(Protocol):
    def add_good(self, good: Good) -> None: ...

    def save_good(self, good: Good) -> None: ...

    def good(self, collective_id: str, good_id: str) -> Good | None: ...

    def good_named(self, collective_id: str, name: str) -> Good | None: ...

    def goods(self, collective_id: str) -> list[Good]: ...

    def add_recipe(self, recipe: Recipe) -> None: ...

    def save_recipe(self, recipe: Recipe) -> None: ...

    def recipe(
        self, collective_id: str, recipe_id: str, *, lock: bool = False
    ) -> Recipe | None: ...

    def recipes(
        self,
        collective_id: str,
        *,
        producer_id: str | None = None,
        active: bool | None = None,
    ) -> list[Recipe]: ...

    def recipes_by_ids(self, recipe_ids: Sequence[str]) -> dict[str, Recipe]: ...

    def add_plan(self, plan: ChainPlan) -> None: ...

    def save_plan(self, plan: ChainPlan) -> None: ...

    def plan(self, collective_id: str, plan_id: str, *, lock: bool = False) -> ChainPlan | None: ...

    def plans(
        self,
        collective_id: str,
        *,
        statuses: Sequence[PlanStatus] | None = None,
        member_id: str | None = None,
        enterprise_ids: Sequence[str] = (),
        limit: int,
        cursor: str | None,
    ) -> Page[ChainPlan]: ...

    def due_plans(self, *, now: datetime) -> list[tuple[str, str]]: ...

    def add_links(self, links: Sequence[ChainLink]) -> None: ...

    def save_link(self, link: ChainLink) -> None: ...

    def links(self, plan_id: str) -> list[ChainLink]: ...

    def link_of_order(self, order_id: str) -> ChainLink | None: ...

    def plan_of_link(self, link: ChainLink) -> ChainPlan | None: ...

    def links_of_producer(
        self, collective_id: str, producer_id: str, *, statuses: Sequence[LinkStatus]
    ) -> list[ChainLink]: ...

    def open_plans(self) -> list[tuple[str, str]]: ...
