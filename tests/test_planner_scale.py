"""Route planning over many sites: legal, only reachable sites, beats a greedy route.

3,000 random sites over western Russia (some outside it or in the 10 km
border zone) from Kubinka, planned with a fixed iteration limit so that the
result does not depend on the machine.  The baseline is a greedy chain computed
here independently of the planner: from the current point, fly to the nearby
site of most value per kilometre whose leg and return leg ``check_route``
finds legal and within the budget.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely

from openskies import OptionsError, SolveOptions, Treaty, TreatyView
from openskies.geo.route import Route
from openskies.routing.greedy import greedy_chain
from openskies.routing.planner import MAX_SITES, RoutePlan, plan_route
from openskies.rules.legality import check_route
from openskies.rules.registry import rule_set

DAY = "2019-06-01"
START = "UUMB"
WGS84 = pyproj.Geod(ellps="WGS84")
COUNT = 3000
#: a deterministic search: the iteration limit, not the clock, ends it
FIXED = SolveOptions(time_limit_s=600.0, seed=0, iteration_limit=30)


def plan_over_russia(
    view: TreatyView, sites: gpd.GeoDataFrame, options: SolveOptions
) -> RoutePlan:
    """Plan DEU over RUS from Kubinka."""
    return plan_route(
        view, observer="DEU", observed="RUS", start=START, sites=sites, options=options
    )


def points(lon: object, lat: object, value: object, index: object = None):
    """Sites at (lon, lat) with values (EPSG:4326)."""
    return gpd.GeoDataFrame(
        {"value": value},
        index=index,
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )


def random_sites(view: TreatyView, count: int, seed: int) -> gpd.GeoDataFrame:
    """90 % of the sites inside Russia west of 70 E, 10 % anywhere in the box."""
    rng = np.random.default_rng(seed)
    territory = view.treaty.state_territory("RUS")
    shapely.prepare(territory)
    lon: list[float] = []
    lat: list[float] = []
    inside = count * 9 // 10
    while len(lon) < inside:
        x, y = rng.uniform(25.0, 70.0, 5000), rng.uniform(42.0, 70.0, 5000)
        keep = shapely.contains_xy(territory, x, y)
        lon.extend(x[keep].tolist())
        lat.extend(y[keep].tolist())
    del lon[inside:], lat[inside:]
    lon.extend(rng.uniform(25.0, 70.0, count - inside).tolist())
    lat.extend(rng.uniform(42.0, 70.0, count - inside).tolist())
    return gpd.GeoDataFrame(
        {"value": rng.integers(1, 11, count)},
        index=[f"s{k}" for k in range(count)],
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )


def legal(view: TreatyView, coords: list[tuple[float, float]]) -> bool:
    route = Route.from_coords(coords, start=START, end=START)
    report = check_route(view, route, observer="DEU", observed="RUS")
    return report.legal


def greedy_value(view: TreatyView, sites: gpd.GeoDataFrame, budget: float) -> float:
    """Value of a greedy chain out of Kubinka and back (checked by check_route).

    From the current point, of the 15 nearest sites left, fly to the one of
    most value per kilometre whose leg and way home fit the budget and are
    legal; a site that fails is not tried again.
    """
    home = view.airfield(START)
    base = (home.lon, home.lat)
    lon, lat = sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()
    value = sites["value"].to_numpy(dtype=float)
    back = WGS84.inv(lon, lat, np.full(lon.size, base[0]), np.full(lon.size, base[1]))
    home_km = np.asarray(back[2]) / 1000.0
    left = np.ones(lon.size, dtype=bool)
    path, used, total = [base], 0.0, 0.0
    while left.any():
        here = path[-1]
        step = WGS84.inv(
            np.full(lon.size, here[0]), np.full(lon.size, here[1]), lon, lat
        )
        dist = np.where(left, np.asarray(step[2]) / 1000.0, np.inf)
        near = np.argsort(dist, kind="stable")[:15]
        near = near[np.isfinite(dist[near])]
        for k in sorted(near.tolist(), key=lambda k: -value[k] / max(dist[k], 1.0)):
            left[k] = False
            point = (float(lon[k]), float(lat[k]))
            fits = used + dist[k] + home_km[k] <= budget * 0.999
            if fits and legal(view, [*path, point, base]):
                path.append(point)
                used += float(dist[k])
                total += value[k]
                break
    return total


@pytest.fixture(scope="module")
def many(treaty: Treaty) -> tuple[TreatyView, gpd.GeoDataFrame, RoutePlan]:
    view = treaty.as_of(DAY)
    sites = random_sites(view, COUNT, 0)
    plan = plan_over_russia(view, sites, FIXED)
    return view, sites, plan


def test_plan_over_3000_sites_is_legal(many):
    view, _, plan = many
    assert plan.route is not None
    report = check_route(view, plan.route, observer="DEU", observed="RUS")
    assert report.legal, [v.message for v in report.binding]
    assert plan.distance_km <= plan.max_distance_km


def test_plan_over_3000_sites_visits_only_reachable_sites_in_the_party(many):
    view, sites, plan = many
    why = dict(plan.unreachable)
    assert not set(plan.visited) & set(why)
    territory = rule_set(view, "DEU", "RUS").territory  # Russia and Belarus
    points = sites.geometry.loc[list(plan.visited)]
    assert shapely.covers(territory, points.to_numpy()).all()
    outside = ~shapely.covers(territory, sites.geometry.to_numpy())
    assert outside.any()
    assert all("outside the territory" in why[s] for s in sites.index[outside])


def test_plan_over_3000_sites_beats_a_greedy_chain(many):
    view, sites, plan = many
    baseline = greedy_value(view, sites, plan.max_distance_km)
    assert baseline > 0
    assert plan.value >= baseline


def test_plan_over_3000_sites_is_reproducible(many):
    view, sites, plan = many
    again = plan_over_russia(view, sites, FIXED)
    assert again.visited == plan.visited
    assert again.unreachable == plan.unreachable


def test_more_than_max_sites_are_refused_up_front(treaty):
    n = MAX_SITES + 1
    frame = points(np.full(n, 40.0), np.linspace(50, 60, n), np.ones(n))
    with pytest.raises(OptionsError, match="at most 20,000 sites"):
        plan_route(
            treaty.as_of(DAY), observer="DEU", observed="RUS", start=START, sites=frame
        )


def test_a_short_time_limit_still_gives_a_legal_route(treaty):
    # regression: with the limit spent on the geometry, the search returned an
    # empty tour and the plan said no site could be visited
    view = treaty.as_of(DAY)
    n = 1500
    sites = points(np.linspace(30.0, 60.0, n), np.full(n, 55.0), np.ones(n))
    plan = plan_over_russia(view, sites, SolveOptions(time_limit_s=0.01))
    assert plan.route is not None, plan.reason
    assert check_route(view, plan.route, observer="DEU", observed="RUS").legal
    assert plan.value >= 100


def test_sites_beyond_straight_reach_are_unreachable_with_the_bound(treaty):
    view = treaty.as_of(DAY)
    sites = points([37.6, 177.5], [55.75, 64.73], [5, 5], ["Moscow", "Anadyr"])
    plan = plan_over_russia(view, sites, SolveOptions(time_limit_s=2.0))
    assert plan.visited == ("Moscow",)
    why = dict(plan.unreachable)
    assert set(why) == {"Anadyr"}
    assert "even straight legs out and back are" in why["Anadyr"]
    assert "5,500 km" in why["Anadyr"]


def test_greedy_chain_stays_within_budget_and_takes_value():
    rng = np.random.default_rng(1)
    xy = rng.uniform(0.0, 100.0, (60, 2))
    dist = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    score = rng.uniform(0.0, 5.0, 60)
    for end in (0, 7):
        order = greedy_chain(dist, score, end, 250.0)
        assert order[0] == 0
        assert order[-1] == end
        assert sum(dist[a, b] for a, b in itertools.pairwise(order)) <= 250.0
        assert len(set(order[1:-1])) == len(order) - 2 >= 3
