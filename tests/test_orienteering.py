import doctest
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from geographiclib.geodesic import Geodesic
from hypothesis import given, settings
from hypothesis import strategies as st

import openskies.routing.orienteering
from openskies.errors import GeometryError, OptionsError
from openskies.options import SolveOptions, SolveStatus
from openskies.routing.orienteering import OrienteeringResult, solve_orienteering

BENCH = Path(__file__).resolve().parent / "data" / "orienteering"
TOL = 1e-9


def path_length(order, leg):
    """Length of a path summed leg by leg with an independent leg function."""
    total = 0.0
    for a, b in itertools.pairwise(order):
        total += leg(a, b)
    return total


def check_path(res, start, end, budget, leg, n):
    """A returned path starts and ends right, repeats nothing, fits the budget."""
    order = res.order
    assert order[0] == start
    assert order[-1] == (start if end is None else end)
    inner = order[:-1] if end is None or end == start else order
    assert len(set(inner)) == len(inner), f"repeated point in {order}"
    assert all(0 <= i < n for i in order)
    length = path_length(order, leg)
    assert length <= budget * (1 + TOL)
    assert res.length == pytest.approx(length, rel=1e-12, abs=1e-12)


def brute_force(n, start, end, budget, leg, scores):
    """Best score and, for it, the shortest length over all ordered subsets."""
    last = start if end is None else end
    optional = [i for i in range(n) if i not in (start, last)]
    best = (-1.0, math.inf)
    for k in range(len(optional) + 1):
        for perm in itertools.permutations(optional, k):
            order = (start, *perm, last)
            length = path_length(order, leg)
            if length <= budget * (1 + TOL):
                score = math.fsum(scores[i] for i in set(order))
                best = max(best, (score, -length))
    return best[0], -best[1]


@st.composite
def tiny_instances(draw):
    n = draw(st.integers(1, 7))
    coords = st.integers(0, 6).map(float)
    points = [(draw(coords), draw(coords)) for _ in range(n)]
    scores = [draw(st.integers(0, 9)) for _ in range(n)]
    start = draw(st.integers(0, n - 1))
    end = draw(st.none() | st.integers(0, n - 1))
    budget = draw(st.floats(0.0, 25.0))
    matrix = None
    if draw(st.booleans()):  # a matrix that is neither symmetric nor metric
        matrix = [[0.0 if i == j else draw(coords) for j in range(n)] for i in range(n)]
    return points, scores, start, end, budget, matrix


@settings(max_examples=80, deadline=None)
@given(tiny_instances())
def test_exact_matches_brute_force(instance):
    points, scores, start, end, budget, matrix = instance
    n = len(points)
    if matrix is None:

        def leg(a, b):
            return math.hypot(points[b][0] - points[a][0], points[b][1] - points[a][1])
    else:

        def leg(a, b):
            return matrix[a][b]

    best_score, best_len = brute_force(n, start, end, budget, leg, scores)
    last = start if end is None else end
    res = solve_orienteering(
        points, scores, start=start, end=end, budget=budget, distance_matrix=matrix
    )
    if leg(start, last) > budget * (1 + TOL):
        assert res.status is SolveStatus.INFEASIBLE
        assert res.order == ()
        return
    assert res.engine == "exact"
    assert res.status is SolveStatus.OPTIMAL
    check_path(res, start, end, budget, leg, n)
    assert res.score == best_score
    assert res.length == pytest.approx(best_len, rel=1e-9, abs=1e-12)

    # the local search finds the same score on these, and its bound is valid
    ils = solve_orienteering(
        points,
        scores,
        start=start,
        end=end,
        budget=budget,
        distance_matrix=matrix,
        engine="ils",
        options=SolveOptions(time_limit_s=0.2),
    )
    check_path(ils, start, end, budget, leg, n)
    assert ils.bound >= best_score
    if matrix is None:
        assert ils.score == best_score


