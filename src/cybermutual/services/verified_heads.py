"""``VerifiedHeads``: the last verification of each collective's journal, by journal head.

``GET .../ledger/verify`` is public and replays the whole journal (4.3 s at 60,000 entries), so
anyone could keep a server busy by asking again and again. Every change to the ledger appends
an entry and moves the head, so a verification stays true for as long as the head does not
move: asking again costs one read. Entries also expire after ``ttl``, so a balance edited
behind the ledger's back (no entry, head unmoved) is still caught within minutes; the command
line (``cybermutual ledger verify``) always replays in full.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime, timedelta

from cybermutual.domain.journal import ChainHead, Verification
from cybermutual.services.ports import Clock


class VerifiedHeads:
    def __init__(
        self, *, clock: Clock, ttl: timedelta = timedelta(minutes=5), size: int = 1024
    ) -> None:
        self._clock = clock
        self._ttl = ttl
        self._size = size
        self._lock = threading.Lock()
        self._known: OrderedDict[str, tuple[ChainHead, datetime, Verification]] = OrderedDict()

    def get(self, head: ChainHead) -> Verification | None:
        """The verification made at exactly this head, if it is recent enough."""
        with self._lock:
            found = self._known.get(head.collective_id)
            if found is None or found[0] != head or self._clock.now() - found[1] > self._ttl:
                return None
            self._known.move_to_end(head.collective_id)
            return found[2]

    def put(self, head: ChainHead, verification: Verification) -> None:
        with self._lock:
            self._known[head.collective_id] = (head, self._clock.now(), verification)
            self._known.move_to_end(head.collective_id)
            while len(self._known) > self._size:
                self._known.popitem(last=False)
