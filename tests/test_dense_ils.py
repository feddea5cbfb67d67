"""The compiled dense local search (:mod:`openskies.routing.ils_kernels`).

Each move's length change is checked against the path it produces, on matrices
that are neither symmetric nor metric; local optima are checked move by move;
the iterated search is checked against brute force and for repeatability
(the batching between deadline checks must not change the path).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from openskies.options import Deadline, SolveOptions
from openskies.routing import ils_kernels as k
from openskies.routing.ils import Search
from openskies.routing.orienteering import solve_orienteering


def length_of(d, path):
    """Length of ``path`` summed leg by leg in Python."""
    return sum(float(d[a, b]) for a, b in itertools.pairwise(path))


@st.composite
def matrices(draw, low=3, high=12):
    """An asymmetric, non-metric matrix of integer legs and a path over it."""
    n = draw(st.integers(low, high))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    d = rng.integers(0, 20, (n, n)).astype(np.float64)
    np.fill_diagonal(d, 0.0)
    inner = rng.permutation(np.arange(1, n))[: draw(st.integers(0, n - 1))]
    closed = draw(st.booleans())
    path = [0, *inner.tolist(), 0 if closed else n - 1]
    if not closed and n - 1 in inner:
        path = [0, *[v for v in inner.tolist() if v != n - 1], n - 1]
    return d, path


def as_seq(path, n):
    seq = np.zeros(n + 1, dtype=np.int64)
    seq[: len(path)] = path
    return seq


@settings(max_examples=60, deadline=None)
@given(matrices())
def test_two_opt_and_or_opt_deltas_are_the_length_changes(case):
    d, path = case
    n_on = len(path)
    seq = as_seq(path, len(d))
    g = np.zeros(len(d) + 2)
    k._reversal_gain(d, seq, n_on, g)
    base = length_of(d, path)
    delta, i, j = k._two_opt(d, seq, n_on, g)
    if n_on >= 4:  # the best reversal, and its delta is the true change
        turned = path[: i + 1] + path[i + 1 : j + 1][::-1] + path[j + 1 :]
        assert delta == pytest.approx(length_of(d, turned) - base, abs=1e-9)
        best = min(
            length_of(d, path[: a + 1] + path[a + 1 : b + 1][::-1] + path[b + 1 :])
            for a in range(n_on - 1)
            for b in range(a + 2, n_on - 1)
        )
        assert base + delta == pytest.approx(best, abs=1e-9)
    delta, i0, run, t, flip = k._or_opt(d, seq, n_on, g, 1e-9)
    if delta == -1e-9:  # no improving move of a run: check every one
        for size in (1, 2, 3):
            for a in range(1, n_on - size):
                block = path[a : a + size]
                rest = path[:a] + path[a + size :]
                for at in range(1, len(rest)):
                    for part in (block, block[::-1]):
                        moved = rest[:at] + part + rest[at:]
                        assert length_of(d, moved) >= base - 1e-9
        return
    out = np.zeros_like(seq)
    k._apply_or_opt(seq, n_on, out, i0, run, t, flip)
    moved = out[:n_on].tolist()
    assert sorted(moved) == sorted(path)
    assert moved[0] == path[0]
    assert moved[-1] == path[-1]
    assert delta == pytest.approx(length_of(d, moved) - base, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(matrices(low=4, high=14), st.floats(0.0, 80.0))
def test_local_search_ends_in_a_local_optimum_within_budget(case, limit):
    d, path = case
    n = len(d)
    end = path[-1]
    prize = np.arange(n, dtype=np.float64) % 5 + 1.0
    seq = as_seq([0, end], n)
    on = np.zeros(n, dtype=np.bool_)
    on[[0, end]] = True
    cand = np.array([v for v in range(n) if v not in (0, end)], dtype=np.int64)
    state = np.ones(1, np.uint64)
    problem = (d, prize, cand, limit)
    n_on = k.insert_greedy(problem, seq, 2, on, 0.0, state)
    n_on, done = k.local_search(problem, seq, n_on, on, 10_000, state)
    assert done
    got = seq[:n_on].tolist()
    assert got[0] == 0
    assert got[-1] == end
    assert len(set(got[1:-1])) == n_on - 2
    assert on.sum() == len(set(got))
    length = length_of(d, got)
    assert length <= limit or got == [0, end]
    for v in cand[~on[cand]].tolist():  # no unvisited point fits anywhere
        for t in range(n_on - 1):
            assert length_of(d, [*got[: t + 1], v, *got[t + 1 :]]) > limit
    if n_on >= 4:  # no improving 2-opt
        for a in range(n_on - 1):
            for b in range(a + 2, n_on - 1):
                turned = got[: a + 1] + got[a + 1 : b + 1][::-1] + got[b + 1 :]
                assert length_of(d, turned) >= length - 1e-9


def brute_best(d, prize, s, e, limit):
    """Best score over every ordered subset of the optional points."""
    optional = [v for v in range(len(d)) if v not in (s, e)]
    best = 0.0
    for size in range(len(optional) + 1):
        for perm in itertools.permutations(optional, size):
            if length_of(d, (s, *perm, e)) <= limit:
                best = max(best, math.fsum(prize[list(perm)].tolist()))
    return best


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), min_size=3, max_size=8),
    st.booleans(),
    st.floats(0.0, 40.0),
)
def test_iterated_search_reaches_the_brute_force_optimum(points, closed, limit):
    # Euclidean legs (on matrices that break the triangle inequality the
    # neighbourhood can miss the optimum: a path may only pass through paths
    # within the budget)
    xy = np.array(points, dtype=np.float64)
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    n = len(d)
    s, e = 0, 0 if closed else n - 1
    assume(d[s, e] <= limit)  # else the caller reports infeasibility first
    prize = (np.arange(n, dtype=np.float64) * 7) % 10 + 1.0
    cand = np.array([v for v in range(n) if v not in (s, e)], dtype=np.int64)
    search = Search(d, prize, (s, e), cand, limit, 3, Deadline(60.0))
    got = search.run(math.inf, 300)
    assert got[0] == s
    assert got[-1] == e
    assert length_of(d, got) <= limit
    assert math.fsum(prize[got[1:-1]].tolist()) == brute_best(d, prize, s, e, limit)


def test_batches_between_deadline_checks_do_not_change_the_path(monkeypatch):
    # 150 points: 400 rounds run in batches of 1 must give the batches of up
    # to 64 rounds' path exactly (the state lives in arrays between batches).
    import openskies.routing.ils as ils

    rng = np.random.default_rng(5)
    xy = rng.uniform(0, 100, (150, 2))
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    prize = rng.integers(1, 10, 150).astype(np.float64)
    cand = np.arange(1, 150, dtype=np.int64)

    def run():
        return Search(d, prize, (0, 0), cand, 300.0, 9, Deadline(600.0)).run(
            math.inf, 400
        )

    batched = run()
    monkeypatch.setattr(ils, "_MAX_BATCH", 1)
    single = run()
    assert batched == single
    assert batched[0] == batched[-1] == 0
    assert length_of(d, batched) <= 300.0


def test_perturbation_keeps_paths_within_budget_and_distinct():
    rng = np.random.default_rng(2)
    n = 60
    d = rng.uniform(1.0, 30.0, (n, n))
    np.fill_diagonal(d, 0.0)
    prize = rng.integers(1, 10, n).astype(np.float64)
    cand = np.arange(2, n, dtype=np.int64)
    state = np.array([12345], dtype=np.uint64)
    keep = np.zeros(n, dtype=np.bool_)
    seq = as_seq([0, 1], n)
    on = np.zeros(n, dtype=np.bool_)
    on[[0, 1]] = True
    problem = (d, prize, cand, 120.0)
    n_on = k.insert_greedy(problem, seq, 2, on, 0.0, state)
    for _ in range(300):
        n_on = k._perturb(problem, seq, n_on, on, 0.3, state, keep)
        got = seq[:n_on].tolist()
        assert got[0] == 0
        assert got[-1] == 1
        assert len(set(got)) == n_on
        assert sorted(np.flatnonzero(on).tolist()) == sorted(got)
        assert length_of(d, got) <= 120.0
        assert not keep.any()
        n_on = k.insert_greedy(problem, seq, n_on, on, 0.3, state)
        assert length_of(d, seq[:n_on].tolist()) <= 120.0


def test_matrix_search_same_seed_same_path_and_within_budget():
    rng = np.random.default_rng(4)
    n = 300
    d = rng.uniform(1.0, 50.0, (n, n))  # asymmetric, not metric
    np.fill_diagonal(d, 0.0)
    prize = rng.integers(0, 10, n).astype(np.float64)
    opts = SolveOptions(time_limit_s=600.0, seed=2, iteration_limit=200)
    runs = [
        solve_orienteering(None, prize, start=0, end=5, budget=200.0,
                           distance_matrix=d, options=opts)
        for _ in range(2)
    ]  # fmt: skip
    assert runs[0].order == runs[1].order
    assert runs[0].engine == "ils"
    assert length_of(d, runs[0].order) <= 200.0 * (1 + 1e-9)
    assert runs[0].score == math.fsum(prize[list(set(runs[0].order))].tolist())


def test_every_move_counts_against_the_budget_between_deadline_checks():
    # Regression: the budget counted local-search loops, not the 2-opt and
    # or-opt moves inside them, so the first local search of a long path
    # (1,776 points) ran 44 s past a 3 s limit.  One move per call must stop
    # after one move, and calls of one move must reach the unbounded search's
    # local optimum exactly.
    rng = np.random.default_rng(8)
    n = 120
    xy = rng.uniform(0, 100, (n, 2))
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    prize = rng.integers(1, 10, n).astype(np.float64)
    cand = np.arange(1, n, dtype=np.int64)
    problem = (d, prize, cand, 2000.0)  # every point fits: a long path
    state = np.ones(1, np.uint64)

    def start():
        seq, on = as_seq([0, 0], n), np.zeros(n, dtype=np.bool_)
        on[0] = True
        return seq, on, k.insert_greedy(problem, seq, 2, on, 0.0, state)

    seq, on, n_on = start()
    first = seq[:n_on].copy()
    n_one, done = k.local_search(problem, seq, n_on, on, 1, state)
    assert not done
    changed = np.flatnonzero(seq[:n_one] != first)
    assert changed.size > 0  # one 2-opt move: one reversed segment
    assert np.array_equal(seq[changed], first[changed][::-1])
    whole, on_whole, n_whole = start()
    n_whole, settled = k.local_search(problem, whole, n_whole, on_whole, 1 << 40, state)
    assert settled
    calls = 1
    while not done:
        n_one, done = k.local_search(problem, seq, n_one, on, 1, state)
        calls += 1
    assert calls > 10
    assert np.array_equal(seq[:n_one], whole[:n_whole])
