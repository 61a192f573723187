"""What every market use case holds: the unit of work factory, the clock, and the generator
that seeds jury draws. Each capability (listings, orders, quotes, ...) is a class over these,
and ``MarketService`` is all of them: the one object the composition root builds."""

from __future__ import annotations

import random

from cybermutual.services.ports import Clock, UnitOfWorkFactory


class MarketUseCase:
    """``rng`` seeds jury draws: a CSPRNG in production (``secrets.SystemRandom``, passed in by
    ``bootstrap``), so nobody can predict a draw; a seeded ``random.Random`` reproduces them."""

    def __init__(self, uow: UnitOfWorkFactory, *, clock: Clock, rng: random.Random) -> None:
        self._uow = uow
        self._clock = clock
        self._rng = rng
