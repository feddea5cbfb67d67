"""Legality of many routes at once: :func:`check_routes`.

The checks are those of :func:`openskies.rules.legality.check_route` (same rule ids,
same semantics), written over arrays: one ``Geod.inv``/``Geod.fwd`` pass for
every leg of every route, shapely 2 array predicates against prepared
territories, an ``STRtree`` over the routes for restriction and border-zone
candidates, and no Python loop per route or vertex (only per group of routes
sharing observer, observed party and date, and per restriction).

References
----------
Treaty on Open Skies, Art. II.11, VI.II.2-5, Annex A III; treaty.md R16-R17.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from openskies.errors import GeometryError, OptionsError
from openskies.geo.geodesy import (
    densify_legs,
    geodesic_km,
    leg_parts,
    length_inside_km,
)
from openskies.geo.route import transit_flags
from openskies.rules.batch_dask import is_dask_frame
from openskies.rules.registry import (
    REPEAT_DECIMALS,
    TOLERANCE_KM,
    RuleSet,
    as_view,
    check_options,
    route_rules,
)

if TYPE_CHECKING:
    import geopandas
    from numpy.typing import NDArray

    from openskies.treaty.model import Airfield, TreatyView

__all__ = ["check_routes"]

_REQUIRED = ("observer", "observed", "geometry")
#: Columns added to the input, with their dtypes.
_RESULT_COLUMNS = {
    "legal": "bool",
    "violations": "object",
    "findings": "object",
    "distance_km": "float64",
    "max_distance_km": "float64",
    "start_airfield": "object",
    "end_airfield": "object",
}
_CHUNK = 8192  # routes densified and checked at a time


def check_routes(
    view: TreatyView,
    routes: geopandas.GeoDataFrame,
    *,
    reading: str = "treaty",
    tolerance_km: float = TOLERANCE_KM,
) -> geopandas.GeoDataFrame:
    """Check many observation routes at once; verdicts equal ``check_route``'s.

    Parameters
    ----------
    view
        The treaty; each row is checked as of its own ``date``.
    routes
        GeoDataFrame (or a ``dask_geopandas.GeoDataFrame``, see Returns) with
        columns ``observer``, ``observed``, ``geometry``
        (LineStrings of lon, lat) and optionally ``date`` (the view's date when
        absent), ``start`` and ``end`` (declared airfield ids) and ``transit``
        (per-leg booleans or transit leg indices).
    reading
        ``"treaty"`` or ``"observed-party"``, as in ``check_route``.
    tolerance_km
        Largest distance between end points and airfields [km].

    Returns
    -------
    geopandas.GeoDataFrame
        The input (same index and columns) plus ``legal`` (bool),
        ``violations`` (tuple of the binding rule ids), ``findings`` (tuple of
        non-binding rule ids), ``distance_km`` (observation length [km]),
        ``max_distance_km``, ``start_airfield`` and ``end_airfield``.  Given a
        ``dask_geopandas.GeoDataFrame``, a lazy one with the same columns and
        verdicts, checked partition by partition
        (:mod:`openskies.rules.batch_dask`; the ``distributed`` extra).

    Notes
    -----
    Empty input is valid: an empty frame comes back empty with the result
    columns added.  A row without an observer or observed party (None, NaN,
    not a string) makes the whole call raise, naming the row, exactly as a bad
    geometry does: a route without its parties cannot be judged, and calling it
    legal would hide restrictions aimed at particular observers.

    Raises
    ------
    OptionsError
        If ``view`` is not a TreatyView, ``routes`` is not a GeoDataFrame, a
        required column is missing, a row lacks its observer or observed code
        (names the row), a ``date`` is not a date or an option is invalid.
    GeometryError
        If a geometry is not a LineString of at least two valid (lon, lat)
        points, or the CRS is not EPSG:4326 (names the row and waypoint).
    UnknownStateError, NotAPartyError
        If a code or declared airfield is unknown, or not a party on the date.

    References
    ----------
    Treaty on Open Skies, Art. II.11, VI.II.2-5, Annex A III.
    """
    import geopandas
    import pandas as pd

    view = as_view(view)
    check_options(reading, tolerance_km)
    if is_dask_frame(routes):
        from openskies.rules.batch_dask import check_routes_dask

        return check_routes_dask(
            view, routes, eager=check_routes, reading=reading, tolerance_km=tolerance_km
        )
    if not isinstance(routes, geopandas.GeoDataFrame):
        raise OptionsError(
            f"routes must be a GeoDataFrame, got {type(routes).__name__}; build one "
            "with geopandas.GeoDataFrame(..., geometry=..., crs=4326)"
        )
    missing = [c for c in _REQUIRED if c not in routes.columns]
    if missing:
        raise OptionsError(
            f"routes lack column(s) {', '.join(missing)}; give a GeoDataFrame with "
            "observer, observed, geometry and optionally date, start, end, transit"
        )
    if routes.crs is not None and not routes.crs.equals("EPSG:4326"):
        raise GeometryError(
            f"routes are in {routes.crs.to_string()}; transform them with "
            "routes.to_crs(4326) first"
        )
    count = len(routes)
    _check_parties(routes)
    result = routes.copy()
    if count == 0:
        for column, dtype in _RESULT_COLUMNS.items():
            result[column] = pd.Series(dtype=dtype, index=result.index)
        return result
    geometries = np.asarray(routes.geometry.array, dtype=object)
    coords, owner = _validated_coords(geometries, routes.index)
    starts = np.searchsorted(owner, np.arange(count))
    ends = np.append(starts[1:], owner.size) - 1
    transit = _transit(routes, starts, ends, owner[:-1][owner[1:] == owner[:-1]])
    state = _Verdicts(count)
    state.flag("R17-repeat", _repeats(coords, owner, starts, ends), True)
    groups = [(p, view.treaty.as_of(d), rules) for p, d, rules in _groups(view, routes)]
    distance = np.zeros(count)
    for low in range(0, count, _CHUNK):  # chunks keep the arrays in cache
        high = min(count, low + _CHUNK)
        arrays = _Group.of(coords, starts, ends, transit, low, high)
        distance[low:high] = arrays.distance
        for positions, day_view, rules in groups:
            mine = positions[(positions >= low) & (positions < high)]
            if mine.size:
                _check_group(
                    state, rules, day_view, mine, arrays, routes, reading, tolerance_km
                )
    rules_in_order = state.order()
    result["legal"] = ~state.binding.any(axis=0) if state.names else True
    result["violations"] = state.ids(state.binding, rules_in_order)
    result["findings"] = state.ids(state.findings, rules_in_order)
    result["distance_km"] = distance
    result["max_distance_km"] = state.limit
    result["start_airfield"] = pd.Series(state.start, index=result.index, dtype=object)
    result["end_airfield"] = pd.Series(state.end, index=result.index, dtype=object)
    return result


class _Verdicts:
    """Boolean rule-by-route tables of binding violations and findings."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.names: list[str] = []
        self.binding = np.zeros((0, count), dtype=bool)
        self.findings = np.zeros((0, count), dtype=bool)
        self.limit = np.full(count, np.nan)
        self.start = np.full(count, None, dtype=object)
        self.end = np.full(count, None, dtype=object)
        self.rank: dict[str, float] = {}

    def _row(self, rule: str) -> int:
        if rule not in self.names:
            self.names.append(rule)
            blank = np.zeros((1, self.count), dtype=bool)
            self.binding = np.vstack((self.binding, blank))
            self.findings = np.vstack((self.findings, blank))
        return self.names.index(rule)

    def flag(
        self,
        rule: str,
        mask: NDArray[np.bool_],
        binding: bool,
        rank: float | None = None,
        positions: NDArray[np.intp] | None = None,
    ) -> None:
        """Record ``rule`` broken on ``positions[mask]`` (all routes if None)."""
        row = self._row(rule)
        self.rank.setdefault(rule, _RANKS.get(rule, rank if rank is not None else 50))
        where = np.flatnonzero(mask) if positions is None else positions[mask]
        (self.binding if binding else self.findings)[row, where] = True

    def order(self) -> list[int]:
        return sorted(range(len(self.names)), key=lambda i: self.rank[self.names[i]])

    def ids(self, table: NDArray[np.bool_], order: list[int]) -> list[tuple[str, ...]]:
        """Return, per route, the ids of the rules flagged in ``table``."""
        if not self.names:
            return [()] * self.count
        names = [self.names[i] for i in order]
        bits = np.left_shift(1, np.arange(len(order), dtype=np.int64))
        codes = bits @ table[order].astype(np.int64)
        unique, inverse = np.unique(codes, return_inverse=True)
        labels = np.empty(unique.size, dtype=object)
        labels[:] = [
            tuple(n for i, n in enumerate(names) if int(code) >> i & 1)
            for code in unique
        ]
        return list(labels[inverse])