def test_square_worked_by_hand():
    # Closed tour from the origin O round a unit square A(1,0) B(1,1) C(0,1),
    # with a far point F(5,0) on the x axis.
    points = [(0, 0), (1, 0), (1, 1), (0, 1), (5, 0)]
    scores = [0, 1, 2, 3, 10]
    leg = {  # the legs used below
        "OA": 1.0,
        "AB": 1.0,
        "BC": 1.0,
        "CO": 1.0,
        "OB": math.sqrt(2),
    }
    for engine in ("exact", "ils"):

        def solve(budget, engine=engine):
            return solve_orienteering(
                points,
                scores,
                start=0,
                budget=budget,
                engine=engine,
                options=SolveOptions(time_limit_s=0.5),
            )

        # Budget 4: the whole square O-A-B-C-O (length 4, score 6); F needs 10.
        four = solve(4.0)
        assert four.score == 6
        assert four.length == pytest.approx(
            leg["OA"] + leg["AB"] + leg["BC"] + leg["CO"]
        )
        assert set(four.order) == {0, 1, 2, 3}
        # Budget 3.9: the square no longer fits.  Two corners cost 2 + sqrt 2
        # = 3.414 whichever pair; B and C score most (5): O-B-C-O or O-C-B-O.
        short = solve(3.9)
        assert short.score == 5
        assert short.length == pytest.approx(leg["OB"] + leg["BC"] + leg["CO"])
        assert short.order in ((0, 2, 3, 0), (0, 3, 2, 0))
        # Budget 10: O-A-F-O = 1 + 4 + 5 = 10 takes A on the way to F (11).
        far = solve(10.0)
        assert far.score == 11
        assert far.length == pytest.approx(10.0)
        assert far.order in ((0, 1, 4, 0), (0, 4, 1, 0))


def test_line_open_path_prefers_shorter_tie():
    # Start 0 at (0,0), end 1 at (4,0); P(2,0) and Q(2,3) both score 5.
    # Via P: 4 (on the line); via Q: 2 sqrt 13 = 7.21; via both:
    # 2 + 3 + sqrt 13 = 8.61.  Budget 8 takes one point; the scores tie, so
    # the shorter path through P wins.  Budget 8.7 takes both.
    points = [(0, 0), (4, 0), (2, 0), (2, 3)]
    scores = [0, 0, 5, 5]
    for engine in ("exact", "ils"):
        res = solve_orienteering(
            points,
            scores,
            start=0,
            end=1,
            budget=8.0,
            engine=engine,
            options=SolveOptions(time_limit_s=0.5),
        )
        assert res.order == (0, 2, 1)
        assert res.length == pytest.approx(4.0)
        both = solve_orienteering(
            points,
            scores,
            start=0,
            end=1,
            budget=8.7,
            engine=engine,
            options=SolveOptions(time_limit_s=0.5),
        )
        assert both.score == 10
        assert both.length == pytest.approx(2 + 3 + math.sqrt(13))


PLACES = {  # (lon, lat) [deg]
    "Kubinka": (36.653, 55.608),
    "Smolensk": (32.045, 54.783),
    "Vyazma": (34.297, 55.210),
    "Tver": (35.900, 56.859),
    "Kaluga": (36.261, 54.514),
}


def geodesic_km(a, b):
    (lon1, lat1), (lon2, lat2) = a, b
    return Geodesic.WGS84.Inverse(lat1, lon1, lat2, lon2)["s12"] / 1000.0


def spherical_km(a, b, radius=6371.0088):
    (lon1, lat1), (lon2, lat2) = (np.radians(x) for x in (a, b))
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return float(2 * radius * np.arcsin(np.sqrt(h)))


def test_geodesic_legality_depends_on_the_ellipsoid():
    names = list(PLACES)
    points = [PLACES[p] for p in names]
    scores = [0, 10, 1, 3, 3]  # Smolensk is worth the trip if it fits

    def leg(a, b):
        return geodesic_km(points[a], points[b])

    def sphere_leg(a, b):
        return spherical_km(points[a], points[b])

    # Kubinka-Vyazma-Smolensk-Kubinka: 612.9 km on a mean sphere, 614.8 km on
    # WGS84; a budget of 614 km allows it only on the sphere.
    tour = (0, 2, 1, 0)
    assert path_length(tour, sphere_leg) < 614.0 < path_length(tour, leg) < 615.0
    tight = solve_orienteering(points, scores, start=0, budget=614.0, metric="geodesic")
    # Without Smolensk: Tver + Kaluga (533.3 km) score 6; adding Vyazma is too long.
    assert 1 not in tight.order
    assert tight.score == 6
    check_path(tight, 0, None, 614.0, leg, len(points))
    assert tight.length == pytest.approx(path_length(tight.order, leg), abs=1e-3)

    loose = solve_orienteering(points, scores, start=0, budget=615.0, metric="geodesic")
    assert loose.score == 11
    assert loose.order in (tour, tour[::-1])
    assert loose.length == pytest.approx(path_length(tour, leg), abs=1e-3)


def test_same_seed_same_path():
    rng = np.random.default_rng(7)
    points = rng.uniform(0, 10, (16, 2))
    scores = rng.integers(1, 10, 16)
    runs = [
        solve_orienteering(
            points,
            scores,
            start=0,
            end=1,
            budget=18.0,
            engine="ils",
            options=SolveOptions(time_limit_s=20.0, seed=3),
        )
        for _ in range(2)
    ]
    # stopped by stagnation or the bound, not the clock: the runs are comparable
    assert all(r.runtime_s < 20.0 for r in runs)
    assert runs[0].order == runs[1].order
    assert runs[0].score == runs[1].score > 0


