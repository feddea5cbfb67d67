"""The neighbour-list orienteering search for many points (distances on demand).

Private to :mod:`openskies.routing.orienteering`, which validates the input
and chooses the engine.  Compiled with numba on first use in a process (the
kernels are cached on disk, ``cache=True``); see the README's engine section
for the compile time.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from openskies.routing.tsplib import _geo_radians

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from openskies.options import Deadline

    Floats = NDArray[np.float64]
    Ints = NDArray[np.int64]

__all__ = ["KNN_METRICS", "Neighbours", "knn_search"]

#: Metrics the neighbour-list search computes on demand.
KNN_METRICS = ("euclidean", "euc_2d", "ceil_2d", "att", "geo")
_K = 30  # candidate list size: nearest per quadrant, then nearest overall
_QUADRANT = 3  # nearest points per quadrant in each candidate list
_BATCH = 20  # perturbation rounds between deadline checks
_NOISE = 0.3  # relative noise on the insertion ratio after a perturbation
_DEV = 0.01  # record-to-record travel: accept paths within 2 % of the best score
_RESTART = 500  # rounds without a new best before going back to the best path
_DROP_MAX = 8000  # also start from a tour of all candidates thinned out, up to this


def _coordinates(points: Floats, metric: str) -> tuple[Floats, Floats]:
    """Return the kernels' x and y (latitude and longitude [rad] for geo)."""
    if metric == "geo":
        return _geo_radians(points[:, 0]), _geo_radians(points[:, 1])
    return np.ascontiguousarray(points[:, 0]), np.ascontiguousarray(points[:, 1])


class Neighbours:
    """Points, their metric and k-nearest-neighbour lists for the compiled search.

    Parameters
    ----------
    points
        (n, 2) coordinates in the metric's convention, n >= 2.
    metric
        One of :data:`KNN_METRICS`.
    """

    def __init__(self, points: Floats, metric: str) -> None:
        from openskies.routing.knn_kernels import METRIC_CODES, nearest, reverse_lists

        self.x, self.y = _coordinates(points, metric)
        self.code, self.n = METRIC_CODES[metric], len(points)
        self.eps = 1e-9 if metric == "euclidean" else 0.5  # length resolution
        k = min(_K, self.n - 1)
        self.neigh = nearest(self.x, self.y, self.code, k, _QUADRANT if k == _K else 0)
        self.rstart, self.ritems = reverse_lists(self.neigh)

    def nearest_distance(self) -> Floats:
        """Distance from each point to its nearest other point."""
        from openskies.routing.knn_kernels import legs

        out: Floats = legs(
            self.x, self.y, self.code, np.arange(self.n), self.neigh[:, 0]
        )
        return out

    def legs(self, a: Ints, b: Ints) -> Floats:
        """Leg lengths from ``a[k]`` to ``b[k]``."""
        from openskies.routing.knn_kernels import legs

        out: Floats = legs(self.x, self.y, self.code, a, b)
        return out


def knn_search(
    nb: Neighbours,
    prize: Floats,
    ends: tuple[int, int],
    cand: Ints,
    limit: float,
    *,
    seed: int,
    deadline: Deadline,
    bound: float,
    rounds: int | None,
) -> list[int]:
    """Run the iterated local search over neighbour lists; return the best path.

    Parameters
    ----------
    nb
        The points and their neighbour lists.
    prize
        Score of each point.
    ends
        Start and end point (equal for a closed tour).
    cand
        The optional points worth visiting (positive score, reachable).
    limit
        The budget, tolerance included.
    seed, deadline, bound, rounds
        Random seed; the deadline checked every few rounds; stop when the
        score of the inner points reaches ``bound``; at most ``rounds``
        perturbation rounds (None: until the deadline or stagnation).
    """
    from openskies.routing.knn_ils import ils_rounds, start_path

    x, y, code = nb.x, nb.y, nb.code
    neigh, rstart, ritems = nb.neigh, nb.rstart, nb.ritems
    eps = nb.eps * max(limit, 1.0) if code == 0 else nb.eps
    mixed = (seed * 0x9E3779B97F4A7C15 + 0x2545F4914F6CDD1D) % 2**64
    state = np.array([mixed or 1], dtype=np.uint64)
    cand = np.ascontiguousarray(cand, dtype=np.int64)
    problem = (x, y, code, neigh, rstart, ritems, prize, cand, eps)
    cur, n_on = start_path(problem, limit, ends, state, cand.size <= _DROP_MAX)
    best = cur.copy()
    counts = np.array([n_on, n_on, 0], dtype=np.int64)
    left = math.inf if rounds is None else rounds
    max_stall = 50_000 + 100 * cand.size  # rounds without a new best
    max_run = max(3, min(30, cand.size // 10))
    while left > 0 and counts[2] < max_stall and not deadline.expired:
        if prize[best[0, 1 : counts[1] - 1]].sum() >= bound:
            break
        k = int(min(_BATCH, left))
        ils_rounds(
            problem, limit, cur, best, counts, state, k, _NOISE, max_run, _DEV,
            _RESTART,
        )  # fmt: skip
        left -= k
    return [int(v) for v in best[0, : counts[1]]]
