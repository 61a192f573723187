"""Enterprises pages (issue 14): the collective's co-operatives and firms, one enterprise's work
(contracts, hours, pay periods and their payouts, equity, capital), a co-operative's own
governance, the collective's report, and a member's income from each enterprise.

Each module has its own ``page_router()``; ``router`` gathers them with the fixed paths
(``/enterprises/report``) before an enterprise's ``/enterprises/{enterprise_id}``.
"""

from __future__ import annotations

from fastapi import APIRouter

from cybermutual.web.pages.enterprises import coop, index, work

router = APIRouter(include_in_schema=False)
for _area in (index, coop, work):
    router.include_router(_area.router)
