"""Plan the route of one mission and check it.

A United States mission over Russia (then the Russia-Belarus group) arriving at
Kubinka on 12 June 2019: the planner picks which of the bundled illustrative
sites to fly over, in which order, within Kubinka's maximum flight distance
(5,500 km), keeping 10 km from non-party states and routing around what the
chosen reading makes binding.  The route is then checked independently.

Run: ``python examples/04_plan_one_mission.py``
"""

from __future__ import annotations

from typing import Any

# %% The treaty on the mission's date and the observer's sites over Russia
from openskies import SolveOptions, load_treaty
from openskies.geo.sites import bundled_sites, sites_frame, sites_over
from openskies.routing.planner import plan_route
from openskies.rules.legality import check_route


def main() -> dict[str, Any]:
    view = load_treaty().as_of("2019-06-12")
    sites = sites_over(view, bundled_sites(), "RUS")
    print(f"{len(sites)} illustrative sites in {view.party('RUS').code}")

    # %% Plan: the most site value within the maximum flight distance
    plan = plan_route(
        view,
        observer="USA",
        observed="RUS",
        start="UUMB",
        sites=sites_frame(sites),
        reading="treaty",
        options=SolveOptions(time_limit_s=2.0, seed=0),
    )
    print(
        f"status {plan.status.value}: value {plan.value:g} (bound {plan.bound:g}), "
        f"{plan.distance_km:,.0f} of {plan.max_distance_km:,.0f} km, "
        f"{len(plan.visited)} sites visited, {len(plan.covered)} more within "
        f"{plan.swath_km:g} km of the track"
    )
    print("route:", " -> ".join([plan.start, *map(str, plan.visited), plan.end]))
    for label, reason in plan.unreachable:
        print(f"  unreachable: {label}: {reason}")

    # %% Check the route independently, under both readings
    assert plan.route is not None
    reports = {}
    for reading in ("treaty", "observed-party"):
        report = check_route(
            view, plan.route, observer="USA", observed="RUS", reading=reading
        )
        reports[reading] = report
        print(
            f"check_route, reading {reading!r}: legal={report.legal}, "
            f"{report.distance_km:,.0f} km observed"
        )
        for violation in report.violations:
            print(f"  {violation}")
        for note in report.unchecked:
            print(f"  not checked: {note}")
    return {"plan": plan, "reports": reports, "sites": sites}


if __name__ == "__main__":
    main()
