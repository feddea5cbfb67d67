"""The compiled chord tests of geo/cell_edges.py against GEOS, and the direct points.

An independent reference for every kernel: shapely's predicates on the same
planar chords (random ones, ones through the area's vertices and along its
edges), the cell classes of :class:`~openskies.geo.cells.CellGrid`, and the
points :func:`~openskies.geo.geodesy.densify_legs` writes.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from openskies.geo.cell_edges import (
    NEGATIVE,
    POSITIVE,
    UNDECIDED,
    cell_edges,
    chord_crosses,
    point_class,
    stack_edges,
)
from openskies.geo.cells import BOUNDARY, INSIDE, OUTSIDE, cell_grid
from openskies.geo.geodesy import densify_legs, geodesic_inverse, leg_pieces
from openskies.geo.vincenty import direct_point, direct_setup

SOUTH, NORTH, STEP = 47.0, 56.0, 0.1
# a jagged polygon with a hole and an island, edges of every direction
SHELL = [
    (10.0, 50.0), (11.03, 49.61), (12.4, 50.2), (13.9, 49.8), (14.2, 51.37),
    (13.1, 52.9), (12.05, 52.11), (11.5, 53.2), (10.2, 52.4), (10.6, 51.3),
]  # fmt: skip
HOLE = [(11.5, 50.8), (12.3, 50.7), (12.1, 51.6), (11.7, 51.4)]
ISLAND = [(15.0, 53.0), (15.6, 53.1), (15.2, 53.9)]
AREA = shapely.MultiPolygon(
    [shapely.Polygon(SHELL, [HOLE]), shapely.Polygon(ISLAND)]
).normalize()


@pytest.fixture(scope="module")
def kernel() -> tuple[object, ...]:
    """The stacked arrays and grid frame of AREA."""
    edges = cell_edges(AREA, SOUTH, NORTH, STEP)
    stack = stack_edges([edges], SOUTH, STEP)
    frame = np.array([SOUTH, STEP, *stack.state.shape[1:]], dtype=float)
    stamp = np.zeros(stack.segments.shape[0] + 1, dtype=np.int64)
    return stack, frame, stamp


def _crosses(kernel: tuple[object, ...], chord: np.ndarray) -> int:
    stack, frame, stamp = kernel
    return int(
        chord_crosses(
            chord,
            0,
            stack.boundary,
            stack.start,
            stack.edge,
            stack.segments,
            frame,
            stamp,
        )
    )


def _assert_agrees(verdict: int, chord: np.ndarray) -> None:
    """A decided verdict is GEOS's: crossing means points on both sides."""
    line = shapely.LineString(chord.reshape(2, 2))
    touches = line.intersects(AREA.boundary)
    if verdict == NEGATIVE:
        assert not touches
    elif verdict == POSITIVE:
        assert touches
        assert line.intersects(AREA)
        assert not AREA.covers(line)
    else:
        assert verdict == UNDECIDED


coordinate = st.tuples(st.floats(9.5, 16.0), st.floats(49.0, 54.5))


@settings(max_examples=400, deadline=None)
@given(start=coordinate, end=coordinate)
def test_random_chords_match_geos(kernel, start, end) -> None:
    chord = np.array([*start, *end])
    _assert_agrees(_crosses(kernel, chord), chord)


def _boundary_points() -> np.ndarray:
    rings = shapely.get_rings(shapely.get_parts(AREA))
    return shapely.get_coordinates(rings)


@settings(max_examples=300, deadline=None)
@given(
    vertex=st.integers(0, 40),
    other=coordinate,
    along=st.floats(0.0, 1.0),
    mode=st.sampled_from(["vertex", "edge", "collinear", "near"]),
)
def test_grazing_chords_are_never_decided_wrongly(
    kernel, vertex, other, along, mode
) -> None:
    """Chords through vertices, ending on edges, along edges or 1e-13 deg off."""
    points = _boundary_points()
    a = points[vertex % (len(points) - 1)]
    b = points[vertex % (len(points) - 1) + 1]
    on_edge = a + along * (b - a)
    if mode == "vertex":
        chord = np.array([*a, *other])
    elif mode == "edge":
        chord = np.array([*on_edge, *other])
    elif mode == "collinear":
        chord = np.array([*(a - 0.3 * (b - a)), *on_edge])
    else:
        chord = np.array([*(on_edge + 1e-13), *other])
    verdict = _crosses(kernel, chord)
    _assert_agrees(verdict, chord)
    if mode in ("vertex", "collinear"):
        assert verdict != NEGATIVE or not shapely.LineString(
            chord.reshape(2, 2)
        ).intersects(AREA.boundary)


def test_a_chord_across_the_area_crosses_and_one_far_away_does_not(kernel) -> None:
    assert _crosses(kernel, np.array([9.0, 51.0, 12.0, 51.9])) == POSITIVE
    assert _crosses(kernel, np.array([2.0, 51.0, 5.0, 52.0])) == NEGATIVE
    # through the hole's corner exactly: undecided
    corner = np.array([*HOLE[0], 13.0, 49.0])
    assert _crosses(kernel, corner) in (POSITIVE, UNDECIDED)


def test_point_classes_agree_with_the_cells_and_geos(kernel) -> None:
    stack, frame, _ = kernel
    rng = np.random.default_rng(4)
    points = np.column_stack((rng.uniform(9, 16, 3000), rng.uniform(46, 57, 3000)))
    grid = cell_grid(AREA, SOUTH, NORTH, STEP)
    classes = grid.classify(points[:, 0], points[:, 1])
    for (x, y), cell in zip(points, classes, strict=True):
        kind = point_class(x, y, 0, True, stack.state, frame)
        if SOUTH <= y < NORTH:
            assert kind == cell
        else:  # beyond the band: outside a bounded area
            assert kind == OUTSIDE
        if kind in (INSIDE, OUTSIDE):
            assert (kind == INSIDE) == AREA.contains(shapely.Point(x, y))
    assert point_class(180.0, 50.0, 0, True, stack.state, frame) == -1
    assert point_class(12.0, 60.0, 0, False, stack.state, frame) == -1
    assert (stack.state == BOUNDARY).any()


@settings(max_examples=60, deadline=None)
@given(
    lon=st.floats(-179.0, 179.0),
    lat=st.floats(-80.0, 80.0),
    azimuth=st.floats(0.0, 360.0),
    km=st.floats(1.0, 3000.0),
)
def test_direct_points_one_by_one_are_densify_legs_points_bit_for_bit(
    lon, lat, azimuth, km
) -> None:
    from pyproj import Geod

    lon2, lat2, _ = Geod(ellps="WGS84").fwd(lon, lat, azimuth, km * 1000.0)
    ends = [np.array([v], dtype=float) for v in (lon, lat, lon2, lat2)]
    inverse = geodesic_inverse(*ends)
    count = int(leg_pieces(ends[1], ends[3], inverse)[0])
    xs, ys, _, _ = densify_legs(*ends)
    assert xs.size == count + 1
    setup = np.empty(11)
    direct_setup(lat, float(inverse[0][0]), setup)
    for k in range(1, count):
        x, y = direct_point(lon, setup, float(inverse[2][0]), k, count)
        assert (x, y) == (xs[k], ys[k])
