"""Orienteering: collect the most score on one path within a length budget.

The orienteering problem (a prize-collecting path problem) picks an ordered
subset of points for a path from a start to an end point: the largest total
score whose path length stays within a budget; ties go to the shorter path.

Two engines: an exact dynamic programme over subsets, which proves optimality
and serves up to 14 reachable optional points, and an iterated local search
(greedy insertion; 2-opt, or-opt, insertion and swap moves; random removal or
forced insertion as perturbation).  On the 89 public Tsiligirides and
Chao-Golden-Wasil instances, 1 s per run, the search reached the best-known
score in 266 of 267 runs (3 seeds); OR-Tools routing with guided local search
in 20 of 89 (no better at 5 s) and PyVRP 0.14 in 79-84 of 89.  See
``benchmarks/bench_orienteering.py``.
"""

from __future__ import annotations

import itertools
import math
import numbers
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from openskies._solver import SolveOptions, SolveStatus
from openskies.errors import GeometryError, OptionsError

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

    Floats = NDArray[np.float64]
    Ints = NDArray[np.int64]

__all__ = ["OrienteeringResult", "solve_orienteering"]

_REL_TOL = 1e-9  # a path is within budget when length <= budget * (1 + _REL_TOL)
_EXACT_AUTO = 14  # "auto" runs the exact engine up to this many optional points
_EXACT_MAX = 16  # the exact engine refuses more (memory grows as 2**m * m**2)
_ENGINES = ("auto", "exact", "ils")
_METRICS = ("euclidean", "geodesic")
_DEFAULTS = SolveOptions()  # frozen: a safe shared default


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
        Upper bound on the score of any path within the budget.
    runtime_s
        Wall-clock time of the solve [s].
    engine
        ``"exact"`` or ``"ils"`` (``"exact"`` too for a proven infeasibility).
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
    options: SolveOptions = _DEFAULTS,
) -> OrienteeringResult:
    """Find the path from start to end that collects the most score within budget.

    Parameters
    ----------
    points
        Array of shape (n, 2): planar ``(x, y)``, or ``(lon, lat)`` [deg] with
        ``metric="geodesic"``.  May be ``None`` when ``distance_matrix`` is given.
    scores
        Non-negative score of each of the n points.
    start
        Index of the first point of the path.
    end
        Index of the last point; ``None`` returns to ``start`` (a closed tour).
    budget
        Largest path length [km for geodesic]; lengths are float64 sums of the
        legs and may exceed it by a relative 1e-9 at most.
    metric
        ``"euclidean"`` (planar) or ``"geodesic"`` (WGS84 ellipsoid through
        ``pyproj.Geod``, distances in km).
    distance_matrix
        (n, n) leg lengths used instead of ``metric``, e.g. detour distances;
        they need not be symmetric nor obey the triangle inequality.
    engine
        ``"exact"`` (at most 16 reachable optional points; if the time limit
        passes first, ils takes over), ``"ils"``, or ``"auto"``: exact up to
        14 reachable optional points, else ils.
    options
        Time limit, seed and iteration limit (``workers`` is ignored).  The same
        input and seed give the same path unless the time limit cuts the search
        short; the search also stops when its score meets the bound, stagnates,
        or has made ``options.iteration_limit`` perturbation rounds.

    Returns
    -------
    OrienteeringResult
        The path, its score and length, status, score bound and runtime.

    Raises
    ------
    GeometryError
        If points or the distance matrix have the wrong shape, or hold NaN,
        infinite, negative (distances) or out-of-range (degrees) values.
    OptionsError
        If scores are negative, non-finite or not one per point, ``start`` or
        ``end`` is not a point index, the budget is negative or not finite, or
        ``metric`` or ``engine`` is unknown.

    Examples
    --------
    >>> r = solve_orienteering([[0, 0], [1, 0], [2, 0], [0, 5]], [0, 1, 1, 9],
    ...                        start=0, end=2, budget=2.0)
    >>> r.order, r.score, r.status.value
    ((0, 1, 2), 2.0, 'optimal')
    """
    t0 = time.perf_counter()
    dist = _distances(points, metric, distance_matrix)
    n = len(dist)
    prize = _scores(scores, n)
    s = _index(start, n, "start")
    e = s if end is None else _index(end, n, "end")
    limit = _budget(budget) * (1.0 + _REL_TOL)
    if engine not in _ENGINES:
        raise OptionsError(f"engine must be one of {_ENGINES}, got {engine!r}")
    if dist[s, e] > limit:
        runtime = time.perf_counter() - t0
        return OrienteeringResult(
            (), 0.0, 0.0, SolveStatus.INFEASIBLE, 0.0, runtime, "exact"
        )
    from_s, to_e = _shortest_from(dist, s), _shortest_from(dist.T, e)
    opt = np.array([i for i in range(n) if i not in (s, e)], dtype=np.int64)
    reach = opt[from_s[opt] + to_e[opt] <= limit]
    bound = _score_bound(dist, prize, s, e, reach, limit)
    if engine == "exact" and reach.size > _EXACT_MAX:
        raise OptionsError(
            f"engine='exact' handles at most {_EXACT_MAX} reachable optional "
            f"points, got {reach.size}; use engine='auto' or 'ils'"
        )
    deadline, route = t0 + options.time_limit_s, None
    if engine == "exact" or (engine == "auto" and reach.size <= _EXACT_AUTO):
        engine, route = "exact", _exact(dist, to_e, prize, s, e, reach, limit, deadline)
    if route is None:  # the local search, also when the exact engine ran out of time
        cand = reach[prize[reach] > 0]
        search = _Search(dist, prize, (s, e), cand, limit, options.seed, deadline)
        engine, route = "ils", search.run(bound, options.iteration_limit)
    if _route_length(dist, route) > limit:  # a guard: the engines check each path
        route = _repair(dist, prize, route, limit, [])
    score = _route_score(prize, route)
    proven = engine == "exact" or score >= bound
    return OrienteeringResult(
        order=tuple(route),
        score=score,
        length=_route_length(dist, route),
        status=SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE,
        bound=score if engine == "exact" else bound,
        runtime_s=time.perf_counter() - t0,
        engine=engine,
    )


