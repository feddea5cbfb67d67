"""The annual plan end to end: allocate, schedule, plan and check every route.

:func:`plan_year` runs the whole chain on a :class:`~openskies.annual.scenario.Scenario`
(a TOML file, the bundled illustrative one by default) and returns one frozen
:class:`AnnualPlan`: the distribution of active quotas and its check against
Article III, the calendar of missions and its check, the route of every mission
with its legality, summary counts and the time of each stage.
:meth:`AnnualPlan.write` writes it all to a directory, atomically.

Routes (documented choices, see :mod:`openskies.annual.routes`): a route starts
and ends at the mission's point of entry when that is an airfield with a
maximum flight distance, else at the nearest one; missions whose observer has
no site in the observed party, or whose observed party has no such airfield,
get no route and say why; an observer's later missions over the same party
value the sites it already observed at ``revisit_value`` of their value.

References
----------
Treaty on Open Skies, Art. III (quotas), VI (missions and routes), Annex A
(quotas, maximum flight distances), Annex H (quarterly plans), Annex L II
(requests).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from openskies.annual.routes import ROUTE_STATUSES, MissionRoute
from openskies.annual.scenario import Scenario
from openskies.output.plan_writer import MARKER

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes

    from openskies.allocation.allocate import AllocationResult
    from openskies.calendar.types import ScheduleResult
    from openskies.treaty.distribution import Distribution
    from openskies.treaty.model import Treaty, TreatyView
    from openskies.violations import Violation

__all__ = [
    "OUTPUT_FILES",
    "PLAN_MARKER",
    "ROUTE_STATUSES",
    "STAGES",
    "AnnualPlan",
    "MissionRoute",
    "PlanSummary",
    "plan_year",
]

#: Stages of :func:`plan_year`, in order, as named in ``timings`` and progress.
STAGES = (
    "load",
    "allocate",
    "check_distribution",
    "schedule",
    "check_schedule",
    "routes",
)
#: Files :meth:`AnnualPlan.write` creates.
OUTPUT_FILES = (
    "distribution.csv",
    "missions.csv",
    "missions.ics",
    "routes.gpkg",
    "routes.geojson",
    "report.html",
    "map.png",
    "calendar.png",
)
#: The marker file written with every plan (JSON: format, version, files); only a
#: directory holding one is replaced by ``write(..., force=True)``.
PLAN_MARKER = MARKER
#: Columns of :meth:`AnnualPlan.routes_frame` (besides the geometry).
ROUTE_COLUMNS = (
    "mission_id",
    "observer",
    "observed",
    "date",
    "status",
    "start",
    "value",
    "sites_visited",
    "visited",
    "distance_km",
    "max_distance_km",
    "legal",
    "violations",
    "findings",
    "message",
)
#: Column types of :meth:`AnnualPlan.routes_frame` (pandas dtypes).
ROUTE_DTYPES = {
    "mission_id": "object",
    "observer": "object",
    "observed": "object",
    "date": "object",
    "status": "object",
    "start": "object",
    "value": "float64",
    "sites_visited": "int64",
    "visited": "object",
    "distance_km": "float64",
    "max_distance_km": "float64",
    "legal": "boolean",
    "violations": "object",
    "findings": "object",
    "message": "object",
}

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """Counts that describe an annual plan.

    Attributes
    ----------
    year
        The quota year.
    requested, granted, unmet
        Flights requested, granted by the distribution, and requested but not
        granted.
    allocation_status, schedule_status
        The solvers' statuses (``optimal``, ``feasible``, ...).
    missions, left_out
        Missions placed on the calendar, granted flights not placed.
    routes
        Missions per route status (see :data:`ROUTE_STATUSES`).
    distribution_violations, schedule_violations
        Binding findings of the independent validators.
    route_findings
        Non-binding findings on legal routes (disputed restrictions under the
        treaty reading).
    """

    year: int
    requested: int
    granted: int
    unmet: int
    allocation_status: str
    schedule_status: str
    missions: int
    left_out: int
    routes: Mapping[str, int]
    distribution_violations: int
    schedule_violations: int
    route_findings: int

    def __str__(self) -> str:
        """Return the summary as a few lines of text."""
        counts = ", ".join(
            f"{self.routes[s]} {s}" for s in ROUTE_STATUSES if self.routes.get(s)
        )
        return "\n".join(
            [
                f"flights: {self.requested} requested, {self.granted} granted, "
                f"{self.unmet} unmet (allocation {self.allocation_status}; "
                f"{self.distribution_violations} violations of Article III)",
                f"missions: {self.missions} placed, {self.left_out} left out "
                f"(schedule {self.schedule_status}; "
                f"{self.schedule_violations} violations)",
                f"routes: {counts or 'none'}; {self.route_findings} non-binding "
                "findings on disputed restrictions",
            ]
        )


@dataclass(frozen=True)
class AnnualPlan:
    """The outcome of :func:`plan_year`.

    Attributes
    ----------
    scenario
        The inputs.
    view
        The treaty on the scenario's date.
    allocation
        The distribution of active quotas (``allocation.distribution``) and the
        unmet requests.
    distribution_violations
        Findings of :func:`~openskies.rules.distribution_check.check_distribution`.
    schedule
        The calendar of missions.
    schedule_violations
        Findings of :func:`~openskies.rules.schedule_check.check_schedule`.
    routes
        One :class:`MissionRoute` per mission, in order of arrival.
    timings
        Wall-clock time of each stage of :data:`STAGES` [s].
    """

    scenario: Scenario
    view: TreatyView
    allocation: AllocationResult
    distribution_violations: tuple[Violation, ...]
    schedule: ScheduleResult
    schedule_violations: tuple[Violation, ...]
    routes: tuple[MissionRoute, ...]
    timings: Mapping[str, float]

    @property
    def distribution(self) -> Distribution:
        """The distribution of active quotas."""
        return self.allocation.distribution

    @property
    def summary(self) -> PlanSummary:
        """Counts of flights, missions and routes."""
        return PlanSummary(
            year=self.scenario.year,
            requested=sum(r.flights for r in self.scenario.requests),
            granted=self.distribution.total,
            unmet=sum(u.requested - u.granted for u in self.allocation.unmet),
            allocation_status=self.allocation.status.value,
            schedule_status=self.schedule.status.value,
            missions=len(self.schedule.missions),
            left_out=len(self.schedule.left_out),
            routes=MappingProxyType(dict(Counter(r.status for r in self.routes))),
            distribution_violations=sum(
                v.binding for v in self.distribution_violations
            ),
            schedule_violations=sum(v.binding for v in self.schedule_violations),
            route_findings=sum(
                len(r.report.findings) for r in self.routes if r.report is not None
            ),
        )

    def __repr__(self) -> str:
        """Summarise the plan in one line (not its 100,000s of characters)."""
        s = self.summary
        return (
            f"AnnualPlan({self.scenario.year}: {s.granted} of {s.requested} flights "
            f"granted, {s.missions} missions, {len(self.routes)} routes)"
        )

    def _repr_html_(self) -> str:
        """Return a compact HTML summary: the summary lines and the calendar."""
        from openskies.files.display import html_summary
        from openskies.output.map_png import calendar_image

        lines = str(self.summary).splitlines()
        table = html_summary(repr(self), [(f"{i + 1}", t) for i, t in enumerate(lines)])
        svg = calendar_image(self, "svg").decode("utf-8")
        return table + svg[svg.index("<svg") :]

    def plot_map(self, ax: Axes | None = None) -> Axes:
        """Draw the plan's map on matplotlib axes and return them.

        Territories, non-party states, airfields and routes (along their
        geodesics, coloured by observer) in an equal-area projection fitted to
        the routes; see :func:`openskies.output.map_png.plot_map`.
        """
        from openskies.output.map_png import plot_map

        return plot_map(self, ax)

    def plot_calendar(self, ax: Axes | None = None) -> Axes:
        """Draw the mission calendar on matplotlib axes and return them."""
        return self.schedule.plot_calendar(ax)

    def routes_frame(self) -> gpd.GeoDataFrame:
        """Return one row per mission, with its route where it has one (EPSG:4326).

        Columns: :data:`ROUTE_COLUMNS`: the mission, its date, route status,
        starting airfield, value collected, sites visited (count and
        ``;``-separated labels), observation length, maximum flight distance,
        the verdict of ``check_route``, its binding violations and
        non-binding findings (``;``-separated), and any message.  A mission
        without a route keeps its status and message, with no geometry and
        missing numbers and verdict.  Columns have their types even when the
        frame is empty (:data:`ROUTE_DTYPES`).
        """
        import geopandas as gpd

        rows = [_route_row(r) for r in self.routes]
        frame = gpd.GeoDataFrame(
            rows,
            columns=[*ROUTE_COLUMNS, "geometry"],
            geometry=gpd.GeoSeries([r.pop("geometry") for r in rows], crs="EPSG:4326")
            if rows
            else gpd.GeoSeries([], crs="EPSG:4326"),
            crs="EPSG:4326",
        )
        return frame.astype(ROUTE_DTYPES)

    def write(self, outdir: str | Path, *, force: bool = False) -> Path:
        """Write every output file of :data:`OUTPUT_FILES` to ``outdir``.

        The files are written to a new directory beside ``outdir``, flushed to
        disk, and that directory then takes ``outdir``'s place in one atomic
        step, so ``outdir`` holds the old plan or the new one, complete, even if
        the process is killed (see :mod:`openskies.output.plan_writer`).  A marker file
        :data:`PLAN_MARKER` records that the directory holds a plan.

        Parameters
        ----------
        outdir
            The directory to create.  It may be absent or empty; a directory
            that holds a previous plan (its marker) is replaced with ``force``.
        force
            Replace ``outdir`` if it holds a previous plan and nothing else.

        Returns
        -------
        Path
            ``outdir``.

        Raises
        ------
        OutputError
            If ``outdir`` holds a plan and ``force`` is False, or is a file or a
            non-empty directory that is not a plan (also a ``FileExistsError``).
        OptionsError
            If ``outdir`` is not a path or contains a NUL character, or
            ``force`` is not a bool.
        OSError
            If a file cannot be written (``outdir`` is left as it was).
        """
        from openskies.errors import OptionsError
        from openskies.output.plan_writer import write_plan

        if not isinstance(outdir, str | os.PathLike):
            raise OptionsError(
                f"outdir must be a path (str or Path), got {type(outdir).__name__}"
            )
        if not isinstance(force, bool):
            raise OptionsError(f"force must be True or False, got {force!r:.40}")
        return write_plan(self, Path(outdir), force=force)


def plan_year(
    scenario: Scenario | str | Path | None = None,
    *,
    treaty: Treaty | None = None,
    progress: Progress | bool | None = None,
) -> AnnualPlan:
    """Plan a year of observation flights from a scenario, end to end.

    Allocate the active quotas from the requests, check the distribution
    against Article III, schedule the missions, check the calendar, plan a route
    for each mission over the observer's sites and check every route on the
    mission's date.

    Parameters
    ----------
    scenario
        A :class:`~openskies.annual.scenario.Scenario`, a scenario file, or None for
        the bundled illustrative scenario.
    treaty
        The treaty data; the bundled data by default.
    progress
        Called as ``progress(stage, done, total)`` when a stage of
        :data:`STAGES` starts (``done == 0``) and ends (``done == total``), and
        after each route.  ``True`` draws a tqdm bar on standard error,
        ``False`` nothing; None (default) draws the bar only when interactive
        (a terminal or a notebook), never in a pipe, a log or CI.

    Returns
    -------
    AnnualPlan
        Frozen; failures of a stage are statuses (an infeasible allocation, a
        partial calendar, a mission without a route), not exceptions.

    Raises
    ------
    ScenarioError, DataError
        If the scenario file or a file it names is malformed.
    OptionsError, UnknownStateError, NotAPartyError
        If a scenario value is out of range or names an unknown code or a
        state that is not a party in the year.

    Notes
    -----
    A scenario's ``membership`` what-if (a party leaving, a state joining) is
    applied to ``treaty`` first (:func:`~openskies.annual.membership.apply_membership`),
    so the view, the allocation, the schedule and the routes all reflect it.

    Time budget: each solver stage gets its limit from ``scenario.solver``:
    the allocation ``solver.allocation.time_limit_s``, the calendar
    ``solver.schedule.time_limit_s`` and each route
    ``solver.routes.time_limit_s`` [s], so the solvers take at most
    ``allocation + schedule + missions * routes`` seconds (the bundled 2020
    scenario: 5 + 5 + missions * 5 s, though its routes stop much earlier at
    their iteration limit), provided each solver honours its own limit.
    Loading, the validators and the legality checks have no limit; they grow
    with the number of missions.  :attr:`AnnualPlan.timings` records the time
    of every stage.

    References
    ----------
    Treaty on Open Skies, Art. III, VI; Annex A; Annex H; Annex L II.
    """
    from openskies.annual.progress import TqdmProgress, interactive

    if progress is None:
        progress = interactive()
    if not isinstance(progress, bool):
        return _plan_year(scenario, treaty, progress)
    if not progress:
        return _plan_year(scenario, treaty, None)
    bar = TqdmProgress(STAGES, desc="plan")
    try:
        return _plan_year(scenario, treaty, bar)
    finally:
        bar.close()


def _plan_year(
    scenario: Scenario | str | Path | None,
    treaty: Treaty | None,
    progress: Progress | None,
) -> AnnualPlan:
    """Run :func:`plan_year` with a progress callback or None."""
    from openskies.allocation.allocate import allocate
    from openskies.annual.membership import apply_membership
    from openskies.annual.routes import plan_routes
    from openskies.annual.scenario_reader import load_scenario
    from openskies.calendar.schedule import schedule
    from openskies.rules.distribution_check import check_distribution
    from openskies.rules.schedule_check import check_schedule
    from openskies.treaty.loading import load_treaty

    timings: dict[str, float] = {}

    def stage(name: str) -> Callable[[], None]:
        """Start timing ``name``; the routes report their own progress."""
        tell = progress if name != "routes" else None
        if tell is not None:
            tell(name, 0, 1)
        began = time.perf_counter()

        def done() -> None:
            timings[name] = time.perf_counter() - began
            if tell is not None:
                tell(name, 1, 1)

        return done

    end = stage("load")
    treaty = load_treaty() if treaty is None else treaty
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, treaty=treaty)
    treaty = apply_membership(treaty, scenario.membership)
    view = treaty.as_of(scenario.date)
    solver = scenario.solver
    end()
    end = stage("allocate")
    allocation = allocate(
        view,
        scenario.requests,
        scenario.year,
        previous=scenario.previous,
        disputed=scenario.disputed,
        objective=scenario.objective,
        pair_cap=scenario.pair_cap,
        reciprocity=scenario.reciprocity,
        options=solver.allocation,
    )
    end()
    end = stage("check_distribution")
    found = check_distribution(
        view,
        scenario.year,
        allocation.distribution,
        requests=scenario.requests,
        pair_cap=scenario.pair_cap,
    )
    end()
    end = stage("schedule")
    calendar = schedule(
        view,
        allocation.distribution,
        scenario.year,
        aircraft=scenario.aircraft,
        blackouts=scenario.blackouts,
        allow_partial=scenario.allow_partial,
        options=solver.schedule,
    )
    end()
    end = stage("check_schedule")
    problems = check_schedule(view, calendar) if calendar.status.has_solution else []
    end()
    end = stage("routes")
    routes = plan_routes(treaty, calendar.missions, scenario, progress)
    end()
    return AnnualPlan(
        scenario=scenario,
        view=view,
        allocation=allocation,
        distribution_violations=tuple(found),
        schedule=calendar,
        schedule_violations=tuple(problems),
        routes=routes,
        timings=MappingProxyType(timings),
    )


def _route_row(r: MissionRoute) -> dict[str, Any]:
    """Return one row of :meth:`AnnualPlan.routes_frame` (geometry None unrouted)."""
    row: dict[str, Any] = {
        "mission_id": r.mission_id,
        "observer": r.observer,
        "observed": r.observed,
        "date": r.date.isoformat(),
        "status": r.status,
        "start": r.start or "",
        "value": float("nan"),
        "sites_visited": 0,
        "visited": "",
        "distance_km": float("nan"),
        "max_distance_km": float("nan"),
        "legal": None,
        "violations": "",
        "findings": "",
        "message": r.message,
        "geometry": None,
    }
    if r.route is None or r.plan is None or r.report is None:
        return row
    report = r.report
    return row | {
        "value": r.plan.value,
        "sites_visited": len(r.plan.visited),
        "visited": "; ".join(map(str, r.plan.visited)),
        "distance_km": report.distance_km,
        "max_distance_km": (
            float("nan") if report.max_distance_km is None else report.max_distance_km
        ),
        "legal": report.legal,
        "violations": "; ".join(map(str, report.binding)),
        "findings": "; ".join(map(str, report.findings)),
        "geometry": r.route.line,
    }
