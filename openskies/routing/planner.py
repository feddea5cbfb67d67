"""Plan an observation route: :func:`plan_route` and :class:`RoutePlan`.

The planner picks which sites to fly over, in which order, to collect the most
value within the maximum flight distance of the starting Open Skies airfield,
and returns a route that :func:`openskies.rules.legality.check_route` finds legal.

Model (documented choices)
--------------------------
* **Legs**: observation legs are WGS84 geodesics.  A leg that would leave the
  observed territory, come within 10 km of an adjacent non-party state or
  enter a binding buffer corridor or no-fly area is replaced by the shortest
  legal detour through turning points found in a visibility graph over the
  territory (:mod:`openskies.routing.detour`), or not used.
* **Transit** (``transit=True``): parts of the territory that no observation
  leg reaches (Kaliningrad, islands beyond the territorial sea) are entered
  and left by transit legs (sensors off), which do not count against the
  maximum distance (Art. VI.II.5, VIII.II.7), through one fixed gateway pair
  per two parts so that transit never shortens a path inside a part.
* **Budget**: the observation length (geodesic, WGS84) is at most the maximum
  flight distance of the starting airfield on the date (Annex A III); by
  default the route is out and back (``end`` = ``start``).  The search works
  on float64 lengths with a budget lowered by a few parts in 10^9, and the
  float length of the final route is checked again.
* **Restrictions** bind as in ``check_route`` under ``reading``: under
  ``"treaty"`` disputed restrictions (e.g. KGD-500, GEO-10KM) are findings
  only; under ``"observed-party"`` they bind.  Corridors and no-fly areas are
  obstacles.  A distance sub-limit is kept by dropping sites in its region
  (the one of least value per kilometre saved) and planning again; the
  planner measures the length inside the region leg by leg, so a leg flown
  out and back over one line counts twice.
* **Unreachable sites** are reported with a reason, never silently dropped:
  outside the territory, within 10 km of a non-party state, inside a binding
  zone, not connected, too far for an out-and-back flight by the shortest
  legal path, or alone over a sub-limit.
* **Value**: ``value`` sums the visited sites; other sites in the territory
  within ``swath_km`` of an observation leg (geodesic distance to the track
  densified every kilometre) are reported as ``covered`` (and
  ``covered_value``) but not counted in ``value``; a site in a no-fly area or
  the 10 km zone can be covered and unreachable at once.  Sites at the same
  position are visited together.
* **Time and size**: ``options.time_limit_s`` bounds the search and its
  repairs (each search gets at least 0.05 s; no new repair starts after the
  limit, so a plan ends within the limit plus one search and one
  ``check_route``).  Before the search, sites out of reach by straight legs
  (start to site to end, geodesic) are set aside as unreachable, and at most
  2,000 groups of the rest, those of most value, enter the detour network
  and the dense distance matrix (:mod:`openskies.routing.candidates`); legs are
  tested only between near neighbours and to the airfields.  This geometry
  is not interrupted: about 1 s at 1,000 sites over Russia and 3 s at 10,000
  (``benchmarks/bench_planner_scale.py``); larger site sets than
  :data:`MAX_SITES` are refused before any work.  A greedy chain on the
  planner's distances is the first incumbent, so a short limit still gives a
  route.  The free space and the detour graphs of a rule set and reading are
  cached for the next plan.  The search's moves are compiled (numba,
  :mod:`openskies.routing.ils_kernels`): the first plan in a process without
  numba's disk cache also compiles them, about 7 s of CPU once per
  installation, which the time limit does not bound.
* **Verification**: every route is checked by ``check_route``; a route with a
  binding violation is repaired (shorter budget, or one site fewer) and planned
  again, so a plan never carries an illegal route.  ``status`` is
  ``OPTIMAL`` only when the orienteering solver proved the first route
  optimal for the planner's distances and no repair was needed.

References
----------
Treaty on Open Skies, Art. II.11, IV.2 and IV.9 (sensor coverage), VI.II.2-5
(mission plan), VIII.II.7, Annex A III; treaty.md R16-R17, R23 and section 5.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openskies.errors import OptionsError
from openskies.options import (
    MAX_SWATH_KM,
    Deadline,
    Reading,
    SolveOptions,
    SolveStatus,
)
from openskies.routing.sites import MAX_SITES, SiteTable
from openskies.rules.airfields import End, required_airfield
from openskies.rules.registry import (
    TOLERANCE_KM,
    check_options,
    rule_set,
)

if TYPE_CHECKING:
    import geopandas
    import pandas

    from openskies.geo.route import Route
    from openskies.routing.search import Problem
    from openskies.rules.legality import LegalityReport
    from openskies.treaty.model import TreatyView

__all__ = [
    "DEFAULT_SWATH_KM",
    "MAX_SITES",
    "MAX_SWATH_KM",
    "SITE_STATUSES",
    "RoutePlan",
    "plan_route",
]

#: Default swath [km]: the SAR swath limit, well inside the 50 km optical limit.
DEFAULT_SWATH_KM = 25.0
#: Status of a site in :meth:`RoutePlan.to_frame`.
SITE_STATUSES = ("visited", "covered", "not visited", "unreachable")


@dataclass(frozen=True)
class RoutePlan:
    """A planned observation route and what it observes.

    Attributes
    ----------
    route
        The route (None when no legal route visits anything); legal under
        ``reading``.
    status
        ``OPTIMAL`` (proven best for the planner's distances), ``FEASIBLE``,
        or ``INFEASIBLE`` (no route; see ``reason``).
    value
        Total value of the visited sites (also ``objective``).
    bound
        Upper bound on the value of any route over the planner's distances
        (from the orienteering solver's bound).
    distance_km
        Observation length of the route [km] (transit legs excluded).
    max_distance_km
        Maximum flight distance of the starting airfield on the date [km].
    visited
        Labels of the visited sites in visiting order (sites at the starting
        airfield first, at the ending one last).
    covered
        Labels of the other sites in the territory within ``swath_km`` of an
        observation leg (some may also be unreachable as waypoints).
    covered_value
        Their total value (not counted in ``value``).
    unreachable
        ``(label, reason)`` of each site no legal route can visit.
    report
        ``check_route``'s report on ``route`` (None without a route).
    reason
        Why there is no route ('' when there is one).
    observer, observed, date, reading, start, end, swath_km
        The inputs (party codes and airfield ids normalised).
    runtime_s
        Wall-clock time [s].
    sites
        The validated site table (for :meth:`to_frame`).

    References
    ----------
    Treaty on Open Skies, Art. IV.9 (coverage), VI.II.4, Annex A III.
    """

    route: Route | None
    status: SolveStatus
    value: float
    bound: float
    distance_km: float
    max_distance_km: float
    visited: tuple[Hashable, ...]
    covered: tuple[Hashable, ...]
    covered_value: float
    unreachable: tuple[tuple[Hashable, str], ...]
    report: LegalityReport | None
    reason: str
    observer: str
    observed: str
    date: dt.date
    reading: str
    start: str
    end: str
    swath_km: float
    runtime_s: float
    sites: SiteTable = field(repr=False, compare=False)

    @property
    def objective(self) -> float:
        """The value collected (``value``)."""
        return self.value

    def __repr__(self) -> str:
        """Summarise the plan in one line (the site table is left out)."""
        return (
            f"RoutePlan({self.status}: {self.observer} over {self.observed} on "
            f"{self.date.isoformat()} from {self.start}, value {self.value:g} of "
            f"bound {self.bound:g}, {len(self.visited)} sites, "
            f"{self.distance_km:,.0f} / {self.max_distance_km:,.0f} km)"
        )

    def _repr_html_(self) -> str:
        """Return a compact HTML summary for notebooks."""
        from openskies.files.display import html_summary

        return html_summary(
            repr(self),
            [
                ("status", str(self.status)),
                ("value [points]", self.value),
                ("bound [points]", self.bound),
                ("observation length [km]", self.distance_km),
                ("maximum flight distance [km]", self.max_distance_km),
                ("visited", ", ".join(map(str, self.visited))),
                ("unreachable sites", len(self.unreachable)),
                ("reason", self.reason),
            ],
        )

    @property
    def __geo_interface__(self) -> dict[str, Any]:
        """The route as a GeoJSON FeatureCollection (see :meth:`to_geojson`)."""
        return self.to_geojson()

    def to_frame(self) -> pandas.DataFrame:
        """Return one row per site (input order and index).

        Columns: ``value``, ``status`` (visited, covered, not visited,
        unreachable), ``visit`` (1-based position in the route, else <NA>) and
        ``reason`` (why unreachable, else '').
        """
        import pandas

        labels = self.sites.labels
        status = ["not visited"] * len(labels)
        position: dict[Hashable, int] = {s: k + 1 for k, s in enumerate(self.visited)}
        covered, why = set(self.covered), dict(self.unreachable)
        for k, label in enumerate(labels):
            if label in position:
                status[k] = "visited"
            elif label in covered:
                status[k] = "covered"
            elif label in why:
                status[k] = "unreachable"
        return pandas.DataFrame(
            {
                "value": self.sites.value,
                "status": pandas.Categorical(status, categories=SITE_STATUSES),
                "visit": pandas.array([position.get(s) for s in labels], dtype="Int64"),
                "reason": [why.get(s, "") for s in labels],
            },
            index=self.sites.index,
        )

    def to_geodataframe(self) -> geopandas.GeoDataFrame:
        """Return :meth:`to_frame` with the sites' points (EPSG:4326)."""
        import geopandas

        return geopandas.GeoDataFrame(
            self.to_frame(),
            geometry=geopandas.points_from_xy(self.sites.lon, self.sites.lat),
            crs="EPSG:4326",
        )

    def to_geojson(self) -> dict[str, Any]:
        """Return the route as a GeoJSON FeatureCollection of one LineString.

        The feature's properties hold ``start``, ``end``, ``transit`` (leg
        indices), ``name`` (as :meth:`Route.to_feature`) and the plan's
        summary; no route gives an empty collection with the summary.
        """
        summary = {
            "observer": self.observer,
            "observed": self.observed,
            "date": self.date.isoformat(),
            "reading": self.reading,
            "status": self.status.value,
            "value": self.value,
            "bound": self.bound,
            "distance_km": self.distance_km,
            "max_distance_km": self.max_distance_km,
            "visited": [_json_label(s) for s in self.visited],
            "covered": [_json_label(s) for s in self.covered],
            "covered_value": self.covered_value,
            "reason": self.reason,
        }
        if self.route is None:
            return {"type": "FeatureCollection", "features": [], "properties": summary}
        feature = self.route.to_feature()
        feature["properties"].update(summary)
        return {"type": "FeatureCollection", "features": [feature]}

    def write_geojson(self, path: str | Path) -> None:
        """Write :meth:`to_geojson` to ``path`` atomically."""
        from openskies.files.atomic import write_text_atomic

        write_text_atomic(path, json.dumps(self.to_geojson(), indent=1) + "\n")


def _json_label(label: Hashable) -> object:
    return label if isinstance(label, int | float | str | bool) else str(label)


def plan_route(
    view: TreatyView,
    *,
    observer: str,
    observed: str,
    start: str,
    sites: geopandas.GeoDataFrame,
    date: dt.date | str | None = None,
    end: str | None = None,
    swath_km: float = DEFAULT_SWATH_KM,
    reading: Reading | str = Reading.TREATY,
    transit: bool = True,
    options: SolveOptions | None = None,
) -> RoutePlan:
    """Plan the legal route that observes the most site value within the budget.

    Parameters
    ----------
    view
        The treaty on a date (``load_treaty().as_of(...)``).
    observer, observed
        Observing and observed state or party codes.
    start
        Id or ICAO code of the starting Open Skies airfield (or point of
        entry) of the observed party; its maximum flight distance on the date
        is the budget.
    sites
        GeoDataFrame of at most :data:`MAX_SITES` (20,000) points (EPSG:4326 or any CRS,
        converted) with a ``value`` column from 0 to
        :data:`openskies.geo.sites.MAX_VALUE`; labels are the index.  An empty
        frame gives an ``INFEASIBLE`` plan.
    date
        Date of the flight; the view's date by default.
    end
        Ending airfield (an OSA or point of exit of the observed party);
        ``None`` returns to ``start``.
    swath_km
        Sites within this distance of an observation leg count as covered
        [km], 0 to 50 (R23: optical coverage at most 50 km each side; SAR
        swath at most 25 km, the default).
    reading
        ``"treaty"`` or ``"observed-party"``: whether disputed restrictions
        bind (as in ``check_route``).
    transit
        Whether parts of the territory that observation legs cannot reach may
        be entered by transit legs (sensors off).
    options
        Time limit, seed (None: ``SolveOptions()``, 10 s).  The plan returns
        within the time limit plus the uninterrupted geometry set-up and one
        search and check (see "Time and size" in the module docstring).  The
        same input and seed give the same plan unless the time limit cuts the
        search short.

    Returns
    -------
    RoutePlan
        The route, visited, covered and unreachable sites, value and status.

    Raises
    ------
    OptionsError
        If ``sites`` is malformed or has more than :data:`MAX_SITES` rows,
        ``swath_km`` or ``reading`` is out of range, ``transit`` is not a bool,
        ``options`` is not a ``SolveOptions``, an airfield is not eligible, or
        observer and observed are one party.
    GeometryError
        If a site is not a valid point.
    UnknownStateError, NotAPartyError
        If a code or airfield is unknown, or a code is not a party on the date.

    References
    ----------
    Treaty on Open Skies, Art. VI.II.2-5, VIII.II.7, Annex A III; treaty.md
    R16, R17, R23 and section 5.
    """
    problem = _problem(
        view,
        observer=observer,
        observed=observed,
        start=start,
        sites=sites,
        date=date,
        end=end,
        swath_km=swath_km,
        reading=reading,
        transit=transit,
        options=options,
    )
    found = problem.solve()
    table, rules = problem.table, problem.rules
    labels, value = table.labels, table.value
    return RoutePlan(
        route=found.route,
        status=found.status,
        value=math.fsum(value[list(found.visited)].tolist()),
        bound=found.bound,
        distance_km=0.0 if found.report is None else found.report.distance_km,
        max_distance_km=problem.limit,
        visited=tuple(labels[k] for k in found.visited),
        covered=tuple(labels[k] for k in found.covered),
        covered_value=math.fsum(value[list(found.covered)].tolist()),
        unreachable=tuple((labels[k], why) for k, why in found.unreachable),
        report=found.report,
        reason=found.reason,
        observer=rules.observer,
        observed=rules.observed,
        date=rules.date,
        reading=reading,
        start=problem.first.id,
        end=problem.last.id,
        swath_km=problem.swath_km,
        runtime_s=problem.deadline.elapsed(),
        sites=table,
    )


def _problem(
    view: TreatyView,
    *,
    observer: str,
    observed: str,
    start: str,
    sites: geopandas.GeoDataFrame,
    date: dt.date | str | None,
    end: str | None,
    swath_km: float,
    reading: Reading | str,
    transit: bool,
    options: SolveOptions | None,
) -> Problem:
    """Validate the arguments of :func:`plan_route` and return its problem."""
    from openskies.routing.search import Problem

    opts = SolveOptions() if options is None else options
    if not isinstance(opts, SolveOptions):
        raise OptionsError(
            f"options must be a SolveOptions or None, got {type(opts).__name__}"
        )
    deadline = Deadline.of(opts)
    if not isinstance(transit, bool):
        raise OptionsError(f"transit must be True or False, got {transit!r:.40}")
    check_options(reading, TOLERANCE_KM)
    reading = Reading(reading)
    if isinstance(swath_km, bool) or not (
        isinstance(swath_km, int | float) and 0.0 <= swath_km <= MAX_SWATH_KM
    ):
        raise OptionsError(
            f"swath_km must be a number of km from 0 to {MAX_SWATH_KM:g} (optical "
            f"coverage is at most 50 km each side, R23); got {swath_km!r}"
        )
    if date is not None:
        view = view.treaty.as_of(date)
    rules = rule_set(view, observer, observed)
    first = required_airfield(
        view, start, rules.start_airfields, End.START, rules.observed
    )
    last = (
        first
        if end is None
        else required_airfield(view, end, rules.end_airfields, End.END, rules.observed)
    )
    table = SiteTable.of(sites)
    return Problem(
        view=view,
        rules=rules,
        reading=reading,
        first=first,
        last=last,
        table=table,
        swath_km=float(swath_km),
        transit=transit,
        options=opts,
        deadline=deadline,
    )
