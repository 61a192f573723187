"""A lottery over fractional shares: dependent rounding on the member-asset graph.

The fractional parts ``y[k]`` of the bids (one edge ``member -> asset`` per bid) are rounded to
0 or 1 by the dependent rounding of Gandhi, Khuller, Parthasarathy and Srinivasan ("Dependent
rounding and its applications to approximation algorithms", J. ACM 53(3), 2006), which realises
the bihierarchy decomposition of Budish, Che, Kojima and Milgrom ("Designing random allocation
mechanisms", AER 103(2), 2013) for the two hierarchies we need, members and assets:

1. find a cycle, or else a maximal path, in the graph of edges still fractional;
2. split its edges alternately into ``M1`` and ``M2``; let
   ``alpha = min(min_{M1} 1 - y, min_{M2} y)`` and ``beta = min(min_{M1} y, min_{M2} 1 - y)``;
3. with probability ``beta / (alpha + beta)`` add ``alpha`` on ``M1`` and take it from ``M2``,
   otherwise take ``beta`` from ``M1`` and add it on ``M2``.

Each step moves at least one edge to 0 or 1 and leaves every expectation unchanged, so:

- **marginals**: ``P(edge k rounded up) = y[k]`` exactly, whatever the order of the bids;
- **degrees**: every vertex's rounded sum is the floor or the ceiling of its fractional sum: an
  asset whose shares add up to a whole number hands out exactly that many units, and a
  member is never more than one unit away, in total, from their total fractional share;
- **negative correlation** on the edges at a vertex (who wins one unit loses the other).

Which cycle is picked depends on the order of the edges, but the marginals above do not: the
order only changes how the outcomes are correlated, never anyone's chances. Every coin is one
``rng.random()`` call, so one seed gives one outcome.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from cybermutual.domain.allocation.market import FloatArray, IndexArray
from cybermutual.domain.errors import InvalidValue

#: Parts this close to 0 or 1 count as whole (the floats of an equilibrium are not exact).
WHOLE_EPS = 1e-9


def lottery_rng(seed: int, pass_no: int = 1) -> np.random.Generator:
    """The generator of one pass of a round's lottery: a published seed, and the pass number
    (re-runs draw afresh, yet from the same published seed)."""
    if seed < 0 or pass_no < 1:
        raise InvalidValue("the lottery seed must not be negative; passes count from 1")
    return np.random.default_rng(np.random.SeedSequence([seed, pass_no]))


def dependent_rounding(
    member: IndexArray,
    asset: IndexArray,
    fraction: FloatArray,
    *,
    n_members: int,
    rng: np.random.Generator,
) -> NDArray[np.bool_]:
    """Round each edge's ``fraction`` (in ``[0, 1]``) to up (true) or down (module docstring)."""
    clipped = np.clip(np.asarray(fraction, dtype=np.float64), 0.0, 1.0)
    up = clipped >= 1.0 - WHOLE_EPS
    live = np.flatnonzero((clipped > WHOLE_EPS) & ~up)
    if live.size == 0:
        return up
    # Plain Python from here: the loop takes one small step per edge, where numpy's per-call
    # overhead would dominate. Edges are renumbered 0..m-1; each vertex keeps its fractional
    # edges in a list with O(1) removal (swap with the last), since Python's sets and dicts
    # do not shrink and iterating one emptied by removals costs its old size every time.
    count = int(live.size)
    y = clipped[live].tolist()
    ends = list(zip(member[live].tolist(), (n_members + asset[live]).tolist(), strict=True))
    incident: dict[int, list[int]] = {}
    slot = [[0, 0] for _ in range(count)]  # where edge e sits in its two vertices' lists
    for e, pair in enumerate(ends):
        for side, vertex in enumerate(pair):
            edges = incident.setdefault(vertex, [])
            slot[e][side] = len(edges)
            edges.append(e)
    order = list(incident)
    random = rng.random

    def remove(e: int) -> None:
        for side, vertex in enumerate(ends[e]):
            edges = incident[vertex]
            at = slot[e][side]
            last = edges.pop()
            if last != e:
                edges[at] = last
                slot[last][0 if ends[last][0] == vertex else 1] = at

    def settle(path: list[int]) -> int:
        """One rounding step on a cycle or maximal path (module docstring); the position in
        ``path`` of the first edge it made whole."""
        # alpha = min(1 - y on M1, y on M2), beta = min(y on M1, 1 - y on M2), in one pass
        alpha = beta = 2.0
        odd = False
        for e in path:
            value = y[e]
            up_room, down_room = (value, 1.0 - value) if odd else (1.0 - value, value)
            if up_room < alpha:
                alpha = up_room
            if down_room < beta:
                beta = down_room
            odd = not odd
        step = alpha if random() * (alpha + beta) < beta else -beta
        odd = False
        for e in path:
            y[e] += -step if odd else step
            odd = not odd
        first_whole = len(path)
        for at, e in enumerate(path):
            value = y[e]
            if value <= WHOLE_EPS or value >= 1.0 - WHOLE_EPS:
                y[e] = 0.0 if value <= WHOLE_EPS else 1.0
                remove(e)
                first_whole = min(first_whole, at)
        return first_whole

    def truncate(keep: int) -> None:
        """Keep the walk's first ``keep`` edges (they did not change) and resume from there."""
        for dropped in vertices[keep + 1 :]:
            del position[dropped]
        del vertices[keep + 1 :]
        del path[keep:]

    # One walk, kept across steps: after a step the walk resumes from just before the first
    # edge the step made whole (the edges before it did not change), so the graph is walked
    # about once rather than once per step.
    vertices: list[int] = []
    path: list[int] = []
    position: dict[int, int] = {}
    from_dead_end = False
    cursor = 0
    while True:
        if not vertices:
            while cursor < len(order) and not incident[order[cursor]]:
                cursor += 1
            if cursor == len(order):
                break
            start = order[cursor]
            vertices, path, position, from_dead_end = [start], [], {start: 0}, False
        vertex = vertices[-1]
        edges = incident[vertex]
        previous = path[-1] if path else -1
        step = -1
        if edges:
            step = edges[-1]
            if step == previous:
                step = edges[-2] if len(edges) > 1 else -1
        if step < 0:  # a dead end
            if not path:
                vertices = []
            elif from_dead_end or len(incident[vertices[0]]) == 1:
                # a maximal path: both of its ends are dead ends
                truncate(settle(path))
                from_dead_end = True
            else:  # turn the walk round: go on from its start, away from this dead end
                vertices.reverse()
                path.reverse()
                position = {v: at for at, v in enumerate(vertices)}
                from_dead_end = True
            continue
        h, t = ends[step]
        following = t if h == vertex else h
        if following in position:
            at = position[following]
            truncate(at + min(settle([*path[at:], step]), len(path) - at))
            continue
        position[following] = len(vertices)
        vertices.append(following)
        path.append(step)
    result = up.copy()
    result[live] = np.asarray(y) >= 0.5
    return result
