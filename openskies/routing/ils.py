"""The orienteering engines' shared path arithmetic and the iterated local search.

Private to :mod:`openskies.routing.orienteering`, which validates the input and chooses
the engine; see its docstring for the method and the measurements behind it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from openskies.options import Deadline

    Floats = NDArray[np.float64]
    Ints = NDArray[np.int64]

__all__ = ["Search", "knapsack_bound", "repair", "route_length", "route_score"]


def route_length(dist: Floats, route: list[int]) -> float:
    """Sum the legs ``dist[a, b]`` of ``route`` in order: its float64 length."""
    if len(route) < 2:
        return 0.0
    arr = np.asarray(route, dtype=np.intp)
    total = 0.0
    for leg in dist[arr[:-1], arr[1:]].tolist():
        total += leg
    return total


def route_score(prize: Floats, route: list[int]) -> float:
    """Score of the distinct points of ``route`` (exactly rounded, any order)."""
    return math.fsum(prize[sorted(set(route))].tolist())


def knapsack_bound(p: Floats, w: Floats, cap: float) -> float:
    """Fractional knapsack: most score of items of weights ``w`` within ``cap``.

    Items of weight 0 count whole; none fits when ``cap < 0``.  At most the
    total score.
    """
    if cap < 0 or p.size == 0:
        return 0.0
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        ratio = np.divide(p, w, out=np.full_like(p, np.inf), where=w > 0)
    order = np.lexsort((w, -np.where(p > 0, ratio, 0.0)))
    p, w = p[order], w[order]
    full = np.cumsum(w) <= cap  # a prefix: the items that fit whole
    knap = math.fsum(p[full].tolist())
    if not full.all():
        x = int(np.argmin(full))
        knap += p[x] * (cap - w[full].sum()) / w[x]
    return min(math.fsum(p.tolist()), knap)


def repair(
    dist: Floats, prize: Floats, r: list[int], limit: float, keep: list[int]
) -> list[int]:
    """Drop the points of least score per saved length until within budget.

    Points in ``keep`` go last.
    """
    while route_length(dist, r) > limit and len(r) > 2:
        arr = np.array(r)
        saving = dist[arr[:-2], arr[1:-1]] + dist[arr[1:-1], arr[2:]]
        saving -= dist[arr[:-2], arr[2:]]
        ratio = prize[arr[1:-1]] / np.maximum(saving, 1e-12 * max(limit, 1.0))
        kept = np.isin(arr[1:-1], keep)
        if not kept.all():
            ratio[kept] = np.inf
        del r[int(ratio.argmin()) + 1]
    return r


class Search:
    """Iterated local search over paths ``[start, ..., end]`` within the budget.

    Every path it holds is within the budget; moves are checked on the exact
    float64 length.  Each loop stops at the deadline and returns what it has.
    """

    # p_worse 0.2 (was 0.05) put all 68 OPLib instances <= 200 nodes within 1 % of EA4OP
    noise, p_worse, restart, p_force = 0.3, 0.2, 200, 0.3

    def __init__(
        self,
        dist: Floats,
        prize: Floats,
        ends: tuple[int, int],
        cand: Ints,
        limit: float,
        seed: int,
        deadline: Deadline,
    ) -> None:
        self.d, self.prize, self.ends = dist, prize, ends
        self.cand, self.limit, self.deadline = cand, limit, deadline
        self.eps = 1e-12 * max(limit, 1.0)  # length resolution of the search
        self.rng = np.random.default_rng(seed)

    def late(self) -> bool:
        """Whether the deadline has passed."""
        return self.deadline.expired

    def length(self, r: list[int]) -> float:
        """Float64 length of path ``r``."""
        return route_length(self.d, r)

    def key(self, r: list[int]) -> tuple[float, float]:
        """Sort key: larger score first, then shorter length."""
        return (-route_score(self.prize, r), self.length(r))

    def run(self, bound: float, rounds: int | None = None) -> list[int]:
        """Perturb and re-optimise until a stop: deadline, bound, stagnation, rounds.

        Every step checks the deadline, the first greedy insertion too: a
        search out of time returns the path it has (at worst start -> end).
        """
        best = cur = self.local_search(self.insert(list(self.ends), 0.0))
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
            return repair(self.d, self.prize, r, self.limit, forced)
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
