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
from typing import TYPE_CHECKING

import numpy as np

from openskies.geo.cells import INSIDE, OUTSIDE, band_of
from openskies.geo.geodesy import LENGTH_ERROR_KM, length_inside_km
from openskies.rules.airfields import End, airfield_distances
from openskies.rules.catalogue import RuleId, rank_of
from openskies.rules.registry import REPEAT_DECIMALS
from openskies.rules.settle import CELLS_FROM_LINES, unsettled_lines
from openskies.rules.tracks import Tracks, leg_lines

if TYPE_CHECKING:
    from numpy.typing import NDArray
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
        Observation length inside each distance sub-limit region [km] (NaN
        where not measured, see :func:`judge`).
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
    *,
    inside_km: bool = True,
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
    inside_km
        Whether :attr:`Judgement.sublimit_km` must hold every length inside
        a sub-limit region; if not (the verdicts alone), GEOS measures only
        the tracks whose legs left open could exceed the sub-limit (NaN for
        the others).
    """
    import shapely

    verdict = Judgement()
    for end, candidates, points in (
        (End.START, rules.start_airfields, tracks.first[local]),
        (End.END, rules.end_airfields, tracks.last[local]),
    ):
        used, km, wrong = airfield_distances(
            view, candidates, declared[end], points, tolerance_km
        )
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
        verdict.add(RuleId.BORDER, _touches(rules.border, tracks, local, shown, tree))
    _judge_restrictions(
        verdict, rules, tracks, local, (shown, tree), reading, inside_km=inside_km
    )
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
    *,
    inside_km: bool,
) -> None:
    """Add the breaches of the restrictions in force to ``verdict``.

    ``shown_tree``: the positions in ``local`` of the tracks with observation
    legs left, and an STRtree of those; ``inside_km``: as :func:`judge`.
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
            limit = r.value if r.value is not None else math.inf
            near = shown[crosses(check.area, observation[shown], tree)]
            km = np.zeros(local.size)
            if not inside_km:
                km[near] = np.nan
                near = near[tracks.may_exceed(local[near], limit, check.area)]
            km[near] = length_inside_km(observation[near], check.area)
            verdict.sublimit_km[check.label] = km
            hits = km > limit
        else:
            hits = _touches(check.area, tracks, local, shown, tree)
        verdict.add(r.id, hits, check.binding(reading), order, check)
