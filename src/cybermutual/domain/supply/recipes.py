"""Recipes: a producer's process turning inputs into outputs, with a capacity and a price.

A run of a recipe takes its ``inputs`` (goods, in whole units of each good), ``labour_hours`` of
the producer's own work and ``commons`` asset-hours (used only through the commons allocation,
never bought), and gives its ``outputs``. The producer asks ``price`` per unit of the *first*
output (the main one); the planner prices a run, so a run costs ``price * main output quantity``,
exact in minor units. ``capacity`` is the most runs per period.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation

from cybermutual.domain.errors import InvalidValue, NotTheProducer
from cybermutual.domain.money import MAX_AMOUNT

MAX_CAPACITY = 10_000
MAX_QUANTITY = 10_000
MAX_ITEMS = 20
MAX_HOURS = Decimal(1000)


@dataclass(frozen=True, slots=True)
class Recipe:
    id: str
    collective_id: str
    producer_id: str
    name: str
    inputs: tuple[tuple[str, int], ...]  # (good id, units per run)
    outputs: tuple[tuple[str, int], ...]  # (good id, units per run); the first is priced
    commons: tuple[tuple[str, int], ...]  # (asset id, hours per run)
    labour_hours: Decimal  # the producer's own work per run
    capacity: int  # runs per period
    price: int  # minor units per unit of the main output
    active: bool
    created_at: datetime
    updated_at: datetime
    enterprise_id: str | None = None  # an enterprise's recipe (issue #14), run by its worker

    @property
    def maker_id(self) -> str:
        """Who makes it, as the planner and a chain's link see it: the enterprise for an
        enterprise's recipe (one producer however many of its members may run it), else the
        member who declared it."""
        return self.enterprise_id or self.producer_id

    @property
    def main_output(self) -> tuple[str, int]:
        return self.outputs[0]

    @property
    def price_per_run(self) -> int:
        """What one run costs the requester: exact, in minor units."""
        return self.price * self.main_output[1]

    def makes(self, good_id: str) -> int:
        return dict(self.outputs).get(good_id, 0)


def _items(
    items: Sequence[tuple[str, int]] | Mapping[str, int], *, field: str, high: int
) -> tuple[tuple[str, int], ...]:
    pairs = list(items.items()) if isinstance(items, Mapping) else list(items)
    if len(pairs) > MAX_ITEMS:
        raise InvalidValue(f"at most {MAX_ITEMS} {field}", field=field)
    seen: dict[str, int] = {}
    for key, quantity in pairs:
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= high:
            raise InvalidValue(f"each of {field} needs a whole quantity 1..{high}", field=field)
        if key in seen:
            raise InvalidValue(f"{field} names the same thing twice", field=field)
        seen[key] = quantity
    return tuple(seen.items())


def _hours(value: Decimal | str | int) -> Decimal:
    try:
        hours = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise InvalidValue("labour_hours is a number of hours", field="labour_hours") from exc
    if not hours.is_finite() or not 0 <= hours <= MAX_HOURS or hours != round(hours, 2):
        raise InvalidValue(
            f"labour_hours is 0..{MAX_HOURS} with at most two decimals", field="labour_hours"
        )
    return hours.quantize(Decimal("0.01"))


def _price(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_AMOUNT:
        raise InvalidValue(
            f"price is 1..{MAX_AMOUNT} minor units per unit of the main output", field="price"
        )
    return value


def _name(text: str) -> str:
    name = " ".join(text.split())
    if not 2 <= len(name) <= 120:
        raise InvalidValue("a recipe's name has 2-120 characters", field="name")
    return name


def declare(
    *,
    recipe_id: str,
    collective_id: str,
    producer_id: str,
    name: str,
    inputs: Sequence[tuple[str, int]] | Mapping[str, int],
    outputs: Sequence[tuple[str, int]] | Mapping[str, int],
    commons: Sequence[tuple[str, int]] | Mapping[str, int] = (),
    labour_hours: Decimal | str | int = 0,
    capacity: int,
    price: int,
    now: datetime,
    enterprise_id: str | None = None,
) -> Recipe:
    """A new recipe, validated (the goods and assets it names are checked by the service)."""
    made = _items(outputs, field="outputs", high=MAX_QUANTITY)
    if not made:
        raise InvalidValue("a recipe makes at least one good", field="outputs")
    used = _items(inputs, field="inputs", high=MAX_QUANTITY)
    both = {g for g, _ in made} & {g for g, _ in used}
    if both:
        raise InvalidValue("a good cannot be both an input and an output", field="inputs")
    if isinstance(capacity, bool) or not isinstance(capacity, int):
        raise InvalidValue("capacity is a whole number of runs", field="capacity")
    if not 1 <= capacity <= MAX_CAPACITY:
        raise InvalidValue(f"capacity is 1..{MAX_CAPACITY} runs per period", field="capacity")
    _price(price)
    recipe = Recipe(
        id=recipe_id,
        collective_id=collective_id,
        producer_id=producer_id,
        name=_name(name),
        inputs=used,
        outputs=made,
        commons=_items(commons, field="commons", high=MAX_QUANTITY),
        labour_hours=_hours(labour_hours),
        capacity=capacity,
        price=price,
        active=True,
        created_at=now,
        updated_at=now,
        enterprise_id=enterprise_id,
    )
    _price(recipe.price_per_run)
    return recipe


def revise(recipe: Recipe, *, actor: str, now: datetime, **changes: object) -> Recipe:
    """The producer's edit: any declared field, validated again as a whole."""
    require_producer(recipe, actor)
    fields: dict[str, object] = {
        "name": recipe.name,
        "inputs": recipe.inputs,
        "outputs": recipe.outputs,
        "commons": recipe.commons,
        "labour_hours": recipe.labour_hours,
        "capacity": recipe.capacity,
        "price": recipe.price,
    }
    active = changes.pop("active", recipe.active)
    unknown = set(changes) - set(fields)
    if unknown:
        raise InvalidValue(f"a recipe has no field {sorted(unknown)[0]!r}")
    fields.update({k: v for k, v in changes.items() if v is not None})
    fresh = declare(
        recipe_id=recipe.id,
        collective_id=recipe.collective_id,
        producer_id=recipe.producer_id,
        now=now,
        enterprise_id=recipe.enterprise_id,
        **fields,  # type: ignore[arg-type]
    )
    return replace(fresh, created_at=recipe.created_at, active=bool(active))


def require_producer(recipe: Recipe, actor: str) -> Recipe:
    if recipe.producer_id != actor:
        raise NotTheProducer("only the member who declared this recipe may change it")
    return recipe