def test_iteration_limit_makes_a_short_search_repeatable():
    # 120 points: far more search than 30 rounds allow, so the round limit (not
    # the clock, not stagnation) ends the search, identically each time; more
    # rounds never lose score because the best path so far is kept.
    rng = np.random.default_rng(11)
    points = rng.uniform(0, 100, (120, 2))
    scores = rng.integers(1, 10, 120)

    def run(rounds):
        return solve_orienteering(
            points,
            scores,
            start=0,
            budget=250.0,
            engine="ils",
            options=SolveOptions(time_limit_s=60.0, seed=1, iteration_limit=rounds),
        )

    first, second, longer = run(30), run(30), run(300)
    assert first.order == second.order
    assert first.score == second.score
    assert longer.score >= first.score
    assert first.length <= 250.0 * (1 + 1e-9)


def test_iteration_limit_is_validated():
    with pytest.raises(OptionsError, match="iteration_limit must be None or an int"):
        SolveOptions(iteration_limit=-1)


def test_infeasible_budget_is_a_status():
    res = solve_orienteering([(0, 0), (3, 4)], [1, 1], start=0, end=1, budget=4.99)
    assert isinstance(res, OrienteeringResult)
    assert res.status is SolveStatus.INFEASIBLE
    assert res.order == ()
    assert res.score == 0
    ok = solve_orienteering([(0, 0), (3, 4)], [1, 1], start=0, end=1, budget=5.0)
    assert ok.status is SolveStatus.OPTIMAL
    assert ok.order == (0, 1)
    assert ok.score == 2


POINTS = [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0)]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"points": [(0, 0), (np.nan, 1), (2, 2)]}, GeometryError, "point 1 is"),
        ({"points": [(0, 0, 0)] * 3}, GeometryError, r"shape \(n, 2\)"),
        ({"points": [("a", 1)] * 3}, GeometryError, "points must be a numeric"),
        ({"points": None}, GeometryError, "give points or a distance_matrix"),
        ({"scores": [1, -1, 1]}, OptionsError, "score 1 is -1"),
        ({"scores": [1, np.inf, 1]}, OptionsError, "finite"),
        ({"scores": [1, 1]}, OptionsError, r"one value per point \(3\)"),
        ({"start": 3}, OptionsError, r"start must be a point index in \[0, 3\)"),
        ({"start": True}, OptionsError, "start must be an integer"),
        ({"end": 1.5}, OptionsError, "end must be an integer"),
        ({"budget": -1.0}, OptionsError, "budget must be finite and non-negative"),
        ({"budget": math.nan}, OptionsError, "budget must be finite"),
        ({"budget": "10"}, OptionsError, "budget must be a number"),
        ({"budget": 1e300}, OptionsError, "at most 1e"),
        ({"budget": 2**1100}, OptionsError, "at most 1e"),
        ({"scores": [1e308, 1e308, 1]}, OptionsError, "from 0 to 1e"),
        ({"points": [(0, 0), (1e300, 1), (2, 2)]}, GeometryError, "point 1 is"),
        ({"distance_matrix": np.full((3, 3), 1e308)}, GeometryError, "at most 1e"),
        ({"options": 5.0}, OptionsError, "options must be a SolveOptions"),
        ({"metric": "manhattan"}, OptionsError, "metric must be one of"),
        ({"engine": "magic"}, OptionsError, "engine must be one of"),
        ({"distance_matrix": np.zeros((3, 2))}, GeometryError, "must be square"),
        ({"distance_matrix": -np.ones((3, 3))}, GeometryError, "non-negative"),
        ({"distance_matrix": np.full((3, 3), np.nan)}, GeometryError, "finite"),
        ({"distance_matrix": np.zeros((4, 4))}, GeometryError, "3 rows"),
        (
            {"points": [(36.6, 95.0), (0, 0), (1, 1)], "metric": "geodesic"},
            GeometryError,
            "lat",
        ),
    ],
)
def test_bad_input_raises(kwargs, error, match):
    args = {"points": POINTS, "scores": [1, 1, 1], "start": 0, "end": 2, "budget": 5.0}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        solve_orienteering(args.pop("points"), args.pop("scores"), **args)


def test_exact_engine_refuses_too_many_points():
    points = np.random.default_rng(0).uniform(0, 1, (25, 2))
    with pytest.raises(OptionsError, match="at most 16 reachable"):
        solve_orienteering(points, np.ones(25), start=0, budget=100.0, engine="exact")


