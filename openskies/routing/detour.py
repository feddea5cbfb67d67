"""Legal observation paths between points: detours through a visibility graph.

When the straight leg between two points breaks a rule of the free space
(:mod:`openskies.routing.free_space`), :class:`Network` flies the shortest detour it
finds through turning points; where no observation path exists (an exclave,
an island beyond the territorial sea) it may cross by a transit leg.

Model (documented choices)
--------------------------
* **Graph**: the turning points of a component within reach; the simplification
  tolerance grows until at most :data:`MAX_VERTICES` remain.  Edges join
  turning points whose leg is legal and tangent at both ends; shortest paths
  come from Floyd-Warshall, and a detour between two points is ``point ->
  turning points -> point``.  Fewer turning points mean slightly longer
  detours, never illegal ones.
* **Legs tested**: between every point and the airfields of its component,
  between entries and exits (airfields, gateways), and between each point
  and its :data:`NEAR` nearest neighbours (gateways included); other pairs
  are not used, and no dense point-by-point matrix is built except the
  distances themselves.  Ordinary points look for
  detours only a little longer than the straight leg (:data:`DETOUR_FACTOR`).
* **Transit** (sensors off, not counted against the maximum distance, Art.
  VI.II.5 and VIII.II.7): components are joined at one fixed pair of
  *gateways*, the closest points of their shrunk shapes.  A route enters and
  leaves a component through the same gateway, so transit never shortens a
  path inside a component.  Transit legs must avoid binding no-fly areas.
* **Pruning**: a point, edge or turning point is left out when even the
  geodesic lower bound of a path through it from an entry of its component
  (start airfield or gateway) to an exit exceeds the budget.
* **Repeats**: turning points and gateways are movable waypoints; see
  :func:`openskies.routing.waypoints.unrepeat`.

References
----------
Treaty on Open Skies, Art. VI.II.4-5, VIII.II.7.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from openskies.geo.geodesy import geodesic_km, wgs84
from openskies.routing.waypoints import Waypoint

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from openskies.routing.free_space import Corners, FreeSpace

__all__ = ["DETOUR_FACTOR", "MAX_VERTICES", "NEAR", "Network"]

#: Largest number of turning points per component and plan.
MAX_VERTICES = 250
#: Legs are tested between each point and this many nearest neighbours.
NEAR = 30
#: Between ordinary points, detours are searched only up to the straight leg
#: plus this factor of it (at most DETOUR_MAX_KM), plus DETOUR_SLACK_KM.
DETOUR_FACTOR = 1.5
DETOUR_MAX_KM = 500.0
DETOUR_SLACK_KM = 100.0
_TOLERANCES_DEG = (0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6)
_FIRST_TOLERANCE_DEG = 0.1
_CHUNK = 32


def _inverse(
    a: NDArray[np.float64], b: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Geodesics between every point of ``a`` and of ``b``.

    Returns the (len(a), len(b)) distances [km], the azimuths at ``a`` towards
    ``b`` and the azimuths at ``b`` towards ``a`` [deg].
    """
    shape = (len(a), len(b))
    lon1, lat1 = np.repeat(a[:, 0], len(b)), np.repeat(a[:, 1], len(b))
    lon2, lat2 = np.tile(b[:, 0], len(a)), np.tile(b[:, 1], len(a))
    if lon1.size == 0:
        return np.zeros(shape), np.zeros(shape), np.zeros(shape)
    az12, az21, metres = wgs84().inv(lon1, lat1, lon2, lat2)
    return (
        np.asarray(metres).reshape(shape) / 1000.0,
        np.asarray(az12).reshape(shape),
        np.asarray(az21).reshape(shape),
    )


