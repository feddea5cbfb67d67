"""The neighbour-list search's first paths, multi-start and candidate lists.

Every path is checked by an independent validator (ends, no repeat, length
recomputed with :func:`tsplib_distance`, score summed here), and the search
against an optimum proven by a dynamic programme over subsets written here.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openskies.options import Deadline, SolveOptions
from openskies.routing.knn_ils import start_path
from openskies.routing.knn_search import KNN_METRICS, Neighbours, knn_search
from openskies.routing.orienteering import solve_orienteering
from openskies.routing.tsplib import tsplib_distance


def validate(points, scores, order, start, end, budget, metric):
    """Return the score of a valid path; fail on a broken one."""
    assert order[0] == start
    assert order[-1] == end
    inner = list(order[:-1] if start == end else order)
    assert len(set(inner)) == len(inner)
    p = np.asarray(points, dtype=float)[list(order)]
    if metric == "euclidean":
        legs = np.hypot(*(p[1:] - p[:-1]).T)
    else:
        legs = tsplib_distance(p[:-1], p[1:], metric)
    assert float(legs.sum()) <= budget
    return float(np.asarray(scores)[inner].sum())


def validate_path(points, scores, path, m, budget, metric):
    """Return the nodes of a valid closed (2, n + 2) path array; check positions."""
    n = len(points)
    order = [int(v) for v in path[0, :m]]
    validate(points, scores, order, 0, 0, budget, metric)
    pos = path[1, :n]
    assert all(pos[v] == order.index(v) for v in order[1:-1])
    assert all(pos[v] == -1 for v in range(n) if v not in order)
    return order


def held_karp_best(points, scores, start, budget, metric):
    """Best score of a closed tour from ``start`` within ``budget`` (subset DP)."""
    n = len(points)
    d = tsplib_distance(points[:, None, :], points[None, :, :], metric)
    opt = [i for i in range(n) if i != start]
    m = len(opt)
    # shortest[mask][j]: shortest path start -> subset mask ending at opt[j]
    shortest = np.full((1 << m, m), math.inf)
    for j in range(m):
        shortest[1 << j, j] = d[start, opt[j]]
    best = float(scores[start])
    for mask in range(1, 1 << m):
        for j in range(m):
            here = shortest[mask, j]
            if not mask >> j & 1 or here == math.inf:
                continue
            if here + d[opt[j], start] <= budget:
                total = scores[start] + sum(
                    scores[opt[t]] for t in range(m) if mask >> t & 1
                )
                best = max(best, float(total))
            for t in range(m):
                if not mask >> t & 1:
                    nxt = mask | 1 << t
                    shortest[nxt, t] = min(shortest[nxt, t], here + d[opt[j], opt[t]])
    return best


def _problem(points, scores, metric, start, budget, table=None):
    nb = Neighbours(np.asarray(points, dtype=float), metric, table=table)
    dist = nb.legs(np.full(nb.n, start), np.arange(nb.n))
    cand = np.flatnonzero((2 * dist <= budget) & (np.arange(nb.n) != start))
    cand = cand[scores[cand] > 0].astype(np.int64)
    eps = nb.resolution(budget)
    prob = (nb.x, nb.y, nb.code, nb.neigh, nb.rstart, nb.ritems, scores, cand, eps)
    return nb, prob, cand


def _random_instance(seed, n, budgets, metric="euc_2d"):
    """Random generator, n points, scores 1-99 and a budget.

    The points fill a 60 x 60 square; for geo, 60 x 60 degrees around the
    equator and a budget 60 times larger [km], so that a path holds some.
    """
    rng = np.random.default_rng(seed)
    points = rng.uniform(0, 60, (n, 2)).round(2)
    scores = rng.integers(1, 100, n).astype(float)
    budget = float(rng.integers(*budgets))
    if metric == "geo":
        return rng, points - 30.0, scores, 60.0 * budget
    return rng, points, scores, budget


def _path_array(n, order):
    """A (2, n + 2) path array holding ``order`` (row 1: positions, -1 off it)."""
    path = np.full((2, n + 2), -1, dtype=np.int64)
    path[0, : len(order)] = order
    for t, v in enumerate(order):
        path[1, v] = t
    path[1, order[0]] = 0  # a closed tour's start is at 0, not at its end
    return path


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    metric=st.sampled_from(["euc_2d", "ceil_2d", "att", "geo"]),
    n=st.integers(40, 90),
)
def test_a_first_path_around_any_candidate_is_valid_and_visits_it(seed, metric, n):
    rng, points, scores, budget = _random_instance(seed, n, (60, 400), metric)
    nb, prob, cand = _problem(points, scores, metric, 0, budget)
    if cand.size == 0:
        return
    first = int(cand[rng.integers(cand.size)])
    state = np.array([seed + 1], dtype=np.uint64)
    path, m = start_path(prob, budget, (0, 0), state, True, first)
    order = validate_path(points, scores, path, m, budget, metric)
    # a candidate within reach of the depot and back is on the path, unless
    # the swap move replaced it by a richer node that has it as a neighbour
    assert first in order or any(
        scores[u] > scores[first] and first in nb.neigh[u] for u in order
    )


def test_a_first_node_out_of_reach_gives_the_greedy_path_without_it():
    points = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [50.0, 50.0]])
    scores = np.array([0.0, 1.0, 1.0, 5.0])
    nb = Neighbours(points, "euc_2d")
    cand = np.array([1, 2, 3], dtype=np.int64)
    eps = nb.resolution(4.0)
    prob = (nb.x, nb.y, nb.code, nb.neigh, nb.rstart, nb.ritems, scores, cand, eps)
    state = np.array([7], dtype=np.uint64)
    path, m = start_path(prob, 4.0, (0, 0), state, False, 3)
    order = [int(v) for v in path[0, :m]]
    # 0 -> 1 -> 2 -> 0 is 1 + 1 + 1 = 3 <= 4; node 3 (71 away) never fits
    assert sorted(order[1:-1]) == [1, 2]
    assert validate(points, scores, order, 0, 0, 4.0, "euc_2d") == 2.0


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10**6), metric=st.sampled_from(["euc_2d", "att"]))
def test_the_multi_start_search_finds_the_subset_dp_optimum(seed, metric):
    rng = np.random.default_rng(seed)
    n = 11
    points = rng.integers(0, 100, (n, 2)).astype(float)
    scores = rng.integers(1, 20, n).astype(float)
    budget = float(rng.integers(80, 300))
    best = held_karp_best(points, scores, 0, budget, metric)
    res = solve_orienteering(
        points, scores, start=0, budget=budget, metric=metric, engine="knn",
        options=SolveOptions(iteration_limit=400, time_limit_s=60, seed=seed),
    )  # fmt: skip
    assert validate(points, scores, res.order, 0, 0, budget, metric) == res.score
    assert res.score == best
    assert res.bound >= best


def test_the_subset_dp_agrees_with_brute_force_on_a_tiny_case():
    points = np.array([[0, 0], [3, 0], [3, 4], [0, 4], [10, 10]], dtype=float)
    scores = np.array([0, 1, 2, 3, 9], dtype=float)
    budget = 14.0  # the rectangle 3 + 4 + 3 + 4; the far corner needs 28
    brute = 0.0
    for k in range(1, 5):
        for perm in itertools.permutations(range(1, 5), k):
            tour = (0, *perm, 0)
            p = points[list(tour)]
            if tsplib_distance(p[:-1], p[1:], "euc_2d").sum() <= budget:
                brute = max(brute, float(scores[list(perm)].sum()))
    assert brute == 6.0
    assert held_karp_best(points, scores, 0, budget, "euc_2d") == brute


def _antimeridian_points():
    """A node at 179 deg 30' E, 40 nodes west of it, 6 farther ones east of 180."""
    west = [(0.01 * (k % 7) - 0.03, 179.30 - 0.01 * (1 + k // 7)) for k in range(40)]
    east = [(lat, -179.50) for lat in (-0.20, -0.10, -0.05, 0.05, 0.10, 0.20)]
    return np.array([(0.0, 179.30), *west, *east])


def test_geo_candidate_lists_see_the_neighbours_across_the_antimeridian():
    points = _antimeridian_points()
    d = tsplib_distance(points[0], points[1:], "geo")
    assert d[40:].min() > d[:40].max()  # every east node is farther than the west
    nb = Neighbours(points, "geo")
    east = set(range(41, 47))
    # three nearest per quadrant: the north-east and south-east ones get in
    assert len(east & {int(v) for v in nb.neigh[0]}) == 6


@pytest.mark.parametrize("seed", [0, 1])
def test_same_seed_same_multi_start_path(seed):
    rng = np.random.default_rng(5)
    points = rng.uniform(0, 1000, (260, 2)).round(1)
    scores = rng.integers(1, 100, 260).astype(float)
    options = SolveOptions(iteration_limit=300, time_limit_s=60, seed=seed)
    first = solve_orienteering(
        points, scores, start=0, budget=3000.0, metric="euc_2d", options=options
    )
    again = solve_orienteering(
        points, scores, start=0, budget=3000.0, metric="euc_2d", options=options
    )
    assert first.engine == "knn"
    assert first.order == again.order
    assert validate(points, scores, first.order, 0, 0, 3000.0, "euc_2d") == first.score


@pytest.mark.parametrize(("metric", "n", "engine"), [
    ("geo", 300, "ils"), ("geo", 451, "knn"), ("euc_2d", 300, "knn"),
    ("euc_2d", 200, "ils"),
])  # fmt: skip
def test_auto_keeps_geo_on_the_dense_engine_up_to_450_points(metric, n, engine):
    rng = np.random.default_rng(n)
    points = rng.uniform(-40, 40, (n, 2)).round(2)
    scores = rng.integers(1, 100, n).astype(float)
    budget = 6000.0 if metric == "geo" else 150.0
    res = solve_orienteering(
        points, scores, start=0, budget=budget, metric=metric,
        options=SolveOptions(iteration_limit=20, time_limit_s=60),
    )  # fmt: skip
    assert res.engine == engine
    assert validate(points, scores, res.order, 0, 0, budget, metric) == res.score


@pytest.mark.parametrize("table", [False, True])
@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10**6), spread=st.sampled_from([0.01, 1.0, 30.0, 180.0]))
def test_geo_legs_on_demand_or_tabled_equal_tsplib_geo_exactly(seed, spread, table):
    # the kernels take the cosine of the central angle from cached sines and
    # cosines; the integer lengths must still be TSPLIB's, duplicates included
    rng = np.random.default_rng(seed)
    n = 300
    lat = np.clip(rng.normal(0, spread, n), -89.59, 89.59).round(2)
    lon = np.clip(rng.normal(0, spread, n), -179.59, 179.59).round(2)
    points = np.column_stack([lat, lon])
    points[1] = points[0]  # a duplicate: 1 km in TSPLIB's GEO
    nb = Neighbours(points, "geo", table=table)
    a, b = np.repeat(np.arange(n), 20), rng.integers(0, n, 20 * n)
    expected = tsplib_distance(points[a], points[b], "geo")
    assert np.array_equal(nb.legs(a, b), expected)
    assert nb.legs(np.array([0]), np.array([1]))[0] == 1.0


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    metric=st.sampled_from(["euc_2d", "att", "geo"]),
    n=st.integers(70, 120),
)
def test_a_planted_cluster_leaves_a_valid_path_within_the_budget(seed, metric, n):
    """_plant forces a far candidate and its neighbours in, then repairs.

    Whatever it draws, the path must stay valid (ends, no repeat, positions)
    and within the budget, and the nodes it reports planted must be on it.
    """
    from openskies.routing.knn_ils import _plant

    _, points, scores, budget = _random_instance(seed, n, (80, 300), metric)
    nb, prob, cand = _problem(points, scores, metric, 0, budget)
    if cand.size == 0:
        return
    state = np.array([seed + 1], dtype=np.uint64)
    path, m = start_path(prob, budget, (0, 0), state, True, -1)
    before = {int(v) for v in path[0, :m]}
    touched = np.empty(nb.n + 2, dtype=np.int64)
    for _ in range(5):
        seq, pos = path[0], path[1, : nb.n]
        m, planted = _plant(prob, budget, seq, pos, m, state, touched)
        order = validate_path(points, scores, path, m, budget, metric)
        assert all(int(v) in order for v in touched[:planted])
        if planted:  # the drawn candidate was off the path: something new is on
            assert set(order) - before
        before = set(order)