# --------------------------------------------------------------------- inputs
def _distances(
    points: ArrayLike | None, metric: str, matrix: ArrayLike | None
) -> Floats:
    """Validate the inputs and return the (n, n) matrix of leg lengths."""
    if metric not in _METRICS:
        raise OptionsError(f"metric must be one of {_METRICS}, got {metric!r}")
    pts = None if points is None else _array(points, "points", GeometryError)
    if pts is not None and (pts.ndim != 2 or pts.shape[1] != 2 or len(pts) == 0):
        raise GeometryError(f"points must have shape (n, 2), n >= 1; got {pts.shape}")
    if pts is not None and not np.isfinite(pts).all():
        bad = int(np.flatnonzero(~np.isfinite(pts).all(axis=1))[0])
        raise GeometryError(f"points must be finite; point {bad} is {pts[bad]}")
    if matrix is not None:
        dist = _array(matrix, "distance_matrix", GeometryError)
        if dist.ndim != 2 or dist.shape[0] != dist.shape[1] or dist.size == 0:
            raise GeometryError(f"distance_matrix must be square, got {dist.shape}")
        if not np.isfinite(dist).all() or (dist < 0).any():
            raise GeometryError("distance_matrix must be finite and non-negative")
        if pts is not None and len(pts) != len(dist):
            raise GeometryError(
                f"points has {len(pts)} rows, distance_matrix {len(dist)}; "
                "they must describe the same points"
            )
        return dist
    if pts is None:
        raise GeometryError("give points or a distance_matrix")
    if metric == "euclidean":
        diff = pts[:, None, :] - pts[None, :, :]
        euclid: Floats = np.hypot(diff[..., 0], diff[..., 1])
        return euclid
    lon, lat = pts[:, 0], pts[:, 1]
    if (np.abs(lat) > 90).any() or (np.abs(lon) > 540).any():
        raise GeometryError(
            "geodesic points must be (lon, lat) [deg] with |lat| <= 90; got lat "
            f"in [{lat.min()}, {lat.max()}] (are lon and lat swapped?)"
        )
    from pyproj import Geod

    i, j = np.triu_indices(len(pts), 1)
    dist = np.zeros((len(pts), len(pts)))
    if i.size:
        _, _, metres = Geod(ellps="WGS84").inv(lon[i], lat[i], lon[j], lat[j])
        dist[i, j] = dist[j, i] = np.asarray(metres) / 1000.0
    return dist


