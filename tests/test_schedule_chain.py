"""Property tests over realistic years: allocate -> schedule -> plan_route.

Years are generated like issue 10's reproducer (about 190 flights, the 2019
parties, at most 4 flights a pair within the quotas and the half-quota cap), and
request sets like a year's requests.  Every result is checked by the independent
validators: :func:`check_distribution`, :func:`check_schedule`, :func:`check_route`.
"""

from __future__ import annotations

import random

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openskies import load_treaty
from openskies.allocation.allocate import allocate
from openskies.calendar.schedule import ScheduleResult, schedule
from openskies.options import SolveOptions
from openskies.routing.planner import plan_route
from openskies.rules.distribution_check import check_distribution
from openskies.rules.legality import check_route
from openskies.rules.registry import rule_set
from openskies.rules.schedule_check import check_schedule
from openskies.treaty.model import TreatyView

YEAR = 2019
#: Small limits: a year's calendar either completes or is explained within them.
QUICK = SolveOptions(time_limit_s=4.0, seed=0)
ROUTE = SolveOptions(time_limit_s=1.0, seed=0, iteration_limit=10)
CHAIN = settings(
    max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@pytest.fixture(scope="module")
def view() -> TreatyView:
    return load_treaty().as_of(f"{YEAR}-01-01")


def random_year(view: TreatyView, seed: int) -> pd.DataFrame:
    """Return the distribution issue 10's generator makes for ``seed``."""
    quota = {p.code: int(p.passive_quota) for p in view.parties}
    codes = sorted(quota)
    rng = random.Random(seed)
    sent, got = dict.fromkeys(codes, 0), dict.fromkeys(codes, 0)
    rows = {}
    pairs = [(o, t) for o in codes for t in codes if o != t]
    rng.shuffle(pairs)
    for o, t in pairs:
        f = min(
            rng.randint(1, 4),
            quota[o] - sent[o],
            quota[t] - got[t],
            -(-quota[o] // 2),
            -(-quota[t] // 2),
        )
        if f > 0 and rng.random() < 0.5:
            rows[(o, t)] = f
            sent[o] += f
            got[t] += f
    return pd.DataFrame(
        [(o, t, f) for (o, t), f in rows.items()],
        columns=["observer", "observed", "flights"],
    )


def assert_placed_or_explained(view: TreatyView, result: ScheduleResult) -> None:
    """Every granted flight is placed, or the status says why not; no violation."""
    if result.status.has_solution:
        assert len(result.missions) + len(result.left_out) == result.granted.total
        assert check_schedule(view, result) == []
    else:
        assert result.missions == ()
        assert result.reasons, result.status


@pytest.mark.parametrize("seed", [0, 2])
def test_issue10_years_schedule_without_crash(view: TreatyView, seed: int) -> None:
    # regression: seeds 0 and 2 raised KeyError in the hint of the spreading
    # model, because the greedy calendar missed flights and no stage placed them
    result = schedule(view, random_year(view, seed), YEAR, options=QUICK)
    assert result.status.has_solution
    assert result.left_out == ()
    assert len(result.missions) == result.granted.total
    assert check_schedule(view, result) == []


@CHAIN
@given(seed=st.integers(0, 2**32 - 1))
def test_random_years_are_placed_or_explained(view: TreatyView, seed: int) -> None:
    dist = random_year(view, seed)
    assert 150 <= dist["flights"].sum() <= 230
    assert_placed_or_explained(view, schedule(view, dist, YEAR, options=QUICK))


def sites_in(
    view: TreatyView, party: str, draws: list[tuple[float, float]]
) -> gpd.GeoDataFrame:
    """Return the drawn points (fractions of the bounding box) inside ``party``."""
    territory = view.territory(party)
    west, south, east, north = territory.bounds
    points = [
        shapely.Point(west + x * (east - west), south + y * (north - south))
        for x, y in draws
    ]
    inside = [p for p in points if shapely.covers(territory, p)]
    inside = inside or [territory.representative_point()]
    return gpd.GeoDataFrame(
        {"value": [1.0] * len(inside)},
        index=[f"s{k}" for k in range(len(inside))],
        geometry=inside,
        crs="EPSG:4326",
    )


fraction = st.floats(0.0, 1.0)


@CHAIN
@given(
    seed=st.integers(0, 2**32 - 1),
    draws=st.lists(st.tuples(fraction, fraction), min_size=1, max_size=4),
    pick=st.integers(0, 10**6),
)
def test_requests_allocate_schedule_and_route(
    view: TreatyView, seed: int, draws: list[tuple[float, float]], pick: int
) -> None:
    rng = random.Random(seed)
    codes = sorted(p.code for p in view.parties)
    pairs = rng.sample([(o, t) for o in codes for t in codes if o != t], 15)
    requests = pd.DataFrame(
        [(o, t, rng.randint(1, 5)) for o, t in pairs],
        columns=["observer", "observed", "flights"],
    )
    allocation = allocate(view, requests, YEAR, options=QUICK)
    assert allocation.status.has_solution
    found = check_distribution(view, YEAR, allocation.distribution, requests=requests)
    assert [v for v in found if v.binding] == []
    calendar = schedule(view, allocation, YEAR, options=QUICK)
    assert_placed_or_explained(view, calendar)
    if not calendar.missions:
        return
    mission = calendar.missions[pick % len(calendar.missions)]
    day = view.treaty.as_of(mission.arrival.date())
    starts = [
        a.id for a in rule_set(day, mission.observer, mission.observed).start_airfields
    ]
    # the route starts at the point of entry if it has a flight distance, else
    # at an Open Skies airfield of the observed party (Annex E)
    start = mission.poe if mission.poe in starts else starts[0]
    plan = plan_route(
        view,
        observer=mission.observer,
        observed=mission.observed,
        start=start,
        sites=sites_in(view, mission.observed, draws),
        date=mission.arrival.date(),
        options=ROUTE,
    )
    if plan.route is not None:
        report = check_route(
            view,
            plan.route,
            observer=mission.observer,
            observed=mission.observed,
            date=mission.arrival.date(),
            reading=plan.reading,
        )
        assert report.legal, [v.message for v in report.binding]
    else:
        assert plan.reason
