"""Orienteering: collect the most score on one path within a length budget.

The orienteering problem (a prize-collecting path problem) picks an ordered
subset of points for a path from a start to an end point: the largest total
score whose path length stays within a budget; ties go to the shorter path.

Three engines: an exact dynamic programme over subsets, which proves
optimality and serves up to 14 reachable optional points; a dense iterated
local search (greedy insertion; 2-opt, or-opt, insertion and swap moves;
random removal or forced insertion as perturbation; a worse path is accepted
in 20 % of the rounds) on an (n, n) matrix of legs, compiled (numba,
:mod:`openskies.routing.ils_kernels`); and, for more than 200 points with a
planar or TSPLIB metric (450 with TSPLIB's costlier GEO), a compiled (numba)
neighbour-list search with legs from a table built once (up to 2,500
points) or computed on demand (:mod:`openskies.routing.knn_search`).  On
the 89 public Tsiligirides and Chao-Golden-Wasil instances, 1 s per run,
the dense search reached the best-known score in 267 of 267 runs (3 seeds;
266 before it was compiled); OR-Tools routing with guided local search in
20 of 89 (no better at 5 s) and PyVRP 0.14 in 79-84 of 89.
See ``benchmarks/bench_orienteering.py``; OPLib (up to 7,397 points) in
``benchmarks/bench_oplib.py`` and the README's engine section.

Limits (documented bounds on work and numbers)
----------------------------------------------
* At most :data:`MAX_DENSE_POINTS` points with a ``distance_matrix``,
  geodesic points, or the ``"exact"`` and ``"ils"`` engines: they keep a
  dense (n, n) float64 matrix of legs (32 MB at 2,000 points).  At most
  :data:`MAX_POINTS` planar points with a metric computed on demand
  (memory O(n) above 2,500 points, a 50 MB leg table at most below; the
  candidate lists take O(n^2) time, about 1 s at 7,397 points).  Larger
  inputs are refused with an ``OptionsError`` before anything is
  allocated.  Thin the points out, or cluster them, first.
* Scores at most :data:`MAX_SCORE` and coordinates, leg lengths and the budget
  at most :data:`MAX_LENGTH` in absolute value, so that no sum of scores or of
  legs can overflow float64.
* ``options.time_limit_s`` bounds the search; the set-up before it (the matrix
  of legs, shortest paths and the score bound, O(n^2)) is not interrupted and
  adds about half a second at :data:`MAX_POINTS` points (see
  ``benchmarks/bench_limits.py``).  Every phase of the search stops at the
  deadline with the best path found so far (at worst the direct leg).  The
  dense engine checks it between batches of moves (2-opt, or-opt, insertion,
  swap; a move costs O(m^2) on a path of m points, tens of ms at 2,000) and
  then of rounds (a perturbation and local search), each batch sized to take
  about 10 ms but at least one move or round (up to about 0.4 s at 2,000
  points); the neighbour-list engine every 20 rounds.  Their first
  compilation in a process without numba's disk cache (``cache=True``) takes
  about 7 s (dense) and 30-50 s (neighbour lists) and counts against the
  time limit.
"""

from __future__ import annotations

import math
import numbers
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from openskies.errors import GeometryError, OptionsError
from openskies.options import Deadline, SolveOptions, SolveStatus
from openskies.routing.dense import exact, integral, score_bound, shortest_from
from openskies.routing.ils import Search, repair, route_length, route_score
from openskies.routing.knn_search import KNN_METRICS
from openskies.routing.large import TRIANGLE_METRICS, large_bound, reachable, run_large
from openskies.routing.tsplib import tsplib_distance

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

    Floats = NDArray[np.float64]
    Ints = NDArray[np.int64]

__all__ = [
    "MAX_LENGTH",
    "MAX_POINTS",
    "MAX_SCORE",
    "OrienteeringResult",
    "solve_orienteering",
]

#: Most points :func:`solve_orienteering` accepts with legs computed on demand
#: (planar or TSPLIB metrics; memory O(n), neighbour lists O(n^2) time).
MAX_POINTS = 20_000
#: Most points with a dense (n, n) matrix of legs: a ``distance_matrix``,
#: geodesic points, or the ``"ils"`` and ``"exact"`` engines.
MAX_DENSE_POINTS = 2000
#: Largest score of one point; MAX_POINTS of them sum to far below float64's max.
MAX_SCORE = 1e15
#: Largest absolute coordinate, leg length or budget (sums of legs stay finite).
MAX_LENGTH = 1e15

