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

#: Parts this close to 0 or 1 count as whole (the floats of an equilibrium are not exact).
WHOLE_EPS = 1e-9


def lottery_rng(seed: int, pass_no: int = 1) -> np.random.Generator:
    """The generator of one pass of a round's lottery: a published seed, and the pass number
    (re-runs draw afresh, yet from the same published seed)."""
    if seed < 0 or pass_no < 1:
        raise ValueError("the seed must not be negative and passes count from 1")
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
    # plain Python from here: the loop takes one small step per edge, where numpy's per-call
    # overhead would dominate
    y: dict[int, float] = dict(zip(live.tolist(), clipped[live].tolist(), strict=True))
    heads = member[live].tolist()
    tails = (n_members + asset[live]).tolist()
    ends = {k: (h, t) for k, h, t in zip(live.tolist(), heads, tails, strict=True)}
    adjacency: dict[int, set[int]] = {}
    for k, (h, t) in ends.items():
        adjacency.setdefault(h, set()).add(k)
        adjacency.setdefault(t, set()).add(k)

    random = rng.random

    def settle(edges: list[int]) -> None:
        """One rounding step on a cycle or maximal path (module docstring)."""
        first = edges[0::2]
        second = edges[1::2]
        alpha = min(min(1.0 - y[k] for k in first), min((y[k] for k in second), default=2.0))
        beta = min(min(y[k] for k in first), min((1.0 - y[k] for k in second), default=2.0))
        step = alpha if random() * (alpha + beta) < beta else -beta
        for k in first:
            y[k] += step
        for k in second:
            y[k] -= step
        for k in edges:
            value = y[k]
            if value <= WHOLE_EPS or value >= 1.0 - WHOLE_EPS:
                y[k] = 0.0 if value <= WHOLE_EPS else 1.0
                for vertex in ends[k]:
                    incident = adjacency[vertex]
                    incident.discard(k)
                    if not incident:
                        del adjacency[vertex]

    # One walk, kept across steps: after a cycle is settled the walk resumes from where the
    # cycle began (the edges before it did not change), so the graph is walked about once.
    vertices: list[int] = []
    path: list[int] = []
    position: dict[int, int] = {}
    from_dead_end = False
    while adjacency:
        if not vertices:
            start = next(iter(adjacency))
            vertices, path, position, from_dead_end = [start], [], {start: 0}, False
        vertex = vertices[-1]
        previous = path[-1] if path else -1
        step = -1
        for k in adjacency.get(vertex, ()):
            if k != previous:
                step = k
                break
        if step < 0:  # a dead end
            if not path:
                vertices = []
            elif from_dead_end or len(adjacency.get(vertices[0], ())) == 1:
                settle(path)  # a maximal path: both of its ends are dead ends
                vertices = []
            else:  # walk back from this dead end to find the path's other end
                vertices, path, position, from_dead_end = [vertex], [], {vertex: 0}, True
            continue
        h, t = ends[step]
        following = t if h == vertex else h
        if following in position:
            at = position[following]
            settle([*path[at:], step])
            for dropped in vertices[at + 1 :]:
                del position[dropped]
            del vertices[at + 1 :]
            del path[at:]
            continue
        position[following] = len(vertices)
        vertices.append(following)
        path.append(step)
    result = up.copy()
    result[np.fromiter(y.keys(), dtype=np.intp, count=len(y))] = (
        np.fromiter(y.values(), dtype=np.float64, count=len(y)) >= 0.5
    )
    return result
