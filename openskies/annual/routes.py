"""The route of every mission of an annual plan: plan it, then check it.

Internal to :func:`openskies.annual.plan.plan_year`.  Documented choices:

* A mission's route starts and ends at its point of entry when that is an Open
  Skies airfield (or point of entry) with a maximum flight distance in force on
  the mission's date, else at the nearest such airfield of the observed party.
  Without one the mission gets status ``no start``.
* The sites are the observer's list (the scenario's) in the observed party's
  states; none gives status ``no sites``.
* Missions are planned in order of arrival.  A site visited or covered by an
  observer's earlier mission over the same party keeps ``revisit_value`` of
  its value per earlier observation, so later missions look elsewhere.
* Geometry is prepared once per *rule period*: missions of one observer over one
  party whose dates see the same states parties, airfields, distances and
  restrictions are planned with the rules of the first such date.  Every route
  is then checked by :func:`~openskies.rules.legality.check_route` on its own
  mission's date, independently of the planner.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from openskies.errors import OpenSkiesError

if TYPE_CHECKING:
    from openskies.annual.scenario import Scenario
    from openskies.calendar.types import Mission
    from openskies.geo.route import Route
    from openskies.routing.planner import RoutePlan
    from openskies.rules.legality import LegalityReport
    from openskies.treaty.model import Airfield, Treaty, TreatyView

__all__ = ["ROUTE_STATUSES", "MissionRoute", "plan_routes"]

#: Outcomes of a mission's route: checked legal or illegal on the mission's date;
#: no route found (``message`` says why); no site of the observer in the
#: observed party; no airfield with a maximum flight distance to start from; the
#: planner raised an error for this mission (``message``).
ROUTE_STATUSES = ("legal", "illegal", "no route", "no sites", "no start", "failed")

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class MissionRoute:
    """The route of one mission and its legality.

    Attributes
    ----------
    mission_id, observer, observed
        The mission (Annex B flight id, party codes).
    date
        The mission's arrival date (UTC): the route is checked on it.
    status
        One of ``legal``, ``illegal``, ``no route``, ``no sites``, ``no start``,
        ``failed``.
    start
        Id of the starting (and ending) airfield, if there is one.
    plan
        The planner's result, if it ran.
    report
        ``check_route``'s verdict on the route on ``date`` under the scenario's
        reading, if there is a route.
    planned_on
        The date whose rules the planner used (the first date of the rule
        period, see :mod:`openskies.annual.plan`).
    message
        Why there is no route, or the error.
    """

    mission_id: str
    observer: str
    observed: str
    date: dt.date
    status: str
    start: str | None = None
    plan: RoutePlan | None = None
    report: LegalityReport | None = None
    planned_on: dt.date | None = None
    message: str = ""

    @property
    def route(self) -> Route | None:
        """The planned route, if any."""
        return None if self.plan is None else self.plan.route

    @property
    def legal(self) -> bool | None:
        """The verdict of ``check_route`` (None without a route)."""
        return None if self.report is None else self.report.legal


def starting_airfield(view: TreatyView, observed: str, poe: str) -> Airfield | None:
    """Return the airfield a mission entering at ``poe`` starts its route from.

    The point of entry itself if it is an OSA or POE of ``observed`` with a
    maximum flight distance on the view's date, else the nearest such airfield
    (ties by id), else None (:func:`openskies.rules.airfields.entry_airfield`).
    """
    from openskies.rules.airfields import entry_airfield

    return entry_airfield(view, observed, poe)


def _rules_key(view: TreatyView, observer: str, observed: str) -> Hashable:
    """Return everything on the view's date that a route of ``observer`` obeys."""
    return (
        observer,
        observed,
        frozenset(view.members),
        tuple(
            (a.id, a.max_distance_km, tuple(sorted(a.roles)))
            for a in view.airfields(observed)
        ),
        tuple(
            sorted(
                r.id for r in view.restrictions(observed=observed, observer=observer)
            )
        ),
    )


def plan_routes(
    treaty: Treaty,
    missions: Iterable[Mission],
    scenario: Scenario,
    progress: Progress | None = None,
) -> tuple[MissionRoute, ...]:
    """Plan and check the route of each mission (see the module docstring).

    Raises
    ------
    OpenSkiesError
        Never for one mission's route (recorded as status ``failed``); only
        if the treaty data lack a mission's point of entry.
    """
    from openskies.geo.sites import sites_frame, sites_over
    from openskies.routing.planner import plan_route
    from openskies.rules.legality import check_route

    todo = sorted(missions, key=lambda m: (m.arrival, m.id))
    periods: dict[Hashable, TreatyView] = {}
    seen: dict[tuple[str, str], dict[str, int]] = {}
    out: list[MissionRoute] = []
    for done, mission in enumerate(todo):
        if progress is not None:
            progress("routes", done, len(todo))
        day = mission.arrival.date()
        view = treaty.as_of(day)  # the one view of this mission
        start = starting_airfield(view, mission.observed, mission.poe)
        sites = sites_over(view, scenario.sites_for(mission.observer), mission.observed)
        if start is None:
            out.append(
                _record(mission, day, "no start", message=_no_start(mission, day))
            )
            continue
        if not sites:
            message = (
                f"the site list of {mission.observer} has no site in {mission.observed}"
            )
            out.append(
                _record(mission, day, "no sites", start=start.id, message=message)
            )
            continue
        key = _rules_key(view, mission.observer, mission.observed)
        planning = periods.setdefault(key, view)  # the first view of these rules
        planned_on = planning.date
        visits = seen.setdefault((mission.observer, mission.observed), {})
        values = [
            s.value * scenario.revisit_value ** visits.get(s.label, 0) for s in sites
        ]
        try:
            plan = plan_route(
                planning,
                observer=mission.observer,
                observed=mission.observed,
                start=start.id,
                sites=sites_frame(sites, values),
                swath_km=scenario.swath_km,
                reading=scenario.reading,
                options=scenario.solver.routes,
            )
        except OpenSkiesError as err:
            out.append(
                _record(mission, day, "failed", start=start.id, message=str(err))
            )
            continue
        for label in (*plan.visited, *plan.covered):
            visits[str(label)] = visits.get(str(label), 0) + 1
        if plan.route is None:
            out.append(
                _record(
                    mission,
                    day,
                    "no route",
                    start=start.id,
                    plan=plan,
                    planned_on=planned_on,
                    message=plan.reason,
                )
            )
            continue
        report = check_route(
            view,
            plan.route,
            observer=mission.observer,
            observed=mission.observed,
            reading=scenario.reading,
        )
        out.append(
            _record(
                mission,
                day,
                "legal" if report.legal else "illegal",
                start=start.id,
                plan=plan,
                report=report,
                planned_on=planned_on,
            )
        )
    if progress is not None:
        progress("routes", len(todo), len(todo))
    return tuple(out)


def _record(
    mission: Mission,
    day: dt.date,
    status: str,
    *,
    start: str | None = None,
    plan: RoutePlan | None = None,
    report: LegalityReport | None = None,
    planned_on: dt.date | None = None,
    message: str = "",
) -> MissionRoute:
    return MissionRoute(
        mission_id=mission.id,
        observer=mission.observer,
        observed=mission.observed,
        date=day,
        status=status,
        start=start,
        plan=plan,
        report=report,
        planned_on=planned_on,
        message=message,
    )


def _no_start(mission: Mission, day: dt.date) -> str:
    return (
        f"{mission.observed} has no Open Skies airfield or point of entry with a "
        f"maximum flight distance in force on {day.isoformat()} (Annex A III)"
    )
