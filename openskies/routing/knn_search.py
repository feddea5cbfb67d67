"""The neighbour-list orienteering search for many points (legs tabled or on demand).

Private to :mod:`openskies.routing.orienteering`, which validates the input
and chooses the engine.  Compiled with numba on first use in a process (the
kernels are cached on disk, ``cache=True``); see the README's engine section
for the compile time.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

import numpy as np

from openskies.routing.tsplib import _geo_radians

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from openskies.options import Deadline
    from openskies.routing.knn_kernels import Problem

    Floats = NDArray[np.float64]
    Ints = NDArray[np.int64]

__all__ = ["KNN_METRICS", "Neighbours", "knn_search"]

#: Metrics the neighbour-list search computes on demand.
KNN_METRICS = ("euclidean", "euc_2d", "ceil_2d", "att", "geo")
_K = 30  # candidate list size: nearest per quadrant, then nearest overall
_QUADRANT = 3  # nearest points per quadrant in each candidate list
_BATCH = 20  # perturbation rounds between deadline checks
_NOISE = 0.3  # relative noise on the insertion ratio after a perturbation
#: Record-to-record travel: accept paths within this share of the best score,
#: up to :data:`_DEV_POINTS` points and beyond (measured on OPLib: on 401-1,000
#: points 1 % lets the walk drift from good paths, as on gr666 and p654; on
#: 225, 0.5 % holds it in a poor region, as on ts225).
_DEV = (0.01, 0.005)
_DEV_POINTS = 400
_RESTART = 500  # rounds without a new best before going back to the best path
_DROP_MAX = 8000  # also start from a tour of all candidates thinned out, up to this
_STARTS = 8  # first paths: greedy, and built around other candidates
_FAR = 3  # first paths built around candidates spread far apart
_HALVING = 0.4  # share of the search spent choosing among the first paths
_BUILD = 0.9  # build first paths while this share of the time is left
_CHALLENGE = 1000  # perturbation rounds of a walk between rivals
_PROBATION = 400  # perturbation rounds of a rival before it is judged
_TABLE_MAX = 2500  # leg table up to this many points (50 MB), on demand beyond


def _coordinates(points: Floats, metric: str) -> tuple[Floats, Floats]:
    """Return the kernels' x and y.

    For geo, latitude and longitude [rad] each followed by its cosine and
    sine (three blocks of n; see :func:`knn_kernels.dist`).
    """
    if metric == "geo":
        lat, lon = _geo_radians(points[:, 0]), _geo_radians(points[:, 1])
        return np.r_[lat, np.cos(lat), np.sin(lat)], np.r_[
            lon, np.cos(lon), np.sin(lon)
        ]
    return np.ascontiguousarray(points[:, 0]), np.ascontiguousarray(points[:, 1])


class Neighbours:
    """Points, their metric and k-nearest-neighbour lists for the compiled search.

    Parameters
    ----------
    points
        (n, 2) coordinates in the metric's convention, n >= 2.
    metric
        One of :data:`KNN_METRICS`.
    table
        Whether the search reads leg lengths from an (n, n) table built once
        (8 n^2 bytes) instead of computing them on demand; the lengths are the
        same.  None: a table for up to :data:`_TABLE_MAX` points.
    """

    def __init__(
        self, points: Floats, metric: str, *, table: bool | None = None
    ) -> None:
        from openskies.routing.knn_kernels import (
            METRIC_CODES,
            TABLE,
            leg_table,
            nearest,
            reverse_lists,
        )

        self.x, self.y = _coordinates(points, metric)
        self.code, self.n = METRIC_CODES[metric], len(points)
        self.planar = metric == "euclidean"  # real-valued lengths
        k = min(_K, self.n - 1)
        self.neigh = nearest(self.x, self.y, self.code, k, _QUADRANT if k == _K else 0)
        self.rstart, self.ritems = reverse_lists(self.neigh)
        if self.n <= _TABLE_MAX if table is None else table:
            self.x = leg_table(self.x, self.y, self.code)
            self.y, self.code = np.zeros(self.n), TABLE

    def resolution(self, limit: float) -> float:
        """Smallest length difference that counts as a gain, for budget ``limit``.

        Half a unit for the integer TSPLIB metrics; relative to the budget
        for plain Euclidean lengths (floating-point noise is not a gain).
        """
        return 1e-9 * max(limit, 1.0) if self.planar else 0.5

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


class _Walk:
    """One trajectory of the iterated local search: current and best path."""

    def __init__(self, path: Ints, n_on: int) -> None:
        self.cur, self.best = path, path.copy()
        self.counts = np.array([n_on, n_on, 0], dtype=np.int64)

    def key(self, prize: Floats, nb: Neighbours) -> tuple[float, float]:
        """Sort key of the best path: larger inner score, then shorter."""
        r = self.route()
        return -float(prize[r[1:-1]].sum()), float(nb.legs(r[:-1], r[1:]).sum())

    def route(self) -> Ints:
        """Return the best path's nodes."""
        out: Ints = self.best[0, : self.counts[1]]
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

    The search starts from :data:`_STARTS` first paths (greedy, and built
    around candidates far apart or random, which puts the path in other
    regions, :func:`_anchors`), runs
    them in turn and keeps the better half, until one is left (successive
    halving, :data:`_HALVING` of the budget); the survivor gets the rest.

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
        perturbation rounds in all (None: until the deadline or stagnation).
    """
    from openskies.routing.knn_ils import start_path

    eps = nb.resolution(limit)
    mixed = (seed * 0x9E3779B97F4A7C15 + 0x2545F4914F6CDD1D) % 2**64
    state = np.array([mixed or 1], dtype=np.uint64)
    cand = np.ascontiguousarray(cand, dtype=np.int64)
    problem = (nb.x, nb.y, nb.code, nb.neigh, nb.rstart, nb.ritems, prize, cand, eps)
    firsts = _anchors(nb, cand, ends, limit, np.random.default_rng(seed))
    walks: list[_Walk] = []
    build_until = _BUILD * deadline.remaining()  # seconds left when building stops
    for first in (-1, *firsts):
        if walks and deadline.remaining() < build_until:
            break
        path, n_on = start_path(
            problem, limit, ends, state, cand.size <= _DROP_MAX, int(first)
        )
        walks.append(_Walk(path, n_on))
    search = _Search(nb, problem, state, limit, bound, deadline, rounds)
    share = _HALVING / max(1, math.ceil(math.log2(len(walks))))
    while len(walks) > 1 and not search.done:
        budget = search.budget(share / len(walks))
        for w in walks:
            search.run(w, budget)
        walks.sort(key=lambda w: w.key(prize, nb))
        walks = walks[: (len(walks) + 1) // 2]
    walks.sort(key=lambda w: w.key(prize, nb))
    search.run(walks[0], search.budget(1.0))
    return [int(v) for v in walks[0].route()]


def _anchors(
    nb: Neighbours,
    cand: Ints,
    ends: tuple[int, int],
    limit: float,
    rng: np.random.Generator,
) -> Ints:
    """Return the candidates the first paths are built around.

    :data:`_FAR` of them spread over the region within reach by farthest-point
    sampling (each the reachable candidate farthest from the ends and those
    before it), the others drawn at random: the region a path settles in
    decides more than any later move, and far regions are the ones a greedy
    path never reaches.
    """
    s, e = ends
    count = np.full(cand.size, s, dtype=np.int64)
    reach = nb.legs(count, cand) + nb.legs(cand, np.full(cand.size, e, dtype=np.int64))
    pool = cand[reach <= limit]
    if pool.size == 0:
        return pool
    chosen: list[int] = []
    near = np.minimum(
        nb.legs(np.full(pool.size, s, dtype=np.int64), pool),
        nb.legs(np.full(pool.size, e, dtype=np.int64), pool),
    )
    for _ in range(min(_FAR, pool.size)):
        pick = int(np.argmax(near))
        chosen.append(int(pool[pick]))
        near = np.minimum(near, nb.legs(np.full(pool.size, pool[pick]), pool))
    rest = rng.permutation(np.setdiff1d(pool, chosen))
    picked = np.r_[np.array(chosen, dtype=np.int64), rest][: _STARTS - 1]
    return np.asarray(picked, dtype=np.int64)


class _Search:
    """The budget of the search (time and rounds) and the rounds of one walk.

    Every :data:`_CHALLENGE` rounds a walk meets a rival: a copy of its best
    path moved to another region (:func:`knn_ils.plant_region`) and searched
    for :data:`_PROBATION` rounds.  A rival better than the best replaces it;
    one within the accepted deviation (:data:`_DEV`) becomes the current
    path.  The perturbation rounds move a path within its region; the rivals
    try whole other regions with time to settle, which a single perturbation
    round never has.
    """

    def __init__(
        self,
        nb: Neighbours,
        problem: Problem,
        state: NDArray[np.uint64],
        limit: float,
        bound: float,
        deadline: Deadline,
        rounds: int | None,
    ) -> None:
        self.nb, self.problem, self.state = nb, problem, state
        self.limit, self.bound = limit, bound
        self.deadline, self.left = deadline, math.inf if rounds is None else rounds
        self.seconds = deadline.remaining()
        cand = problem[7]
        self.max_stall = 50_000 + 100 * cand.size  # rounds without a new best
        self.max_run = max(3, min(30, cand.size // 10))
        self.dev = _DEV[nb.n > _DEV_POINTS]
        self.reached = False

    @property
    def done(self) -> bool:
        """Whether the bound is reached, the rounds are spent or time is up."""
        return self.reached or self.left <= 0 or self.deadline.expired

    def budget(self, fraction: float) -> tuple[float, float]:
        """Seconds and rounds for one walk: ``fraction`` of the whole search."""
        if fraction >= 1.0:
            return math.inf, math.inf
        seconds = fraction * self.seconds
        count = math.inf
        if math.isfinite(self.left):
            count = math.ceil(fraction * self.left)
        if math.isinf(seconds) and math.isinf(count):
            count = 2000.0  # neither a time nor a round limit: a fixed share
        return seconds, count

    def run(self, walk: _Walk, budget: tuple[float, float]) -> None:
        """Run perturbation rounds and rivals on ``walk`` within the budget."""
        end = time.monotonic() + budget[0]
        count = budget[1]
        while count > 0 and self._going(walk, end):
            count -= self._rounds(walk, end, min(_CHALLENGE, count))
            if count > 0 and self._going(walk, end):
                count -= self._challenge(walk, end, min(_PROBATION, count))

    def _going(self, walk: _Walk, end: float) -> bool:
        """Whether ``walk`` may go on: rounds and time left, bound not reached."""
        if self.left <= 0 or walk.counts[2] >= self.max_stall:
            return False
        if self.deadline.expired or time.monotonic() >= end:
            return False
        prize = self.problem[6]
        if prize[walk.best[0, 1 : walk.counts[1] - 1]].sum() >= self.bound:
            self.reached = True
        return not self.reached

    def _rounds(self, walk: _Walk, end: float, count: float) -> int:
        """Run up to ``count`` perturbation rounds on ``walk``; return how many."""
        from openskies.routing.knn_ils import ils_rounds

        done = 0
        while done < count and self._going(walk, end):
            k = int(min(_BATCH, self.left, count - done))
            ils_rounds(
                self.problem, self.limit, walk.cur, walk.best, walk.counts,
                self.state, k, _NOISE, self.max_run, self.dev, _RESTART,
            )  # fmt: skip
            self.left -= k
            done += k
        return done

    def _challenge(self, walk: _Walk, end: float, count: float) -> int:
        """Search a rival of ``walk`` for ``count`` rounds; return the rounds run."""
        from openskies.routing.knn_ils import plant_region

        path = walk.best.copy()
        n_on = plant_region(self.problem, self.limit, path, walk.counts[1], self.state)
        rival = _Walk(path, n_on)
        done = self._rounds(rival, end, count)
        prize = self.problem[6]
        theirs, ours = rival.key(prize, self.nb), walk.key(prize, self.nb)
        if theirs < ours:  # a better best
            walk.best, walk.cur = rival.best.copy(), rival.best.copy()
            walk.counts[:] = rival.counts[1], rival.counts[1], 0
        elif -theirs[0] >= -ours[0] * (1.0 - self.dev):  # an acceptable current path
            walk.cur = rival.best.copy()
            walk.counts[0] = rival.counts[1]
        return done