_REL_TOL = 1e-9  # a path is within budget when length <= budget * (1 + _REL_TOL)
_EXACT_AUTO = 14  # "auto" runs the exact engine up to this many optional points
_EXACT_MAX = 16  # the exact engine refuses more (memory grows as 2**m * m**2)
_ENGINES = ("auto", "exact", "ils", "knn")
_METRICS = ("euclidean", "geodesic", "euc_2d", "ceil_2d", "att", "geo")
_DENSE_AUTO = 200  # "auto" runs the neighbour-list engine above this many points
# ... and above this many with the geo metric, whose legs cost 3.5 times a
# planar one on demand (OPLib at 10-30 s, ratio to EA4OP: gr431 dense 0.997 /
# 0.995, lists 0.991 / 0.990; gr666 dense 0.952 / 0.975, lists 0.980 / 0.992)
_DENSE_AUTO_GEO = 450


@dataclass(frozen=True, slots=True)
class OrienteeringResult:
    """Outcome of :func:`solve_orienteering`.

    Attributes
    ----------
    order
        Indices of the visited points from start to end inclusive (a closed
        tour repeats the start at the end); empty when infeasible.
    score
        Total score of the visited points; start and end count once each.
    length
        Path length, the float64 sum of its legs in order [km for geodesic].
    status
        ``OPTIMAL`` when the score is proven largest, ``FEASIBLE`` otherwise,
        ``INFEASIBLE`` when even the direct leg from start to end is too long.
    bound
        Upper bound on the score of any path within the budget: a fractional
        knapsack relaxation in which each point weighs half its shortest in-
        and out-legs (dense) or its nearest-neighbour leg (on demand), or
        the proven optimum of the exact engine.
    runtime_s
        Wall-clock time of the solve [s].
    engine
        ``"exact"``, ``"ils"`` or ``"knn"`` (``"exact"`` too for a proven
        infeasibility).
    """

    order: tuple[int, ...]
    score: float
    length: float
    status: SolveStatus
    bound: float
    runtime_s: float
    engine: str


def solve_orienteering(
    points: ArrayLike | None,
    scores: ArrayLike,
    *,
    start: int,
    end: int | None = None,
    budget: float,
    metric: str = "euclidean",
    distance_matrix: ArrayLike | None = None,
    engine: str = "auto",
    options: SolveOptions | None = None,
    deadline: Deadline | None = None,
) -> OrienteeringResult:
    """Find the path from start to end that collects the most score within budget.

    Parameters
    ----------
    points
        Array of shape (n, 2), 1 <= n <= :data:`MAX_POINTS` (at most
        :data:`MAX_DENSE_POINTS` for the dense engines and geodesic points):
        planar ``(x, y)`` (absolute values at most :data:`MAX_LENGTH`),
        TSPLIB coordinates for the TSPLIB metrics, or ``(lon, lat)`` [deg]
        with ``metric="geodesic"``.  May be ``None`` when ``distance_matrix``
        is given.
    scores
        Score of each of the n points, from 0 to :data:`MAX_SCORE`.
    start
        Index of the first point of the path.
    end
        Index of the last point; ``None`` returns to ``start`` (a closed tour).
    budget
        Largest path length [km for geodesic], 0 to :data:`MAX_LENGTH`; lengths
        are float64 sums of the legs and may exceed it by a relative 1e-9 at
        most.
    metric
        ``"euclidean"`` (planar), ``"geodesic"`` (WGS84 ellipsoid through
        ``pyproj.Geod``, distances in km), or a TSPLIB integer metric
        ``"euc_2d"``, ``"ceil_2d"``, ``"att"``, ``"geo"`` (see
        :func:`openskies.routing.tsplib.tsplib_distance`), so that the search
        optimises the same integer lengths an OPLib instance is judged by.
    distance_matrix
        (n, n) leg lengths used instead of ``metric``, e.g. detour distances,
        each from 0 to :data:`MAX_LENGTH`; they need not be symmetric nor obey
        the triangle inequality.
    engine
        ``"exact"`` (at most 16 reachable optional points; if the time limit
        passes first, ils takes over), ``"ils"`` (dense), ``"knn"`` (the
        neighbour-list search; points with a metric other than geodesic), or
        ``"auto"``: exact up to 14 reachable optional points, else knn above
        200 points with such a metric (450 with ``"geo"``), else ils.
    options
        Time limit, seed and iteration limit (``workers`` is ignored); None
        uses ``SolveOptions()`` (10 s, seed 0).  The same input and seed give
        the same path unless the time limit cuts the search short; the search
        also stops when its score meets the bound, stagnates, or has made
        ``options.iteration_limit`` perturbation rounds.  The call returns
        within ``time_limit_s`` plus the set-up (about 0.5 s at 2,000 points
        dense, about 1-2 s at 7,397 on demand; see the module's limits).
    deadline
        The time budget of a caller that shares it with other work; None
        starts one of ``options.time_limit_s`` now.

    Returns
    -------
    OrienteeringResult
        The path, its score and length, status, score bound and runtime.

    Raises
    ------
    GeometryError
        If points or the distance matrix have the wrong shape, or hold NaN,
        infinite, negative (distances) or out-of-range (degrees, more than
        :data:`MAX_LENGTH`) values.
    OptionsError
        If there are more points than the engine allows (before any work), if
        scores are negative, non-finite, above :data:`MAX_SCORE` or not one per
        point, ``start`` or ``end`` is not a point index, the budget is
        negative, not finite or above :data:`MAX_LENGTH`, ``metric`` or
        ``engine`` is unknown, or ``options`` is not a ``SolveOptions``.

    Examples
    --------
    >>> r = solve_orienteering([[0, 0], [1, 0], [2, 0], [0, 5]], [0, 1, 1, 9],
    ...                        start=0, end=2, budget=2.0)
    >>> r.order, r.score, r.status.value
    ((0, 1, 2), 2.0, 'optimal')
    """
    t0 = time.perf_counter()
    options = _options(options)
    deadline = _deadline(deadline, options)
    if engine not in _ENGINES:
        raise OptionsError(f"engine must be one of {_ENGINES}, got {engine!r}")
    pts = _points(points, metric, distance_matrix, engine)
    n = len(pts) if pts is not None else -1
    if pts is not None and _on_demand(n, metric, distance_matrix, engine):
        prize = _scores(scores, n)
        s = _index(start, n, "start")
        e = s if end is None else _index(end, n, "end")
        limit = _budget(budget) * (1.0 + _REL_TOL)
        return _solve_large(
            pts, metric, prize, (s, e), limit, engine, options, deadline, t0
        )
    dist = _distances(pts, metric, distance_matrix)
    n = len(dist)
    prize = _scores(scores, n)
    s = _index(start, n, "start")
    e = s if end is None else _index(end, n, "end")
    limit = _budget(budget) * (1.0 + _REL_TOL)
    return _solve_dense(dist, prize, (s, e), limit, engine, options, deadline, t0)


