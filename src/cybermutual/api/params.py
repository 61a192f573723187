"""Request parameters the routers share: the collective's path prefix, paging, prices, and
the optional idempotency key of calls that move no money."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Query

from cybermutual.services.loading import MAX_PAGE

#: Every collective's resources live under this path.
COLLECTIVE_PATH = "/collectives/{slug}"

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Cursor = Annotated[str | None, Query(max_length=500)]
Price = Annotated[int | None, Query(ge=0, le=10**15)]
OptionalKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Optional here (this call moves no money); makes a retry safe.",
    ),
]