def test_exact_engine_hands_over_when_time_runs_out():
    rng = np.random.default_rng(1)
    points = rng.uniform(0, 10, (17, 2))  # 16 optional points: about 0.3 s of DP
    res = solve_orienteering(
        points,
        rng.integers(1, 10, 17),
        start=0,
        budget=20.0,
        engine="exact",
        options=SolveOptions(time_limit_s=0.01),
    )
    assert res.engine == "ils"
    assert res.runtime_s < 0.2
    assert res.order[0] == res.order[-1] == 0
    assert res.length <= 20.0
    assert res.score > 0


def test_benchmark_instance_reaches_best_known():
    data = json.loads((BENCH / "tsiligirides2_tmax25.json").read_text())
    best = next(
        row["best_known"]
        for row in json.loads((BENCH / "index.json").read_text())
        if row["name"] == "tsiligirides2_tmax25"
    )
    points = [data["start"], data["end"], *(p[:2] for p in data["points"])]
    scores = [0, 0, *(p[2] for p in data["points"])]
    res = solve_orienteering(
        points,
        scores,
        start=0,
        end=1,
        budget=data["tmax"],
        options=SolveOptions(time_limit_s=2.0),
    )

    def leg(a, b):
        return math.hypot(points[b][0] - points[a][0], points[b][1] - points[a][1])

    check_path(res, 0, 1, data["tmax"], leg, len(points))
    assert path_length(res.order, leg) <= data["tmax"] + 1e-9
    assert res.score == best == 230
    assert res.runtime_s < 2.5
    assert res.bound >= best


def test_repair_drops_least_score_per_saved_length():
    # 0(0,0) - A(2,1) - B(5,2) - C(8,1) - 4(10,0), length 10.797.  Dropping
    # A or C saves 0.0132 each (scores 1, 2: 76 and 152 per unit saved),
    # dropping B saves 0.325 (score 8: 24.6 per unit), so B goes first and
    # 0-A-C-4 (10.472) fits a budget of 10.78.  Keeping B instead drops A
    # (0-B-C-4 = 10.784, too long), then C: 0-B-4 = 10.770 fits.
    points = np.array([(0, 0), (2, 1), (5, 2), (8, 1), (10, 0)], dtype=float)
    dist = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    prize = np.array([0, 1, 8, 2, 0], dtype=float)
    from openskies.routing.ils import repair

    assert repair(dist, prize, [0, 1, 2, 3, 4], 10.78, []) == [0, 1, 3, 4]
    assert repair(dist, prize, [0, 1, 2, 3, 4], 10.78, [2]) == [0, 2, 4]
    assert repair(dist, prize, [0, 1, 2, 3, 4], 11.0, []) == [0, 1, 2, 3, 4]


def test_docstring_examples_run():
    assert doctest.testmod(openskies.routing.orienteering).failed == 0


def test_too_many_points_are_refused_before_the_matrix():
    n = openskies.routing.orienteering.MAX_POINTS + 1
    points = np.zeros((n, 2))
    with pytest.raises(OptionsError, match=f"at most {n - 1:,} points.*got {n:,}"):
        solve_orienteering(points, np.ones(n), start=0, budget=1.0)


def test_many_points_within_the_bound_give_a_valid_path():
    # 1,500 points with a 0.2 s limit: the search stops at its deadline with a
    # path that starts and ends at 0, repeats nothing and fits the budget.
    rng = np.random.default_rng(1)
    points = rng.uniform(0, 100, (1500, 2))
    res = solve_orienteering(
        points,
        rng.integers(1, 10, 1500),
        start=0,
        budget=150.0,
        options=SolveOptions(time_limit_s=0.2),
    )

    def leg(a, b):
        return math.hypot(*(points[b] - points[a]))

    check_path(res, 0, None, 150.0, leg, 1500)
    assert res.engine == "knn"  # above 200 points: neighbour lists


def test_huge_scores_within_the_bound_sum_exactly():
    top = openskies.routing.orienteering.MAX_SCORE
    res = solve_orienteering(POINTS, [0, top, top], start=0, end=2, budget=5.0)
    assert res.order == (0, 1, 2)
    assert res.score == 2 * top


def test_options_none_means_the_defaults():
    args = {"start": 0, "end": 2, "budget": 2.5}
    none = solve_orienteering(POINTS, [0, 3, 1], options=None, **args)
    default = solve_orienteering(POINTS, [0, 3, 1], options=SolveOptions(), **args)
    assert none.order == default.order == (0, 1, 2)
    assert none.score == default.score == 4
