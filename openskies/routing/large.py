"""Orienteering on many points: legs on demand, neighbour lists, a relaxation bound.

Private to :mod:`openskies.routing.orienteering`, which validates the input.
Legs come from the coordinates with the metric (the integer TSPLIB metrics
or the plain Euclidean one), read from a table built once up to 2,500 points
and computed on demand beyond, where no (n, n) array is built; the search
runs over k-nearest-neighbour lists (:mod:`openskies.routing.knn_search`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from openskies.routing.ils import knapsack_bound

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from openskies.options import Deadline
    from openskies.routing.knn_search import Neighbours

    Floats = NDArray[np.float64]
    Ints = NDArray[np.int64]

__all__ = ["TRIANGLE_METRICS", "large_bound", "large_repair", "reachable"]

#: Metrics whose legs obey the triangle inequality (rounding up keeps it;
#: rounding to nearest, euc_2d and geo, can break it by a unit).
TRIANGLE_METRICS = ("euclidean", "ceil_2d", "att")


def reachable(
    nb: Neighbours, prize: Floats, s: int, e: int, limit: float, metric: str
) -> tuple[Ints, Ints]:
    """Return the points within reach by direct legs, and those the bound counts.

    Returns ``(reach, counted)``: ``reach`` the points ``x`` (not an end) with
    ``d(s, x) + d(x, e) <= limit``; ``counted`` the same for a metric with the
    triangle inequality, else every optional point (a detour through other
    points may then be shorter than the direct legs).
    """
    everyone = np.arange(nb.n, dtype=np.int64)
    opt = everyone[(everyone != s) & (everyone != e)]
    out = nb.legs(np.full(opt.size, s, dtype=np.int64), opt)
    back = nb.legs(opt, np.full(opt.size, e, dtype=np.int64))
    reach = opt[out + back <= limit]
    return reach, reach if metric in TRIANGLE_METRICS else opt


def large_bound(
    nb: Neighbours, prize: Floats, s: int, e: int, counted: Ints, limit: float
) -> float:
    """Fractional knapsack bound with each point weighing its nearest-neighbour leg.

    Every leg ``a -> b`` is at least the nearest-neighbour distance of ``a``
    and of ``b``, hence at least their mean; so a path weighs at least half
    the ends' and the whole inner points' nearest distances.  Valid without
    the triangle inequality.
    """
    nn = nb.nearest_distance()
    base = float(prize[s] + (prize[e] if e != s else 0.0))
    cap = limit - 0.5 * (nn[s] + nn[e])
    return base + knapsack_bound(prize[counted], nn[counted], cap)


def large_repair(
    nb: Neighbours, prize: Floats, route: list[int], limit: float
) -> list[int]:
    """Drop the points of least score per saved length until within the budget."""
    while len(route) > 2:
        r = np.asarray(route, dtype=np.int64)
        if float(nb.legs(r[:-1], r[1:]).sum()) <= limit:
            break
        saving = nb.legs(r[:-2], r[1:-1]) + nb.legs(r[1:-1], r[2:])
        saving -= nb.legs(r[:-2], r[2:])
        ratio = prize[r[1:-1]] / np.maximum(saving, 1e-12)
        del route[int(ratio.argmin()) + 1]
    return route


def run_large(
    nb: Neighbours,
    prize: Floats,
    ends: tuple[int, int],
    reach: Ints,
    limit: float,
    *,
    seed: int,
    deadline: Deadline,
    bound: float,
    rounds: int | None,
) -> list[int]:
    """Run the neighbour-list search on the reachable points of positive score."""
    from openskies.routing.knn_search import knn_search

    s, e = ends
    cand = reach[prize[reach] > 0]
    if cand.size == 0:
        return [s, e]
    inner_bound = bound - float(prize[s] + (prize[e] if e != s else 0.0))
    route = knn_search(
        nb, prize, ends, cand, limit,
        seed=seed, deadline=deadline, bound=inner_bound, rounds=rounds,
    )  # fmt: skip
    return large_repair(nb, prize, route, limit)
