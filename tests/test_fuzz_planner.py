"""Fuzz the planner at scale: large hostile site tables, the candidate filters.

Only OpenSkiesError subclasses may escape :func:`plan_route` on thousands of
sites with one hostile value or point hidden among them (extreme numbers,
NaN, inf, 2**63, wrong types), and the ``plan-route`` command exits 2 with
exactly one line on stderr.  The candidate filters
(:mod:`openskies.routing.candidates`) keep their invariants on extreme inputs,
and the dense engine behind the planner (compiled kernels) refuses hostile
distance matrices and returns paths within the budget on extreme valid ones.
Examples are bounded; ``OPENSKIES_HYPOTHESIS_PROFILE=openskies-long`` runs the
profile's larger budget.
"""

from __future__ import annotations

import itertools
import json
import math
import os

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openskies import SolveOptions
from openskies.cli.main import main
from openskies.errors import OpenSkiesError
from openskies.routing.candidates import keep_candidates, straight_bound
from openskies.routing.orienteering import solve_orienteering
from openskies.routing.planner import MAX_SITES, plan_route

LONG = os.environ.get("OPENSKIES_HYPOTHESIS_PROFILE") == "openskies-long"
DAY = "2019-06-01"
ROWS = 4000


def examples(n: int) -> settings:
    """Settings with ``n`` examples (the long profile's budget when asked)."""
    return settings(
        max_examples=settings.default.max_examples if LONG else n,
        deadline=None,
        suppress_health_check=[
            *settings.default.suppress_health_check,
            HealthCheck.function_scoped_fixture,
        ],
    )


HOSTILE = st.sampled_from(
    [
        math.nan,
        math.inf,
        -math.inf,
        -1.0,
        1e308,
        -1e308,
        2**63,
        -(2**63),
        2**1100,
        None,
        "ten",
        "",
        True,
    ]
)
HOSTILE_COORD = st.sampled_from(
    [math.nan, math.inf, -math.inf, 1e308, -1e308, 180.5, -180.5]
)


def frame(values: list[object], lon: np.ndarray, lat: np.ndarray) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"value": values},
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )


def plan(view, sites):
    return plan_route(
        view,
        observer="DEU",
        observed="RUS",
        start="UUMB",
        sites=sites,
        options=SolveOptions(time_limit_s=0.2),
    )


@examples(12)
@given(bad=HOSTILE, where=st.integers(0, ROWS - 1))
def test_one_hostile_value_among_thousands_is_refused(treaty, bad, where):
    lon = np.linspace(30.0, 60.0, ROWS)
    values: list[object] = [1.0] * ROWS
    values[where] = bad
    with pytest.raises(OpenSkiesError):
        plan(treaty.as_of(DAY), frame(values, lon, np.full(ROWS, 55.0)))


@examples(8)
@given(bad=HOSTILE_COORD, where=st.integers(0, ROWS - 1), axis=st.booleans())
def test_one_hostile_point_among_thousands_is_refused(treaty, bad, where, axis):
    lon, lat = np.linspace(30.0, 60.0, ROWS), np.full(ROWS, 55.0)
    (lon if axis else lat)[where] = bad
    with pytest.raises(OpenSkiesError, match=f"site {where}"):
        plan(treaty.as_of(DAY), frame([1.0] * ROWS, lon, lat))


@examples(3)
@given(seed=st.integers(0, 2**32 - 1))
def test_thousands_of_sites_all_out_of_reach_give_no_route_with_reasons(treaty, seed):
    rng = np.random.default_rng(seed)
    # Chukotka and Kamchatka: more than half of 5,500 km from Kubinka
    lon, lat = rng.uniform(160.0, 178.0, ROWS), rng.uniform(60.0, 68.0, ROWS)
    found = plan(treaty.as_of(DAY), frame([1.0] * ROWS, lon, lat))
    assert found.route is None
    assert found.value == 0
    assert len(found.unreachable) == ROWS


@examples(20)
@given(
    score=st.lists(
        st.floats(0.0, 1e15) | st.sampled_from([0.0, 1e15]), min_size=0, max_size=60
    ),
    cap=st.integers(0, 70),
    data=st.data(),
)
def test_keep_candidates_keeps_the_most_value(score, cap, data):
    bound = np.asarray(
        data.draw(
            st.lists(st.floats(0.0, 1e9), min_size=len(score), max_size=len(score))
        )
    )
    values = np.asarray(score, dtype=np.float64)
    kept = keep_candidates(values, bound, cap)
    assert kept.size == min(cap, values.size)
    assert np.all(np.diff(kept) > 0)
    dropped = np.setdiff1d(np.arange(values.size), kept)
    if kept.size and dropped.size:
        assert values[kept].min() >= values[dropped].max()