def _geodesic_matrix(
    a: NDArray[np.float64], b: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Return the (len(a), len(b)) geodesic distances between points [km]."""
    return geodesic_km(a[:, None, 0], a[:, None, 1], b[None, :, 0], b[None, :, 1])


def _pairs(
    pts: NDArray[np.float64], hub: NDArray[np.bool_], anchor: NDArray[np.bool_]
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Return the pairs ``i < j`` of points whose leg is tested.

    A pair is tested when one end is an airfield (``anchor``), both are hubs
    (airfields and gateways), or either is among the other's :data:`NEAR`
    nearest points (by chord on the unit sphere, in chunks so that memory
    stays O(n * _CHUNK)).  Gateways pair with their nearest points only: a
    route to another component passes a site near the gateway first.
    """
    lon, lat = np.radians(pts[:, 0]), np.radians(pts[:, 1])
    unit = np.column_stack(
        [np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)]
    )
    count, near = len(pts), min(NEAR + 1, len(pts))
    rows: list[NDArray[np.intp]] = []
    cols: list[NDArray[np.intp]] = []
    for s in range(0, count, 8 * _CHUNK):
        chord = -(unit[s : s + 8 * _CHUNK] @ unit.T)  # ascending chord length
        rank = np.argpartition(chord, near - 1, axis=1)[:, :near]
        rows.append(np.repeat(np.arange(s, s + len(rank)), near))
        cols.append(rank.ravel())
    anchors, hubs = np.flatnonzero(anchor), np.flatnonzero(hub)
    rows.extend([np.repeat(anchors, count), np.repeat(hubs, hubs.size)])
    cols.extend([np.tile(np.arange(count), anchors.size), np.tile(hubs, hubs.size)])
    i, j = np.concatenate(rows), np.concatenate(cols)
    i, j = np.minimum(i, j), np.maximum(i, j)
    pair = np.unique(i[i != j] * count + j[i != j])
    return (pair // count).astype(np.intp), (pair % count).astype(np.intp)


def _min_plus(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return the (min, +) matrix product of ``a`` (k, n) and ``b`` (n, m)."""
    out = np.empty((a.shape[0], b.shape[1]))
    for s in range(0, a.shape[0], _CHUNK):
        out[s : s + _CHUNK] = (a[s : s + _CHUNK, :, None] + b[None, :, :]).min(1)
    return out


@dataclass(frozen=True)
class _Graph:
    """Turning points of one component within reach, with all-pairs shortest paths.

    Attributes
    ----------
    corners
        The turning points at the tolerance used.
    index
        Which of them are in the graph.
    dist, nxt
        Shortest path lengths [km] and next hops between graph vertices.
    lb_in, lb_out
        Geodesic distance from the nearest entry to each vertex and from each
        vertex to the nearest exit [km].
    """

    corners: Corners
    index: NDArray[np.intp]
    dist: NDArray[np.float64]
    nxt: NDArray[np.intp]
    lb_in: NDArray[np.float64]
    lb_out: NDArray[np.float64]

    @property
    def xy(self) -> NDArray[np.float64]:
        """Positions of the graph vertices (lon, lat)."""
        return self.corners.xy[self.index]

    @classmethod
    def of(
        cls,
        free: FreeSpace,
        comp: int,
        ins: NDArray[np.float64],
        outs: NDArray[np.float64],
        budget: float,
    ) -> _Graph | None:
        """Build the graph, coarsening the turning points to MAX_VERTICES."""

        def within(tolerance: float) -> tuple[Corners, NDArray[np.intp], Any, Any]:
            corners = free.corners(comp, tolerance)
            lb_in = _geodesic_matrix(ins, corners.xy).min(0, initial=np.inf)
            lb_out = _geodesic_matrix(corners.xy, outs).min(1, initial=np.inf)
            keep = np.flatnonzero(lb_in + lb_out <= budget)
            return corners, keep, lb_in[keep], lb_out[keep]

        # the finest tolerance of the ladder that keeps at most MAX_VERTICES
        level = _TOLERANCES_DEG.index(_FIRST_TOLERANCE_DEG)
        found = within(_TOLERANCES_DEG[level])
        step = -1 if found[1].size <= MAX_VERTICES else 1
        while 0 <= level + step < len(_TOLERANCES_DEG):
            trial = within(_TOLERANCES_DEG[level + step])
            if step < 0 and trial[1].size > MAX_VERTICES:
                break
            level, found = level + step, trial
            if step > 0 and trial[1].size <= MAX_VERTICES:
                break
        corners, index, lb_in, lb_out = found
        if index.size == 0:
            return None
        xy = corners.xy[index]
        i, j = np.triu_indices(index.size, 1)
        az_ij, az_ji, metres = wgs84().inv(xy[i, 0], xy[i, 1], xy[j, 0], xy[j, 1])
        km = np.asarray(metres) / 1000.0
        through = km + np.minimum(lb_in[i] + lb_out[j], lb_in[j] + lb_out[i])
        cand = (
            (through <= budget)
            & corners.tangent(index[i], np.asarray(az_ij))
            & corners.tangent(index[j], np.asarray(az_ji))
        )
        i, j, km = i[cand], j[cand], km[cand]
        ok = free.legal(xy[i, 0], xy[i, 1], xy[j, 0], xy[j, 1])
        weights = np.full((index.size, index.size), np.inf)
        weights[i[ok], j[ok]] = weights[j[ok], i[ok]] = km[ok]
        dist, nxt = _floyd_warshall(weights)
        return cls(corners, index, dist, nxt, lb_in, lb_out)

    def chain(self, u: int, v: int) -> list[int]:
        """Return the vertices of the shortest path from ``u`` to ``v``."""
        path = [u]
        while path[-1] != v:
            path.append(int(self.nxt[path[-1], v]))
        return path


def _component_graph(
    free: FreeSpace,
    comp: int,
    ins: NDArray[np.float64],
    outs: NDArray[np.float64],
    budget: float,
) -> _Graph | None:
    """Return the graph of a component within reach (cached on the free space).

    Parameters
    ----------
    free
        The free space.
    comp
        The component.
    ins, outs
        Points where routes enter and leave the component (lon, lat).
    budget
        Largest observation length of a route [km].
    """
    key = (comp, ins.tobytes(), outs.tobytes(), budget)
    graph: _Graph | None = free.graphs.get(
        key, lambda: _Graph.of(free, comp, ins, outs, budget)
    )
    return graph


def _floyd_warshall(
    weights: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """All-pairs shortest paths with next-hop matrix."""
    dist = weights.copy()
    count = len(dist)
    nxt = np.where(np.isfinite(dist), np.arange(count)[None, :], -1)
    np.fill_diagonal(dist, 0.0)
    np.fill_diagonal(nxt, np.arange(count))
    for k in range(count):
        via = dist[:, k, None] + dist[None, k, :]
        better = via < dist
        dist = np.where(better, via, dist)
        nxt = np.where(better, nxt[:, k, None], nxt)
    return dist, nxt


@dataclass
class Network:
    """Legal observation distances between points and how to fly them.

    Build with :meth:`build`.  ``dist[i, j]`` is the length of the shortest
    observation path found between points ``i`` and ``j`` of one component
    (inf when none is known, or none can lie on a route within the budget);
    ``lower[i]`` bounds the observation length of any route through point
    ``i`` from below (straight legs from the nearest entry and to the nearest
    exit of its component); :meth:`matrix` adds transit between components
    and :meth:`expand` turns a sequence of points into waypoints.
    """

    free: FreeSpace
    xy: NDArray[np.float64]
    comp: NDArray[np.intp]
    movable: NDArray[np.bool_]
    dist: NDArray[np.float64] = field(init=False)
    direct: NDArray[np.bool_] = field(init=False)
    lower: NDArray[np.float64] = field(init=False)
    graphs: dict[int, _Graph] = field(default_factory=dict)
    sight: dict[int, NDArray[np.float64]] = field(default_factory=dict)
    gates: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        free: FreeSpace,
        xy: NDArray[np.float64],
        comp: NDArray[np.intp],
        *,
        start: int,
        end: int,
        budget: float,
        transit: bool,
    ) -> Network:
        """Compute legal path lengths between points within a budget.

        Parameters
        ----------
        free
            The free space.
        xy
            Points (lon, lat) [deg]; all but ``start`` and ``end`` must lie in
            the free space.
        comp
            Component of each point (-1: not in the free space).
        start, end
            Indices of the first and last point of every route.
        budget
            Largest observation length of a route [km].
        transit
            Whether components may be joined by transit legs.
        """
        comp = comp.copy()
        count = free.components
        for i in dict.fromkeys((start, end)):
            if comp[i] < 0:  # an airfield outside the free space: its own component
                comp[i] = count
                count += 1
        net = cls(free, xy.astype(np.float64), comp, np.zeros(len(xy), dtype=bool))
        if transit:
            net._add_gateways(start, end)
        size = len(net.xy)
        net.dist = np.full((size, size), np.inf)
        np.fill_diagonal(net.dist, 0.0)
        net.direct = np.eye(size, dtype=bool)
        net.lower = np.full(size, np.inf)
        for c in np.unique(net.comp).tolist():
            net._component(int(c), start, end, budget)
        return net

    def _add_gateways(self, start: int, end: int) -> None:
        """Add a gateway pair between every two components, if transit may join them."""
        import shapely

        base = self.free.components
        own = {int(self.comp[i]): i for i in (start, end)}
        comps = sorted(set(self.comp.tolist()))
        shapes = {
            c: shapely.Point(self.xy[own[c]]) if c >= base else self.free.shape(c)
            for c in comps
        }
        new_xy: list[tuple[float, float]] = []
        new_comp: list[int] = []

        def gateway(c: int, point: tuple[float, float]) -> int:
            if c >= base:
                return own[c]
            new_xy.append(point)
            new_comp.append(c)
            return len(self.xy) + len(new_xy) - 1

        pairs = [(x, y) for k, x in enumerate(comps) for y in comps[k + 1 :]]
        ends = np.array(
            [shapely.shortest_line(shapes[x], shapes[y]).coords for x, y in pairs]
        ).reshape(-1, 4)  # ax, ay, bx, by per pair: one transit test for all
        ok = self.free.transit_legal(*ends.T) if pairs else np.zeros(0, bool)
        for (x, y), (ax, ay, bx, by), legal in zip(
            pairs, ends.tolist(), ok, strict=True
        ):
            if legal:
                gx, gy = gateway(x, (ax, ay)), gateway(y, (bx, by))
                self.gates[(x, y)], self.gates[(y, x)] = (gx, gy), (gy, gx)
        if new_xy:
            self.xy = np.vstack([self.xy, np.asarray(new_xy)])
            self.comp = np.concatenate([self.comp, np.asarray(new_comp, np.intp)])
            self.movable = np.concatenate([self.movable, np.ones(len(new_xy), bool)])

    def _component(self, c: int, start: int, end: int, budget: float) -> None:
        """Fill ``dist`` between the points of component ``c``.

        Legs are tested between every point and the component's entries and
        exits (airfields, gateways) and between each point and its
        :data:`NEAR` nearest neighbours; other pairs stay inf (unusable).
        """
        members = np.flatnonzero(self.comp == c)
        gates = [g for (x, _), (g, _) in self.gates.items() if x == c]
        entries = sorted({*([start] if self.comp[start] == c else []), *gates})
        exits = sorted({*([end] if self.comp[end] == c else []), *gates})
        if not entries or not exits or members.size < 2:
            return
        pts = self.xy[members]
        ins, outs = self.xy[entries], self.xy[exits]
        hub = np.isin(members, entries + exits)
        lb_in = _geodesic_matrix(ins, pts).min(0)
        lb_out = _geodesic_matrix(pts, outs).min(1)
        self.lower[members] = lb_in + lb_out
        i, j = _pairs(pts, hub, np.isin(members, [start, end]))
        km = geodesic_km(pts[i, 0], pts[i, 1], pts[j, 0], pts[j, 1])
        through = km + np.minimum(lb_in[i] + lb_out[j], lb_in[j] + lb_out[i])
        keep = through <= budget
        i, j, km = i[keep], j[keep], km[keep]
        clear = self.free.clearance(pts[:, 0], pts[:, 1])
        ok = self.free.legal(
            pts[i, 0], pts[i, 1], pts[j, 0], pts[j, 1], clear[i], clear[j]
        )
        a, b = members[i[ok]], members[j[ok]]
        self.dist[a, b] = self.dist[b, a] = km[ok]
        self.direct[a, b] = self.direct[b, a] = True
        bad_i, bad_j = i[~ok], j[~ok]
        if bad_i.size == 0 or c >= self.free.components:
            return
        graph = _component_graph(self.free, c, ins, outs, budget)
        if graph is None:
            return
        self.graphs[c] = graph
        need = np.unique(np.concatenate([bad_i, bad_j]))
        row = np.full(members.size, -1, dtype=np.intp)
        row[need] = np.arange(need.size)
        sight = self._sight(
            graph,
            pts[need],
            clear[need],
            (lb_in[need], lb_out[need]),
            (row[bad_i], row[bad_j], km[~ok], hub[need]),
            budget,
        )
        self.sight.update({int(members[p]): sight[k] for k, p in enumerate(need)})
        via = _min_plus(sight, graph.dist)  # point -> each vertex through the graph
        length = (via[row[bad_i]] + sight[row[bad_j]]).min(1, initial=np.inf)
        a, b = members[bad_i], members[bad_j]
        self.dist[a, b] = self.dist[b, a] = length

    def _sight(
        self,
        graph: _Graph,
        pts: NDArray[np.float64],
        clear: NDArray[np.float64],
        bounds: tuple[NDArray[np.float64], NDArray[np.float64]],
        pairs: tuple[
            NDArray[np.intp], NDArray[np.intp], NDArray[np.float64], NDArray[np.bool_]
        ],
        budget: float,
    ) -> NDArray[np.float64]:
        """Return the legal leg lengths from points to graph vertices (inf: none).

        ``pairs`` holds the point pairs ``(p, q)`` that need a detour, their
        geodesic distance and which points are hubs.  A hub looks at every
        vertex within the budget; another point only at the vertices of
        detours to its partners longer than the straight leg by at most
        :data:`DETOUR_FACTOR` times it (capped at :data:`DETOUR_MAX_KM`) plus
        :data:`DETOUR_SLACK_KM`.
        """
        lb_in, lb_out = bounds
        p_row, q_row, straight, hub = pairs
        km, _, az_v = _inverse(pts, graph.xy)
        through = km + np.minimum(
            lb_in[:, None] + graph.lb_out[None, :],
            graph.lb_in[None, :] + lb_out[:, None],
        )
        near = np.zeros(km.shape, dtype=bool)
        near[hub] = True
        extra = np.minimum(DETOUR_FACTOR * straight, DETOUR_MAX_KM) + DETOUR_SLACK_KM
        on_detour = km[p_row] + km[q_row] <= (straight + extra)[:, None]
        np.logical_or.at(near, p_row, on_detour)
        np.logical_or.at(near, q_row, on_detour)
        wanted = (through <= budget) & near
        p, v = np.nonzero(wanted)
        tangent = graph.corners.tangent(graph.index[v], az_v[p, v])
        p, v = p[tangent], v[tangent]
        ok = self.free.legal(
            pts[p, 0], pts[p, 1], graph.xy[v, 0], graph.xy[v, 1], clear[p]
        )
        sight = np.full(km.shape, np.inf)
        sight[p[ok], v[ok]] = km[p[ok], v[ok]]
        return sight

    # ------------------------------------------------------------- routes
    def matrix(self, nodes: list[int]) -> NDArray[np.float64]:
        """Return path lengths between ``nodes``, through gateways across components.

        Entries are inf where no legal path is known.
        """
        idx = np.asarray(nodes, dtype=np.intp)
        out = self.dist[np.ix_(idx, idx)]
        comps = self.comp[idx]
        for (x, y), (gx, gy) in self.gates.items():
            rows, cols = np.flatnonzero(comps == x), np.flatnonzero(comps == y)
            if rows.size and cols.size:
                out[np.ix_(rows, cols)] = (
                    self.dist[idx[rows], gx][:, None]
                    + self.dist[gy, idx[cols]][None, :]
                )
        return out

    def expand(self, order: list[int]) -> tuple[list[Waypoint], list[bool]]:
        """Return the waypoints and per-leg transit flags of a sequence of points.

        Turning points and gateways are movable waypoints; a repeated movable
        waypoint is moved a little (see :func:`unrepeat`).
        """
        points: list[Waypoint] = [self._waypoint(order[0])]
        transit: list[bool] = []

        def observe(a: int, b: int) -> None:
            for xy in self._detour(a, b):
                points.append(Waypoint(xy, movable=True))
                transit.append(False)
            points.append(self._waypoint(b))
            transit.append(False)

        for a, b in itertools.pairwise(order):
            x, y = int(self.comp[a]), int(self.comp[b])
            if x == y:
                observe(a, b)
                continue
            gx, gy = self.gates[(x, y)]
            if gx != a:
                observe(a, gx)
            points.append(self._waypoint(gy))
            transit.append(True)
            if gy != b:
                observe(gy, b)
        return points, transit

    def _waypoint(self, i: int) -> Waypoint:
        return Waypoint(
            (float(self.xy[i, 0]), float(self.xy[i, 1])), movable=bool(self.movable[i])
        )

    def _detour(self, a: int, b: int) -> list[tuple[float, float]]:
        """Return the turning points of the shortest observation path a -> b."""
        if self.direct[a, b]:
            return []
        graph = self.graphs[int(self.comp[a])]
        total = self.sight[a][:, None] + graph.dist + self.sight[b][None, :]
        u, v = np.unravel_index(int(total.argmin()), total.shape)
        return [
            (float(graph.xy[k, 0]), float(graph.xy[k, 1]))
            for k in graph.chain(int(u), int(v))
        ]
