"""Fuzz the neighbour-list engine on GEO points and hostile numbers (area: oplib).

Only OpenSkiesError subclasses may escape; every returned path is checked
here, independently of the solver (ends, no repeat, integer TSPLIB length
within the budget, score summed here).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from openskies.errors import OpenSkiesError
from openskies.options import SolveOptions, SolveStatus
from openskies.routing.orienteering import solve_orienteering
from openskies.routing.tsplib import tsplib_distance

HOSTILE = st.sampled_from(
    [2**63, -(2**63), 1e308, -1e308, float("nan"), float("inf"), -float("inf"),
     -5.0, 0.0, 1e-300, None, "7", [1.0, 2.0]]
)  # fmt: skip
# TSPLIB DDD.MM: degrees and minutes below 60
DDD_MM = st.builds(
    lambda deg, minutes, sign: sign * (deg + minutes / 100.0),
    st.integers(0, 179),
    st.integers(0, 59),
    st.sampled_from([-1, 1]),
)


def _valid(points, scores, res, budget):
    """Assert the route is a valid closed tour from node 0; return its score."""
    order = res.order
    if not order:  # geo legs are at least 1 km, even from a point to itself
        assert res.status is SolveStatus.INFEASIBLE
        assert tsplib_distance(points[0], points[0], "geo") > budget
        return 0.0
    assert order[0] == order[-1] == 0
    assert len(set(order[:-1])) == len(order) - 1
    p = np.asarray(points, dtype=float)[list(order)]
    assert float(tsplib_distance(p[:-1], p[1:], "geo").sum()) <= budget
    return float(np.asarray(scores)[list(order[:-1])].sum())


@settings(max_examples=25, deadline=None)
@given(
    lon=st.lists(DDD_MM, min_size=30, max_size=60),
    lat=st.lists(st.integers(-89, 89), min_size=60, max_size=60),
    budget=st.integers(2, 40_000),
    seed=st.integers(0, 1000),
)
def test_any_geo_points_give_a_valid_tour(lon, lat, budget, seed):
    n = len(lon)
    points = np.column_stack([np.array(lat[:n], dtype=float), lon])
    scores = np.random.default_rng(seed).integers(0, 100, n).astype(float)
    res = solve_orienteering(
        points, scores, start=0, budget=float(budget), metric="geo", engine="knn",
        options=SolveOptions(iteration_limit=30, time_limit_s=60, seed=seed),
    )  # fmt: skip
    assert _valid(points, scores, res, budget) == res.score <= res.bound


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(25, 60),
    where=st.sampled_from(["lat", "lon", "score", "budget"]),
    value=HOSTILE,
)
def test_hostile_numbers_on_geo_points_raise_only_openskies_errors(n, where, value):
    rng = np.random.default_rng(n)
    points = np.column_stack([rng.uniform(-60, 60, n), rng.uniform(170, 190, n)])
    points[:, 1] = np.where(points[:, 1] > 180, points[:, 1] - 360, points[:, 1])
    points = points.astype(object)
    scores = np.ones(n).astype(object)
    budget: object = 20_000.0
    if where == "lat":
        points[n // 2, 0] = value
    elif where == "lon":
        points[n // 2, 1] = value
    elif where == "score":
        scores[3] = value
    else:
        budget = value
    try:
        res = solve_orienteering(
            points.tolist(), scores.tolist(), start=0, budget=budget, metric="geo",
            engine="knn", options=SolveOptions(iteration_limit=5),
        )  # fmt: skip
    except OpenSkiesError:
        return
    assert _valid(points.astype(float), scores.astype(float), res, budget) == res.score
