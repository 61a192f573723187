"""Group commit: every caller gets its own answer, batches form under load, failures propagate."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import pytest

from cybermutual.services.group_commit import GroupCommit, Ticket


def test_a_lone_request_is_handled_at_once() -> None:
    seen: list[int] = []

    def handle(tickets: Sequence[Ticket[int, int]]) -> None:
        seen.append(len(tickets))
        for t in tickets:
            t.resolve(t.request * 2)

    group: GroupCommit[int, int] = GroupCommit(handle)
    assert group.submit("a", 21) == 42
    assert seen == [1]


def test_concurrent_requests_share_batches_and_each_gets_its_own_answer() -> None:
    sizes: list[int] = []

    def handle(tickets: Sequence[Ticket[int, int]]) -> None:
        sizes.append(len(tickets))
        time.sleep(0.002)  # a transaction takes a while; others queue meanwhile
        for t in tickets:
            if t.request % 7 == 0:
                t.refuse(ValueError(f"refused {t.request}"))
            else:
                t.resolve(t.request + 1000)

    group: GroupCommit[int, int] = GroupCommit(handle, max_batch=16)
    answers: dict[int, object] = {}

    def caller(base: int) -> None:
        for k in range(50):
            n = base * 100 + k
            try:
                answers[n] = group.submit(n % 2, n)
            except ValueError as exc:
                answers[n] = str(exc)

    threads = [threading.Thread(target=caller, args=(b,)) for b in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 400
    for n, answer in answers.items():
        assert answer == (f"refused {n}" if n % 7 == 0 else n + 1000)
    assert sum(sizes) == 400
    assert max(sizes) > 1  # batching happened
    assert max(sizes) <= 16


def test_a_failed_transaction_fails_every_request_in_it() -> None:
    def handle(tickets: Sequence[Ticket[int, int]]) -> None:
        raise ConnectionError("database went away")

    group: GroupCommit[int, int] = GroupCommit(handle)
    with pytest.raises(ConnectionError):
        group.submit("a", 1)
    with pytest.raises(ConnectionError):  # and the group is usable again
        group.submit("a", 2)


def test_a_forgotten_request_is_refused_not_hung() -> None:
    group: GroupCommit[int, int] = GroupCommit(lambda tickets: None)
    with pytest.raises(RuntimeError, match="not handled"):
        group.submit("a", 1)