@examples(20)
@given(
    xy=st.lists(
        st.tuples(st.floats(-180.0, 180.0), st.floats(-90.0, 90.0)),
        min_size=1,
        max_size=30,
    ),
    comps=st.data(),
    first=st.tuples(st.floats(-180.0, 180.0), st.floats(-90.0, 90.0)),
    last=st.tuples(st.floats(-180.0, 180.0), st.floats(-90.0, 90.0)),
    own=st.tuples(st.integers(-1, 2), st.integers(-1, 2)),
)
def test_straight_bound_is_finite_and_zero_off_the_ends_components(
    xy, comps, first, last, own
):
    comp = np.asarray(
        comps.draw(st.lists(st.integers(-1, 2), min_size=len(xy), max_size=len(xy))),
        dtype=np.intp,
    )
    bound = straight_bound(
        np.asarray(xy, dtype=np.float64), comp, (*first, own[0]), (*last, own[1])
    )
    assert np.isfinite(bound).all()
    assert (bound >= 0).all()
    # at most two geodesics, each at most half the equator plus a margin
    assert (bound <= 2 * 20_040.0).all()
    off = ~np.isin(comp, [c for c in own if c >= 0])
    assert (bound[off] == 0).all()


def test_plan_route_cli_refuses_more_than_max_sites_in_one_line(tmp_path, capsys):
    features = [
        {
            "type": "Feature",
            "properties": {"value": 1},
            "geometry": {"type": "Point", "coordinates": [30 + k * 1e-5, 55]},
        }
        for k in range(MAX_SITES + 1)
    ]
    path = tmp_path / "sites.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    code = main(
        [
            "plan-route",
            "--observer",
            "DEU",
            "--observed",
            "RUS",
            "--start",
            "UUMB",
            "--date",
            DAY,
            "--sites",
            str(path),
            "-o",
            str(tmp_path / "route.geojson"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.splitlines()) == 1
    assert f"at most {MAX_SITES:,} sites" in err


HOSTILE_LEG = st.sampled_from(
    [math.nan, math.inf, -math.inf, -1.0, 1e308, -1e308, 2**63, 2**1100, None, "ten"]
)
EXTREME_LEG = st.sampled_from([0.0, 1e-300, 5e-324, 1.0, 1e12, 1e15])


@examples(25)
@given(
    n=st.integers(2, 30),
    bad=HOSTILE_LEG,
    where=st.tuples(st.integers(0, 29), st.integers(0, 29)),
)
def test_a_hostile_leg_in_the_planners_matrix_is_refused(n, bad, where):
    # the dense engine behind the planner (its compiled kernels must never
    # see a NaN, inf or negative leg): one bad entry anywhere is refused
    d = np.ones((n, n), dtype=object)
    d[where[0] % n, where[1] % n] = bad
    with pytest.raises(OpenSkiesError):
        solve_orienteering(None, np.ones(n), start=0, budget=10.0,
                           distance_matrix=d.tolist(), engine="ils")  # fmt: skip


@examples(30)
@given(
    n=st.integers(1, 40),
    legs=st.lists(EXTREME_LEG, min_size=1, max_size=40),
    scores=st.lists(st.sampled_from([0.0, 1.0, 1e15]), min_size=1, max_size=40),
    budget=st.sampled_from([0.0, 1e-300, 1.0, 1e12, 1e15]),
    end=st.none() | st.integers(0, 39),
    seed=st.integers(0, 2**31 - 1),
)
def test_extreme_matrices_give_paths_within_budget(n, legs, scores, budget, end, seed):
    # extreme but valid legs, scores, budgets and seeds: the search returns a
    # path from start to end within the budget, or reports infeasibility
    rng = np.random.default_rng(len(legs))
    d = rng.choice(np.asarray(legs), (n, n))
    prize = np.resize(np.asarray(scores), n)
    end = None if end is None else end % n
    res = solve_orienteering(
        None, prize, start=0, end=end, budget=budget, distance_matrix=d,
        engine="ils", options=SolveOptions(seed=seed, iteration_limit=30),
    )  # fmt: skip
    if not res.order:
        assert d[0, 0 if end is None else end] > budget * (1 + 1e-9)
        return
    order = list(res.order)
    assert order[0] == 0
    assert order[-1] == (0 if end is None else end)
    length = math.fsum(d[a, b] for a, b in itertools.pairwise(order))
    assert length <= budget * (1 + 1e-9) * (1 + 1e-12)
    assert res.score == math.fsum(prize[sorted(set(order))].tolist())
    assert res.score <= res.bound
