"""A small recipe network for supply-chain tests: timber -> planks -> table, with a second,
dearer sawyer, so a decline has somewhere to go."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tests.api.helpers import M, Member
from tests.helpers import FakeClock


@dataclass
class Network:
    requester: Member
    forester: Member
    sawyer: Member
    joiner: Member
    other_sawyer: Member
    goods: dict[str, str]
    recipes: dict[str, str]


def declare(m: Member, path: str, body: dict[str, Any]) -> dict[str, Any]:
    reply = m.post(f"{M}{path}", json=body)
    assert reply.status_code == 201, reply.text
    found: dict[str, Any] = reply.json()
    return found


def recipe(
    m: Member,
    name: str,
    *,
    inputs: dict[str, int],
    outputs: dict[str, int],
    capacity: int,
    price: int,
    **extra: Any,
) -> str:
    body = {
        "name": name,
        "inputs": inputs,
        "outputs": outputs,
        "capacity": capacity,
        "price": price,
        **extra,
    }
    return str(declare(m, "/recipes", body)["id"])


def furniture_network(requester: Member, *others: Member) -> Network:
    """Three producers (and a dearer sawyer) in riverside, which ``requester`` founded."""
    forester, sawyer, joiner, other_sawyer = others
    goods = {
        key: str(
            declare(forester, "/goods", {"name": name, "unit": unit, "category": "crafts"})["id"]
        )
        for key, name, unit in (
            ("timber", "Timber", "log"),
            ("planks", "Planks", "plank"),
            ("table", "Table", "table"),
        )
    }
    g = goods
    recipes = {
        "fell": recipe(
            forester, "Fell timber", inputs={}, outputs={g["timber"]: 1}, capacity=20, price=5
        ),
        "saw": recipe(
            sawyer,
            "Saw planks",
            inputs={g["timber"]: 1},
            outputs={g["planks"]: 4},
            capacity=10,
            price=3,
        ),
        "saw2": recipe(
            other_sawyer,
            "Saw planks slowly",
            inputs={g["timber"]: 1},
            outputs={g["planks"]: 4},
            capacity=10,
            price=4,
        ),
        "join": recipe(
            joiner,
            "Make a table",
            inputs={g["planks"]: 8},
            outputs={g["table"]: 1},
            capacity=5,
            price=40,
            labour_hours="6.5",
        ),
    }
    return Network(requester, forester, sawyer, joiner, other_sawyer, goods, recipes)


def ask(m: Member, clock: FakeClock, good: str, quantity: int, **extra: Any) -> Any:
    body = {
        "good": good,
        "quantity": quantity,
        "by": (clock.now() + timedelta(days=14)).isoformat(),
    }
    return m.post(f"{M}/chain-plans", json={**body, **extra})


def link_of(plan: dict[str, Any], producer: Member) -> dict[str, Any]:
    found: dict[str, Any] = next(k for k in plan["links"] if k["producer"] == producer.id)
    return found
