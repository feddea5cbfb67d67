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

Each rule is a record of :mod:`openskies.rules.catalogue` and is applied by the
kernel shared with :func:`~openskies.check_routes` and the planner
(:func:`openskies.rules.kernel.judge`); this module words the findings.

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

from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from openskies.geo.geodesy import length_inside_km, length_km, local_distance_km
from openskies.geo.route import Route, as_route
from openskies.geo.swap import swap_hint
from openskies.rules.airfields import End, not_eligible, what_is_eligible
from openskies.rules.catalogue import RESTRICTION_RULES, RULES, RuleId
from openskies.rules.kernel import Breach, Judgement, Tracks, judge, repeats
from openskies.rules.registry import (
    BORDER_KM,
    READINGS,
    REPEAT_DECIMALS,
    TOLERANCE_KM,
    RuleSet,
    as_view,
    check_options,
    neighbour_buffer,
    route_rules,
)
from openskies.rules.report import LegalityReport
from openskies.violations import Violation

if TYPE_CHECKING:
    import datetime as dt

    from shapely.geometry.base import BaseGeometry

    from openskies.treaty.model import TreatyView

__all__ = [
    "BORDER_KM",
    "READINGS",
    "TOLERANCE_KM",
    "LegalityReport",
    "check_route",
]


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
    coords = np.asarray(route.waypoints, dtype=np.float64)
    first, last = np.array([0]), np.array([len(coords) - 1])
    transit = np.zeros(len(coords) - 1, dtype=bool)
    transit[:] = route.transit or False
    tracks = Tracks.of(coords, first, last, transit, join=False)
    declared = {
        End.START: np.array([route.start], dtype=object),
        End.END: np.array([route.end], dtype=object),
    }
    verdict = judge(rules, view, tracks, np.array([0]), declared, reading, tolerance_km)
    words = _Words(view, rules, route, tracks, verdict, tolerance_km)
    found = [words.say(b) for b in verdict.breaches if b.mask[0]]
    if repeats(coords, np.zeros(len(coords), dtype=np.intp), first, last)[0]:
        found.append(_repeat_finding(route))
    outside_km = next(
        (v.value or 0.0 for v in found if v.rule == RuleId.TERRITORY), 0.0
    )
    by_region = _by_state(rules, words.observation, words.distance_km, outside_km)
    by_region.update({k: float(km[0]) for k, km in verdict.sublimit_km.items()})
    by_region["outside"] = outside_km
    by_region["transit"] = float(tracks.transit_distance[0])
    limit = float(verdict.limit[0])
    return LegalityReport(
        legal=not any(v.binding for v in found),
        violations=tuple(found),
        distance_km=float(tracks.distance[0]),
        distance_by_region=MappingProxyType(by_region),
        max_distance_km=None if np.isnan(limit) else limit,
        start_airfield=words.airfield_id(End.START),
        end_airfield=words.airfield_id(End.END),
        observer=rules.observer,
        observed=rules.observed,
        date=rules.date,
        reading=reading,
        unchecked=rules.unchecked,
    )


