"""The free space of observation legs and the tests legs must pass.

Observation legs are WGS84 geodesics that must stay in the observed party's
territory and out of every zone that binds: 10 km from adjacent non-party
states, buffer corridors and no-fly areas
(:func:`openskies.rules.legality.check_route`; the zones and the leg tests are
those of its kernel, :mod:`openskies.rules.kernel`).

* **Free space** = territory less the binding zones; its connected parts are
  *components* (parts cut at the antimeridian are joined).
* **Turning points** (:class:`Corners`): the reflex vertices of a component
  shrunk by :data:`SHRINK_KM` plus a simplification tolerance, then simplified
  (Douglas-Peucker moves the outline by at most the tolerance, so the rings
  stay inside the free space and legs between neighbouring turning points are
  legal).  Each keeps the wedge of directions into the obstacle, so that only
  legs tangent to the obstacle there are tried.
* **Leg tests** give the verdict of ``check_route`` on each leg alone (legs
  densified the same way), with two exact shortcuts: a leg no longer than the
  sum of its ends' clearances lies in two free discs (legal); a leg with a
  point of its geodesic outside the slightly grown free space is illegal.

References
----------
Treaty on Open Skies, Art. II.11, VI.II.2-4.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from openskies.caching import BoundedCache
from openskies.geo.geodesy import geodesic_km, wgs84
from openskies.rules.kernel import Zone, binding_zones, clear_of, crosses, leg_lines

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray
    from shapely.geometry.base import BaseGeometry

    from openskies.rules.registry import RuleSet

__all__ = ["SHRINK_KM", "Corners", "FreeSpace", "free_space"]

#: How far turning points lie inside the free space [km].
SHRINK_KM = 1.5
_SHRINK_DEG = SHRINK_KM / 110.574
_SAMPLES = 8  # points per leg tested against the grown free space
_EXPAND_DEG = 0.03  # >= 0.19 km in every direction up to 85 deg of latitude
_CLEAR_MAX_DEG = 5.0  # clearances are computed within this radius
_CLEAR_SAFETY = 0.9  # allowance for the flat-chart approximation
_CLEAR_SLACK_KM = 0.5  # allowance for densified chords off the geodesic
_KM_PER_DEG_LAT = 110.574
_KM_PER_DEG_LON = 111.320


def _points(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.object_]:
    """Return shapely points as an array."""
    import shapely

    xy = (np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    return np.atleast_1d(np.asarray(shapely.points(*xy), dtype=object))


def _lines(
    lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike
) -> NDArray[np.object_]:
    """Return legs densified along their geodesics as multi-line strings."""
    return leg_lines(lon1, lat1, lon2, lat2)[0]


#: Turning-point sets and detour graphs kept per free space.
CORNERS_KEPT = 64
GRAPHS_KEPT = 32


@dataclass(frozen=True, eq=False)
class FreeSpace:
    """Where observation legs may go, for one rule set and reading.

    Attributes
    ----------
    territory
        The observed party's territory (prepared).
    zones
        Every binding zone (:func:`openskies.rules.kernel.binding_zones`):
        labelled ``"R17-border"`` for the 10 km zone of adjacent non-party
        states, else by the restriction id.
    no_fly
        Binding no-fly areas (they apply to transit legs too).
    parts
        Polygons of the free space.
    inner
        Each part shrunk by :data:`SHRINK_KM` (possibly empty).
    component
        Component of each part.
    expanded
        The free space grown by at least 0.25 km (prepared); a leg with a
        point outside it is illegal.
    """

    territory: BaseGeometry
    zones: tuple[Zone, ...]
    no_fly: tuple[BaseGeometry, ...]
    parts: tuple[BaseGeometry, ...]
    inner: tuple[BaseGeometry, ...]
    component: tuple[int, ...]
    expanded: BaseGeometry
    _corners: BoundedCache[tuple[int, float], Corners] = field(
        default_factory=lambda: BoundedCache(CORNERS_KEPT), repr=False
    )
    #: Graphs of turning points built by the detour search over this free space.
    graphs: BoundedCache[Hashable, Any] = field(
        default_factory=lambda: BoundedCache(GRAPHS_KEPT), repr=False
    )

    @property
    def components(self) -> int:
        """Number of components."""
        return max(self.component, default=-1) + 1

    def legal(
        self,
        lon1: ArrayLike,
        lat1: ArrayLike,
        lon2: ArrayLike,
        lat2: ArrayLike,
        clear1: ArrayLike = 0.0,
        clear2: ArrayLike = 0.0,
    ) -> NDArray[np.bool_]:
        """Return whether each observation leg keeps every binding rule of space.

        The verdict is that of ``check_route`` on the leg alone.  Two shortcuts
        avoid most exact tests: a leg no longer than the sum of its end
        points' clearances (:meth:`clearance`) lies in the union of two free
        discs, so it is legal; a leg with a point on its geodesic outside the
        slightly expanded free space is not.

        Parameters
        ----------
        lon1, lat1, lon2, lat2
            Leg ends [deg].
        clear1, clear2
            Clearances of the ends [km] (0: unknown).
        """
        lon1, lat1, lon2, lat2 = np.broadcast_arrays(
            *(np.asarray(v, dtype=np.float64) for v in (lon1, lat1, lon2, lat2))
        )
        km = geodesic_km(lon1, lat1, lon2, lat2)
        ok = np.asarray(clear1) + np.asarray(clear2) >= km
        ok = np.broadcast_to(ok, km.shape).copy()
        todo = np.flatnonzero(~ok)
        todo = todo[self._maybe_legal(lon1[todo], lat1[todo], lon2[todo], lat2[todo])]
        ok[todo] = self._exact(lon1[todo], lat1[todo], lon2[todo], lat2[todo])
        return ok

    def _maybe_legal(
        self,
        lon1: NDArray[np.float64],
        lat1: NDArray[np.float64],
        lon2: NDArray[np.float64],
        lat2: NDArray[np.float64],
    ) -> NDArray[np.bool_]:
        """Return False for legs with a geodesic point clearly out of free space."""
        import shapely

        if lon1.size == 0:
            return np.zeros(0, dtype=bool)
        geod = wgs84()
        azimuth, _, metres = geod.inv(lon1, lat1, lon2, lat2)
        fraction = np.arange(1, _SAMPLES + 1) / (_SAMPLES + 1)
        lon, lat, _ = geod.fwd(
            np.repeat(lon1, _SAMPLES),
            np.repeat(lat1, _SAMPLES),
            np.repeat(azimuth, _SAMPLES),
            (np.asarray(metres)[:, None] * fraction[None, :]).ravel(),
        )
        inside = shapely.contains_xy(self.expanded, lon, lat)
        return np.asarray(inside.reshape(-1, _SAMPLES).all(1), dtype=bool)

    def _exact(
        self,
        lon1: NDArray[np.float64],
        lat1: NDArray[np.float64],
        lon2: NDArray[np.float64],
        lat2: NDArray[np.float64],
    ) -> NDArray[np.bool_]:
        """Apply the rules of ``check_route`` (its kernel) to legs densified alike."""
        lines = _lines(lon1, lat1, lon2, lat2)
        return clear_of(self.territory, self.zones, lines)

    def transit_legal(
        self, lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike
    ) -> NDArray[np.bool_]:
        """Return whether each transit leg avoids the binding no-fly areas."""
        if not self.no_fly:  # nothing to avoid: no need to densify the legs
            return np.ones(np.broadcast(lon1, lat1, lon2, lat2).size, dtype=bool)
        lines = _lines(lon1, lat1, lon2, lat2)
        ok = np.ones(lines.size, dtype=bool)
        for zone in self.no_fly:
            ok &= ~crosses(zone, lines)
        return ok

    def clearance(self, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.float64]:
        """Return a lower bound of each point's distance to the edge of free space.

        Every geodesic from the point shorter than its clearance stays in the
        free space, its densified chords included [km]; 0 outside.
        """
        import shapely

        points = _points(lon, lat)
        tree = shapely.STRtree(np.asarray(self.parts, dtype=object))
        where, part = tree.query(points, predicate="covered_by")
        edges = shapely.boundary(np.asarray(self.parts, dtype=object))
        degrees = np.minimum(
            shapely.distance(points[where], edges[part]), _CLEAR_MAX_DEG
        )
        pole = np.radians(
            np.minimum(np.abs(shapely.get_y(points[where])) + degrees, 89.9)
        )
        km_per_deg = np.minimum(_KM_PER_DEG_LAT, _KM_PER_DEG_LON * np.cos(pole))
        out = np.zeros(points.size)
        out[where] = np.maximum(
            _CLEAR_SAFETY * degrees * km_per_deg - _CLEAR_SLACK_KM, 0
        )
        return out

    def locate(
        self, lon: ArrayLike, lat: ArrayLike
    ) -> tuple[NDArray[np.intp], list[str]]:
        """Return the component of each point (-1 if none) and why not.

        The reason is ``""`` for a point in the free space, ``"outside"`` for a
        point outside the territory, else the label of the first zone holding
        it.
        """
        import shapely

        points = _points(lon, lat)
        why = np.where(shapely.covers(self.territory, points), "", "outside")
        why = why.astype(object)
        for zone in self.zones:
            hit = (why == "") & crosses(zone.area, points)
            why[hit] = zone.label
        comp = np.full(points.size, -1, dtype=np.intp)
        tree = shapely.STRtree(np.asarray(self.parts, dtype=object))
        where, part = tree.query(points, predicate="covered_by")
        comp[where] = np.asarray(self.component, dtype=np.intp)[part]
        comp[why != ""] = -1
        return comp, [str(w) for w in why]

    def corners(self, comp: int, tolerance: float) -> Corners:
        """Return a component's turning points at a tolerance [deg] (cached)."""
        return self._corners.get(
            (comp, tolerance), lambda: _turning_points(self, comp, tolerance)
        )

    def shape(self, comp: int) -> BaseGeometry:
        """Return the shape gateways of a component are taken from."""
        import shapely

        own = [i for i, c in enumerate(self.component) if c == comp]
        inner = [self.inner[i] for i in own if not self.inner[i].is_empty]
        if inner:
            return shapely.union_all(inner)
        return shapely.MultiPoint([self.parts[i].representative_point() for i in own])