def _result(
    route: list[int], prize: Floats, length: float, bound: float, engine: str, t0: float
) -> OrienteeringResult:
    """Return the result of a path: OPTIMAL when its score meets the bound."""
    score = route_score(prize, route)
    return OrienteeringResult(
        order=tuple(route),
        score=score,
        length=length,
        status=SolveStatus.OPTIMAL if score >= bound else SolveStatus.FEASIBLE,
        bound=max(bound, score),
        runtime_s=time.perf_counter() - t0,
        engine=engine,
    )


def _infeasible(t0: float) -> OrienteeringResult:
    """Return the result when even the direct leg from start to end is too long."""
    runtime = time.perf_counter() - t0
    return OrienteeringResult(
        (), 0.0, 0.0, SolveStatus.INFEASIBLE, 0.0, runtime, "exact"
    )


def _solve_dense(
    dist: Floats,
    prize: Floats,
    ends: tuple[int, int],
    limit: float,
    engine: str,
    options: SolveOptions,
    deadline: Deadline,
    t0: float,
) -> OrienteeringResult:
    """Solve with the exact engine or the dense local search on an (n, n) matrix."""
    s, e = ends
    n = len(dist)
    if dist[s, e] > limit:
        return _infeasible(t0)
    if engine == "knn":
        raise OptionsError(
            "engine='knn' needs points with a metric in "
            f"{KNN_METRICS}, not a distance_matrix or geodesic points"
        )
    from_s, to_e = shortest_from(dist, s), shortest_from(dist.T, e)
    opt = np.array([i for i in range(n) if i not in (s, e)], dtype=np.int64)
    reach = opt[from_s[opt] + to_e[opt] <= limit]
    bound = score_bound(dist, prize, s, e, reach, limit)
    if engine == "exact" and reach.size > _EXACT_MAX:
        raise OptionsError(
            f"engine='exact' handles at most {_EXACT_MAX} reachable optional "
            f"points, got {reach.size}; use engine='auto' or 'ils'"
        )
    route = None
    if engine == "exact" or (engine == "auto" and reach.size <= _EXACT_AUTO):
        engine, route = "exact", exact(dist, to_e, prize, s, e, reach, limit, deadline)
    if route is None:  # the local search, also when the exact engine ran out of time
        cand = reach[prize[reach] > 0]
        search = Search(dist, prize, (s, e), cand, limit, options.seed, deadline)
        engine, route = "ils", search.run(bound, options.iteration_limit)
    if route_length(dist, route) > limit:  # a guard: the engines check each path
        route = repair(dist, prize, route, limit, [])
    if engine == "exact":
        bound = route_score(prize, route)
    return _result(route, prize, route_length(dist, route), bound, engine, t0)