class _Words:
    """The findings of one route, worded from the kernel's verdict."""

    def __init__(
        self,
        view: TreatyView,
        rules: RuleSet,
        route: Route,
        tracks: Tracks,
        verdict: Judgement,
        tolerance_km: float,
    ) -> None:
        self.view, self.rules, self.route = view, rules, route
        self.verdict, self.tolerance_km = verdict, tolerance_km
        self.observation: BaseGeometry = tracks.observation[0]
        self.everything: BaseGeometry = tracks.everything[0]
        self.distance_km = float(tracks.distance[0])

    def airfield_id(self, end: End) -> str | None:
        """Return the id of the airfield the route's ``end`` was checked against."""
        used = int(self.verdict.used[end][0])
        candidates = (
            self.rules.start_airfields if end == End.START else self.rules.end_airfields
        )
        return None if used < 0 else candidates[used].id

    def say(self, breach: Breach) -> Violation:
        """Return the finding of one rule the route breaks."""
        if breach.check is not None:
            return self._restriction(breach)
        if breach.rule in (RuleId.START, RuleId.END):
            return self._endpoint(End.START if breach.rule == RuleId.START else End.END)
        if breach.rule == RuleId.TERRITORY:
            return self._territory()
        if breach.rule == RuleId.BORDER:
            return self._border()
        limit = float(self.verdict.limit[0])
        return Violation(
            RuleId.DISTANCE,
            RULES[RuleId.DISTANCE].say(
                km=self.distance_km, limit=limit, airfield=self.airfield_id(End.START)
            ),
            (self.rules.observed,),
            value=self.distance_km,
            limit=limit,
            where=self.observation,
        )

    def _endpoint(self, end: End) -> Violation:
        from shapely import Point

        rules, rule = self.rules, RuleId.START if end == End.START else RuleId.END
        point = Point(self.route.waypoints[0 if end == End.START else -1])
        declared = self.route.start if end == End.START else self.route.end
        named = declared if isinstance(declared, str) and declared.strip() else None
        used = self.airfield_id(end)
        if self.verdict.wrong[end][0] and named is not None:
            message = not_eligible(
                self.view.airfield(named), end, rules.observed, rules.date
            )
        elif used is None:
            message = (
                f"{rules.observed} has no {what_is_eligible(end).removeprefix('an ')} "
                f"on {rules.date.isoformat()}"
            )
        else:
            km = float(self.verdict.km[end][0])
            airfield = self.view.airfield(used)
            message = RULES[rule].say(
                km=km,
                airfield=f"{airfield.id} ({airfield.name})",
                how="declared" if named else "nearest eligible",
                tolerance=self.tolerance_km,
                what=what_is_eligible(end),
            )
            return Violation(
                rule,
                message,
                (rules.observed,),
                value=km,
                limit=self.tolerance_km,
                where=point,
            )
        return Violation(rule, message, (rules.observed,), where=point)

    def _territory(self) -> Violation:
        import shapely

        outside = shapely.difference(self.observation, self.rules.territory)
        # leg by leg, so that a stretch flown out and back counts twice
        legs = shapely.get_parts(self.observation)
        km = float(length_km(shapely.difference(legs, self.rules.territory)).sum())
        lon, lat = np.asarray(self.route.waypoints, dtype=np.float64).T
        return Violation(
            RuleId.TERRITORY,
            RULES[RuleId.TERRITORY].say(observed=self.rules.observed, km=km)
            + swap_hint(lon, lat, self.rules.territory),
            (self.rules.observed,),
            value=km,
            limit=0.0,
            where=outside,
        )

    def _border(self) -> Violation:
        import shapely

        rules = self.rules
        assert rules.border is not None
        piece = shapely.intersection(self.observation, rules.border)
        near = tuple(
            n
            for n in rules.border_states
            if shapely.intersects(
                neighbour_buffer(rules.treaty, n, rules.states), piece
            )
        )
        closest = (
            min(_closest_km(piece, rules.treaty.state_territory(n)) for n in near)
            if near
            else None
        )
        return Violation(
            RuleId.BORDER,
            RULES[RuleId.BORDER].say(
                border=BORDER_KM,
                near=", ".join(near),
                closest="" if closest is None else f" (closest {closest:,.1f} km)",
            ),
            near,
            value=closest,
            limit=BORDER_KM,
            where=piece,
        )

    def _restriction(self, breach: Breach) -> Violation:
        import shapely

        assert breach.check is not None
        check, r = breach.check, breach.check.restriction
        status = f"{r.id}, {r.legal_status}, imposed by {r.imposed_by or 'consensus'}"
        rule = RESTRICTION_RULES.get(r.kind, RESTRICTION_RULES["buffer_corridor"])
        value: float | None = None
        where: BaseGeometry | None
        if r.kind == "mission_ban":
            where = self.everything
            message = rule.say(
                observed=r.observed, observer=self.rules.observer, status=status
            )
        elif check.area is None:  # only a ban has no area
            raise AssertionError(f"restriction {r.id} has no area")
        elif r.kind == "distance_sublimit":
            value = float(self.verdict.sublimit_km[check.label][0])
            where = shapely.intersection(self.observation, check.area)
            message = rule.say(
                km=value, region=check.label, limit=r.value, status=status
            )
        elif r.kind == "no_fly":
            where = shapely.intersection(self.everything, check.area)
            message = rule.say(status=status)
        else:
            assert r.geometry is not None
            where = shapely.intersection(self.observation, check.area)
            value = _closest_km(where, r.geometry)
            message = rule.say(
                km=value,
                where="+".join(r.geometry_refs),
                limit=r.value,
                status=status,
            )
        return Violation(
            r.id,
            message,
            (r.imposed_by, self.rules.observer) if r.imposed_by else (),
            value=value,
            limit=r.value,
            where=where,
            restriction=r.id,
            legal_status=r.legal_status,
            binding=breach.binding,
        )


def _repeat_finding(route: Route) -> Violation:
    """Return the finding of a route that declares waypoints twice (R17-repeat)."""
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
    return Violation(
        RuleId.REPEAT,
        RULES[RuleId.REPEAT].say(
            count=len(repeated), lon=repeated[0][0], lat=repeated[0][1]
        ),
        value=float(len(repeated)),
        limit=0.0,
        where=MultiPoint(repeated),
    )


def _closest_km(piece: BaseGeometry, other: BaseGeometry) -> float:
    import shapely

    west, south, east, north = piece.bounds
    window = shapely.box(west - 2.0, south - 1.0, east + 2.0, north + 1.0)
    return local_distance_km(piece, shapely.intersection(other, window))


def _by_state(
    rules: RuleSet, observation: BaseGeometry, distance_km: float, outside_km: float
) -> dict[str, float]:
    """Return the observation length over each member state of the party [km]."""
    import shapely

    if len(rules.states) == 1:
        return {rules.states[0]: distance_km - outside_km}
    result = {}
    for state, geometry in zip(rules.states, rules.state_territories, strict=True):
        if observation.is_empty or not shapely.intersects(geometry, observation):
            result[state] = 0.0
        elif shapely.covers(geometry, observation):
            result[state] = distance_km
        else:
            result[state] = float(length_inside_km(observation, geometry)[0])
    return result
