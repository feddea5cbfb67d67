"""Route legality: check an observation route against the treaty and restrictions.

:func:`check_route` returns a :class:`LegalityReport` with every finding; the
rule ids are those of the developer reference (``R16``, ``R17-*``) or the id of
the restriction broken:

==================  ==========================================================
rule                check
==================  ==========================================================
``R17-start``       starts within the tolerance of an Open Skies airfield (or
                    point of entry) of the observed party that has a maximum
                    flight distance in force (Art. VI.II.4, Annex E)
``R17-end``         ends within the tolerance of an OSA or point of exit of the
                    observed party (Art. VI.II.4)
``R17-territory``   observation legs, followed along their geodesics, stay in
                    the observed party's territory (Art. II.11, VI.II.2)
``R16``             observation length <= the starting airfield's maximum
                    flight distance (Art. VI.II.4(A), Annex A III)
``R17-border``      observation legs keep 10 km from every adjacent non-party
                    state (Art. VI.II.4)
``R17-repeat``      no waypoint declared twice, except start = end (Art. VI.II.4)
restriction id      each restriction in force that applies to the observer
==================  ==========================================================

Semantics (decisions):

* Transit legs (sensors off, Art. VI.II.5) may leave the territory; they are not
  checked against territory, border zone, distance sub-limits or corridors, and
  their length is reported under ``distance_by_region["transit"]``, not counted
  against the maximum distance.  No-fly areas apply to every leg.
* A ``distance_sublimit`` caps the observation length inside its geometry; a
  ``buffer_corridor`` forbids observation track within ``value`` km of its
  geometry (buffered geodesically); a ``no_fly`` area forbids any track in it; a
  ``mission_ban`` forbids the observer's missions outright.  Restrictions that
  apply but lack a geometry or value, and ``altitude_floor`` and
  ``airfield_limit`` rules (a route has no altitudes or stops), are listed in
  ``LegalityReport.unchecked``.  ``quota_freeze`` and ``designation`` rules are
  about quotas and airfields, not routes, and are ignored here.
* ``reading="treaty"`` (default) reports disputed restrictions as findings with
  ``binding=False``; ``reading="observed-party"`` applies them as binding.
* Two waypoints are the same point when equal to 1e-6 degrees (about 0.1 m).

References
----------
Treaty on Open Skies, Art. II.11, VI.II.2-5, VIII.II.7, Annex A III, Annex E.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from openskies.geo.geodesy import (
    densify_legs,
    geodesic_km,
    leg_parts,
    length_inside_km,
    length_km,
    local_distance_km,
)
from openskies.geo.route import Route, as_route
from openskies.rules.registry import (
    BORDER_KM,
    READINGS,
    REPEAT_DECIMALS,
    TOLERANCE_KM,
    RuleSet,
    as_view,
    check_options,
    nearest_airfield,
    neighbour_buffer,
    route_rules,
)
from openskies.violations import Violation

if TYPE_CHECKING:
    import geopandas
    from shapely.geometry.base import BaseGeometry

    from openskies.treaty.model import Airfield, TreatyView

__all__ = [
    "BORDER_KM",
    "READINGS",
    "TOLERANCE_KM",
    "LegalityReport",
    "check_route",
]


@dataclass(frozen=True)
class LegalityReport:
    """The verdict on one route.

    Attributes
    ----------
    legal
        True when no binding violation was found.
    violations
        Every finding, binding or not (see ``Violation.binding``).
    distance_km
        Length of the observation legs along WGS84 geodesics [km].
    distance_by_region
        Observation length per member state of the observed party, per region
        of a distance sub-limit in force (e.g. ``kaliningrad_oblast``), outside
        the territory (``outside``), and the length of transit legs
        (``transit``) [km].
    max_distance_km
        Maximum flight distance of the starting airfield in force [km].
    start_airfield, end_airfield
        Ids of the airfields the route was checked against (declared, else
        nearest eligible).
    observer, observed
        Observer code and observed party code.
    date
        Date the rules were taken from.
    reading
        ``treaty`` or ``observed-party``.
    unchecked
        Restrictions in force that apply but cannot be checked from the data.
    """

    legal: bool
    violations: tuple[Violation, ...]
    distance_km: float
    distance_by_region: Mapping[str, float]
    max_distance_km: float | None
    start_airfield: str | None
    end_airfield: str | None
    observer: str
    observed: str
    date: dt.date
    reading: str
    unchecked: tuple[str, ...] = ()

    @property
    def binding(self) -> tuple[Violation, ...]:
        """The violations that make the route illegal."""
        return tuple(v for v in self.violations if v.binding)

    @property
    def findings(self) -> tuple[Violation, ...]:
        """Findings that do not make the route illegal under the reading."""
        return tuple(v for v in self.violations if not v.binding)

    def to_frame(self) -> geopandas.GeoDataFrame:
        """Return the findings as a GeoDataFrame (one row each, EPSG:4326)."""
        import geopandas

        return geopandas.GeoDataFrame(
            {
                "rule": [v.rule for v in self.violations],
                "binding": [v.binding for v in self.violations],
                "message": [v.message for v in self.violations],
                "value": [v.value for v in self.violations],
                "limit": [v.limit for v in self.violations],
                "restriction": [v.restriction for v in self.violations],
                "legal_status": [v.legal_status for v in self.violations],
            },
            geometry=[v.where for v in self.violations],
            crs="EPSG:4326",
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-compatible data (geometry as GeoJSON)."""
        from shapely.geometry import mapping

        return {
            "legal": self.legal,
            "observer": self.observer,
            "observed": self.observed,
            "date": self.date.isoformat(),
            "reading": self.reading,
            "distance_km": self.distance_km,
            "max_distance_km": self.max_distance_km,
            "distance_by_region": dict(self.distance_by_region),
            "start_airfield": self.start_airfield,
            "end_airfield": self.end_airfield,
            "violations": [
                {
                    "rule": v.rule,
                    "message": v.message,
                    "binding": v.binding,
                    "value": v.value,
                    "limit": v.limit,
                    "restriction": v.restriction,
                    "legal_status": v.legal_status,
                    "where": None if v.where is None else mapping(v.where),
                }
                for v in self.violations
            ],
            "unchecked": list(self.unchecked),
        }