# Order of the rules in the output, as check_route reports them.
_RANKS = {"R17-start": 0, "R17-end": 1, "R17-territory": 2, "R16": 3, "R17-border": 4}
_RANKS["R17-repeat"] = 1000


class _Group:
    """Densified tracks of the routes ``offset .. offset + n`` (one chunk)."""

    def __init__(
        self,
        offset: int,
        first: NDArray[np.float64],
        last: NDArray[np.float64],
        observation: NDArray[np.object_],
        parts: tuple[NDArray[np.object_], NDArray[np.intp]],
        distance: NDArray[np.float64],
    ) -> None:
        self.offset = offset
        self.first, self.last = first, last
        self.observation, self.distance = observation, distance
        self._parts = parts

    @classmethod
    def of(
        cls,
        coords: NDArray[np.float64],
        starts: NDArray[np.intp],
        ends: NDArray[np.intp],
        transit: NDArray[np.bool_],
        low: int,
        high: int,
    ) -> _Group:
        """Densify the legs of routes ``low .. high - 1`` and build their tracks."""
        import shapely

        count = high - low
        points = coords[starts[low] : ends[high - 1] + 1]
        sizes = ends[low:high] - starts[low:high] + 1
        owner = np.repeat(np.arange(count), sizes)
        same = owner[1:] == owner[:-1]
        leg_route = owner[:-1][same]
        flags = transit[starts[low] - low : ends[high - 1] - (high - 1)]
        a, b = points[:-1][same], points[1:][same]
        lon, lat, leg, lengths = densify_legs(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
        # one line per run of legs of one kind in one route: fewer, longer parts
        joined = np.concatenate(([False], leg_route[1:] == leg_route[:-1]))
        joined[1:] &= flags[1:] == flags[:-1]
        parts, part_leg = leg_parts(lon, lat, leg, joined)
        observing = ~flags[part_leg]
        observation = np.full(count, shapely.MultiLineString(), dtype=object)
        shapely.multilinestrings(
            parts[observing], indices=leg_route[part_leg[observing]], out=observation
        )
        distance = np.bincount(leg_route, weights=lengths * ~flags, minlength=count)
        return cls(
            low,
            coords[starts[low:high]],
            coords[ends[low:high]],
            observation,
            (parts, leg_route[part_leg]),
            distance.astype(np.float64),
        )

    @cached_property
    def everything(self) -> NDArray[np.object_]:
        """Every leg (observation and transit) of each route, for no-fly areas."""
        import shapely

        parts, route = self._parts
        result = np.full(self.distance.size, shapely.MultiLineString(), dtype=object)
        shapely.multilinestrings(parts, indices=route, out=result)
        return result


def _validated_coords(
    geometries: NDArray[np.object_], labels: Any
) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    import shapely

    kinds = shapely.get_type_id(geometries)
    bad = np.flatnonzero((kinds != 1) | shapely.is_empty(geometries))
    if bad.size:
        row = bad[0]
        raise GeometryError(
            f"route {labels[row]!r}: geometry must be a non-empty LineString of "
            f"(lon, lat); got {geometries[row]!r:.80}"
        )
    coords, owner = shapely.get_coordinates(geometries, return_index=True)
    counts = np.bincount(owner, minlength=geometries.size)
    if (counts < 2).any():
        row = int(np.flatnonzero(counts < 2)[0])
        raise GeometryError(
            f"route {labels[row]!r}: a route needs at least two waypoints; "
            f"got {counts[row]}"
        )
    lon, lat = coords[:, 0], coords[:, 1]
    wrong = ~np.isfinite(coords).all(axis=1) | (np.abs(lat) > 90) | (np.abs(lon) > 180)
    if wrong.any():
        at = int(np.flatnonzero(wrong)[0])
        row = int(owner[at])
        number = at - int(np.searchsorted(owner, row)) + 1
        raise GeometryError(
            f"route {labels[row]!r}: waypoint {number} of {counts[row]} (lon "
            f"{lon[at]}, lat {lat[at]}) must have finite lon in -180..180 and lat "
            "in -90..90 degrees (are lon and lat swapped?)"
        )
    return coords, owner


def _transit(
    routes: geopandas.GeoDataFrame,
    starts: NDArray[np.intp],
    ends: NDArray[np.intp],
    leg_route: NDArray[np.intp],
) -> NDArray[np.bool_]:
    flags = np.zeros(leg_route.size, dtype=bool)
    if "transit" not in routes.columns:
        return flags
    legs = ends - starts
    first_leg = np.concatenate(([0], np.cumsum(legs)[:-1]))
    for row, value in enumerate(routes["transit"].to_numpy(dtype=object)):
        per_leg = transit_flags(value, int(legs[row]))
        if any(per_leg):
            flags[first_leg[row] : first_leg[row] + legs[row]] = per_leg
    return flags


def _repeats(
    coords: NDArray[np.float64],
    owner: NDArray[np.intp],
    starts: NDArray[np.intp],
    ends: NDArray[np.intp],
) -> NDArray[np.bool_]:
    """Routes that declare a waypoint twice (ignoring an end equal to the start).

    Waypoints are compared on a grid of ``10**-REPEAT_DECIMALS`` degrees, the
    same rounding :func:`~openskies.check_route` uses.  The keys of each route
    are laid out as one row of a matrix padded with distinct negative values
    and sorted along the rows, so that equal waypoints of a route become
    neighbours without a global sort.
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


def _short(value: object, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_parties(routes: geopandas.GeoDataFrame) -> None:
    """Refuse a row whose observer or observed is not a string (names the row)."""
    for column in ("observer", "observed"):
        values = routes[column].to_numpy(dtype=object)
        bad = [i for i, value in enumerate(values) if not isinstance(value, str)]
        if bad:
            raise OptionsError(
                f"routes row {routes.index[bad[0]]!r}: {column} is "
                f"{_short(values[bad[0]])}; every row needs observer and observed "
                "party codes such as DEU"
            )


def _groups(
    view: TreatyView, routes: geopandas.GeoDataFrame
) -> list[tuple[NDArray[np.intp], dt.date, RuleSet]]:
    import pandas as pd

    days: dict[str | dt.date, dt.date] = {}
    if "date" in routes.columns:
        day_of = []
        for value in routes["date"].to_numpy(dtype=object):
            if not isinstance(value, str | dt.date):  # unhashable cells too
                raise OptionsError(
                    f"expected a date such as 2020-01-01 in column date, got "
                    f"{_short(value)}"
                )
            if value not in days:
                days[value] = view.treaty.as_of(value).date
            day_of.append(days[value])
    else:
        day_of = [view.date] * len(routes)
    keys = pd.DataFrame(
        {
            "observer": routes["observer"].to_numpy(dtype=object),
            "observed": routes["observed"].to_numpy(dtype=object),
            "date": day_of,
        }
    )
    result = []
    groups = keys.groupby(["observer", "observed", "date"], sort=False).indices
    for key, positions in groups.items():
        observer, observed, day = cast("tuple[object, object, dt.date]", key)
        rules = route_rules(view.treaty.as_of(day), observer, observed)
        result.append((np.asarray(positions, dtype=np.intp), day, rules))
    return result


def _airfield_arrays(
    view: TreatyView,
    candidates: tuple[Airfield, ...],
    declared: NDArray[np.object_] | None,
    points: NDArray[np.float64],
) -> tuple[NDArray[np.intp], NDArray[np.float64], NDArray[np.bool_]]:
    """Return the airfield used, its distance, and routes whose declaration is wrong.

    The used airfield is the declared one when it is a candidate, else the
    nearest candidate (-1 when there are none).
    """
    size = points.shape[0]
    if not candidates:
        return np.full(size, -1), np.full(size, math.inf), np.ones(size, dtype=bool)
    lon = np.array([a.lon for a in candidates])
    lat = np.array([a.lat for a in candidates])
    # geodesic distances only where the spherical one (within 0.6 % of it) leaves
    # a candidate in the running for nearest
    rough = _great_circle_km(points[:, :1], points[:, 1:2], lon[None, :], lat[None, :])
    near = np.nonzero(rough <= rough.min(axis=1, keepdims=True) * 1.012 + 1.0)
    km = np.full(rough.shape, math.inf)
    km[near] = geodesic_km(
        points[near[0], 0], points[near[0], 1], lon[near[1]], lat[near[1]]
    )
    used = np.argmin(km, axis=1)
    wrong = np.zeros(size, dtype=bool)
    if declared is not None:
        ids = {a.id: i for i, a in enumerate(candidates)}
        for name in {d for d in declared if isinstance(d, str) and d.strip()}:
            ident = view.airfield(name).id
            rows = declared == name
            if ident in ids:
                used[rows] = ids[ident]
            else:
                wrong |= rows
    chosen = km[np.arange(size), used]
    unknown = ~np.isfinite(chosen)  # a declared airfield that is not the nearest
    chosen[unknown] = geodesic_km(
        points[unknown, 0], points[unknown, 1], lon[used[unknown]], lat[used[unknown]]
    )
    return used, chosen, wrong


def _great_circle_km(
    lon1: NDArray[np.float64],
    lat1: NDArray[np.float64],
    lon2: NDArray[np.float64],
    lat2: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Haversine distance on the mean-radius sphere [km] (a fast pre-filter)."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    half = (
        np.sin((phi2 - phi1) / 2.0) ** 2
        + np.cos(phi1) * np.cos(phi2) * np.sin(np.radians(lon2 - lon1) / 2.0) ** 2
    )
    return np.asarray(2.0 * 6371.0088 * np.arcsin(np.sqrt(half)), dtype=np.float64)


def _declared(
    routes: geopandas.GeoDataFrame, column: str, positions: NDArray[np.intp]
) -> NDArray[np.object_] | None:
    if column not in routes.columns:
        return None
    values = routes[column].to_numpy(dtype=object)[positions]
    return np.array(
        [
            v.strip().upper() if isinstance(v, str) and v.strip() else None
            for v in values
        ],
        dtype=object,
    )


def _check_group(
    state: _Verdicts,
    rules: RuleSet,
    view: TreatyView,
    positions: NDArray[np.intp],
    arrays: _Group,
    routes: geopandas.GeoDataFrame,
    reading: str,
    tolerance_km: float,
) -> None:
    import shapely

    local = positions - arrays.offset
    observation = arrays.observation[local]
    for which, candidates, points in (
        ("start", rules.start_airfields, arrays.first[local]),
        ("end", rules.end_airfields, arrays.last[local]),
    ):
        declared = _declared(routes, which, positions)
        used, km, wrong = _airfield_arrays(view, candidates, declared, points)
        state.flag(
            f"R17-{which}", wrong | (km > tolerance_km), True, positions=positions
        )
        ids = np.array([a.id for a in candidates] + [None], dtype=object)
        getattr(state, which)[positions] = ids[used]
        if which == "start":
            limits = np.array([a.max_distance_km for a in candidates] + [np.nan])
            limit = limits[used].astype(np.float64)
            state.limit[positions] = limit
            over = arrays.distance[local] > limit  # False where limit is NaN
            state.flag("R16", over, True, positions=positions)
    empty = shapely.is_empty(observation)
    outside = ~empty & ~shapely.covers(rules.territory, observation)
    state.flag("R17-territory", outside, True, positions=positions)
    tree = shapely.STRtree(observation)
    if rules.border is not None:
        hits = np.zeros(positions.size, dtype=bool)
        hits[tree.query(rules.border, predicate="intersects")] = True
        state.flag("R17-border", hits, True, positions=positions)
    everything_tree = None
    for rank, check in enumerate(rules.checks, start=100):
        r = check.restriction
        hits = np.zeros(positions.size, dtype=bool)
        if r.kind == "mission_ban":
            hits[:] = True
        elif check.area is None:
            continue
        elif r.kind == "no_fly":
            if everything_tree is None:
                everything_tree = shapely.STRtree(arrays.everything[local])
            hits[everything_tree.query(check.area, predicate="intersects")] = True
        elif r.kind == "distance_sublimit":
            near = tree.query(check.area, predicate="intersects")
            km = length_inside_km(observation[near], check.area)
            hits[near[km > (r.value if r.value is not None else math.inf)]] = True
        else:
            hits[tree.query(check.area, predicate="intersects")] = True
        state.flag(r.id, hits, check.binding(reading), rank=rank, positions=positions)