def _solve_large(
    pts: Floats,
    metric: str,
    prize: Floats,
    ends: tuple[int, int],
    limit: float,
    engine: str,
    options: SolveOptions,
    deadline: Deadline,
    t0: float,
) -> OrienteeringResult:
    """Distances on demand: the neighbour-list search, exact on few reachable points."""
    from openskies.routing.knn_search import Neighbours

    s, e = ends
    nb = Neighbours(pts, metric)
    if float(nb.legs(np.array([s]), np.array([e]))[0]) > limit:
        return _infeasible(t0)
    reach, counted = reachable(nb, prize, s, e, limit, metric)
    bound = integral(prize, large_bound(nb, prize, s, e, counted, limit))
    if engine == "auto" and reach.size <= _EXACT_AUTO:  # small: the dense engines
        sub = np.r_[s, e, reach] if e != s else np.r_[s, reach]
        dist = nb.legs(np.repeat(sub, sub.size), np.tile(sub, sub.size))
        res = _solve_dense(
            dist.reshape(sub.size, sub.size), prize[sub], (0, 1 if e != s else 0),
            limit, engine, options, deadline, t0,
        )  # fmt: skip
        route = [int(sub[i]) for i in res.order]
        if metric not in TRIANGLE_METRICS:  # optimal on the direct-reach subset only
            bound = max(bound, res.score)
            return _result(route, prize, res.length, bound, res.engine, t0)
        return replace(res, order=tuple(route), runtime_s=time.perf_counter() - t0)
    route = run_large(
        nb, prize, ends, reach, limit, seed=options.seed, deadline=deadline,
        bound=bound, rounds=options.iteration_limit,
    )  # fmt: skip
    r = np.asarray(route, dtype=np.int64)
    length = float(nb.legs(r[:-1], r[1:]).sum())
    return _result(route, prize, length, bound, "knn", t0)


# --------------------------------------------------------------------- inputs
def _points(
    points: ArrayLike | None, metric: str, matrix: ArrayLike | None, engine: str
) -> Floats | None:
    """Validate the metric and the points (shape, size, finite, degrees)."""
    if metric not in _METRICS:
        raise OptionsError(f"metric must be one of {_METRICS}, got {metric!r}")
    if points is None:
        return None
    pts = _array(points, "points", GeometryError)
    if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) == 0:
        raise GeometryError(f"points must have shape (n, 2), n >= 1; got {pts.shape}")
    on_demand = matrix is None and metric in KNN_METRICS and engine in ("auto", "knn")
    _check_size(len(pts), MAX_POINTS if on_demand else MAX_DENSE_POINTS)
    if not (np.abs(pts) <= MAX_LENGTH).all():
        bad = int(np.flatnonzero(~(np.abs(pts) <= MAX_LENGTH).all(axis=1))[0])
        raise GeometryError(
            f"points must be finite with |x|, |y| <= {MAX_LENGTH:g}; point {bad} "
            f"is {pts[bad]}"
        )
    lon, lat = pts[:, 0], pts[:, 1]
    if metric == "geodesic" and ((np.abs(lat) > 90).any() or (np.abs(lon) > 540).any()):
        raise GeometryError(
            "geodesic points must be (lon, lat) [deg] with |lat| <= 90; got lat "
            f"in [{lat.min()}, {lat.max()}] (are lon and lat swapped?)"
        )
    return pts


def _on_demand(n: int, metric: str, matrix: ArrayLike | None, engine: str) -> bool:
    """Whether the neighbour-list engine with legs on demand solves this input."""
    if matrix is not None or metric not in KNN_METRICS:
        return False
    dense_up_to = _DENSE_AUTO_GEO if metric == "geo" else _DENSE_AUTO
    return engine == "knn" or (engine == "auto" and n > dense_up_to)


