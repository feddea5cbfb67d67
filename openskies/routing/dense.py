"""Dense-matrix parts of orienteering: shortest legs, the score bound, the exact DP.

Private to :mod:`openskies.routing.orienteering`, which validates the input;
``dist`` is an (n, n) matrix of legs (asymmetric allowed, no triangle
inequality assumed).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from openskies.routing.ils import knapsack_bound

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from openskies.options import Deadline

    Floats = NDArray[np.float64]
    Ints = NDArray[np.int64]

__all__ = ["exact", "integral", "score_bound", "shortest_from"]


def shortest_from(dist: Floats, source: int) -> Floats:
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


def score_bound(
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
    bound = base + knapsack_bound(prize[reach], w, cap)
    return integral(prize, bound)


def integral(prize: Floats, bound: float) -> float:
    """Round a score bound down when every score is an integer."""
    integral = bool(np.all(prize == np.round(prize)))
    return float(math.floor(bound + 1e-6)) if integral else bound


def exact(
    dist: Floats,
    to_e: Floats,
    prize: Floats,
    s: int,
    e: int,
    reach: Ints,
    limit: float,
    deadline: Deadline,
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
        if deadline.expired:
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