def test_first_paths_start_from_far_candidates_within_reach():
    from openskies.routing.knn_search import _STARTS, _anchors

    rng = np.random.default_rng(3)
    points = rng.uniform(0, 100, (200, 2)).round(2)
    points[0] = (50.0, 50.0)  # the depot in the middle
    scores = np.ones(200)
    nb, _, cand = _problem(points, scores, "euc_2d", 0, 1e9)
    limit = 80.0  # out and back: candidates within about 40 of the depot
    firsts = _anchors(nb, cand, (0, 0), limit, np.random.default_rng(0))
    d = tsplib_distance(points[[0]], points, "euc_2d")
    reach = cand[2 * d[cand] <= limit]
    assert len(firsts) == _STARTS - 1
    assert len(set(firsts.tolist())) == len(firsts)
    assert set(firsts.tolist()) <= set(reach.tolist())
    # the first is the reachable candidate farthest from the depot
    assert d[firsts[0]] == d[reach].max()
    # the second is the farthest from the depot and the first
    d1 = tsplib_distance(points[[firsts[0]]], points, "euc_2d")
    assert np.minimum(d, d1)[firsts[1]] == np.minimum(d, d1)[reach].max()


@settings(max_examples=8, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    metric=st.sampled_from(KNN_METRICS),
    n=st.integers(80, 160),
)
def test_tabled_legs_give_the_search_of_legs_on_demand(seed, metric, n):
    # the table holds the same lengths, so the seeded search takes the
    # same decisions: the same route, move for move
    _, points, scores, budget = _random_instance(seed, n, (100, 300), metric)
    routes = []
    for table in (False, True):
        nb, _, cand = _problem(points, scores, metric, 0, budget, table)
        route = knn_search(
            nb, scores, (0, 0), cand, budget, seed=seed, deadline=Deadline(600),
            bound=math.inf, rounds=2500,
        )  # fmt: skip
        validate(points, scores, route, 0, 0, budget, metric)
        routes.append(route)
    assert routes[0] == routes[1]