@dataclass(frozen=True)
class _Track:
    """A route's legs densified along geodesics, as shapely geometry."""

    observation: BaseGeometry
    transit: BaseGeometry
    everything: BaseGeometry
    distance_km: float
    transit_km: float

    @classmethod
    def of(cls, route: Route) -> _Track:
        import shapely

        points = np.asarray(route.waypoints, dtype=np.float64)
        lon, lat, leg, lengths = densify_legs(
            points[:-1, 0], points[:-1, 1], points[1:, 0], points[1:, 1]
        )
        parts, part_leg = leg_parts(lon, lat, leg)
        transit = np.asarray(route.transit, dtype=bool)
        return cls(
            observation=shapely.MultiLineString(list(parts[~transit[part_leg]])),
            transit=shapely.MultiLineString(list(parts[transit[part_leg]])),
            everything=shapely.MultiLineString(list(parts)),
            distance_km=float(lengths[~transit].sum()),
            transit_km=float(lengths[transit].sum()),
        )


def check_route(
    view: TreatyView,
    route: Route | object,
    *,
    observer: str,
    observed: str,
    date: dt.date | str | None = None,
    reading: str = "treaty",
    tolerance_km: float = TOLERANCE_KM,
) -> LegalityReport:
    """Check one observation route against the treaty and the restrictions.

    Parameters
    ----------
    view
        The treaty on a date (``load_treaty().as_of(...)``).
    route
        A :class:`~openskies.geo.route.Route`, or a shapely LineString of (lon, lat)
        whose first and last points are the start and end.
    observer
        Observing state or party code.
    observed
        Observed state or party code; its party's territory (all member states)
        is the territory observed.
    date
        Date of the flight; the view's date by default.
    reading
        ``"treaty"`` (disputed restrictions are non-binding findings) or
        ``"observed-party"`` (applied as the observed party demands).
    tolerance_km
        Largest distance between the route's first / last point and the
        starting / ending airfield [km].

    Returns
    -------
    LegalityReport
        ``legal`` plus every finding (see the module docstring for the rules).

    Raises
    ------
    GeometryError
        If ``route`` is not a Route or LineString, or has a bad waypoint.
    UnknownStateError
        If a code or a declared airfield id is unknown, or observer or observed
        is not a string (``observer=None`` is refused, not read as "anyone").
    NotAPartyError
        If observer or observed is not a party on the date.
    OptionsError
        If ``view`` is not a TreatyView, ``date`` is not a date, ``reading`` or
        ``tolerance_km`` is invalid, or observer and observed are the same party.

    References
    ----------
    Treaty on Open Skies, Art. II.11, VI.II.2-5, Annex A III; treaty.md R16-R17
    and section 5 (restrictions).
    """
    view = as_view(view)
    check_options(reading, tolerance_km)
    route = as_route(route)
    if date is not None:
        view = view.treaty.as_of(date)
    rules = route_rules(view, observer, observed)
    track = _Track.of(route)
    found: list[Violation] = []
    first = _endpoint(view, rules, route, tolerance_km, found, "start")
    last = _endpoint(view, rules, route, tolerance_km, found, "end")
    start = None if first is None else first.id
    end = None if last is None else last.id
    limit = None if first is None else first.max_distance_km
    outside_km = _check_territory(rules, track, found)
    if limit is not None and track.distance_km > limit:
        found.append(
            Violation(
                "R16",
                f"observation length {track.distance_km:,.1f} km exceeds the maximum "
                f"flight distance {limit:,.0f} km of {start} (Annex A III); shorten "
                "the route or declare legs outside the territory as transit",
                (rules.observed,),
                value=track.distance_km,
                limit=limit,
                where=track.observation,
            )
        )
    _check_border(rules, track, found)
    regions = _check_restrictions(rules, track, reading, found)
    _check_repeats(route, found)
    by_region = _by_state(rules, track, outside_km)
    by_region.update(regions)
    by_region["outside"] = outside_km
    by_region["transit"] = track.transit_km
    return LegalityReport(
        legal=not any(v.binding for v in found),
        violations=tuple(found),
        distance_km=track.distance_km,
        distance_by_region=MappingProxyType(by_region),
        max_distance_km=limit,
        start_airfield=start,
        end_airfield=end,
        observer=rules.observer,
        observed=rules.observed,
        date=rules.date,
        reading=reading,
        unchecked=rules.unchecked,
    )