def _array(value: ArrayLike, name: str, error: type[Exception]) -> Floats:
    """Convert ``value`` to a float64 array or raise ``error`` naming it."""
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise error(f"{name} must be a numeric array: {err}") from None


def _scores(scores: ArrayLike, n: int) -> Floats:
    """Validate the scores: n finite non-negative numbers."""
    prize: Floats = _array(scores, "scores", OptionsError)
    if prize.shape != (n,):
        raise OptionsError(
            f"scores must hold one value per point ({n}), got {prize.shape}"
        )
    bad = np.flatnonzero(~np.isfinite(prize) | (prize < 0))
    if bad.size:
        raise OptionsError(
            f"scores must be finite and >= 0; score {bad[0]} is {prize[bad[0]]}"
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
    """Validate the budget: a finite non-negative number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise OptionsError(f"budget must be a number, got {value!r}")
    if not (math.isfinite(budget := float(value)) and budget >= 0):
        raise OptionsError(f"budget must be finite and non-negative, got {value}")
    return budget


# ------------------------------------------------------------------- helpers
def _route_length(dl: Any, route: list[int]) -> float:
    """Sum the legs ``dl[a][b]`` of ``route`` in order: its float64 length."""
    total = 0.0
    for a, b in itertools.pairwise(route):
        total += dl[a][b]
    return float(total)


def _route_score(prize: Floats, route: list[int]) -> float:
    """Score of the distinct points of ``route`` (exactly rounded, any order)."""
    return math.fsum(prize[sorted(set(route))].tolist())


def _repair(
    dist: Floats, prize: Floats, r: list[int], limit: float, keep: list[int]
) -> list[int]:
    """Drop the points of least score per saved length until within budget.

    Points in ``keep`` go last.
    """
    while _route_length(dist, r) > limit and len(r) > 2:
        arr = np.array(r)
        saving = dist[arr[:-2], arr[1:-1]] + dist[arr[1:-1], arr[2:]]
        saving -= dist[arr[:-2], arr[2:]]
        ratio = prize[arr[1:-1]] / np.maximum(saving, 1e-12 * max(limit, 1.0))
        kept = np.isin(arr[1:-1], keep)
        if not kept.all():
            ratio[kept] = np.inf
        del r[int(ratio.argmin()) + 1]
    return r


def _shortest_from(dist: Floats, source: int) -> Floats:
    """Shortest path lengths from ``source`` (dense Dijkstra).

    A user's matrix may break the triangle inequality; reachability must not
    rely on it.
    """
    best: Floats = dist[source].copy()
    done = np.zeros(len(dist), dtype=bool)
    best[source], done[source] = 0.0, True
    for _ in range(len(dist) - 1):
        k = int(np.where(done, np.inf, best).argmin())
        done[k] = True
        np.minimum(best, best[k] + dist[k], out=best)
    return best


def _score_bound(
    dist: Floats, prize: Floats, s: int, e: int, reach: Ints, limit: float
) -> float:
    """Bound the score: reachable total, or a fractional knapsack if lower.

    Each leg a -> b is charged half to a and half to b, so a visited point
    takes at least half its shortest in-leg and half its shortest out-leg.
    """
    base = math.fsum(prize[sorted({s, e})].tolist())
    if reach.size == 0:
        return base
    d = dist.copy()
    np.fill_diagonal(d, np.inf)
    w = 0.5 * (
        d[np.r_[reach, s]][:, reach].min(0) + d[reach][:, np.r_[reach, e]].min(1)
    )
    cap = limit - 0.5 * (d[s, reach].min() + d[reach, e].min())
    p = prize[reach]
    with np.errstate(over="ignore"):
        ratio = np.divide(p, w, out=np.full_like(p, np.inf), where=w > 0)
    order = np.lexsort((w, -np.where(p > 0, ratio, 0.0)))
    p, w = p[order], w[order]
    full = np.cumsum(w) <= cap  # a prefix: the items that fit whole
    knap = math.fsum(p[full].tolist())
    if cap < 0:
        knap = 0.0
    elif not full.all():
        x = int(np.argmin(full))
        knap += p[x] * (cap - w[full].sum()) / w[x]
    bound = base + min(math.fsum(p.tolist()), knap)
    integral = bool(np.all(prize == np.round(prize)))
    return float(math.floor(bound + 1e-6)) if integral else bound


# --------------------------------------------------------------------- exact
def _exact(
    dist: Floats,
    to_e: Floats,
    prize: Floats,
    s: int,
    e: int,
    reach: Ints,
    limit: float,
    deadline: float,
) -> list[int] | None:
    """Dynamic programme over subsets of the reachable points (proves optimality).

    ``dp[mask, k]`` is the shortest float64 length of a path from the start
    through the points of ``mask`` ending at ``reach[k]``.  None if the
    deadline passes first.
    """
    m = reach.size
    if m == 0:
        return [s, e]
    full = 1 << m
    masks = np.arange(full)
    bits = (masks[:, None] >> np.arange(m)) & 1
    dp = np.full((full, m), np.inf)
    parent = np.full((full, m), -1, dtype=np.int8)
    first = dist[s, reach]
    dp[1 << np.arange(m), np.arange(m)] = np.where(first <= limit, first, np.inf)
    dsub = dist[np.ix_(reach, reach)]
    to_end = to_e[reach]
    popcount = bits.sum(1)
    for p in range(1, m):
        if time.perf_counter() > deadline:
            return None
        layer = masks[popcount == p]
        cand = dp[layer][:, :, None] + dsub[None, :, :]  # (C, from j, to k)
        arg = cand.argmin(1)
        val = np.take_along_axis(cand, arg[:, None, :], 1)[:, 0, :]
        ok = (bits[layer] == 0) & (val + to_end[None, :] <= limit)
        c_idx, k_idx = np.nonzero(ok)
        new = layer[c_idx] | (1 << k_idx)
        dp[new, k_idx] = val[c_idx, k_idx]
        parent[new, k_idx] = arg[c_idx, k_idx]
    total = dp + dist[reach, e][None, :]
    f_mask, f_k = np.nonzero(total <= limit)
    if f_mask.size == 0:
        return [s, e]
    gain = bits[f_mask] @ prize[reach]
    pick = np.lexsort((total[f_mask, f_k], -gain))[0]
    if gain[pick] <= 0 and dist[s, e] <= total[f_mask[pick], f_k[pick]]:
        return [s, e]
    mask, k = int(f_mask[pick]), int(f_k[pick])
    path = []
    while k >= 0:
        path.append(int(reach[k]))
        mask, k = mask ^ (1 << k), int(parent[mask, k])
    return [s, *path[::-1], e]


# ----------------------------------------------------------------------- ils
class _Search:
    """Iterated local search over paths ``[start, ..., end]`` within the budget.

    Every path it holds is within the budget; moves are checked on the exact
    float64 length.  Each loop stops at the deadline and returns what it has.
    """

    noise, p_worse, restart, p_force = 0.3, 0.05, 200, 0.3

    def __init__(
        self,
        dist: Floats,
        prize: Floats,
        ends: tuple[int, int],
        cand: Ints,
        limit: float,
        seed: int,
        deadline: float,
    ) -> None:
        self.d, self.dl, self.prize, self.ends = dist, dist.tolist(), prize, ends
        self.cand, self.limit, self.deadline = cand, limit, deadline
        self.eps = 1e-12 * max(limit, 1.0)  # length resolution of the search
        self.rng = np.random.default_rng(seed)

    def late(self) -> bool:
        """Whether the deadline has passed."""
        return time.perf_counter() >= self.deadline

    def length(self, r: list[int]) -> float:
        """Float64 length of path ``r``."""
        return _route_length(self.dl, r)

    def key(self, r: list[int]) -> tuple[float, float]:
        """Sort key: larger score first, then shorter length."""
        return (-_route_score(self.prize, r), self.length(r))

    def run(self, bound: float, rounds: int | None = None) -> list[int]:
        """Perturb and re-optimise until a stop: deadline, bound, stagnation, rounds."""
        deadline, self.deadline = self.deadline, math.inf  # always build a path
        first = self.insert(list(self.ends), 0.0)
        self.deadline = deadline
        best = cur = self.local_search(first)
        best_key = cur_key = self.key(cur)
        stall, max_stall = 0, 2000 + 40 * self.cand.size
        left = math.inf if rounds is None else rounds
        while -best_key[0] < bound and stall < max_stall and left and not self.late():
            new = self.local_search(self.insert(self.perturb(cur), self.noise))
            new_key = self.key(new)
            stall, left = stall + 1, left - 1
            if new_key < best_key:
                best, best_key, stall = new, new_key, 0
            if new_key[0] <= cur_key[0] or self.rng.random() < self.p_worse:
                cur, cur_key = new, new_key
            if stall % self.restart == self.restart - 1:
                cur, cur_key = best, best_key
        return best

    def local_search(self, r: list[int]) -> list[int]:
        """Shorten, insert and replace until no move improves (score, -length)."""
        while not self.late():
            r = self.shorten(r)
            longer = self.insert(r, 0.0)
            if len(longer) > len(r):
                r = longer
                continue
            new = self.replace(r)
            if new is None:
                break
            r = new
        return r

    def shorten(self, r: list[int]) -> list[int]:
        """Apply the best improving 2-opt, else or-opt, move until none is left."""
        length = self.length(r)
        while len(r) >= 4 and not self.late():
            arr = np.array(r)
            m = self.d[arr[:, None], arr[None, :]]  # legs among the path's points
            ab = np.diagonal(m, 1)
            # g[k]: change in the legs before leg k when reversed (0 if symmetric)
            g = np.r_[0.0, np.cumsum(np.diagonal(m, -1) - ab)]
            delta = m[:-1, :-1] + m[1:, 1:] + g[None, :-1] - g[1:, None]
            delta = np.triu(delta - ab[:, None] - ab[None, :], 2)
            k = int(delta.argmin())
            new: list[int] | None = None
            if delta.flat[k] < -self.eps:
                i, j = divmod(k, len(r) - 1)
                new = r[: i + 1] + r[i + 1 : j + 1][::-1] + r[j + 1 :]
            else:
                new = self.or_opt(r, m, ab, g)
            if new is None or (new_len := self.length(new)) >= length:
                break
            r, length = new, new_len
        return r

    def or_opt(
        self, r: list[int], m: Floats, ab: Floats, g: Floats
    ) -> list[int] | None:
        """Best move of a run of 1-3 points elsewhere (maybe reversed), or None.

        ``m`` holds the legs among the points of ``r`` (``m[x, y]`` from
        ``r[x]`` to ``r[y]``), ``ab`` the path's legs, ``g`` as in `shorten`.
        """
        n = len(r)
        best, move, legs = -self.eps, (0, 0, 0, False), np.arange(n - 1)
        for k in (1, 2, 3):
            i = np.arange(1, n - k)  # the run is r[i : i + k], put into leg t
            if i.size == 0:
                break
            gain = m[i - 1, i] + m[i + k - 1, i + k] - m[i - 1, i + k]
            fwd = m[:-1, 1 : n - k].T + m[k : n - 1, 1:]
            rev = m[:-1, k : n - 1].T + m[1 : n - k, 1:]
            rev += (g[i + k - 1] - g[i])[:, None]
            delta = np.minimum(fwd, rev) - ab[None, :] - gain[:, None]
            delta[(legs >= i[:, None] - 1) & (legs <= i[:, None] + k - 1)] = np.inf
            x = int(delta.argmin())
            if delta.flat[x] < best:
                best, (ii, t) = float(delta.flat[x]), divmod(x, n - 1)
                move = (int(i[ii]), k, t, bool(rev[ii, t] < fwd[ii, t]))
        if best == -self.eps:
            return None
        i0, k, t, flip = move
        run = r[i0 : i0 + k][::-1] if flip else r[i0 : i0 + k]
        rest = r[:i0] + r[i0 + k :]
        pos = t + 1 if t < i0 else t + 1 - k
        return rest[:pos] + run + rest[pos:]

    def unvisited(self, r: list[int]) -> Ints:
        """Candidate points not on ``r``."""
        on = np.zeros(len(self.d), dtype=bool)
        on[r] = True
        return self.cand[~on[self.cand]]

    def insertion_costs(self, r: list[int], u: Ints) -> Any:
        """Return the added length of inserting each of ``u`` into each leg of ``r``."""
        d, a, b = self.d, np.array(r[:-1]), np.array(r[1:])
        return d[a[:, None], u[None, :]] + d[u[None, :], b[:, None]] - d[a, b][:, None]

    def insert(self, r: list[int], noise: float) -> list[int]:
        """Greedily insert points while they fit, best score per added length first.

        With ``noise`` the ratios are perturbed, and half the time ranked by score
        alone (this finds paths that skip cheap points for dearer, richer ones).
        """
        d, u, length = self.d, self.unvisited(r), self.length(r)
        cost = self.insertion_costs(r, u)  # (legs, u), updated after each insertion
        by_score = noise > 0 and self.rng.random() < 0.5  # else by score per length
        while u.size and not self.late():
            pos = cost.argmin(0)
            c = cost[pos, np.arange(u.size)]
            fits = length + c <= self.limit
            if not fits.any():
                break
            ratio = self.prize[u] / (1.0 if by_score else np.maximum(c, self.eps))
            if noise:
                ratio *= self.rng.uniform(1.0 - noise, 1.0 + noise, u.size)
            x = int(np.where(fits, ratio, -np.inf).argmax())
            p, node = int(pos[x]), int(u[x])
            new = [*r[: p + 1], node, *r[p + 1 :]]
            new_len = self.length(new)
            u, cost = np.delete(u, x), np.delete(cost, x, axis=1)
            if new_len > self.limit:
                continue
            a, b = r[p], r[p + 1]
            rows = [
                d[a, u] + d[u, node] - d[a, node],
                d[node, u] + d[u, b] - d[node, b],
            ]
            cost = np.concatenate([cost[:p], rows, cost[p + 1 :]])
            r, length = new, new_len
        return r

    def replace(self, r: list[int]) -> list[int] | None:
        """Best swap of a visited point for an unvisited one, or None.

        A swap must raise the score, or keep it and shorten the path.  The new
        point takes the old one's place or its own cheapest leg, if that leg
        does not touch the old point.
        """
        u = self.unvisited(r)
        if u.size == 0 or len(r) < 3:
            return None
        d, length, arr = self.d, self.length(r), np.array(r)
        cost = self.insertion_costs(r, u)
        leg = cost.argmin(0)
        pos = np.arange(1, len(r) - 1)
        prev, v, nxt = arr[pos - 1], arr[pos], arr[pos + 1]
        saving = d[prev, v] + d[v, nxt] - d[prev, nxt]
        touch = (leg[None, :] == pos[:, None] - 1) | (leg[None, :] == pos[:, None])
        apart = np.where(touch, np.inf, cost[leg, np.arange(u.size)][None, :])
        in_place = d[prev[:, None], u[None, :]] + d[u[None, :], nxt[:, None]]
        in_place -= d[prev, nxt][:, None]
        new_len = length - saving[:, None] + np.minimum(apart, in_place)
        gain = self.prize[u][None, :] - self.prize[v][:, None]
        shorter = (gain == 0) & (new_len < length - self.eps)
        ok = (new_len <= self.limit) & ((gain > 0) | shorter)
        if not ok.any():
            return None
        pp, uu = np.nonzero(ok)
        x = np.lexsort((new_len[pp, uu], -gain[pp, uu]))[0]
        p, j, node = int(pos[pp[x]]), int(uu[x]), int(u[uu[x]])
        if in_place[pp[x], j] <= apart[pp[x], j]:
            new = [*r[:p], node, *r[p + 1 :]]
        else:
            at = int(leg[j])
            new = [*r[: at + 1], node, *r[at + 1 :]]
            del new[p if at >= p else p + 1]
        ok_new = self.length(new) <= self.limit and self.key(new) < self.key(r)
        return new if ok_new else None

    def perturb(self, r: list[int]) -> list[int]:
        """Remove a random run or random points, or force in unvisited points."""
        inner, mode, u = r[1:-1], self.rng.random(), self.unvisited(r)
        if mode < self.p_force and u.size:
            k = min(u.size, int(self.rng.integers(1, 4)))
            forced = self.rng.choice(u, k, replace=False).tolist()
            for x in forced:
                pos = int(self.insertion_costs(r, np.array([x]))[:, 0].argmin())
                r = [*r[: pos + 1], x, *r[pos + 1 :]]
            return _repair(self.d, self.prize, r, self.limit, forced)
        if not inner:
            return r
        k = int(self.rng.integers(1, max(1, min(10, len(inner) // 3)) + 1))
        if mode < (1 + self.p_force) / 2:
            i = int(self.rng.integers(0, len(inner) - k + 1))
            inner = inner[:i] + inner[i + k :]
        else:
            drop = set(self.rng.choice(len(inner), k, replace=False).tolist())
            inner = [x for j, x in enumerate(inner) if j not in drop]
        return [r[0], *inner, r[-1]]