def test_dropping_runs_keeps_what_dropping_nodes_one_by_one_loses():
    from openskies.routing.knn_ils import _drop_runs, _repair

    # depot 0; a pair 1, 2 far east (score 2 each); node 3 just north (score 3)
    points = np.array([[0.0, 0.0], [20.0, 0.0], [20.0, 1.0], [0.0, 5.0]])
    scores = np.array([0.0, 2.0, 2.0, 3.0])
    nb, prob, _ = _problem(points, scores, "euclidean", 0, 1e9)
    x, y, code = prob[:3]
    eps = nb.resolution(10.0)
    # 0-1-2-3-0 is 46.4 long; within 10 only 0-3-0 (length 10) is left.
    # One by one: 3 saves 5.37 for 3 (0.56 per unit), 1 and 2 each save
    # about 1 for 2 (about 2 per unit), so 3 goes first and then the pair.
    # By runs: the pair saves 36.4 for 4 (0.11 per unit) and goes as a whole.
    one = _path_array(4, [0, 1, 2, 3, 0])
    m, _ = _repair(x, y, code, scores, one[0], one[1, :4], 5, 10.0, eps, -1)
    assert one[0, :m].tolist() == [0, 0]
    runs = _path_array(4, [0, 1, 2, 3, 0])
    m = _drop_runs(x, y, code, scores, runs[0], runs[1, :4], 5, 10.0, eps, -1)
    assert runs[0, :m].tolist() == [0, 3, 0]
    assert runs[1, :4].tolist() == [0, -1, -1, 1]
    assert validate(points, scores, [0, 3, 0], 0, 0, 10.0, "euclidean") == 3.0


