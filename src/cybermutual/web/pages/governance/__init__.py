"""Governance pages: proposals and votes, delegation and the policy history, public services
and their claims, budget rounds.

Each module has its own ``page_router()`` (so every unsafe request is CSRF-checked there);
``router`` only gathers them, in an order where the fixed paths (``/governance/new``,
``/governance/delegation``, ...) come before a proposal's ``/governance/{proposal_id}``.
"""

from __future__ import annotations

from fastapi import APIRouter

from cybermutual.web.pages.governance import budget_rounds, delegation, proposals, public_services

router = APIRouter(include_in_schema=False)
for _area in (delegation, public_services, budget_rounds, proposals):
    router.include_router(_area.router)
