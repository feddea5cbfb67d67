"""Compiled (numba) local search and iterated local search over neighbour lists.

Private to :mod:`openskies.routing.knn_search`; the moves are in
:mod:`openskies.routing.knn_kernels`, whose docstring describes the path
representation.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from openskies.routing.knn_kernels import (
    Problem,
    _best_insertion,
    _insert,
    _or_opt,
    _push,
    _remove,
    _two_opt,
    added_length,
    cheapest_leg,
    dist,
    insert_greedy,
    path_length,
    rand,
)

_PLANT = 0.05  # share of rounds that plant a far cluster (:func:`_plant`)
_RUN = 40  # longest run of the path dropped at once (:func:`_drop_runs`)


@njit(cache=True)
def local_search(
    x: np.ndarray,
    y: np.ndarray,
    metric: int,
    neigh: np.ndarray,
    seq: np.ndarray,
    pos: np.ndarray,
    n_on: int,
    eps: float,
    active: np.ndarray,
    n_active: int,
) -> int:
    """2-opt and or-opt from the ``active`` nodes until none improves (don't-look bits).

    Returns the count (or-opt moves keep it; the caller recomputes length).
    """
    queue = np.empty(neigh.shape[0] + 1, dtype=np.int64)
    inq = np.zeros(neigh.shape[0], dtype=np.bool_)
    head, tail = 0, 0
    for t in range(n_active):
        tail = _push(queue, tail, inq, active[t])
    while head < tail:
        a = queue[head % queue.size]
        head += 1
        inq[a] = False
        if pos[a] < 0:
            continue
        gain, tail = _two_opt(
            x, y, metric, neigh, seq, pos, n_on, a, eps, queue, tail, inq
        )
        if gain <= 0.0:
            gain, tail = _or_opt(
                x, y, metric, neigh, seq, pos, n_on, a, eps, queue, tail, inq
            )
        if gain > 0.0:
            tail = _push(queue, tail, inq, a)
    return n_on


@njit(cache=True)
def _perturb(
    x: np.ndarray,
    y: np.ndarray,
    metric: int,
    neigh: np.ndarray,
    prize: np.ndarray,
    is_cand: np.ndarray,
    limit: float,
    eps: float,
    seq: np.ndarray,
    pos: np.ndarray,
    n_on: int,
    state: np.ndarray,
    touched: np.ndarray,
    max_run: int,
) -> tuple[int, int]:
    """Remove a random run or a node and its neighbours on the path, or force one in.

    Returns the count and the number of nodes next to the changes in ``touched``.
    """
    inner = n_on - 2
    if inner <= 0:
        return n_on, 0
    mode = rand(state)
    c = seq[1 + int(rand(state) * inner)]
    if mode < 0.3:  # force an unvisited neighbour of a path node in, then repair
        u = neigh[c, int(rand(state) * neigh.shape[1])]
        if pos[u] < 0 and is_cand[u]:
            _, t = _best_insertion(x, y, metric, neigh, seq, pos, n_on, u)
            if t < 0:  # c is not among u's neighbours: next to c
                t = pos[c]
            n_on = _insert(seq, pos, n_on, t + 1, u)
            n_on, _ = _repair(x, y, metric, prize, seq, pos, n_on, limit, eps, u)
            touched[0] = u
            return n_on, 1
    if mode < 0.65:
        k = 1 + int(rand(state) * min(max_run, inner))
        i = 1 + int(rand(state) * (inner - k + 1))
        for _ in range(k):
            n_on = _remove(seq, pos, n_on, i)
        touched[0], touched[1] = seq[i - 1], seq[i]
        return n_on, 2
    p_keep = rand(state)
    n_touch = 0
    for q in range(-1, neigh.shape[1]):
        v = c if q < 0 else neigh[c, q]
        i = pos[v]
        if i <= 0 or i >= n_on - 1 or (q >= 0 and rand(state) < p_keep):
            continue
        n_on = _remove(seq, pos, n_on, i)
        touched[n_touch], touched[n_touch + 1] = seq[i - 1], seq[i]
        n_touch += 2
    return n_on, n_touch


@njit(cache=True)
def _plant(
    problem: Problem,
    limit: float,
    seq: np.ndarray,
    pos: np.ndarray,
    n_on: int,
    state: np.ndarray,
    touched: np.ndarray,
) -> tuple[int, int]:
    """Force a random unvisited candidate and its unvisited neighbours in, then repair.

    The candidate goes where it adds least length on the whole path, its
    neighbours (a random number of them, nearest first) where they add least
    next to what is on the path; the repair then drops the nodes of least
    score per saved length, the candidate last.  A whole region can thus
    replace another: the move the local perturbations cannot make on
    clustered instances.  Returns the count and the number of nodes in
    ``touched`` (0: the candidate drawn is on the path, nothing changed).
    """
    x, y, metric, neigh, _, _, prize, cand, eps = problem
    u = cand[int(rand(state) * cand.size)]
    if pos[u] >= 0 or n_on < 2:
        return n_on, 0
    count = int(rand(state) * neigh.shape[1]) + 1
    n_on, n_touch = _plant_near(problem, seq, pos, n_on, u, count, touched)
    n_on, _ = _repair(x, y, metric, prize, seq, pos, n_on, limit, eps, u)
    return n_on, _on_path(pos, touched, n_touch)


@njit(cache=True)
def _plant_near(
    problem: Problem,
    seq: np.ndarray,
    pos: np.ndarray,
    n_on: int,
    u: int,
    count: int,
    touched: np.ndarray,
) -> tuple[int, int]:
    """Insert ``u`` and its first ``count`` unvisited neighbours with a score.

    ``u`` goes where it adds least length on the whole path, each neighbour
    where it adds least next to what is on the path; the budget is ignored
    (the caller repairs).  Returns the count and the number of inserted
    nodes, written to ``touched``.
    """
    x, y, metric, neigh, _, _, prize, _, _ = problem
    _, at = cheapest_leg(x, y, metric, seq, n_on, u)
    n_on = _insert(seq, pos, n_on, at + 1, u)
    touched[0] = u
    n_touch = 1
    for q in range(count):
        v = neigh[u, q]
        if pos[v] >= 0 or prize[v] <= 0.0:
            continue
        _, t = _best_insertion(x, y, metric, neigh, seq, pos, n_on, v)
        if t >= 0:
            n_on = _insert(seq, pos, n_on, t + 1, v)
            touched[n_touch] = v
            n_touch += 1
    return n_on, n_touch


@njit(cache=True)
def _on_path(pos: np.ndarray, touched: np.ndarray, n_touch: int) -> int:
    """Keep in ``touched[:n_touch]`` the nodes still on the path; return how many."""
    kept = 0
    for k in range(n_touch):
        if pos[touched[k]] >= 0:
            touched[kept] = touched[k]
            kept += 1
    return kept


@njit(cache=True)
def plant_region(
    problem: Problem, limit: float, path: np.ndarray, n_on: int, state: np.ndarray
) -> int:
    """Move the path to a random unvisited candidate's region; return the count.

    The candidate (one of up to 64 draws that is off the path) and all its
    unvisited neighbours go in (:func:`_plant_near`), whole runs of the path
    are dropped by least score per saved length until it fits the budget
    again (:func:`_drop_runs`: the region left behind goes as a whole, where
    dropping node by node would strip the new region first, its nodes each
    saving little), and the local search and greedy insertion rebuild around
    what was planted.  ``path`` is a (2, n + 2) path array, changed in place.
    The start of a rival walk (see :class:`knn_search._Search`).
    """
    x, y, metric, neigh, _, _, prize, cand, eps = problem
    n = neigh.shape[0]
    seq, pos = path[0], path[1, :n]
    u = -1
    for _ in range(64):
        v = cand[int(rand(state) * cand.size)]
        if pos[v] < 0:
            u = v
            break
    if u < 0 or n_on < 2:
        return n_on
    touched = np.empty(n + 2, dtype=np.int64)
    n_on, n_touch = _plant_near(problem, seq, pos, n_on, u, neigh.shape[1], touched)
    n_on = _drop_runs(x, y, metric, prize, seq, pos, n_on, limit, eps, u)
    n_touch = _on_path(pos, touched, n_touch)
    n_on, _ = improve(problem, limit, seq, pos, n_on, 0.0, 1.0, state, touched, n_touch)
    return n_on


@njit(cache=True)
def _drop_runs(
    x: np.ndarray,
    y: np.ndarray,
    metric: int,
    prize: np.ndarray,
    seq: np.ndarray,
    pos: np.ndarray,
    n_on: int,
    limit: float,
    eps: float,
    keep: int,
) -> int:
    """Drop the run of inner nodes of least score per saved length until within budget.

    A run is up to :data:`_RUN` consecutive inner nodes, ``keep`` (a node,
    or -1) never among them; its saved length is what the path is shorter
    without it.  Falls back to :func:`_repair` when only ``keep`` is left.
    Returns the count.
    """
    along = np.zeros(n_on)  # along[t]: path length up to seq[t]
    score = np.zeros(n_on)  # score[t]: score of seq[1..t-1]
    while n_on > 2:
        for t in range(1, n_on):
            along[t] = along[t - 1] + dist(x, y, metric, seq[t - 1], seq[t])
            score[t] = score[t - 1] + (prize[seq[t - 1]] if t > 1 else 0.0)
        if along[n_on - 1] <= limit:
            return n_on
        best, lo, hi = np.inf, -1, -1
        for i in range(1, n_on - 1):
            for j in range(i, min(i + _RUN, n_on - 1)):  # the run seq[i..j]
                if seq[j] == keep:
                    break
                a, b = seq[i - 1], seq[j + 1]
                saved = along[j + 1] - along[i - 1] - dist(x, y, metric, a, b)
                ratio = (score[j + 1] - score[i]) / max(saved, eps)
                if ratio < best:
                    best, lo, hi = ratio, i, j
        if lo < 0:
            n_on, _ = _repair(x, y, metric, prize, seq, pos, n_on, limit, eps, keep)
            return n_on
        for _ in range(hi - lo + 1):
            n_on = _remove(seq, pos, n_on, lo)
    return n_on


@njit(cache=True)
def _repair(
    x: np.ndarray,
    y: np.ndarray,
    metric: int,
    prize: np.ndarray,
    seq: np.ndarray,
    pos: np.ndarray,
    n_on: int,
    limit: float,
    eps: float,
    keep: int,
) -> tuple[int, float]:
    """Drop the node of least score per saved length until within the budget.

    ``keep`` (a node, or -1) goes last.
    """
    length = path_length(x, y, metric, seq, n_on)
    while length > limit and n_on > 2:
        pick, best = -1, np.inf
        for i in range(1, n_on - 1):
            a, v, b = seq[i - 1], seq[i], seq[i + 1]
            save = added_length(x, y, metric, a, v, b)
            ratio = prize[v] / max(save, eps) + (np.inf if v == keep else 0.0)
            if ratio < best:
                best, pick = ratio, i
        n_on = _remove(seq, pos, n_on, pick)
        length = path_length(x, y, metric, seq, n_on)
    return n_on, length


@njit(cache=True)
def _score(prize: np.ndarray, seq: np.ndarray, n_on: int) -> float:
    """Score of the inner nodes of the path (the ends are added by the caller)."""
    total = 0.0
    for t in range(1, n_on - 1):
        total += prize[seq[t]]
    return total


@njit(cache=True)
def improve(
    problem: Problem,
    limit: float,
    seq: np.ndarray,
    pos: np.ndarray,
    n_on: int,
    noise: float,
    alpha: float,
    state: np.ndarray,
    active: np.ndarray,
    n_active: int,
) -> tuple[int, float]:
    """Local search, noisy greedy insertion, and again until nothing is inserted."""
    x, y, metric, neigh, _, _, prize, cand, eps = problem
    touched = np.empty(neigh.shape[0], dtype=np.int64)
    for _ in range(100):
        n_on = local_search(x, y, metric, neigh, seq, pos, n_on, eps, active, n_active)
        length = path_length(x, y, metric, seq, n_on)
        n_on, length, added = insert_greedy(
            problem, limit, seq, pos, n_on, length, noise, alpha, state, touched
        )
        if added == 0:
            n_on, added = _replace(
                x, y, metric, neigh, prize, cand, limit, eps, seq, pos, n_on, touched
            )
            if added == 0:
                break
        noise, alpha = 0.0, 1.0
        active[:added] = touched[:added]
        n_active = added
    return n_on, path_length(x, y, metric, seq, n_on)


@njit(cache=True)
def _saving(
    x: np.ndarray, y: np.ndarray, metric: int, seq: np.ndarray, i: int
) -> float:
    """Length saved by removing the inner node ``seq[i]``."""
    a, v, b = seq[i - 1], seq[i], seq[i + 1]
    return added_length(x, y, metric, a, v, b)


@njit(cache=True)
def _replace(
    x: np.ndarray,
    y: np.ndarray,
    metric: int,
    neigh: np.ndarray,
    prize: np.ndarray,
    cand: np.ndarray,
    limit: float,
    eps: float,
    seq: np.ndarray,
    pos: np.ndarray,
    n_on: int,
    touched: np.ndarray,
) -> tuple[int, int]:
    """Swap a path node for an unvisited richer one that fits, if any (first found).

    The removed node is one of the new node's neighbours on the path, or any
    inner node on a short path; the new node takes the removed one's place.
    Returns the count and 1 (the new node in ``touched``) or 0.
    """
    length = path_length(x, y, metric, seq, n_on)
    short = n_on <= 64
    for q in range(cand.size):
        u = cand[q]
        if pos[u] >= 0:
            continue
        best, pick = -1.0, -1
        for r in range(n_on - 2 if short else neigh.shape[1]):
            v = seq[r + 1] if short else neigh[u, r]
            i = pos[v]
            if i <= 0 or i >= n_on - 1 or prize[v] >= prize[u] or seq[i] != v:
                continue
            a, b = seq[i - 1], seq[i + 1]
            new = length - _saving(x, y, metric, seq, i) - dist(x, y, metric, a, b)
            new += dist(x, y, metric, a, u) + dist(x, y, metric, u, b)
            gain = prize[u] - prize[v]
            if new <= limit and gain > best:
                best, pick = gain, i
        if pick > 0:
            pos[seq[pick]] = -1
            seq[pick] = u
            pos[u] = pick
            touched[0] = u
            return n_on, 1
    return n_on, 0


@njit(cache=True)
def ils_rounds(
    problem: Problem,
    limit: float,
    cur: np.ndarray,
    best: np.ndarray,
    counts: np.ndarray,
    state: np.ndarray,
    rounds: int,
    noise: float,
    max_run: int,
    dev: float,
    restart: int,
) -> int:
    """Run ``rounds`` perturbation rounds on the paths ``cur`` and ``best``.

    ``cur`` and ``best`` are (2, n + 2) arrays: row 0 the path, row 1 ``pos``.
    ``counts`` = [current count, best count, stall]; scores compare inner
    nodes, lengths break ties.  Returns the rounds run.
    """
    x, y, metric, neigh, _, _, prize, cand, eps = problem
    n_on = counts[0]
    cur_score = _score(prize, cur[0], n_on)
    cur_len = path_length(x, y, metric, cur[0], n_on)
    best_score = _score(prize, best[0], counts[1])
    best_len = path_length(x, y, metric, best[0], counts[1])
    trial = cur.copy()
    n = neigh.shape[0]
    is_cand = np.zeros(n, dtype=np.bool_)
    is_cand[cand] = True
    touched = np.empty(n + 2, dtype=np.int64)
    for _ in range(rounds):
        trial[:, :] = cur
        seq, pos = trial[0], trial[1, :n]
        n_t = 0
        if rand(state) < _PLANT:
            m, n_t = _plant(problem, limit, seq, pos, n_on, state, touched)
        if n_t == 0:
            m, n_t = _perturb(
                x, y, metric, neigh, prize, is_cand, limit, eps,
                seq, pos, n_on, state, touched, max_run,
            )  # fmt: skip
        alpha = 1.0 if rand(state) < 0.7 else 0.5
        m, length = improve(
            problem, limit, seq, pos, m, noise, alpha, state, touched, n_t
        )
        if length > limit:
            m, length = _repair(x, y, metric, prize, seq, pos, m, limit, eps, -1)
        score = _score(prize, seq, m)
        better = score > cur_score or (score == cur_score and length < cur_len - eps)
        if better or score >= best_score * (1.0 - dev):
            cur[:, :] = trial
            n_on, cur_score, cur_len = m, score, length
        if score > best_score or (score == best_score and length < best_len - eps):
            best[:, :] = trial
            counts[1], best_score, best_len = m, score, length
            counts[2] = 0
        else:
            counts[2] += 1
        if counts[2] % restart == restart - 1:  # back to the best path
            cur[:, :] = best
            n_on = counts[1]
            cur_score, cur_len = best_score, best_len
    counts[0] = n_on
    return rounds


@njit(cache=True)
def _fresh(n: int, s: int, e: int) -> np.ndarray:
    """Return a (2, n + 2) path array holding the direct path ``[s, e]``."""
    p = np.full((2, n + 2), -1, dtype=np.int64)
    p[0, 0], p[0, 1] = s, e
    p[1, e], p[1, s] = 1, 0
    return p


@njit(cache=True)
def start_path(
    problem: Problem,
    limit: float,
    ends: tuple[int, int],
    state: np.ndarray,
    drop: bool,
    first: int,
) -> tuple[np.ndarray, int]:
    """Build a first path: greedy, a whole tour thinned out, or around ``first``.

    With ``first`` >= 0 (a candidate), the path ``[s, first, e]`` filled up
    greedily (the direct path if that is too long).  Otherwise the better of
    the greedy path and, with ``drop``, a tour of every candidate thinned out
    by least score per saved length.

    Returns the (2, n + 2) path array and its count.
    """
    x, y, metric, neigh, _, _, prize, _, eps = problem
    n, (s, e) = neigh.shape[0], ends
    active = np.empty(n + 2, dtype=np.int64)
    best, m_best, best_key = _fresh(n, s, e), 2, (np.inf, np.inf)
    for mode in range(2 if drop and first < 0 else 1):
        p = _fresh(n, s, e)
        seq, pos = p[0], p[1, :n]
        active[0], active[1] = s, e
        m = 2
        if (
            first >= 0
            and dist(x, y, metric, s, first) + dist(x, y, metric, first, e) <= limit
        ):
            m = _insert(seq, pos, m, 1, first)
            active[2] = first
        cap = np.inf if mode == 1 else limit
        m, _ = improve(problem, cap, seq, pos, m, 0.0, 1.0, state, active, m)
        if mode == 1:
            m, _ = _repair(x, y, metric, prize, seq, pos, m, limit, eps, -1)
            active[:m] = seq[:m]
            m, _ = improve(problem, limit, seq, pos, m, 0.0, 1.0, state, active, m)
        key = (-_score(prize, seq, m), path_length(x, y, metric, seq, m))
        if key < best_key:
            best, m_best, best_key = p, m, key
    return best, m_best
