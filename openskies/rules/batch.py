"""Legality of many routes at once: :func:`check_routes`.

The rules are those of :func:`openskies.rules.legality.check_route`, applied
by the same kernel (:func:`openskies.rules.kernel.judge`) over arrays: one
compiled geodesic inverse for every leg of every route; from
``CELLS_FROM_ROUTES`` routes on, the legs decided by cells and exact chord
tests in compiled code (:mod:`openskies.rules.settle`), so that only the few
legs left (grazing, at the antimeridian or a pole, in a distance sub-limit
region) are densified into shapely lines and tested by GEOS (array predicates
against prepared areas, an ``STRtree`` over the routes); no Python loop per
route or vertex (only per group of routes sharing observer, observed party and
date, and per restriction).  The verdicts are kept as one boolean column per
rule, so any number of rules (restrictions are data) is reported.

References
----------
Treaty on Open Skies, Art. II.11, VI.II.2-5, Annex A III; treaty.md R16-R17.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from openskies.errors import GeometryError, OptionsError
from openskies.rules.airfields import End
from openskies.rules.batch_dask import is_dask_frame
from openskies.rules.batch_input import (
    check_parties,
    declared_ids,
    groups,
    leg_transit,
    waypoints,
)
from openskies.rules.catalogue import RuleId, rank_of
from openskies.rules.kernel import Judgement, Tracks, judge, repeats
from openskies.rules.registry import TOLERANCE_KM, as_view, check_options
from openskies.rules.settle import (
    Legs,
    Settled,
    final_areas,
    rule_areas,
    rule_cells,
    settle,
)

if TYPE_CHECKING:
    import geopandas
    from numpy.typing import NDArray

    from openskies.rules.registry import RuleSet
    from openskies.treaty.model import TreatyView

__all__ = ["CELLS_FROM_ROUTES", "check_routes"]

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
#: Routes from which check_routes settles legs by cells by default.
CELLS_FROM_ROUTES = 2000
# routes densified and checked at a time: bounds the memory of the tracks; fewer,
# larger chunks spread the per-call costs (measured: 32,768 best from 4,096 to 65,536)
_CHUNK = 32768
_BITS = 62  # rule flags coded per int64 word when labelling routes
_repeats = repeats  # the repeat rule, also under its former name here


def check_routes(
    view: TreatyView,
    routes: geopandas.GeoDataFrame,
    *,
    reading: str = "treaty",
    tolerance_km: float = TOLERANCE_KM,
    cells: bool | None = None,
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
    cells
        Settle legs far from every boundary by cells classified once per area
        and cached (:mod:`openskies.rules.settle`; same verdicts, faster on
        many routes; the first use of a territory classifies it, about 1-3 s
        for Russia); False densifies and tests every leg; None (default):
        cells from ``CELLS_FROM_ROUTES`` routes on.

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
    if cells is not None and not isinstance(cells, bool):
        raise OptionsError(f"cells must be True, False or None, got {cells!r:.40}")
    if is_dask_frame(routes):
        from openskies.rules.batch_dask import check_routes_dask

        return check_routes_dask(
            view,
            routes,
            eager=check_routes,
            reading=reading,
            tolerance_km=tolerance_km,
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
    check_parties(routes)
    result = routes.copy()
    if count == 0:
        for column, dtype in _RESULT_COLUMNS.items():
            result[column] = pd.Series(dtype=dtype, index=result.index)
        return result
    geometries = np.asarray(routes.geometry.array, dtype=object)
    coords, owner = waypoints(geometries, routes.index)
    starts = np.searchsorted(owner, np.arange(count))
    ends = np.append(starts[1:], owner.size) - 1
    transit = leg_transit(routes, starts, ends, owner[:-1][owner[1:] == owner[:-1]])
    state = _Verdicts(count)
    state.flag(RuleId.REPEAT, repeats(coords, owner, starts, ends), True)
    grouped = groups(view, routes)
    distance = np.zeros(count)
    use_cells = count >= CELLS_FROM_ROUTES if cells is None else cells
    for low in range(0, count, _CHUNK):
        high = min(count, low + _CHUNK)
        settler = _Settler(grouped, low, high) if use_cells else None
        tracks = Tracks.of(coords, starts, ends, transit, low, high, settle=settler)
        for positions, day_view, rules in grouped:
            mine = positions[(positions >= low) & (positions < high)]
            if mine.size:
                declared = {e: declared_ids(routes, e, mine) for e in End}
                verdict = judge(
                    rules,
                    day_view,
                    tracks,
                    mine - low,
                    declared,
                    reading,
                    tolerance_km,
                    inside_km=False,
                )
                state.record(verdict, rules, mine)
        # after the verdicts: routes near their limit get GeographicLib's lengths
        distance[low:high] = tracks.distance
    result["legal"] = ~state.binding.any(axis=1)
    result["violations"] = state.ids(state.binding)
    result["findings"] = state.ids(state.findings)
    result["distance_km"] = distance
    result["max_distance_km"] = state.limit
    result["start_airfield"] = pd.Series(state.start, index=result.index, dtype=object)
    result["end_airfield"] = pd.Series(state.end, index=result.index, dtype=object)
    return result


class _Settler:
    """Legs of a chunk settled by the cells of each route's rule set.

    See :mod:`openskies.rules.settle`; routes of one rule set are settled
    together.
    """

    def __init__(
        self,
        grouped: list[tuple[NDArray[np.intp], TreatyView, RuleSet]],
        low: int,
        high: int,
    ) -> None:
        self.group = np.full(high - low, -1, dtype=np.intp)
        self.rules: list[RuleSet] = []
        for positions, _, rules in grouped:
            mine = positions[(positions >= low) & (positions < high)]
            if mine.size:
                self.group[mine - low] = len(self.rules)
                self.rules.append(rules)

    def __call__(self, legs: Legs) -> Settled:
        """Return the legs left out and the routes known to break rules."""
        skip = np.zeros(legs.km.size, dtype=bool)
        leaves = np.zeros(legs.routes, dtype=bool)
        hits: dict[int, NDArray[np.bool_]] = {}
        near_km: dict[int, NDArray[np.float64]] = {}
        group = self.group[legs.route]
        for index, rules in enumerate(self.rules):
            which = np.flatnonzero(group == index)
            final = final_areas(rules)
            settled, broken, near = settle(rule_cells(rules), legs, which, final)
            skip[which] = settled
            leaves |= broken[:, 0]
            for column, area in enumerate(rule_areas(rules), start=1):
                if final[column - 1]:
                    known = hits.setdefault(id(area), np.zeros(legs.routes, bool))
                    known |= broken[:, column]
                else:  # the routes of other rule sets have no legs here: 0 km
                    near_km.setdefault(id(area), np.zeros(legs.routes))
                    near_km[id(area)] += near[:, column]
        return Settled(skip, leaves, hits, near_km)


class _Verdicts:
    """Route-by-rule boolean tables of binding violations and findings.

    One column per distinct rule id, in the order rules are first met; the
    tables grow by blocks of columns, so any number of rules fits.
    """

    def __init__(self, count: int) -> None:
        self.count = count
        self.column: dict[str, int] = {}
        self.rank: list[int] = []
        self.binding = np.zeros((count, 0), dtype=bool)
        self.findings = np.zeros((count, 0), dtype=bool)
        self.limit = np.full(count, np.nan)
        self.start = np.full(count, None, dtype=object)
        self.end = np.full(count, None, dtype=object)

    def _column(self, rule: str, rank: int) -> int:
        if rule not in self.column:
            if len(self.column) == self.binding.shape[1]:
                grow = np.zeros((self.count, max(8, len(self.column))), dtype=bool)
                self.binding = np.hstack((self.binding, grow))
                self.findings = np.hstack((self.findings, grow))
            self.column[rule] = len(self.column)
            self.rank.append(rank)
        return self.column[rule]

    def flag(
        self,
        rule: str,
        mask: NDArray[np.bool_],
        binding: bool,
        rank: int | None = None,
        positions: NDArray[np.intp] | None = None,
    ) -> None:
        """Record ``rule`` broken on ``positions[mask]`` (all routes if None)."""
        column = self._column(rule, rank_of(rule) if rank is None else rank)
        where = np.flatnonzero(mask) if positions is None else positions[mask]
        (self.binding if binding else self.findings)[where, column] = True

    def record(
        self, verdict: Judgement, rules: RuleSet, positions: NDArray[np.intp]
    ) -> None:
        """Record the verdict of the kernel on the routes ``positions``."""
        for breach in verdict.breaches:
            self.flag(breach.rule, breach.mask, breach.binding, breach.rank, positions)
        for end, candidates in (
            (End.START, rules.start_airfields),
            (End.END, rules.end_airfields),
        ):
            ids = np.array([a.id for a in candidates] + [None], dtype=object)
            (self.start if end == End.START else self.end)[positions] = ids[
                verdict.used[end]
            ]
        self.limit[positions] = verdict.limit

    def ids(self, table: NDArray[np.bool_]) -> list[tuple[str, ...]]:
        """Return, per route, the ids of the rules flagged in ``table``, by rank.

        Routes with the same flags share one tuple: the flags are coded as
        integers, 62 rules to a word, and the distinct codes labelled once.
        """
        names = sorted(self.column, key=lambda n: self.rank[self.column[n]])
        if not names:
            return [()] * self.count
        flags = table[:, [self.column[n] for n in names]]
        words = -(-len(names) // _BITS)
        padded = np.zeros((self.count, words * _BITS), dtype=np.int64)
        padded[:, : len(names)] = flags
        bits = np.left_shift(1, np.arange(_BITS, dtype=np.int64))
        codes = padded.reshape(self.count, words, _BITS) @ bits
        _, first, inverse = np.unique(  # one word: a fast 1-d sort
            codes[:, 0] if words == 1 else codes,
            axis=None if words == 1 else 0,
            return_index=True,
            return_inverse=True,
        )
        rows = flags[first]
        labels = np.empty(len(first), dtype=object)
        labels[:] = [
            tuple(n for n, on in zip(names, r, strict=True) if on) for r in rows
        ]
        return list(labels[np.ravel(inverse)])