#: Free spaces already built, keyed by what they depend on (not by date or
#: observer, which would rebuild the same geometry for every mission).
_FREE_SPACES: BoundedCache[Hashable, FreeSpace] = BoundedCache(16)


def free_space(rules: RuleSet, reading: str) -> FreeSpace:
    """Return the free space of a rule set under a reading (cached by content).

    The free space depends only on the observed states, the adjacent non-party
    states and the binding zones; rule sets of other dates or observers that
    share these share one free space.
    """
    labels = tuple(zone.label for zone in binding_zones(rules, reading))
    key = (rules.treaty, rules.states, rules.border_states, labels)
    return _FREE_SPACES.get(key, lambda: _build_free_space(rules, reading))


def _build_free_space(rules: RuleSet, reading: str) -> FreeSpace:
    import shapely

    zones = binding_zones(rules, reading)
    free = rules.territory
    if zones:
        free = shapely.difference(free, shapely.union_all([z.area for z in zones]))
    parts = [
        p for p in shapely.get_parts(free) if p.geom_type == "Polygon" and p.area > 0.0
    ]
    inner = shapely.buffer(
        np.asarray(parts, dtype=object), -_SHRINK_DEG, join_style="mitre"
    )
    grown = shapely.buffer(shapely.union_all(parts), _EXPAND_DEG, join_style="mitre")
    expanded = shapely.simplify(grown, _EXPAND_DEG / 3.0)
    shapely.prepare(expanded)
    return FreeSpace(
        territory=rules.territory,
        zones=zones,
        no_fly=tuple(z.area for z in zones if z.no_fly),
        parts=tuple(parts),
        inner=tuple(inner),
        component=_join_antimeridian(parts),
        expanded=expanded,
    )