def test_planting_a_region_moves_the_path_to_the_richer_far_cluster():
    from openskies.routing.knn_ils import plant_region

    # depot 0 at the origin; ten nodes of score 1 near (5, 0) on the path;
    # thirty of score 1 near (0, 20) off it.  Within 46 a tour reaches one
    # cluster, not both (about 11 near, 43 far, 50 both).
    grid = np.array([(i, j) for i in range(6) for j in range(5)], dtype=float)
    points = np.vstack([
        [[0.0, 0.0]],
        np.column_stack([5.0 + 0.1 * np.arange(10), np.zeros(10)]),
        np.column_stack([0.1 * grid[:, 0], 20.0 + 0.1 * grid[:, 1]]),
    ])  # fmt: skip
    scores = np.r_[0.0, np.ones(40)]
    budget = 46.0
    _, prob, _ = _problem(points, scores, "euclidean", 0, budget)
    path = _path_array(41, [0, *range(1, 11), 0])
    state = np.array([11], dtype=np.uint64)
    m = plant_region(prob, budget, path, 12, state)
    order = [int(v) for v in path[0, :m]]
    assert validate(points, scores, order, 0, 0, budget, "euclidean") == 30.0
    assert sorted(order[1:-1]) == list(range(11, 41))


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    metric=st.sampled_from(["euc_2d", "att", "geo"]),
    n=st.integers(70, 120),
)
def test_a_planted_region_leaves_a_valid_path_within_the_budget(seed, metric, n):
    from openskies.routing.knn_ils import plant_region

    _, points, scores, budget = _random_instance(seed, n, (80, 300), metric)
    _, prob, cand = _problem(points, scores, metric, 0, budget)
    assert cand.size > 0  # budgets of 80-300 always reach some of the points
    state = np.array([seed + 1], dtype=np.uint64)
    path, m = start_path(prob, budget, (0, 0), state, True, -1)
    for _ in range(5):
        m = plant_region(prob, budget, path, m, state)
        validate_path(points, scores, path, m, budget, metric)
