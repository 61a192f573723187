"""The demo's supply chains: timber -> planks -> furniture, and wheels + a welded frame -> a
bicycle trailer; one chain open on the market, and one waiting for Ada's answer. Once the
enterprises exist, Mensah Cycle Works declares wheels too (``seed_enterprise_recipes``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from cybermutual.demo.people import DEMO_SLUG, SteppingClock
from cybermutual.domain.market.deals import Action
from cybermutual.services.container import Services

#: (name, unit, category)
GOODS = [
    ("Timber", "log", "home"),
    ("Planks", "plank", "crafts"),
    ("Table", "table", "home"),
    ("Bench", "bench", "home"),
    ("Wheel", "wheel", "transport"),
    ("Welded frame", "frame", "transport"),
    ("Bicycle trailer", "trailer", "transport"),
]


def seed_chains(
    services: Services, clock: SteppingClock, members: list[str], *, now: datetime
) -> None:
    clock.moment = now - timedelta(days=3)
    chains = services.chains
    goods = {
        name: chains.declare_good(
            DEMO_SLUG, member_id=members[18], name=name, unit=unit, category=category
        ).id
        for name, unit, category in GOODS
    }
    bandsaw = next(
        a.id for a in services.commons.assets(DEMO_SLUG, limit=50).items if a.name == "Bandsaw"
    )

    def recipe(producer: int, name: str, inputs: dict[str, int], outputs: dict[str, int],
               capacity: int, price: int, **extra: object) -> None:  # fmt: skip
        chains.declare_recipe(
            DEMO_SLUG,
            producer=members[producer],
            name=name,
            inputs={goods[g]: q for g, q in inputs.items()},
            outputs={goods[g]: q for g, q in outputs.items()},
            capacity=capacity,
            price=price,
            **extra,  # type: ignore[arg-type]
        )

    recipe(18, "Fell and split timber", {}, {"Timber": 1}, 20, 800, labour_hours="2")
    recipe(9, "Saw timber into planks", {"Timber": 1}, {"Planks": 6}, 15, 250,
           commons={bandsaw: 1}, labour_hours="1")  # fmt: skip
    recipe(8, "Hand-saw planks", {"Timber": 1}, {"Planks": 5}, 8, 350, labour_hours="3")
    recipe(5, "Make a table", {"Planks": 8}, {"Table": 1}, 3, 12_000, labour_hours="6")
    recipe(5, "Make a bench", {"Planks": 4}, {"Bench": 1}, 4, 5_500, labour_hours="3")
    recipe(19, "Build bicycle wheels", {}, {"Wheel": 2}, 10, 1_500, labour_hours="2")
    recipe(0, "Weld a trailer frame", {}, {"Welded frame": 1}, 4, 6_000, labour_hours="4")
    recipe(6, "Assemble a trailer", {"Wheel": 2, "Welded frame": 1}, {"Bicycle trailer": 1},
           4, 4_000, labour_hours="1.5")  # fmt: skip

    # a table for Chiara: every link accepted, the timber delivered, the sawing under way
    table = chains.plan_chain(
        DEMO_SLUG,
        requester=members[2],
        good_id=goods["Table"],
        quantity=1,
        by=now + timedelta(days=12),
        budget=25_000,
    )
    for view in table.links:
        clock.moment += timedelta(hours=3)
        table = chains.decide(
            DEMO_SLUG, table.plan.id, view.link.id, actor=view.link.producer_id, accept=True
        )
    clock.moment += timedelta(hours=20)
    first = next(v.link for v in table.links if v.link.order_id is not None)
    services.market.act(
        DEMO_SLUG, actor=first.producer_id, order_id=first.order_id or "", action=Action.DELIVER
    )
    # a trailer for Priya: the wheels said yes, Ada's frame is waiting for her answer
    clock.moment = now - timedelta(hours=5)
    trailer = chains.plan_chain(
        DEMO_SLUG,
        requester=members[15],
        good_id=goods["Bicycle trailer"],
        quantity=1,
        by=now + timedelta(days=20),
    )
    wheels = next(v.link for v in trailer.links if v.link.producer_id == members[19])
    clock.moment += timedelta(hours=2)
    chains.decide(DEMO_SLUG, trailer.plan.id, wheels.id, actor=members[19], accept=True)


def seed_enterprise_recipes(
    services: Services, clock: SteppingClock, members: list[str], *, now: datetime
) -> None:
    """Esi declares wheels for Mensah Cycle Works: dearer than Tendai's, so the trailer's
    planned chain keeps his; should he decline, the re-plan asks the firm, whose sellers (Esi,
    Farah, Gustavo) may answer for it and whose sale pays the firm's account."""
    clock.moment = now - timedelta(hours=1)
    chains = services.chains
    wheel = next(g.id for g in chains.goods(DEMO_SLUG, viewer=members[4]) if g.name == "Wheel")
    firm = next(
        e for e, name in chains.sells_for(DEMO_SLUG, member_id=members[4])
        if name == "Mensah Cycle Works"
    )  # fmt: skip
    chains.declare_recipe(
        DEMO_SLUG,
        producer=members[4],
        name="Refurbish a pair of wheels",
        inputs={},
        outputs={wheel: 2},
        capacity=6,
        price=1_800,
        labour_hours="2",
        enterprise=firm,
    )