def _join_antimeridian(parts: list[BaseGeometry]) -> tuple[int, ...]:
    """Label parts, joining those that meet across longitude +-180."""
    import shapely

    label = list(range(len(parts)))

    def root(i: int) -> int:
        while label[i] != i:
            i = label[i]
        return i

    east = [i for i, p in enumerate(parts) if p.bounds[2] >= 180.0 - 1e-9]
    west = [i for i, p in enumerate(parts) if p.bounds[0] <= -180.0 + 1e-9]
    for j in west:
        moved = shapely.transform(parts[j], lambda xy: xy + np.array([360.0, 0.0]))
        for i in east:
            if shapely.intersects(parts[i], moved):
                label[root(j)] = root(i)
    roots = [root(i) for i in range(len(parts))]
    names = {r: k for k, r in enumerate(dict.fromkeys(roots))}
    return tuple(names[r] for r in roots)


@dataclass(frozen=True)
class Corners:
    """Turning points at one tolerance: position, component, obstacle wedge.

    The wedge is the sector of directions from the point into the obstacle
    (``wedge_from`` clockwise through ``wedge_span`` degrees of azimuth).
    """

    xy: NDArray[np.float64]
    comp: NDArray[np.intp]
    wedge_from: NDArray[np.float64]
    wedge_span: NDArray[np.float64]

    def tangent(self, k: NDArray[np.intp], azimuth: NDArray[np.float64]) -> Any:
        """Whether a leg leaving corner ``k`` at ``azimuth`` is tangent there.

        A shortest path bends around an obstacle corner only along legs whose
        line through the corner does not cut into the obstacle (bitangents):
        the reverse direction must lie outside the wedge.
        """
        back = (azimuth + 180.0 - self.wedge_from[k]) % 360.0
        return ~((back > 1e-9) & (back < self.wedge_span[k] - 1e-9))


