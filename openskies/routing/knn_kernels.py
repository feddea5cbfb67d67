"""Compiled (numba) kernels of the neighbour-list orienteering search.

Private to :mod:`openskies.routing.knn_search`.  A path is an array ``seq``
of ``L`` node indices from the start to the end (a closed tour repeats the
start), with ``pos[v]`` the index of ``v`` in ``seq`` or -1.  Distances are
computed on demand from coordinates with the integer TSPLIB metrics or the
plain Euclidean one (metric codes in :data:`METRIC_CODES`), so no (n, n)
array is ever built.  Every move keeps the path within the budget.

The search follows the literature on large orienteering instances
(Kobeaga, Merino & Lozano 2018; Vansteenwegen et al. 2009): k nearest
neighbour candidate lists, neighbour-restricted 2-opt and or-opt with
don't-look bits (a queue of active nodes), greedy insertion by score per
added length (with noise in perturbation), and an iterated local search that
removes a random run or a spatial cluster of the path and refills it.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from openskies.routing.tsplib import _GEO_PI, _GEO_R

#: Metric codes of the kernels.
METRIC_CODES = {"euclidean": 0, "euc_2d": 1, "ceil_2d": 2, "att": 3, "geo": 4}
#: Metric code of a leg table: ``x`` the flattened (n, n) lengths, ``y`` n long.
TABLE = 5
#: What the search kernels share, packed once by the caller:
#: ``(x, y, metric, neigh, rstart, ritems, prize, cand, eps)`` (the
#: coordinates, metric code, neighbour lists and their reverse as CSR, scores,
#: the candidates' indices and the length resolution).
Problem = tuple[
    np.ndarray, np.ndarray, int, np.ndarray, np.ndarray, np.ndarray,
    np.ndarray, np.ndarray, float,
]  # fmt: skip
_ALL_EDGES = 64  # a path this short is scanned whole for an insertion


@njit(cache=True)
def node_count(x: np.ndarray, y: np.ndarray, metric: int) -> int:
    """Return the number of nodes (geo coordinates hold three values per node)."""
    if metric == TABLE:
        return y.size
    return x.size // 3 if metric == 4 else x.size


@njit(cache=True)
def dist(x: np.ndarray, y: np.ndarray, metric: int, i: int, j: int) -> float:
    """Leg length from node i to node j (TSPLIB rules; see :mod:`tsplib`).

    For geo, ``x`` is latitude, its cosine and its sine, ``y`` the same for
    longitude (each block ``n`` long, radians): the cosine of the central
    angle comes from these products (the spherical law of cosines, equal to
    TSPLIB's ``0.5 * ((1 + q1) q2 - (1 - q1) q3)``) without a cosine per leg;
    a length within 1e-5 of an integer, or under 1 km, is recomputed with
    TSPLIB's own formula, so the truncation is exactly TSPLIB's.  For a leg
    table (:data:`TABLE`), ``x[i * n + j]``.
    """
    if metric == TABLE:
        return float(x[i * y.size + j])
    if metric == 4:
        n = x.size // 3
        cos_dlon = y[n + i] * y[n + j] + y[2 * n + i] * y[2 * n + j]
        a = x[2 * n + i] * x[2 * n + j] + x[n + i] * x[n + j] * cos_dlon
        v = _GEO_R * math.acos(min(1.0, max(-1.0, a))) + 1.0
        if v >= 2.0 and 1e-5 < v - math.floor(v) < 1.0 - 1e-5:
            return math.floor(v)
        q1 = math.cos(y[i] - y[j])
        q2 = math.cos(x[i] - x[j])
        q3 = math.cos(x[i] + x[j])
        a = 0.5 * ((1.0 + q1) * q2 - (1.0 - q1) * q3)
        a = min(1.0, max(-1.0, a))
        return math.trunc(_GEO_R * math.acos(a) + 1.0)
    dx = x[i] - x[j]
    dy = y[i] - y[j]
    sq = dx * dx + dy * dy
    if metric == 0:
        return math.sqrt(sq)
    if metric == 1:
        return math.floor(math.sqrt(sq) + 0.5)
    if metric == 2:
        return math.ceil(math.sqrt(sq))
    r = math.sqrt(sq / 10.0)
    t = math.floor(r + 0.5)
    return t + 1.0 if t < r else t


@njit(cache=True)
def legs(
    x: np.ndarray, y: np.ndarray, metric: int, a: np.ndarray, b: np.ndarray
) -> np.ndarray:
    """Leg lengths from ``a[k]`` to ``b[k]``."""
    out = np.empty(a.size)
    for k in range(a.size):
        out[k] = dist(x, y, metric, a[k], b[k])
    return out


@njit(cache=True)
def leg_table(x: np.ndarray, y: np.ndarray, metric: int) -> np.ndarray:
    """Return every leg length as a flattened (n, n) table (see :data:`TABLE`)."""
    n = node_count(x, y, metric)
    out = np.empty(n * n)
    for i in range(n):
        for j in range(n):
            out[i * n + j] = dist(x, y, metric, i, j)
    return out


@njit(cache=True)
def _keep(best: np.ndarray, idx: np.ndarray, row: int, m: int, d: float, j: int) -> int:
    """Insert ``(d, j)`` into the sorted row of a bounded best list; return its size."""
    k = best.shape[1]
    if m == k and d >= best[row, k - 1]:
        return m
    t = m if m < k else k - 1
    while t > 0 and best[row, t - 1] > d:
        best[row, t] = best[row, t - 1]
        idx[row, t] = idx[row, t - 1]
        t -= 1
    best[row, t] = d
    idx[row, t] = j
    return m + 1 if m < k else m


@njit(cache=True)
def _east(dy: float, metric: int) -> float:
    """Return ``dy``, for geo a longitude difference [rad] wrapped to (-pi, pi].

    Across the antimeridian (longitudes 179 and -179 degrees) the raw
    difference has the wrong sign: the point 2 degrees east would count as
    358 degrees west, in the wrong quadrant of the candidate lists.
    """
    if metric == 4:
        if dy > _GEO_PI:
            return dy - 2.0 * _GEO_PI
        if dy <= -_GEO_PI:
            return dy + 2.0 * _GEO_PI
    return dy


@njit(cache=True)
def nearest(
    x: np.ndarray, y: np.ndarray, metric: int, k: int, per_quadrant: int
) -> np.ndarray:
    """Candidate lists: the nearest nodes of each quadrant, then the nearest overall.

    Row ``i`` holds ``k`` other nodes sorted by distance: first the
    ``per_quadrant`` nearest in each of the four quadrants around ``i`` (they
    connect clusters, as in LKH), filled up with the nearest overall.
    """
    n = node_count(x, y, metric)
    out = np.empty((n, k), dtype=np.int64)
    best = np.empty((5, k))
    idx = np.empty((5, k), dtype=np.int64)
    size = np.zeros(5, dtype=np.int64)
    for i in range(n):
        size[:] = 0
        for j in range(n):
            if j == i:
                continue
            d = dist(x, y, metric, i, j)
            quad = 1 + (x[j] >= x[i]) + 2 * (_east(y[j] - y[i], metric) >= 0.0)
            size[0] = _keep(best, idx, 0, size[0], d, j)
            if per_quadrant == 0:
                continue
            if size[quad] < per_quadrant or d < best[quad, per_quadrant - 1]:
                size[quad] = _keep(
                    best[:, :per_quadrant],
                    idx[:, :per_quadrant],
                    quad,
                    size[quad],
                    d,
                    j,
                )
        chosen = np.full(k, -1, dtype=np.int64)
        m = 0
        for q in range(1, 5):
            for t in range(min(size[q], per_quadrant)):
                if m < k:
                    chosen[m] = idx[q, t]
                    m += 1
        for t in range(size[0]):
            if m >= k:
                break
            v = idx[0, t]
            if not (chosen[:m] == v).any():
                chosen[m] = v
                m += 1
        key = np.empty(k)
        for t in range(k):
            key[t] = dist(x, y, metric, i, chosen[t])
        out[i] = chosen[np.argsort(key, kind="mergesort")]
    return out


@njit(cache=True)
def reverse_lists(neigh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR of the nodes that list each node as a neighbour (start, items)."""
    n, k = neigh.shape
    start = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        for t in range(k):
            start[neigh[i, t] + 1] += 1
    for i in range(n):
        start[i + 1] += start[i]
    fill = start[:-1].copy()
    items = np.empty(n * k, dtype=np.int64)
    for i in range(n):
        for t in range(k):
            v = neigh[i, t]
            items[fill[v]] = i
            fill[v] += 1
    return start, items


@njit(cache=True)
def rand(state: np.ndarray) -> float:
    """Uniform [0, 1) from a xorshift64 state (one uint64, updated)."""
    v = state[0]
    v ^= v << np.uint64(13)
    v ^= v >> np.uint64(7)
    v ^= v << np.uint64(17)
    state[0] = v
    return float(v >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def path_length(
    x: np.ndarray, y: np.ndarray, metric: int, seq: np.ndarray, n_on: int
) -> float:
    """Length of ``seq[:n_on]``."""
    total = 0.0
    for t in range(n_on - 1):
        total += dist(x, y, metric, seq[t], seq[t + 1])
    return total


@njit(cache=True)
def _reverse(seq: np.ndarray, pos: np.ndarray, i: int, j: int) -> None:
    """Reverse ``seq[i..j]`` (inner positions) and update ``pos``."""
    while i < j:
        a, b = seq[i], seq[j]
        seq[i], seq[j] = b, a
        pos[b], pos[a] = i, j
        i += 1
        j -= 1


@njit(cache=True)
def _remove(seq: np.ndarray, pos: np.ndarray, n_on: int, i: int) -> int:
    """Delete ``seq[i]``; return the new count."""
    pos[seq[i]] = -1
    for t in range(i, n_on - 1):
        seq[t] = seq[t + 1]
        pos[seq[t]] = t
    if seq[0] == seq[n_on - 2]:
        pos[seq[0]] = 0
    return n_on - 1


@njit(cache=True)
def _insert(seq: np.ndarray, pos: np.ndarray, n_on: int, i: int, v: int) -> int:
    """Insert ``v`` at index ``i`` (before the node there); return the new count."""
    for t in range(n_on, i, -1):
        seq[t] = seq[t - 1]
        pos[seq[t]] = t
    seq[i] = v
    pos[v] = i
    if seq[0] == seq[n_on]:
        pos[seq[0]] = 0
    return n_on + 1


@njit(cache=True)
def added_length(
    x: np.ndarray, y: np.ndarray, metric: int, a: int, u: int, b: int
) -> float:
    """Length added by visiting ``u`` between ``a`` and ``b`` (saved by leaving it)."""
    return (
        dist(x, y, metric, a, u) + dist(x, y, metric, u, b) - dist(x, y, metric, a, b)
    )


@njit(cache=True)
def cheapest_leg(
    x: np.ndarray, y: np.ndarray, metric: int, seq: np.ndarray, n_on: int, u: int
) -> tuple[float, int]:
    """Cheapest added length of ``u`` over every leg, and the leg's index."""
    best, at = np.inf, -1
    for t in range(n_on - 1):
        a, b = seq[t], seq[t + 1]
        c = added_length(x, y, metric, a, u, b)
        if c < best:
            best, at = c, t
    return best, at


@njit(cache=True)
def _best_insertion(
    x: np.ndarray,
    y: np.ndarray,
    metric: int,
    neigh: np.ndarray,
    seq: np.ndarray,
    pos: np.ndarray,
    n_on: int,
    u: int,
) -> tuple[float, int]:
    """Cheapest added length of ``u`` and the index of the leg's first node.

    Over the legs next to ``u``'s neighbours on the path (-1: none), or over
    every leg of a short path.
    """
    if n_on <= _ALL_EDGES:
        return cheapest_leg(x, y, metric, seq, n_on, u)
    best, at = np.inf, -1
    for q in range(neigh.shape[1]):
        v = neigh[u, q]
        t = pos[v]
        if t < 0:
            continue
        for s in (t - 1, t):
            if 0 <= s < n_on - 1:
                a, b = seq[s], seq[s + 1]
                c = added_length(x, y, metric, a, u, b)
                if c < best:
                    best, at = c, s
        if t == 0 and seq[n_on - 1] == v:  # a closed tour's last leg
            a = seq[n_on - 2]
            c = added_length(x, y, metric, a, u, v)
            if c < best:
                best, at = c, n_on - 2
    return best, at


@njit(cache=True)
def insert_greedy(
    problem: Problem,
    limit: float,
    seq: np.ndarray,
    pos: np.ndarray,
    n_on: int,
    length: float,
    noise: float,
    alpha: float,
    state: np.ndarray,
    touched: np.ndarray,
) -> tuple[int, float, int]:
    """Insert candidates while they fit, best noisy score per added length first.

    Returns the new count, length and the number of inserted nodes, whose
    indices are written to ``touched``.
    """
    x, y, metric, neigh, rstart, ritems, prize, cand, eps = problem
    m = cand.size
    cost = np.empty(m)
    at = np.empty(m, dtype=np.int64)
    left = np.empty(m, dtype=np.int64)  # the leg's first node (validity check)
    factor = np.ones(m)
    where = np.full(neigh.shape[0], -1, dtype=np.int64)
    for q in range(m):
        u = cand[q]
        where[u] = q
        if noise > 0.0:
            factor[q] = 1.0 + noise * (2.0 * rand(state) - 1.0)
        if pos[u] >= 0:
            cost[q] = np.inf
            continue
        c, t = _best_insertion(x, y, metric, neigh, seq, pos, n_on, u)
        cost[q], at[q], left[q] = c, t, seq[t] if t >= 0 else -1
    added = 0
    while True:
        pick, best = -1, -np.inf
        for q in range(m):
            if pos[cand[q]] >= 0 or length + cost[q] > limit:
                continue
            t = at[q]
            if t < 0 or t >= n_on - 1 or seq[t] != left[q]:  # stale: recompute
                c, t = _best_insertion(x, y, metric, neigh, seq, pos, n_on, cand[q])
                cost[q], at[q], left[q] = c, t, seq[t] if t >= 0 else -1
                if t < 0 or length + c > limit:
                    continue
            ratio = prize[cand[q]] / max(cost[q], eps) ** alpha * factor[q]
            if ratio > best:
                best, pick = ratio, q
        if pick < 0:
            break
        u, t = cand[pick], at[pick]
        c = cost[pick]
        # the stored cost is exact only if the leg is still the same
        a, b = seq[t], seq[t + 1]
        c = added_length(x, y, metric, a, u, b)
        if length + c > limit:
            cost[pick] = np.inf
            continue
        n_on = _insert(seq, pos, n_on, t + 1, u)
        length += c
        touched[added] = u
        added += 1
        for r in range(rstart[u], rstart[u + 1]):  # u is a new neighbour of these
            q = where[ritems[r]]
            if q >= 0 and pos[cand[q]] < 0:
                at[q] = -1
        for q in range(m):  # legs after the insertion point moved by one
            if at[q] > t:
                at[q] += 1
            elif at[q] == t:
                at[q] = -1
    return n_on, length, added


@njit(cache=True)
def _two_opt(
    x: np.ndarray,
    y: np.ndarray,
    metric: int,
    neigh: np.ndarray,
    seq: np.ndarray,
    pos: np.ndarray,
    n_on: int,
    a: int,
    eps: float,
    queue: np.ndarray,
    tail: int,
    inq: np.ndarray,
) -> tuple[float, int]:
    """First improving neighbour 2-opt move at ``a``: (gain, new queue tail)."""
    i = pos[a]
    for side in (1, -1):
        if (side == 1 and i >= n_on - 1) or (side == -1 and i <= 0):
            continue
        b = seq[i + side]
        dab = dist(x, y, metric, a, b)
        for q in range(neigh.shape[1]):
            c = neigh[a, q]
            dac = dist(x, y, metric, a, c)
            if dac >= dab:
                break
            j = pos[c]
            if j < 0 or j + side < 0 or j + side > n_on - 1:
                continue
            d = seq[j + side]
            if d == a or c == b:
                continue
            delta = dac + dist(x, y, metric, b, d) - dab - dist(x, y, metric, c, d)
            if delta < -eps:
                if side == 1:
                    lo, hi = (i + 1, j) if i < j else (j + 1, i)
                else:
                    lo, hi = (j, i - 1) if j < i else (i, j - 1)
                _reverse(seq, pos, lo, hi)
                for v in (a, b, c, d):
                    tail = _push(queue, tail, inq, v)
                return -delta, tail
    return 0.0, tail


@njit(cache=True)
def _push(queue: np.ndarray, tail: int, inq: np.ndarray, v: int) -> int:
    """Append ``v`` to the circular queue of active nodes unless already there."""
    if not inq[v]:
        inq[v] = True
        queue[tail % queue.size] = v
        tail += 1
    return tail


@njit(cache=True)
def _or_opt(
    x: np.ndarray,
    y: np.ndarray,
    metric: int,
    neigh: np.ndarray,
    seq: np.ndarray,
    pos: np.ndarray,
    n_on: int,
    a: int,
    eps: float,
    queue: np.ndarray,
    tail: int,
    inq: np.ndarray,
) -> tuple[float, int]:
    """Apply the first improving move of a run of 1-3 nodes from ``a`` nearby."""
    i = pos[a]
    for k in (1, 2, 3):
        if i < 1 or i + k > n_on - 1:
            break
        last, p, r = seq[i + k - 1], seq[i - 1], seq[i + k]
        gain = (
            dist(x, y, metric, p, a)
            + dist(x, y, metric, last, r)
            - dist(x, y, metric, p, r)
        )
        for q in range(neigh.shape[1]):
            c = neigh[a, q]
            dac = dist(x, y, metric, a, c)
            if dac >= gain:
                break
            j = pos[c]
            if j < 0 or i <= j < i + k:
                continue
            for side in (1, -1):  # a goes after c (run reversed) or before c
                t = j + side
                if t < 0 or t > n_on - 1 or (i <= t < i + k):
                    continue
                e = seq[t]
                add = dac + dist(x, y, metric, last, e) - dist(x, y, metric, c, e)
                if add - gain < -eps:
                    run = seq[i : i + k].copy()
                    for _ in range(k):
                        n_on = _remove(seq, pos, n_on, i)
                    at = pos[c] + 1 if side == 1 else pos[c]
                    # after c: c, a..last, e; before c: e, last..a, c
                    for s in range(k):
                        v = run[s] if side == 1 else run[k - 1 - s]
                        n_on = _insert(seq, pos, n_on, at + s, v)
                    for v in (a, last, p, r, c, e):
                        tail = _push(queue, tail, inq, v)
                    return gain - add, tail
    return 0.0, tail
