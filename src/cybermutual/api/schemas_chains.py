"""Request and response bodies of supply chains: goods, recipes, chain plans and links."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, StrictInt

from cybermutual.api.schemas import Strict

Quantities = dict[str, StrictInt]


class GoodCreate(Strict):
    name: str = Field(max_length=80, examples=["Planks"])
    unit: str = Field(max_length=24, examples=["plank"])
    category: str = Field(max_length=60, examples=["crafts"])


class GoodPublic(BaseModel):
    id: str
    name: str
    unit: str
    category: str
    created_by: str
    created_at: datetime


class RecipeCreate(Strict):
    name: str = Field(max_length=120, examples=["Saw timber into planks"])
    inputs: Quantities = Field(
        default_factory=dict, description="good id -> whole units used by one run"
    )
    outputs: Quantities = Field(
        description="good id -> whole units one run makes; the first is priced", min_length=1
    )
    commons: Quantities = Field(
        default_factory=dict,
        description="commons asset id -> hours one run uses (claimed through the commons "
        "allocation, never bought)",
    )
    labour_hours: Decimal = Field(default=Decimal(0), ge=0, le=1000, decimal_places=2)
    capacity: StrictInt = Field(ge=1, le=10_000, description="most runs per period")
    price: StrictInt = Field(
        ge=1, description="asking price per unit of the first output, in minor units"
    )
    enterprise: str | None = Field(
        default=None,
        max_length=64,
        description="an enterprise's id: the recipe is the enterprise's (you need a role there "
        "that sells); its chain links are then the enterprise's sales",
    )


class RecipeUpdate(Strict):
    name: str | None = Field(default=None, max_length=120)
    inputs: Quantities | None = None
    outputs: Quantities | None = Field(default=None, min_length=1)
    commons: Quantities | None = None
    labour_hours: Decimal | None = Field(default=None, ge=0, le=1000, decimal_places=2)
    capacity: StrictInt | None = Field(default=None, ge=1, le=10_000)
    price: StrictInt | None = Field(default=None, ge=1)
    active: bool | None = Field(default=None, description="false: withdrawn from planning")


class Flow(BaseModel):
    id: str = Field(description="a good's id (or a commons asset's)")
    name: str
    quantity: int
    unit: str


class RecipePublic(BaseModel):
    id: str
    producer: str = Field(description="the member who declared it")
    producer_name: str
    enterprise: str | None = Field(description="the enterprise that makes it, if any")
    enterprise_name: str | None
    name: str
    inputs: list[Flow]
    outputs: list[Flow]
    commons: list[Flow]
    labour_hours: str
    capacity: int
    price: int = Field(description="per unit of the first output, in minor units")
    price_per_run: int
    active: bool
    created_at: datetime
    updated_at: datetime


class ChainPlanCreate(Strict):
    good: str = Field(description="the good's id")
    quantity: StrictInt = Field(ge=1, le=10_000)
    by: AwareDatetime = Field(description="when it is wanted")
    budget: StrictInt | None = Field(default=None, ge=1, description="in minor units")


class LinkPublic(BaseModel):
    id: str
    recipe: str
    recipe_name: str
    producer: str = Field(description="a member's id, or an enterprise's (producer_kind)")
    producer_name: str
    producer_kind: Literal["member", "enterprise"]
    acting_member: str | None = Field(
        description="an enterprise's link: the member who declared its recipe, then the one "
        "who accepted the link (its order's seller)"
    )
    good: str
    good_name: str
    unit: str
    runs: int
    quantity: int
    unit_price: int
    amount: int
    status: str
    step: int
    depends_on: list[str]
    commons: list[dict[str, Any]] = Field(description="asset hours claimed through the commons")
    why: dict[str, Any] = Field(description="the price, the next best producer, the bottleneck")
    decided_at: datetime | None
    order: str | None
    order_status: str | None


class ChainPlanPublic(BaseModel):
    id: str
    requester: str
    requester_name: str
    good: str
    good_name: str
    unit: str
    quantity: int
    by: datetime
    budget: int | None
    status: str
    revision: int
    cost: int
    accept_by: datetime
    reason: str
    explanation: dict[str, Any] = Field(
        description="worth: what each input is worth (the LP's duals); bottlenecks; labour"
    )
    links: list[LinkPublic]
    earlier_links: list[LinkPublic] = Field(description="declined, expired or replaced links")
    created_at: datetime
    updated_at: datetime
