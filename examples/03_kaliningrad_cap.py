"""Kaliningrad and the KGD-500 cap: reachable area and route checks, both readings.

From 2014 until its withdrawal Russia limited observation over the Kaliningrad
oblast to 500 km of track per mission (KGD-500); the United States and its
allies held this to be a violation of the treaty.  openskies keeps such
restrictions as data with a legal status and lets you choose the reading:
``"treaty"`` (disputed restrictions are non-binding findings) or
``"observed-party"`` (they bind, as Russia applied them).

1. The part of the oblast that legal out-and-back missions from Kubinka reach,
   with KGD-500 (observed-party reading) and without it (treaty reading).
2. One route with 516 km of track over the oblast, checked under both readings.
3. A route planned over sites in the oblast under both readings.

Run: ``python examples/03_kaliningrad_cap.py``
"""

from __future__ import annotations

import itertools
from typing import Any

# %% The treaty in mid-2019 and the KGD-500 restriction
from pyproj import Geod

from openskies import SolveOptions, load_treaty
from openskies.geo.route import Route
from openskies.geo.sites import Site, sites_frame
from openskies.routing.planner import plan_route
from openskies.rules.legality import check_route
from openskies.rules.reach import reachable_area

KUBINKA = (36.653, 55.608)  # UUMB, Russia's point of entry and Open Skies airfield
READINGS = ("treaty", "observed-party")


def main() -> dict[str, Any]:
    view = load_treaty().as_of("2019-06-01")
    cap = next(r for r in view.restrictions(observed="RUS") if r.id == "KGD-500")
    geod = Geod(ellps="WGS84")
    oblast_km2 = abs(geod.geometry_area_perimeter(cap.geometry)[0]) / 1e6
    print(
        f"{cap.id}: at most {cap.value:g} {cap.unit} over the oblast "
        f"({oblast_km2:,.0f} km2), {cap.legal_status}, in force from "
        f"{cap.valid_from} to {cap.valid_to}"
    )

    # %% 1. Reachable area over Kaliningrad with and without KGD-500
    reached = {}
    for reading in READINGS:
        area = reachable_area(
            view, "RUS", "UUMB", observer="USA", reading=reading, resolution_km=25
        )
        inside = area.geometry.intersection(cap.geometry)
        reached[reading] = abs(geod.geometry_area_perimeter(inside)[0]) / 1e6
        binding = ", ".join(area.restrictions) or "none"
        print(
            f"reading {reading!r}: {reached[reading]:,.0f} km2 of the oblast "
            f"reachable (binding restrictions: {binding})"
        )
    lost = reached["treaty"] - reached["observed-party"]
    print(f"area lost to KGD-500: {lost:,.0f} km2", end="")
    if abs(lost) < 1.0:
        print(
            " (the oblast is about 200 km across, so 250 km in and 250 km out reach "
            "as much of it as without the cap: the cap limits how much of it one "
            "mission covers, not where it can go)"
        )
    else:
        print()

    # %% 2. A route with 516 km of track over the oblast, under both readings
    zigzag = [(20.3, 54.65), (22.3, 54.65), (20.3, 54.72), (22.3, 54.72), (20.3, 54.79)]
    legs = len(zigzag) + 1  # transit in from Kubinka and back, zigzag observed
    route = Route.from_coords(
        [KUBINKA, *zigzag, KUBINKA], transit=[0, legs - 1], start="UUMB"
    )
    reports = {}
    for reading in READINGS:
        report = check_route(
            view, route, observer="USA", observed="RUS", reading=reading
        )
        reports[reading] = report
        km = report.distance_by_region.get("kaliningrad_oblast", 0.0)
        print(
            f"\nroute check, reading {reading!r}: legal={report.legal}, "
            f"{km:,.0f} km over the oblast"
        )
        for violation in report.violations:
            kind = "violation" if violation.binding else "finding (not binding)"
            print(f"  {kind}: {violation}")

    # %% 3. Plan a route over sites in the oblast under both readings
    grid = itertools.product((20.2, 20.8, 21.4, 22.0, 22.6), (54.5, 54.8, 55.1))
    sites = [
        Site("RUS", f"point {lon:.1f}E {lat:.1f}N", lon, lat, 1.0)
        for lon, lat in grid
        if cap.geometry.contains(_point(lon, lat))
    ]
    plans = {}
    for reading in READINGS:
        plan = plan_route(
            view,
            observer="USA",
            observed="RUS",
            start="UUMB",
            sites=sites_frame(sites),
            reading=reading,
            options=SolveOptions(time_limit_s=2.0),
        )
        plans[reading] = plan
        km = (
            0.0
            if plan.report is None
            else plan.report.distance_by_region.get("kaliningrad_oblast", 0.0)
        )
        print(
            f"\nplanned, reading {reading!r}: {len(plan.visited)} of {len(sites)} "
            f"sites, {km:,.0f} km over the oblast, {plan.distance_km:,.0f} km "
            f"observed in all, legal={plan.report.legal if plan.report else None}"
        )
    return {"reached_km2": reached, "reports": reports, "plans": plans, "sites": sites}


def _point(lon: float, lat: float) -> Any:
    from shapely import Point

    return Point(lon, lat)


if __name__ == "__main__":
    main()