def _resolve(
    view: TreatyView,
    candidates: tuple[Airfield, ...],
    declared: str | None,
    point: tuple[float, float],
) -> tuple[Airfield | None, Airfield | None, float]:
    """Return (declared airfield, airfield used, distance from point to it)."""
    lon, lat = point
    if declared is not None:
        named = view.airfield(declared)
        if any(a.id == named.id for a in candidates):
            used = next(a for a in candidates if a.id == named.id)
            return named, used, float(geodesic_km(used.lon, used.lat, lon, lat))
        return named, *nearest_airfield(candidates, lon, lat)
    return None, *nearest_airfield(candidates, lon, lat)


def _endpoint(
    view: TreatyView,
    rules: RuleSet,
    route: Route,
    tolerance_km: float,
    found: list[Violation],
    which: str,
) -> Airfield | None:
    from shapely import Point

    is_start = which == "start"
    candidates = rules.start_airfields if is_start else rules.end_airfields
    point = route.waypoints[0] if is_start else route.waypoints[-1]
    declared = route.start if is_start else route.end
    named, used, km = _resolve(view, candidates, declared, point)
    what = (
        "an Open Skies airfield or point of entry with a maximum flight distance"
        if is_start
        else "an Open Skies airfield or point of exit"
    )
    rule = f"R17-{which}"
    if named is not None and (used is None or named.id != used.id):
        found.append(
            Violation(
                rule,
                f"declared {which} airfield {named.id} ({named.name}) is not {what} "
                f"of {rules.observed} on {rules.date.isoformat()}",
                (rules.observed,),
                where=Point(point),
            )
        )
    elif used is None:
        found.append(
            Violation(
                rule,
                f"{rules.observed} has no {what.removeprefix('an ')} on "
                f"{rules.date.isoformat()}",
                (rules.observed,),
                where=Point(point),
            )
        )
    elif km > tolerance_km:
        found.append(
            Violation(
                rule,
                f"the route {which}s {km:,.1f} km from {used.id} ({used.name}), the "
                f"{'declared' if named else 'nearest eligible'} airfield; it must "
                f"{which} within {tolerance_km:g} km of {what}",
                (rules.observed,),
                value=km,
                limit=tolerance_km,
                where=Point(point),
            )
        )
    return used


def _check_territory(rules: RuleSet, track: _Track, found: list[Violation]) -> float:
    import shapely

    if track.observation.is_empty or shapely.covers(rules.territory, track.observation):
        return 0.0
    outside = shapely.difference(track.observation, rules.territory)
    km = float(length_km(outside)[0])
    found.append(
        Violation(
            "R17-territory",
            f"observation legs leave the territory of {rules.observed} for "
            f"{km:,.1f} km; keep them inside or declare those legs transit "
            "(sensors off)",
            (rules.observed,),
            value=km,
            limit=0.0,
            where=outside,
        )
    )
    return km


def _closest_km(piece: BaseGeometry, other: BaseGeometry) -> float:
    import shapely

    west, south, east, north = piece.bounds
    window = shapely.box(west - 2.0, south - 1.0, east + 2.0, north + 1.0)
    return local_distance_km(piece, shapely.intersection(other, window))