def _turning_points(free: FreeSpace, comp: int, tolerance: float) -> Corners:
    """Reflex vertices of a simplified shrunk component, with their wedges.

    The outline is simplified by half the tolerance, shrunk by
    :data:`SHRINK_KM` plus the tolerance and simplified by half the tolerance
    again: the rings stay at least :data:`SHRINK_KM` inside the free space,
    so legs between neighbouring turning points are legal.
    """
    import shapely
    from shapely.geometry.polygon import orient

    rings: list[tuple[NDArray[np.float64], int]] = []
    for part, own in zip(free.parts, free.component, strict=True):
        if own != comp:
            continue
        rough = shapely.simplify(part, tolerance / 2.0)
        inner = shapely.buffer(rough, -(_SHRINK_DEG + tolerance), join_style="mitre")
        simple = shapely.simplify(inner, tolerance / 2.0, preserve_topology=True)
        for polygon in shapely.get_parts(simple):
            if polygon.geom_type != "Polygon" or polygon.is_empty:
                continue
            polygon = orient(polygon, 1.0)  # free space on the left of every ring
            for ring in (polygon.exterior, *polygon.interiors):
                rings.append((np.asarray(ring.coords)[:-1], comp))
    xy, before, after = [np.zeros((0, 2))], [np.zeros((0, 2))], [np.zeros((0, 2))]
    comps = [np.zeros(0, dtype=np.intp)]
    for ring, comp in rings:
        prev, nxt = np.roll(ring, 1, 0), np.roll(ring, -1, 0)
        turn = (ring[:, 0] - prev[:, 0]) * (nxt[:, 1] - ring[:, 1]) - (
            ring[:, 1] - prev[:, 1]
        ) * (nxt[:, 0] - ring[:, 0])
        reflex = turn < 0
        xy.append(ring[reflex])
        before.append(prev[reflex])
        after.append(nxt[reflex])
        comps.append(np.full(int(reflex.sum()), comp, dtype=np.intp))
    points, b, a = np.concatenate(xy), np.concatenate(before), np.concatenate(after)
    geod = wgs84()
    to_b = np.asarray(geod.inv(points[:, 0], points[:, 1], b[:, 0], b[:, 1])[0])
    to_a = np.asarray(geod.inv(points[:, 0], points[:, 1], a[:, 0], a[:, 1])[0])
    span = (to_b - to_a) % 360.0  # clockwise from the next vertex to the previous
    small = span <= 180.0  # the obstacle side of a reflex corner is under 180 deg
    return Corners(
        xy=points,
        comp=np.concatenate(comps),
        wedge_from=np.where(small, to_a, to_b),
        wedge_span=np.where(small, span, 360.0 - span),
    )
