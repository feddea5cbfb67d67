"""Compiled (numba) kernels of the dense iterated local search.

Private to :mod:`openskies.routing.ils`.  A path is an int64 array ``seq``
whose first ``L`` entries are the node indices from the start to the end (a
closed tour repeats the start), with ``on[v]`` true when ``v`` is on it.  The
legs are read from a dense (n, n) float64 matrix ``d`` (asymmetric allowed, no
triangle inequality assumed).  Every path a kernel keeps is within the budget
``limit`` on its exact float64 length (the legs summed in order).  Scratch
arrays are allocated once per call of :func:`local_search` or
:func:`ils_step`, never per move; :func:`ils_step`, the entry point, releases
the GIL, so that it does not block other threads (e.g. Dask's).

The moves are those of the numpy search they replace: greedy insertion by score
per added length (or by score alone, with noise, after a perturbation), the
best improving 2-opt, else or-opt of a run of 1-3 points (maybe reversed), the
best swap of a visited point for an unvisited one, and a perturbation that
removes a random run or random points or forces 1-3 unvisited points in (then
drops the points of least score per saved length until within budget).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from openskies.routing.knn_kernels import rand

_INF = np.inf
#: What the kernels share, packed once by the caller: ``(d, prize, cand, limit)``
#: (the (n, n) legs, the scores, the candidates' indices, the budget).
Problem = tuple[np.ndarray, np.ndarray, np.ndarray, float]


@njit(cache=True)
def path_length(d: np.ndarray, seq: np.ndarray, n_on: int) -> float:
    """Float64 length of ``seq[:n_on]``, the legs summed in order."""
    total = 0.0
    for t in range(n_on - 1):
        total += d[seq[t], seq[t + 1]]
    return total


@njit(cache=True)
def inner_score(prize: np.ndarray, cand: np.ndarray, on: np.ndarray) -> float:
    """Score of the candidates on the path, summed in candidate order.

    The same set of points always gives the same float64 sum.
    """
    total = 0.0
    for v in cand:
        if on[v]:
            total += prize[v]
    return total


@njit(cache=True, inline="always")
def _cheapest(d: np.ndarray, seq: np.ndarray, n_on: int, u: int) -> tuple[int, float]:
    """Return the leg of ``seq`` where ``u`` adds least length (the first) and it."""
    best, at = _INF, 0
    for t in range(n_on - 1):
        a, b = seq[t], seq[t + 1]
        c = d[a, u] + d[u, b] - d[a, b]
        if c < best:
            best, at = c, t
    return at, best


@njit(cache=True, inline="always")
def _copy(src: np.ndarray, dst: np.ndarray, n_on: int) -> None:
    """Copy ``src[:n_on]`` into ``dst`` (a loop: slices cost seconds of compiling)."""
    for t in range(n_on):
        dst[t] = src[t]


@njit(cache=True, inline="always")
def _put(seq: np.ndarray, n_on: int, i: int, v: int) -> int:
    """Insert ``v`` at index ``i`` of ``seq``; return the new count."""
    for t in range(n_on, i, -1):
        seq[t] = seq[t - 1]
    seq[i] = v
    return n_on + 1


@njit(cache=True, inline="always")
def _cut(seq: np.ndarray, n_on: int, i: int) -> int:
    """Delete ``seq[i]``; return the new count."""
    for t in range(i, n_on - 1):
        seq[t] = seq[t + 1]
    return n_on - 1


@njit(cache=True)
def insert_greedy(
    problem: Problem,
    seq: np.ndarray,
    n_on: int,
    on: np.ndarray,
    noise: float,
    state: np.ndarray,
) -> int:
    """Insert unvisited candidates while they fit, best score per added length first.

    With ``noise`` > 0 each ratio is scaled by a uniform factor in
    ``[1 - noise, 1 + noise]`` and, half the time, ranked by score alone.
    Returns the new count.
    """
    d, prize, cand, limit = problem
    eps = 1e-12 * max(limit, 1.0)
    m = 0
    u = np.empty(cand.size, dtype=np.int64)
    cost = np.empty(cand.size)
    pos = np.empty(cand.size, dtype=np.int64)
    for v in cand:
        if not on[v]:
            pos[m], cost[m] = _cheapest(d, seq, n_on, v)
            u[m] = v
            m += 1
    by_score = noise > 0 and rand(state) < 0.5
    length = path_length(d, seq, n_on)
    while m:
        x, top = -1, -_INF
        for k in range(m):
            ratio = prize[u[k]] / (1.0 if by_score else max(cost[k], eps))
            if noise > 0:
                ratio *= 1.0 - noise + 2.0 * noise * rand(state)
            if length + cost[k] <= limit and ratio > top:
                x, top = k, ratio
        if x < 0:
            break
        p, node = pos[x], u[x]
        m -= 1
        u[x], cost[x], pos[x] = u[m], cost[m], pos[m]
        n_on = _put(seq, n_on, p + 1, node)
        new_len = path_length(d, seq, n_on)
        if new_len > limit:
            n_on = _cut(seq, n_on, p + 1)
            continue
        on[node], length = True, new_len
        a, b = seq[p], seq[p + 2]
        for k in range(m):
            v = u[k]
            if pos[k] == p:
                pos[k], cost[k] = _cheapest(d, seq, n_on, v)
                continue
            if pos[k] > p:
                pos[k] += 1
            c1 = d[a, v] + d[v, node] - d[a, node]
            c2 = d[node, v] + d[v, b] - d[node, b]
            if c1 < cost[k] or (c1 == cost[k] and p < pos[k]):
                pos[k], cost[k] = p, c1
            if c2 < cost[k] or (c2 == cost[k] and p + 1 < pos[k]):
                pos[k], cost[k] = p + 1, c2
    return n_on


@njit(cache=True, inline="always")
def _reversal_gain(d: np.ndarray, seq: np.ndarray, n_on: int, g: np.ndarray) -> None:
    """Set ``g[k]``: change of the legs before leg k when reversed (0 if symmetric)."""
    g[0] = 0.0
    for t in range(n_on - 1):
        g[t + 1] = g[t] + d[seq[t + 1], seq[t]] - d[seq[t], seq[t + 1]]


@njit(cache=True)
def _two_opt(
    d: np.ndarray, seq: np.ndarray, n_on: int, g: np.ndarray
) -> tuple[float, int, int]:
    """Best 2-opt move (reverse ``seq[i + 1 : j + 1]``): its length change, i, j."""
    best, bi, bj = _INF, 0, 0
    for i in range(n_on - 1):
        a, a1 = seq[i], seq[i + 1]
        ab = d[a, a1]
        for j in range(i + 2, n_on - 1):
            b, b1 = seq[j], seq[j + 1]
            delta = d[a, b] + d[a1, b1] + g[j] - g[i + 1] - ab - d[b, b1]
            if delta < best:
                best, bi, bj = delta, i, j
    return best, bi, bj


@njit(cache=True)
def _or_opt(
    d: np.ndarray, seq: np.ndarray, n_on: int, g: np.ndarray, eps: float
) -> tuple[float, int, int, int, bool]:
    """Best move of a run ``seq[i : i + k]`` (k 1-3) into leg t, maybe reversed.

    Returns the length change (``-eps`` when none improves), i, k, t and
    whether the run is reversed.
    """
    best, bi, bk, bt, flip = -eps, 0, 0, 0, False
    for k in range(1, 4):
        for i in range(1, n_on - k):
            h, f = seq[i], seq[i + k - 1]  # head and foot of the run
            p, q = seq[i - 1], seq[i + k]
            gain = d[p, h] + d[f, q] - d[p, q]
            turn = g[i + k - 1] - g[i]
            for t in range(n_on - 1):
                if i - 1 <= t <= i + k - 1:
                    continue
                a, b = seq[t], seq[t + 1]
                fwd = d[a, h] + d[f, b]
                rev = d[a, f] + d[h, b] + turn
                delta = min(fwd, rev) - d[a, b] - gain
                if delta < best:
                    best, bi, bk, bt, flip = delta, i, k, t, rev < fwd
    return best, bi, bk, bt, flip


@njit(cache=True, inline="always")
def _apply_or_opt(
    seq: np.ndarray, n_on: int, out: np.ndarray, i0: int, k: int, t: int, flip: bool
) -> None:
    """Write into ``out`` the path with the run ``seq[i0 : i0 + k]`` moved to leg t."""
    at = t + 1 if t < i0 else t + 1 - k  # index of the run in the new path
    w = 0
    for x in range(n_on):
        if i0 <= x < i0 + k:
            continue
        if w == at:
            for r in range(k):
                out[w + r] = seq[i0 + k - 1 - r] if flip else seq[i0 + r]
            w += k
        out[w] = seq[x]
        w += 1


@njit(cache=True)
def _shorten(
    d: np.ndarray,
    seq: np.ndarray,
    n_on: int,
    eps: float,
    scratch: tuple[np.ndarray, np.ndarray],
    moves: int,
) -> int:
    """Apply the best improving 2-opt, else or-opt, move until none is left.

    At most ``moves`` moves (``scratch``: float and int arrays of the path's
    size).  Returns the moves left, -1 if they ran out first.
    """
    g, tmp = scratch
    length = path_length(d, seq, n_on)
    while n_on >= 4:
        if moves == 0:
            return -1
        _reversal_gain(d, seq, n_on, g)
        delta, i, j = _two_opt(d, seq, n_on, g)
        _copy(seq, tmp, n_on)
        if delta < -eps:
            for x in range(i + 1, j + 1):
                tmp[x] = seq[i + 1 + j - x]
        else:
            delta, i0, k, t, flip = _or_opt(d, seq, n_on, g, eps)
            if delta == -eps:
                break
            _apply_or_opt(seq, n_on, tmp, i0, k, t, flip)
        new_len = path_length(d, tmp, n_on)
        if new_len >= length:
            break
        _copy(tmp, seq, n_on)
        length = new_len
        moves -= 1
    return moves


@njit(cache=True)
def _replace(
    problem: Problem, seq: np.ndarray, n_on: int, on: np.ndarray, tmp: np.ndarray
) -> bool:
    """Apply the best swap of a visited point for an unvisited one; False if none.

    A swap must raise the score, or keep it and shorten the path.  The new
    point takes the old one's place or its own cheapest leg, if that leg does
    not touch the old point.  Ties go to the shorter path, then to the earlier
    position and candidate.
    """
    d, prize, cand, limit = problem
    eps = 1e-12 * max(limit, 1.0)
    if n_on < 3:
        return False
    length = path_length(d, seq, n_on)
    best_gain, best_len, bp, bu, b_at = -_INF, _INF, -1, -1, -1
    for u in cand:
        if on[u]:
            continue
        leg, cheap = _cheapest(d, seq, n_on, u)
        for p in range(1, n_on - 1):
            gain = prize[u] - prize[seq[p]]
            if gain < best_gain or gain < 0:
                continue
            prev, v, nxt = seq[p - 1], seq[p], seq[p + 1]
            saving = d[prev, v] + d[v, nxt] - d[prev, nxt]
            in_place = d[prev, u] + d[u, nxt] - d[prev, nxt]
            apart = _INF if leg == p - 1 or leg == p else cheap
            new_len = length - saving + min(apart, in_place)
            if new_len > limit or (gain == 0 and not new_len < length - eps):
                continue
            if gain > best_gain or new_len < best_len:
                best_gain, best_len, bp, bu = gain, new_len, p, u
                b_at = -1 if in_place <= apart else leg
    if bp < 0:
        return False
    _copy(seq, tmp, n_on)
    if b_at < 0:
        tmp[bp] = bu
    else:
        _put(tmp, n_on, b_at + 1, bu)
        _cut(tmp, n_on + 1, bp if b_at >= bp else bp + 1)
    new_len = path_length(d, tmp, n_on)
    if new_len > limit or (best_gain == 0 and not new_len < length):
        return False
    on[seq[bp]], on[bu] = False, True
    _copy(tmp, seq, n_on)
    return True


@njit(cache=True)
def local_search(
    problem: Problem,
    seq: np.ndarray,
    n_on: int,
    on: np.ndarray,
    moves: int,
    state: np.ndarray,
) -> tuple[int, bool]:
    """Shorten, insert and replace until no move improves, or ``moves`` moves.

    Returns the new count and whether the path is a local optimum (``state``,
    the random state, is not drawn from: no noise).
    """
    d, limit = problem[0], problem[3]
    eps = 1e-12 * max(limit, 1.0)
    scratch = (np.empty(seq.size + 1), np.empty(seq.size, dtype=np.int64))
    while moves > 0:
        moves = _shorten(d, seq, n_on, eps, scratch, moves)
        if moves <= 0:
            break
        longer = insert_greedy(problem, seq, n_on, on, 0.0, state)
        moves -= 1
        if longer > n_on:
            n_on = longer
            continue
        if not _replace(problem, seq, n_on, on, scratch[1]):
            return n_on, True
    return n_on, False


@njit(cache=True)
def repair(
    problem: Problem, seq: np.ndarray, n_on: int, on: np.ndarray, keep: np.ndarray
) -> int:
    """Drop the points of least score per saved length until within budget.

    Points with ``keep[v]`` go last.  Returns the new count.
    """
    d, prize, _, limit = problem
    eps = 1e-12 * max(limit, 1.0)
    while n_on > 2 and path_length(d, seq, n_on) > limit:
        spare = False
        for p in range(1, n_on - 1):
            spare = spare or not keep[seq[p]]
        x, low = 1, _INF
        for p in range(1, n_on - 1):
            prev, v, nxt = seq[p - 1], seq[p], seq[p + 1]
            saving = d[prev, v] + d[v, nxt] - d[prev, nxt]
            ratio = _INF if spare and keep[v] else prize[v] / max(saving, eps)
            if ratio < low:
                x, low = p, ratio
        on[seq[x]] = False
        n_on = _cut(seq, n_on, x)
    return n_on


@njit(cache=True)
def _perturb(
    problem: Problem,
    seq: np.ndarray,
    n_on: int,
    on: np.ndarray,
    p_force: float,
    state: np.ndarray,
    keep: np.ndarray,
) -> int:
    """Remove a random run or random points, or force in unvisited points.

    The path is then repaired to the budget (:func:`repair`; forced points
    go last).  Returns the new count.
    """
    d, cand = problem[0], problem[2]
    mode = rand(state)
    free = 0
    for v in cand:
        free += not on[v]
    if mode < p_force and free:
        u = np.empty(free, dtype=np.int64)
        w = 0
        for v in cand:
            if not on[v]:
                u[w] = v
                w += 1
        k = min(free, 1 + int(rand(state) * 3))
        for r in range(k):  # k distinct points: a partial Fisher-Yates shuffle
            j = r + int(rand(state) * (free - r))
            u[r], u[j] = u[j], u[r]
            x = u[r]
            at = _cheapest(d, seq, n_on, x)[0]
            n_on = _put(seq, n_on, at + 1, x)
            on[x] = keep[x] = True
        n_on = repair(problem, seq, n_on, on, keep)
        for r in range(k):
            keep[u[r]] = False
        return n_on
    inner = n_on - 2
    if inner <= 0:
        return n_on
    k = 1 + int(rand(state) * max(1, min(10, inner // 3)))
    if mode < (1.0 + p_force) / 2.0:
        i = 1 + int(rand(state) * (inner - k + 1))
        for x in range(i, i + k):
            on[seq[x]] = False
        for x in range(i, n_on - k):
            seq[x] = seq[x + k]
        # without the triangle inequality a shorter path may be longer: repair
        return repair(problem, seq, n_on - k, on, keep)
    idx = np.empty(inner, dtype=np.int64)
    for x in range(inner):
        idx[x] = x + 1
    for r in range(k):  # k distinct inner positions: a partial Fisher-Yates shuffle
        j = r + int(rand(state) * (inner - r))
        idx[r], idx[j] = idx[j], idx[r]
        on[seq[idx[r]]] = False
    w = 1
    for x in range(1, n_on):
        if x == n_on - 1 or on[seq[x]]:
            seq[w] = seq[x]
            w += 1
    return repair(problem, seq, w, on, keep)


@njit(cache=True, inline="always")
def _mark(seq: np.ndarray, n_on: int, on: np.ndarray) -> None:
    """Set ``on`` to the points of ``seq[:n_on]``."""
    for v in range(on.size):
        on[v] = False
    for t in range(n_on):
        on[seq[t]] = True


@njit(cache=True, nogil=True)
def ils_step(
    problem: Problem,
    paths: np.ndarray,
    counts: np.ndarray,
    keys: np.ndarray,
    state: np.ndarray,
    rounds: int,
    params: np.ndarray,
) -> None:
    """Advance the iterated local search by one step between deadline checks.

    ``paths`` rows 0, 1 and 2 hold the current, best and scratch paths;
    ``counts`` their counts, the rounds without a new best and the phase;
    ``keys`` the inner score and length of the current and best paths; all
    are updated.  Phase 0: greedy insertion into the current path (phase 1
    next).  Phase 1: at most ``params[6]`` local-search moves on it, which
    also make it the best path (phase 2 at a local optimum).  Phase 2: at most
    ``rounds`` perturbation rounds.  ``params``: noise, probability of
    accepting a worse path, rounds without a new best before going back to
    the best path, probability of forcing points in, most rounds without a
    new best, the inner score that stops the search (the bound), moves.
    """
    noise, p_worse, restart, p_force, max_stall, target, moves = params
    d, prize, cand, _ = problem
    on = np.zeros(d.shape[0], dtype=np.bool_)
    keep = np.zeros(d.shape[0], dtype=np.bool_)
    cur, best, new = paths[0], paths[1], paths[2]
    _mark(cur, counts[0], on)
    if counts[3] < 2:
        if counts[3] == 0:
            counts[0] = insert_greedy(problem, cur, counts[0], on, 0.0, state)
            counts[3] = 1
        counts[0], done = local_search(problem, cur, counts[0], on, int(moves), state)
        keys[0] = keys[2] = inner_score(prize, cand, on)
        keys[1] = keys[3] = path_length(d, cur, counts[0])
        counts[1] = counts[0]
        _copy(cur, best, counts[0])
        counts[3] = 2 if done else 1
        return
    for _ in range(rounds):
        if keys[2] >= target or counts[2] >= max_stall:
            return
        n_on = counts[0]
        _copy(cur, new, n_on)
        _mark(new, n_on, on)
        n_on = _perturb(problem, new, n_on, on, p_force, state, keep)
        n_on = insert_greedy(problem, new, n_on, on, noise, state)
        n_on = local_search(problem, new, n_on, on, 1 << 62, state)[0]
        score, length = inner_score(prize, cand, on), path_length(d, new, n_on)
        counts[2] += 1
        if score > keys[2] or (score == keys[2] and length < keys[3]):
            _copy(new, best, n_on)
            counts[1], keys[2], keys[3], counts[2] = n_on, score, length, 0
        if score >= keys[0] or rand(state) < p_worse:
            _copy(new, cur, n_on)
            counts[0], keys[0], keys[1] = n_on, score, length
        if counts[2] % restart == restart - 1:
            _copy(best, cur, counts[1])
            counts[0], keys[0], keys[1] = counts[1], keys[2], keys[3]
