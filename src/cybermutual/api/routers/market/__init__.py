"""The market over HTTP, one router per resource, their mappers (``mappers``) apart.

listings  categories, rules, offers and requests     orders    orders and their steps
quotes    quotes on requests                         tasks     tasks, applications, assignment
disputes  disputes, jury votes, settlements          reviews   reviews, reputations, profiles
inbox     the member's market inbox
"""

from fastapi import APIRouter

from cybermutual.api.routers.market import (
    disputes,
    inbox,
    listings,
    orders,
    quotes,
    reviews,
    tasks,
)

router = APIRouter()
for _resource in (listings, orders, quotes, tasks, disputes, reviews, inbox):
    router.include_router(_resource.router)

__all__ = ["router"]
