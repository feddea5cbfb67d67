"""The legality kernel: every route rule, written once, over arrays of tracks.

:func:`judge` applies the rules of a :class:`~openskies.rules.registry.RuleSet`
to many densified tracks at once and returns which rule each breaks;
:func:`~openskies.check_route` (one route, with messages),
:func:`~openskies.check_routes` (many), the planner's free space and the
reachable area call the same predicates (:func:`leaves_territory`,
:func:`crosses`, :func:`clear_of`, :func:`repeats`), so that their verdicts
agree by construction.  Rule ids and messages are in
:mod:`openskies.rules.catalogue`, airfield eligibility in
:mod:`openskies.rules.airfields`.

References
----------
Treaty on Open Skies, Art. II.11, VI.II.2-5, Annex A III; treaty.md R16-R17
and section 5 (restrictions).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from openskies.geo.cells import INSIDE, OUTSIDE, band_of
from openskies.geo.geodesy import (
    LENGTH_ERROR_KM,
    densify_legs,
    geodesic_inverse,
    leg_parts,
    length_inside_km,
    wgs84,
)
from openskies.rules.airfields import End, airfield_distances
from openskies.rules.catalogue import RuleId, rank_of
from openskies.rules.registry import REPEAT_DECIMALS
from openskies.rules.settle import (
    CELLS_FROM_LINES,
    Legs,
    Settled,
    Settler,
    unsettled_lines,
)

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray
    from shapely import STRtree
    from shapely.geometry.base import BaseGeometry

    from openskies.rules.registry import RestrictionCheck, RuleSet
    from openskies.treaty.model import TreatyView

__all__ = [
    "Breach",
    "Judgement",
    "Tracks",
    "Zone",
    "binding_zones",
    "clear_of",
    "crosses",
    "judge",
    "leaves_territory",
    "leg_lines",
    "repeats",
]


class Tracks:
    """Densified tracks of routes ``offset .. offset + n`` (one chunk).

    Attributes
    ----------
    offset
        Position of the first route of the chunk.
    first, last
        First and last waypoint of each route, (n, 2) of (lon, lat) [deg].
    observation
        Observation legs of each route, followed along their geodesics
        (MultiLineStrings, cut at the antimeridian).
    distance
        Observation length of each route [km].
    transit_distance
        Length of the transit legs of each route [km].
    leaves
        Whether each route is already known to leave the territory (see
        :mod:`openskies.rules.settle`).
    hits
        Per area known to be touched by some routes (keyed by ``id(area)``),
        whether each route is.
    """

    def __init__(
        self,
        offset: int,
        ends: tuple[NDArray[np.float64], NDArray[np.float64]],
        observation: NDArray[np.object_],
        parts: tuple[NDArray[np.object_], NDArray[np.intp]],
        distance: tuple[NDArray[np.float64], NDArray[np.float64]],
        settled: Settled | None = None,
    ) -> None:
        self.offset = offset
        self.first, self.last = ends
        self.observation = observation
        self.distance, self.transit_distance = distance
        self._parts = parts
        count = observation.size
        self.leaves = np.zeros(count, bool) if settled is None else settled.leaves
        #: Per final area (by ``id``), whether each route is known to touch it.
        self.hits = {} if settled is None else settled.hits
        #: Observation legs (lon1, lat1, lon2, lat2 [deg]) and their routes.
        self.legs: tuple[list[NDArray[np.float64]], NDArray[np.intp]] | None = None
        #: Number of observation legs of each route.
        self.count = np.zeros(observation.size, dtype=np.intp)

    def exact_distance(self, local: NDArray[np.intp]) -> None:
        """Recompute the observation length of tracks ``local`` with GeographicLib.

        The compiled lengths (:func:`geodesic_inverse`) are within
        ``LENGTH_ERROR_KM`` per leg of GeographicLib's; a route that close to
        its distance limit gets GeographicLib's lengths, so its verdict is that
        of the exact lengths.
        """
        if self.legs is None or not local.size:
            return
        ends, route = self.legs
        mine = np.isin(route, local)
        x1, y1, x2, y2 = (x[mine] for x in ends)
        _, _, metres = wgs84().inv(x1, y1, x2, y2, inplace=True)
        km = np.bincount(route[mine], weights=metres, minlength=self.distance.size)
        self.distance[local] = km[local] / 1000.0

    @classmethod
    def of(
        cls,
        coords: NDArray[np.float64],
        starts: NDArray[np.intp],
        ends: NDArray[np.intp],
        transit: NDArray[np.bool_],
        low: int = 0,
        high: int | None = None,
        *,
        join: bool = True,
        settle: Settler | None = None,
    ) -> Tracks:
        """Densify the legs of routes ``low .. high - 1`` and build their tracks.

        Parameters
        ----------
        coords
            Waypoints of every route, one after the other, (m, 2) [deg].
        starts, ends
            Index in ``coords`` of the first and last waypoint of each route.
        transit
            Whether each leg (consecutive waypoints of one route) is transit.
        low, high
            The routes to build (all by default).
        join
            Whether consecutive legs of one kind become one line string (fewer,
            longer parts, faster), else one line string per leg (lengths
            inside regions summed leg by leg).
        settle
            Given the legs (:class:`Legs`), which legs need no densified test
            (proven by cells in the territory and clear of every zone, or
            ending outside the territory and clear of every zone) and which
            routes are proven to leave the territory; those legs are left out
            of the tracks.  None: every leg is densified.
        """
        import shapely

        high = starts.size if high is None else high
        count = high - low
        points = coords[starts[low] : ends[high - 1] + 1]
        sizes = ends[low:high] - starts[low:high] + 1
        owner = np.repeat(np.arange(count), sizes)
        same = owner[1:] == owner[:-1]
        leg_route = owner[:-1][same]
        flags = transit[starts[low] - low : ends[high - 1] - (high - 1)]
        a, b = points[:-1][same], points[1:][same]
        ends_ = [np.ascontiguousarray(x) for x in (a[:, 0], a[:, 1], b[:, 0], b[:, 1])]
        inverse = geodesic_inverse(*ends_)
        lengths = inverse[2] / 1000.0
        # one line per run of legs of one kind in one route: fewer, longer parts
        joined = np.concatenate(([False], leg_route[1:] == leg_route[:-1]))
        joined[1:] &= (flags[1:] == flags[:-1]) & join
        settled = None
        keep = np.arange(lengths.size)
        if settle is not None:
            both = np.column_stack(ends_)
            legs = Legs(both, lengths, leg_route, flags, count, np.column_stack(inverse))
            settled = settle(legs)
            skip = settled.skip
            keep = np.flatnonzero(~skip)
            # a line never bridges a leg left out
            joined[1:] &= ~skip[:-1]
        lon, lat, leg, _ = densify_legs(
            *(x[keep] for x in ends_), inverse=tuple(x[keep] for x in inverse)
        )
        parts, part_leg = leg_parts(lon, lat, keep[leg], joined)
        observing = ~flags[part_leg]
        observation = np.full(count, shapely.MultiLineString(), dtype=object)
        shapely.multilinestrings(
            parts[observing], indices=leg_route[part_leg[observing]], out=observation
        )
        km = [
            np.bincount(leg_route, weights=lengths * ~flags, minlength=count),
            np.bincount(leg_route, weights=lengths * flags, minlength=count),
        ]
        tracks = cls(
            low,
            (coords[starts[low:high]], coords[ends[low:high]]),
            observation,
            (parts, leg_route[part_leg]),
            (km[0].astype(np.float64), km[1].astype(np.float64)),
            settled,
        )
        tracks.legs = ([x[~flags] for x in ends_], leg_route[~flags])
        tracks.count = np.bincount(tracks.legs[1], minlength=count)
        return tracks

    @cached_property
    def everything(self) -> NDArray[np.object_]:
        """Every leg (observation and transit) of each route, for no-fly areas."""
        import shapely

        parts, route = self._parts
        result = np.full(self.distance.size, shapely.MultiLineString(), dtype=object)
        shapely.multilinestrings(parts, indices=route, out=result)
        return result


def leg_lines(
    lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike
) -> tuple[NDArray[np.object_], NDArray[np.float64]]:
    """Return single legs densified along their geodesics, and their lengths [km].

    Each leg becomes a MultiLineString (cut at the antimeridian), as the legs
    of :class:`Tracks`; the ends are in degrees.
    """
    import shapely

    lon, lat, leg, lengths = densify_legs(lon1, lat1, lon2, lat2)
    count = int(np.size(lon1))
    lines = np.full(count, shapely.MultiLineString(), dtype=object)
    if count:
        parts, part_leg = leg_parts(lon, lat, leg)
        shapely.multilinestrings(parts, indices=part_leg, out=lines)
    return lines, lengths


@dataclass(frozen=True)
class Zone:
    """An area no observation leg may touch, under one reading.

    Attributes
    ----------
    label
        ``"R17-border"`` for the 10 km zone of adjacent non-party states, else
        the id of the restriction.
    area
        The area (prepared).
    no_fly
        Whether transit legs must avoid it too.
    """

    label: str
    area: BaseGeometry
    no_fly: bool = False


def binding_zones(rules: RuleSet, reading: str) -> tuple[Zone, ...]:
    """Return the zones that bind observation legs under ``reading``.

    The border zone first, then every binding restriction with an area other
    than a distance sub-limit (corridors and no-fly areas), in rule-set order.
    """
    zones = [] if rules.border is None else [Zone(RuleId.BORDER, rules.border)]
    for check in rules.checks:
        kind = check.restriction.kind
        if check.area is None or kind == "distance_sublimit":
            continue
        if check.binding(reading):
            zones.append(Zone(check.restriction.id, check.area, kind == "no_fly"))
    return tuple(zones)


def leaves_territory(
    territory: BaseGeometry,
    observation: NDArray[np.object_],
    band: tuple[float, float] | None = None,
) -> NDArray[np.bool_]:
    """Whether each track leaves ``territory`` (R17-territory; empty: no).

    With ``band`` (latitudes [deg], see :func:`~openskies.geo.cells.band_of`),
    tracks whose vertices and chords lie in cells inside the territory are
    settled without GEOS (:meth:`~openskies.geo.cells.CellGrid.chords`).
    """
    import shapely

    result = np.zeros(len(observation), dtype=bool)
    rest = unsettled_lines(territory, observation, band, INSIDE)
    empty = shapely.is_empty(observation[rest])
    result[rest] = ~empty & ~shapely.covers(territory, observation[rest])
    return result


def crosses(
    area: BaseGeometry,
    tracks: NDArray[np.object_],
    tree: STRtree | None = None,
    band: tuple[float, float] | None = None,
) -> NDArray[np.bool_]:
    """Whether each track touches ``area`` (``tree``: an STRtree of ``tracks``).

    With ``band`` (latitudes [deg]), tracks whose vertices and chords lie in
    cells outside ``area`` are settled without GEOS.
    """
    import shapely

    if tree is None or band is not None:
        hits = np.zeros(len(tracks), dtype=bool)
        rest = unsettled_lines(area, tracks, band, OUTSIDE)
        hits[rest] = shapely.intersects(area, tracks[rest])
        return hits
    hits = np.zeros(len(tracks), dtype=bool)
    hits[tree.query(area, predicate="intersects")] = True
    return hits


def clear_of(
    territory: BaseGeometry, zones: tuple[Zone, ...], lines: NDArray[np.object_]
) -> NDArray[np.bool_]:
    """Whether each observation leg stays in ``territory`` and out of ``zones``.

    The verdict of :func:`judge` on territory, border zone, corridors and no-fly
    areas for the legs alone; zones are tested only on legs still legal.  From
    :data:`CELLS_FROM_LINES` lines on, legs in cells inside the territory and
    outside a zone are settled without GEOS (same verdicts).
    """
    band = band_of(territory) if len(lines) >= CELLS_FROM_LINES else None
    ok = ~leaves_territory(territory, lines, band)
    for zone in zones:
        idx = np.flatnonzero(ok)
        ok[idx] = ~crosses(zone.area, lines[idx], band=band)
    return ok


def repeats(
    coords: NDArray[np.float64],
    owner: NDArray[np.intp],
    starts: NDArray[np.intp],
    ends: NDArray[np.intp],
) -> NDArray[np.bool_]:
    """Routes that declare a waypoint twice (ignoring an end equal to the start).

    Waypoints are compared on a grid of ``10**-REPEAT_DECIMALS`` degrees.  The
    keys of each route are laid out as one row of a matrix padded with distinct
    negative values and sorted along the rows, so that equal waypoints of a
    route become neighbours without a global sort.
    """
    scale = 10.0**REPEAT_DECIMALS
    lon_key = np.round((coords[:, 0] + 180.0) * scale).astype(np.int64)
    lat_key = np.round((coords[:, 1] + 90.0) * scale).astype(np.int64)
    key = lon_key * (1 << 28) + lat_key  # lat_key < 2**28, lon_key < 2**29: >= 0
    closed = (ends - starts >= 2) & (key[starts] == key[ends])
    keep = np.ones(owner.size, dtype=bool)
    keep[ends[closed]] = False
    key, who = key[keep], owner[keep]
    sizes = np.bincount(who, minlength=starts.size)
    width = int(sizes.max(initial=0))
    if width * starts.size > 4 * key.size + 1024:  # very uneven lengths
        order = np.lexsort((key, who))
        key, who = key[order], who[order]
        result = np.zeros(starts.size, dtype=bool)
        result[who[1:][(who[1:] == who[:-1]) & (key[1:] == key[:-1])]] = True
        return result
    first = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    column = np.arange(key.size) - first[who]
    table = -1 - np.arange(width, dtype=np.int64)[np.newaxis, :].repeat(
        starts.size, axis=0
    )
    table[who, column] = key
    table.sort(axis=1)
    return np.asarray((table[:, 1:] == table[:, :-1]).any(axis=1))


@dataclass(frozen=True)
class Breach:
    """Tracks that break one rule.

    Attributes
    ----------
    rule
        A :class:`~openskies.rules.catalogue.RuleId` or a restriction id.
    mask
        Whether each track breaks it.
    binding
        Whether a breach makes a route illegal (False: a finding).
    rank
        Place of the rule among a route's findings.
    check
        The restriction's check, for a restriction.
    """

    rule: str
    mask: NDArray[np.bool_]
    binding: bool
    rank: int
    check: RestrictionCheck | None = None


@dataclass
class Judgement:
    """The verdict of :func:`judge` on a group of tracks.

    Attributes
    ----------
    breaches
        The rules tested, in the order of a route's findings (repeats aside).
    used, km, wrong
        Per end (:class:`~openskies.rules.airfields.End`): the index of the
        airfield used among the rule set's candidates (-1: none), the distance
        to it [km], and whether the declared airfield is not eligible.
    limit
        Maximum flight distance of the starting airfield [km] (NaN: none).
    sublimit_km
        Observation length inside each distance sub-limit region [km].
    """

    breaches: list[Breach] = field(default_factory=list)
    used: dict[End, NDArray[np.intp]] = field(default_factory=dict)
    km: dict[End, NDArray[np.float64]] = field(default_factory=dict)
    wrong: dict[End, NDArray[np.bool_]] = field(default_factory=dict)
    limit: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    sublimit_km: dict[str, NDArray[np.float64]] = field(default_factory=dict)

    def add(
        self,
        rule: str,
        mask: NDArray[np.bool_],
        binding: bool = True,
        order: int = 0,
        check: RestrictionCheck | None = None,
    ) -> None:
        """Record that the tracks of ``mask`` break ``rule``."""
        self.breaches.append(Breach(rule, mask, binding, rank_of(rule, order), check))


def judge(
    rules: RuleSet,
    view: TreatyView,
    tracks: Tracks,
    local: NDArray[np.intp],
    declared: Mapping[End, NDArray[np.object_] | None],
    reading: str,
    tolerance_km: float,
) -> Judgement:
    """Apply every rule of ``rules`` but the repeat rule to tracks ``local``.

    Parameters
    ----------
    rules
        The rules of one observer, observed party and date.
    view
        The treaty on that date (to look up declared airfields).
    tracks
        Densified tracks; ``local`` are positions in it.
    declared
        Declared start and end airfield ids per track (None: not declared).
    reading
        ``"treaty"`` or ``"observed-party"``.
    tolerance_km
        Largest distance between a route's ends and their airfields [km].
    """
    import shapely

    verdict = Judgement()
    for end, candidates, points in (
        (End.START, rules.start_airfields, tracks.first[local]),
        (End.END, rules.end_airfields, tracks.last[local]),
    ):
        used, km, wrong = airfield_distances(view, candidates, declared[end], points)
        verdict.used[end], verdict.km[end], verdict.wrong[end] = used, km, wrong
        verdict.add(
            RuleId.START if end == End.START else RuleId.END,
            wrong | (km > tolerance_km),
        )
    limits = np.array([a.max_distance_km for a in rules.start_airfields] + [np.nan])
    verdict.limit = limits[verdict.used[End.START]].astype(np.float64)
    observation = tracks.observation[local]
    # routes whose legs are all settled have nothing left for GEOS
    shown = np.flatnonzero(~shapely.is_empty(observation))
    leaves = tracks.leaves[local].copy()
    open_ = shown[~leaves[shown]]
    leaves[open_] = leaves_territory(rules.territory, observation[open_])
    verdict.add(RuleId.TERRITORY, leaves)
    # within the compiled lengths' error of the limit: GeographicLib's lengths
    slack = LENGTH_ERROR_KM * tracks.count[local]
    tracks.exact_distance(
        local[np.abs(tracks.distance[local] - verdict.limit) <= slack]
    )
    # False where there is no limit (NaN)
    verdict.add(RuleId.DISTANCE, tracks.distance[local] > verdict.limit)
    tree = shapely.STRtree(observation[shown]) if shown.size > 1 else None
    if rules.border is not None:
        verdict.add(
            RuleId.BORDER, _touches(rules.border, tracks, local, shown, tree)
        )
    _judge_restrictions(verdict, rules, tracks, local, (shown, tree), reading)
    return verdict


def _touches(
    area: BaseGeometry,
    tracks: Tracks,
    local: NDArray[np.intp],
    shown: NDArray[np.intp],
    tree: STRtree | None,
) -> NDArray[np.bool_]:
    """Whether each track ``local`` touches ``area`` (known or by GEOS).

    ``shown``: the positions in ``local`` of the tracks with legs left;
    ``tree``: an STRtree of those tracks.
    """
    known = tracks.hits.get(id(area))
    hits = np.zeros(local.size, bool) if known is None else known[local]
    hits[shown] |= crosses(area, tracks.observation[local[shown]], tree)
    return hits


def _judge_restrictions(
    verdict: Judgement,
    rules: RuleSet,
    tracks: Tracks,
    local: NDArray[np.intp],
    shown_tree: tuple[NDArray[np.intp], STRtree | None],
    reading: str,
) -> None:
    """Add the breaches of the restrictions in force to ``verdict``.

    ``shown_tree``: the positions in ``local`` of the tracks with observation
    legs left, and an STRtree of those.
    """
    import shapely

    shown, tree = shown_tree
    observation = tracks.observation[local]
    everything_tree = None
    for order, check in enumerate(rules.checks):
        r = check.restriction
        if r.kind == "mission_ban":
            hits = np.ones(local.size, dtype=bool)
        elif check.area is None:
            continue
        elif r.kind == "no_fly":
            everything = tracks.everything[local]
            if everything_tree is None and local.size > 1:
                everything_tree = shapely.STRtree(everything)
            hits = crosses(check.area, everything, everything_tree)
        elif r.kind == "distance_sublimit":
            near = shown[crosses(check.area, observation[shown], tree)]
            km = np.zeros(local.size)
            km[near] = length_inside_km(observation[near], check.area)
            verdict.sublimit_km[check.label] = km
            hits = km > (r.value if r.value is not None else math.inf)
        else:
            hits = _touches(check.area, tracks, local, shown, tree)
        verdict.add(r.id, hits, check.binding(reading), order, check)
