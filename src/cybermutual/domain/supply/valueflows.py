"""A chain plan as ValueFlows JSON-LD (https://w3id.org/valueflows/ont/vf#, version 0.13).

- each good is a ``ResourceSpecification``; each recipe a ``Recipe`` whose ``RecipeProcess`` has
  ``RecipeFlow`` inputs and outputs (``recipeInputOf`` / ``recipeOutputOf``);
- the chain is a ``Plan``; each link a ``Process`` ``basedOn`` its recipe process and
  ``plannedWithin`` the plan;
- an accepted link's flows are ``Commitment``s (``produce`` its outputs, ``consume`` its inputs,
  ``work`` the producer's hours, ``use`` commons assets, and the requester's ``transfer`` of the
  price); a link still waiting for its producer's answer has ``Intent``s instead;
- a commons asset is an ``EconomicResource`` held by the collective (used, never transferred).

Quantities are ``vf:Measure``s (``vf:hasNumericalValue``, ``vf:hasUnit``: a good's own unit, or
``om2:hour`` for hours); members are ``vf:Person``s and an enterprise making a link is a
``vf:Organization`` (``organizations``). Every term is checked against the published
ontology (``https://w3id.org/valueflows/ont/vf#``, 0.13).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cybermutual.domain.supply.goods import Good
from cybermutual.domain.supply.links import ChainLink, ChainPlan, LinkStatus
from cybermutual.domain.supply.recipes import Recipe

CONTEXT = {
    "vf": "https://w3id.org/valueflows/ont/vf#",
    "om2": "http://www.ontology-of-units-of-measure.org/resource/om-2/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "name": "vf:name",
    "note": "vf:note",
}
_AGREED = frozenset(
    {
        LinkStatus.ACCEPTED,
        LinkStatus.WAITING,
        LinkStatus.ORDERED,
        LinkStatus.DELIVERED,
        LinkStatus.DONE,
    }
)


def _measure(value: float | int | str, unit: str) -> dict[str, Any]:
    return {"@type": "vf:Measure", "vf:hasNumericalValue": value, "vf:hasUnit": unit}


def plan_document(
    *,
    plan: ChainPlan,
    links: Sequence[ChainLink],
    recipes: Mapping[str, Recipe],
    goods: Mapping[str, Good],
    names: Mapping[str, str],
    base: str,
    currency: str = "currency",
    organizations: frozenset[str] | set[str] = frozenset(),
) -> dict[str, Any]:
    plan_id = f"{base}/chain-plans/{plan.id}"
    graph: list[dict[str, Any]] = [
        {
            "@id": plan_id,
            "@type": "vf:Plan",
            "name": f"{plan.quantity} {goods[plan.good_id].unit} of {goods[plan.good_id].name}",
            "vf:due": plan.by.isoformat(),
            "vf:created": plan.created_at.isoformat(),
            "note": f"status {plan.status.value}, revision {plan.revision}",
        }
    ]
    agents = {plan.requester_id, *(k.maker_id for k in links)}
    graph += [
        {
            "@id": _agent(a, base, organizations),
            "@type": "vf:Organization" if a in organizations else "vf:Person",
            "name": names.get(a, ""),
        }
        for a in sorted(agents)
    ]
    used_goods = {plan.good_id} | {g for r in recipes.values() for g, _ in r.inputs + r.outputs}
    graph += [
        {
            "@id": f"{base}/goods/{g}",
            "@type": "vf:ResourceSpecification",
            "name": goods[g].name,
            "vf:defaultUnitOfResource": goods[g].unit,
        }
        for g in sorted(used_goods)
        if g in goods
    ]
    assets = sorted({a for r in recipes.values() for a, _ in r.commons})
    graph += [
        {
            "@id": f"{base}/assets/{a}",
            "@type": "vf:EconomicResource",
            "note": "a commons asset: used through the commons allocation, never bought",
        }
        for a in assets
    ]
    for recipe in recipes.values():
        graph += _recipe_nodes(recipe, base, goods)
    for link in links:
        graph += _link_nodes(
            link,
            plan,
            recipes[link.recipe_id],
            goods,
            base,
            plan_id,
            currency,
            _agent(link.maker_id, base, organizations),
        )
    return {"@context": CONTEXT, "@id": plan_id, "@graph": graph}


def _agent(agent_id: str, base: str, organizations: frozenset[str] | set[str]) -> str:
    kind = "enterprises" if agent_id in organizations else "members"
    return f"{base}/{kind}/{agent_id}"


def _unit(goods: Mapping[str, Good], good: str) -> str:
    return goods[good].unit if good in goods else "unit"


def _recipe_nodes(recipe: Recipe, base: str, goods: Mapping[str, Good]) -> list[dict[str, Any]]:
    rid = f"{base}/recipes/{recipe.id}"
    process = f"{rid}#process"
    main, _ = recipe.main_output
    nodes: list[dict[str, Any]] = [
        {
            "@id": rid,
            "@type": "vf:Recipe",
            "name": recipe.name,
            "vf:primaryOutput": {"@id": f"{base}/goods/{main}"},
            "vf:recipeIncludes": {"@id": process},
        },
        {"@id": process, "@type": "vf:RecipeProcess", "name": recipe.name},
    ]
    flows = [("consume", "vf:recipeInputOf", g, q) for g, q in recipe.inputs] + [
        ("produce", "vf:recipeOutputOf", g, q) for g, q in recipe.outputs
    ]
    for n, (action, side, good, quantity) in enumerate(flows):
        nodes.append(
            {
                "@id": f"{rid}#flow-{n}",
                "@type": "vf:RecipeFlow",
                "vf:action": f"vf:{action}",
                side: {"@id": process},
                "vf:resourceConformsTo": {"@id": f"{base}/goods/{good}"},
                "vf:resourceQuantity": _measure(quantity, _unit(goods, good)),
                "note": "per run",
            }
        )
    if recipe.labour_hours:
        nodes.append(
            {
                "@id": f"{rid}#work",
                "@type": "vf:RecipeFlow",
                "vf:action": "vf:work",
                "vf:recipeInputOf": {"@id": process},
                "vf:effortQuantity": _measure(str(recipe.labour_hours), "om2:hour"),
            }
        )
    return nodes


def _link_nodes(
    link: ChainLink,
    plan: ChainPlan,
    recipe: Recipe,
    goods: Mapping[str, Good],
    base: str,
    plan_id: str,
    currency: str,
    producer_id: str,
) -> list[dict[str, Any]]:
    process = f"{plan_id}/links/{link.id}"
    agreed = link.status in _AGREED
    kind = "vf:Commitment" if agreed else "vf:Intent"
    producer = {"@id": producer_id}
    requester = {"@id": f"{base}/members/{plan.requester_id}"}
    nodes: list[dict[str, Any]] = [
        {
            "@id": process,
            "@type": "vf:Process",
            "name": recipe.name,
            "vf:basedOn": {"@id": f"{base}/recipes/{recipe.id}#process"},
            "vf:plannedWithin": {"@id": plan_id},
            "note": f"link {link.status.value}, {link.runs} runs",
        }
    ]

    def flow(n: str, action: str, **fields: Any) -> dict[str, Any]:
        return {
            "@id": f"{process}#{n}",
            "@type": kind,
            "vf:action": f"vf:{action}",
            "vf:plannedWithin": {"@id": plan_id},
            **fields,
        }

    for good, per_run in recipe.outputs:
        fields: dict[str, Any] = {
            "vf:outputOf": {"@id": process},
            "vf:provider": producer,
            "vf:resourceConformsTo": {"@id": f"{base}/goods/{good}"},
            "vf:resourceQuantity": _measure(per_run * link.runs, _unit(goods, good)),
        }
        if good == plan.good_id:
            fields["vf:independentDemandOf"] = {"@id": plan_id}
            fields["vf:receiver"] = requester
        nodes.append(flow(f"produce-{good}", "produce", **fields))
    for good, per_run in recipe.inputs:
        nodes.append(
            flow(
                f"consume-{good}",
                "consume",
                **{
                    "vf:inputOf": {"@id": process},
                    "vf:receiver": producer,
                    "vf:resourceConformsTo": {"@id": f"{base}/goods/{good}"},
                    "vf:resourceQuantity": _measure(per_run * link.runs, _unit(goods, good)),
                },
            )
        )
    if recipe.labour_hours:
        nodes.append(
            flow(
                "work",
                "work",
                **{
                    "vf:inputOf": {"@id": process},
                    "vf:provider": producer,
                    "vf:effortQuantity": _measure(str(recipe.labour_hours * link.runs), "om2:hour"),
                },
            )
        )
    for asset, hours in link.commons:
        nodes.append(
            flow(
                f"use-{asset}",
                "use",
                **{
                    "vf:inputOf": {"@id": process},
                    "vf:receiver": producer,
                    "vf:resourceInventoriedAs": {"@id": f"{base}/assets/{asset}"},
                    "vf:effortQuantity": _measure(hours, "om2:hour"),
                    "note": "claimed through the commons allocation",
                },
            )
        )
    nodes.append(
        flow(
            "payment",
            "transfer",
            **{
                "vf:provider": requester,
                "vf:receiver": producer,
                "vf:resourceQuantity": _measure(link.amount, currency),
                "note": "the link's price, in minor units, held in escrow until delivery",
            },
        )
    )
    return nodes
