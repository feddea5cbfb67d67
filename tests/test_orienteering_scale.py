"""The neighbour-list orienteering engine: TSPLIB metrics, legs on demand, OPLib."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openskies.errors import OptionsError
from openskies.options import SolveOptions, SolveStatus
from openskies.routing.orienteering import solve_orienteering
from openskies.routing.tsplib import read_oplib, read_oplib_solution, tsplib_distance

DATA = Path(__file__).parent / "data" / "oplib"
METRICS = ("euc_2d", "ceil_2d", "att", "euclidean")


def legs(points, order, metric):
    """Length of ``order`` with the metric, recomputed independently."""
    p = np.asarray(points, dtype=float)[list(order)]
    if metric == "euclidean":
        return math.fsum(np.hypot(*(p[1:] - p[:-1]).T).tolist())
    return float(tsplib_distance(p[:-1], p[1:], metric).sum())


def check(res, points, start, end, budget, metric):
    """Starts and ends right, repeats nothing, fits the budget with the metric."""
    order = res.order
    assert order[0] == start
    assert order[-1] == end
    inner = order[:-1] if start == end else order
    assert len(set(inner)) == len(inner)
    assert legs(points, order, metric) <= budget * (1 + 1e-9)


def brute_force(points, scores, start, end, budget, metric):
    """Best score over every ordered subset of the optional points."""
    optional = [i for i in range(len(points)) if i not in (start, end)]
    base = scores[start] + (scores[end] if end != start else 0)
    best = base
    for k in range(1, len(optional) + 1):
        for perm in itertools.permutations(optional, k):
            if legs(points, (start, *perm, end), metric) <= budget:
                best = max(best, base + sum(scores[i] for i in perm))
    return best


@settings(max_examples=25)
@given(
    n=st.integers(3, 7),
    seed=st.integers(0, 10**6),
    closed=st.booleans(),
    metric=st.sampled_from(METRICS),
    frac=st.floats(0.2, 1.5),
)
def test_knn_engine_finds_the_brute_force_optimum_and_bounds_it(
    n, seed, closed, metric, frac
):
    rng = np.random.default_rng(seed)
    points = rng.integers(0, 50, (n, 2)).astype(float)
    scores = rng.integers(0, 10, n).astype(float)
    end = 0 if closed else n - 1
    budget = float(round(frac * 100))
    best = brute_force(points, scores, 0, end, budget, metric)
    for engine in ("knn", "auto"):
        res = solve_orienteering(
            points, scores, start=0, end=end, budget=budget, metric=metric,
            engine=engine, options=SolveOptions(iteration_limit=100, time_limit_s=60),
        )  # fmt: skip
        if legs(points, (0, end), metric) > budget:
            assert res.status is SolveStatus.INFEASIBLE
            continue
        check(res, points, 0, end, budget, metric)
        assert res.score == best
        assert res.bound >= best
        assert res.status is not SolveStatus.OPTIMAL or res.score == res.bound


@settings(max_examples=6)
@given(
    n=st.integers(201, 600),
    seed=st.integers(0, 10**6),
    closed=st.booleans(),
    metric=st.sampled_from(METRICS),
)
def test_medium_instances_give_valid_paths_with_the_integer_metric(
    n, seed, closed, metric
):
    rng = np.random.default_rng(seed)
    points = rng.uniform(0, 1000, (n, 2)).round(1)
    scores = rng.integers(0, 100, n).astype(float)
    end = 0 if closed else 1
    res = solve_orienteering(
        points, scores, start=0, end=end, budget=2500.0, metric=metric,
        options=SolveOptions(iteration_limit=20, time_limit_s=60),
    )  # fmt: skip
    assert res.engine == "knn"
    check(res, points, 0, end, 2500.0, metric)
    assert res.score == scores[list(set(res.order))].sum() <= res.bound
    # integer TSPLIB legs sum exactly; plain Euclidean ones up to the order of the sum
    exact = legs(points, res.order, metric)
    assert res.length == (
        pytest.approx(exact, rel=1e-12) if metric == "euclidean" else exact
    )


def _a280(seed=0, iterations=4000):
    inst = read_oplib(DATA / "a280-gen2-50.oplib")
    res = solve_orienteering(
        inst.coords, inst.scores, start=inst.depot, budget=inst.cost_limit,
        metric=inst.metric,
        options=SolveOptions(seed=seed, iteration_limit=iterations, time_limit_s=120),
    )  # fmt: skip
    return inst, res


def test_a280_scores_within_three_percent_of_ea4op_in_4000_rounds():
    # Measured: 8,098 against EA4OP's 8,304 (0.975) in 4,000 rounds, seed 0
    # (about 0.8 s); 1.015 in 10 s.
    inst, res = _a280()
    ea4op = read_oplib_solution(DATA / "a280-gen2-50.sol")
    assert res.engine == "knn"
    assert res.status is SolveStatus.FEASIBLE
    assert inst.route_length(res.order) <= inst.cost_limit
    assert res.order[0] == res.order[-1] == inst.depot
    assert len(set(res.order)) == len(res.order) - 1
    assert res.score >= 0.97 * ea4op.score
    assert res.bound >= ea4op.score  # the relaxation bounds the best known


def test_same_seed_same_route_and_other_seeds_still_valid():
    _, first = _a280(seed=3, iterations=200)
    _, again = _a280(seed=3, iterations=200)
    inst, other = _a280(seed=4, iterations=200)
    assert first.order == again.order
    assert first.score == again.score
    assert inst.route_length(other.order) <= inst.cost_limit


def test_few_reachable_points_among_many_are_solved_exactly():
    # 300 points, only 5 within reach of the budget: proven optimal (euclidean).
    rng = np.random.default_rng(2)
    far = rng.uniform(1000, 2000, (295, 2))
    near = np.array([[0, 0], [1, 0], [2, 0], [1, 1], [0, 2]], dtype=float)
    points = np.r_[near, far]
    scores = np.ones(300)
    res = solve_orienteering(points, scores, start=0, budget=7.0)
    assert res.engine == "exact"
    assert res.status is SolveStatus.OPTIMAL
    assert res.score == 5
    assert res.order[0] == res.order[-1] == 0
    assert set(res.order) == {0, 1, 2, 3, 4}


def test_start_and_end_too_far_apart_is_infeasible_on_demand():
    points = np.r_[[[0.0, 0.0], [100.0, 0.0]], np.zeros((300, 2))]
    res = solve_orienteering(points, np.ones(302), start=0, end=1, budget=99.0)
    assert res.status is SolveStatus.INFEASIBLE
    assert res.order == ()


def test_many_points_on_demand_and_dense_limits():
    points = np.random.default_rng(5).uniform(0, 100, (2500, 2))
    res = solve_orienteering(
        points, np.ones(2500), start=0, budget=100.0, metric="euc_2d",
        options=SolveOptions(iteration_limit=5),
    )  # fmt: skip
    check(res, points, 0, 0, 100.0, "euc_2d")
    with pytest.raises(OptionsError, match=r"at most 2,000 points .* got 2,500"):
        solve_orienteering(points, np.ones(2500), start=0, budget=1.0, engine="ils")
    with pytest.raises(OptionsError, match="engine='knn' needs points"):
        solve_orienteering(
            None, np.ones(3), start=0, budget=1.0, engine="knn",
            distance_matrix=np.ones((3, 3)),
        )  # fmt: skip