def _check_border(rules: RuleSet, track: _Track, found: list[Violation]) -> None:
    import shapely

    if rules.border is None or not shapely.intersects(rules.border, track.observation):
        return
    piece = shapely.intersection(track.observation, rules.border)
    near = tuple(
        n
        for n in rules.border_states
        if shapely.intersects(neighbour_buffer(rules.treaty, n, rules.states), piece)
    )
    closest = (
        min(_closest_km(piece, rules.treaty.state_territory(n)) for n in near)
        if near
        else None
    )
    found.append(
        Violation(
            "R17-border",
            f"observation legs come within {BORDER_KM:g} km of non-party "
            f"{', '.join(near)}"
            + ("" if closest is None else f" (closest {closest:,.1f} km)")
            + "; keep 10 km from the border of non-party states",
            near,
            value=closest,
            limit=BORDER_KM,
            where=piece,
        )
    )


def _check_restrictions(
    rules: RuleSet, track: _Track, reading: str, found: list[Violation]
) -> dict[str, float]:
    import shapely

    regions: dict[str, float] = {}
    for check in rules.checks:
        r = check.restriction
        status = f"{r.id}, {r.legal_status}, imposed by {r.imposed_by or 'consensus'}"
        finding: tuple[str, float | None, BaseGeometry | None] | None = None
        if r.kind == "mission_ban":
            finding = (
                f"{r.observed} refuses missions by {rules.observer} ({status})",
                None,
                track.everything,
            )
        elif check.area is None:
            continue
        elif r.kind == "distance_sublimit":
            hit = shapely.intersects(check.area, track.observation)
            inside = (
                shapely.intersection(track.observation, check.area) if hit else None
            )
            km = (
                float(length_inside_km(track.observation, check.area)[0])
                if hit
                else 0.0
            )
            regions[check.label] = km
            if r.value is not None and km > r.value:
                finding = (
                    f"{km:,.1f} km of observation track over {check.label} exceeds "
                    f"the sub-limit of {r.value:g} km ({status})",
                    km,
                    inside,
                )
        else:
            track_part = track.everything if r.kind == "no_fly" else track.observation
            if shapely.intersects(check.area, track_part):
                piece = shapely.intersection(track_part, check.area)
                if r.kind == "no_fly":
                    finding = (f"track enters a no-fly area ({status})", None, piece)
                else:
                    assert r.geometry is not None
                    closest = _closest_km(piece, r.geometry)
                    finding = (
                        f"observation track comes {closest:,.1f} km from "
                        f"{'+'.join(r.geometry_refs)}, closer than {r.value:g} km "
                        f"({status})",
                        closest,
                        piece,
                    )
        if finding is not None:
            message, value, where = finding
            found.append(
                Violation(
                    r.id,
                    message,
                    (r.imposed_by, rules.observer) if r.imposed_by else (),
                    value=value,
                    limit=r.value,
                    where=where,
                    restriction=r.id,
                    legal_status=r.legal_status,
                    binding=check.binding(reading),
                )
            )
    return regions


def _check_repeats(route: Route, found: list[Violation]) -> None:
    from shapely import MultiPoint

    points = [
        (round(lon, REPEAT_DECIMALS), round(lat, REPEAT_DECIMALS))
        for lon, lat in route.waypoints
    ]
    if len(points) > 2 and points[0] == points[-1]:
        points = points[:-1]
    seen: set[tuple[float, float]] = set()
    repeated: list[tuple[float, float]] = []
    for point in points:
        if point in seen and point not in repeated:
            repeated.append(point)
        seen.add(point)
    if repeated:
        found.append(
            Violation(
                "R17-repeat",
                f"{len(repeated)} waypoint(s) declared twice, e.g. lon "
                f"{repeated[0][0]}, lat {repeated[0][1]}; a route may not pass the "
                "same point twice except to end where it started",
                value=float(len(repeated)),
                limit=0.0,
                where=MultiPoint(repeated),
            )
        )


def _by_state(rules: RuleSet, track: _Track, outside_km: float) -> dict[str, float]:
    import shapely

    if len(rules.states) == 1:
        return {rules.states[0]: track.distance_km - outside_km}
    result = {}
    for state, geometry in zip(rules.states, rules.state_territories, strict=True):
        if track.observation.is_empty or not shapely.intersects(
            geometry, track.observation
        ):
            result[state] = 0.0
        elif shapely.covers(geometry, track.observation):
            result[state] = track.distance_km
        else:
            result[state] = float(length_inside_km(track.observation, geometry)[0])
    return result