def _distances(pts: Floats | None, metric: str, matrix: ArrayLike | None) -> Floats:
    """Return the (n, n) matrix of leg lengths (given or from validated points)."""
    if matrix is not None:
        dist = _array(matrix, "distance_matrix", GeometryError)
        if dist.ndim != 2 or dist.shape[0] != dist.shape[1] or dist.size == 0:
            raise GeometryError(f"distance_matrix must be square, got {dist.shape}")
        _check_size(len(dist), MAX_DENSE_POINTS)
        if not ((dist >= 0) & (dist <= MAX_LENGTH)).all():
            raise GeometryError(
                f"distance_matrix must be finite, non-negative and at most "
                f"{MAX_LENGTH:g}"
            )
        if pts is not None and len(pts) != len(dist):
            raise GeometryError(
                f"points has {len(pts)} rows, distance_matrix {len(dist)}; "
                "they must describe the same points"
            )
        return dist
    if pts is None:
        raise GeometryError("give points or a distance_matrix")
    if metric == "euclidean":
        x, y = pts[:, 0], pts[:, 1]
        euclid: Floats = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
        return euclid
    if metric != "geodesic":
        return tsplib_distance(pts[:, None, :], pts[None, :, :], metric)
    lon, lat = pts[:, 0], pts[:, 1]
    from pyproj import Geod

    i, j = np.triu_indices(len(pts), 1)
    dist = np.zeros((len(pts), len(pts)))
    if i.size:
        _, _, metres = Geod(ellps="WGS84").inv(lon[i], lat[i], lon[j], lat[j])
        dist[i, j] = dist[j, i] = np.asarray(metres) / 1000.0
    return dist


def _deadline(deadline: object, options: SolveOptions) -> Deadline:
    """Return ``deadline``, or one of ``options.time_limit_s`` from now for None."""
    if deadline is None:
        return Deadline.of(options)
    if not isinstance(deadline, Deadline):
        raise OptionsError(
            f"deadline must be a Deadline or None, got {type(deadline).__name__}"
        )
    return deadline


def _options(options: object) -> SolveOptions:
    """Return ``options``, or the defaults for None."""
    if options is None:
        return SolveOptions()
    if not isinstance(options, SolveOptions):
        raise OptionsError(
            f"options must be a SolveOptions or None, got {type(options).__name__}"
        )
    return options


def _check_size(n: int, most: int) -> None:
    """Refuse more than ``most`` points, before any (n, n) or O(n^2) work."""
    if n <= most:
        return
    if most == MAX_POINTS:
        raise OptionsError(
            f"solve_orienteering handles at most {MAX_POINTS:,} points, got {n:,}; "
            "thin out or cluster the points first"
        )
    raise OptionsError(
        f"solve_orienteering handles at most {MAX_DENSE_POINTS:,} points (a dense "
        f"{MAX_DENSE_POINTS:,} x {MAX_DENSE_POINTS:,} matrix of legs) with a "
        f"distance_matrix, metric 'geodesic' or engine 'ils' or 'exact', got {n:,}; "
        f"give planar points with a metric in {KNN_METRICS} (up to {MAX_POINTS:,}), "
        "or thin out or cluster the points first"
    )


def _array(value: ArrayLike, name: str, error: type[Exception]) -> Floats:
    """Convert ``value`` to a float64 array or raise ``error`` naming it."""
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as err:
        raise error(f"{name} must be a numeric array: {str(err)[:200]}") from None


def _scores(scores: ArrayLike, n: int) -> Floats:
    """Validate the scores: n finite numbers from 0 to MAX_SCORE."""
    prize: Floats = _array(scores, "scores", OptionsError)
    if prize.shape != (n,):
        raise OptionsError(
            f"scores must hold one value per point ({n}), got {prize.shape}"
        )
    bad = np.flatnonzero(~((prize >= 0) & (prize <= MAX_SCORE)))
    if bad.size:
        raise OptionsError(
            f"scores must be finite, from 0 to {MAX_SCORE:g}; score {bad[0]} is "
            f"{prize[bad[0]]}"
        )
    return prize


def _index(value: object, n: int, name: str) -> int:
    """Validate a point index."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise OptionsError(f"{name} must be an integer point index, got {value!r}")
    if not 0 <= int(value) < n:
        raise OptionsError(f"{name} must be a point index in [0, {n}), got {value}")
    return int(value)


def _budget(value: object) -> float:
    """Validate the budget: a finite number from 0 to MAX_LENGTH."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise OptionsError(f"budget must be a number, got {value!r}")
    try:
        budget = float(value)
    except OverflowError:  # an int beyond float64
        budget = math.inf
    if not 0 <= budget <= MAX_LENGTH:
        raise OptionsError(
            f"budget must be finite and non-negative, at most {MAX_LENGTH:g}; got "
            f"{str(value)[:40]}"
        )
    return budget
