"""Cell classification (geo/cells.py) checked against GEOS directly."""

from __future__ import annotations

import math

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from openskies.geo.cells import BOUNDARY, INSIDE, OUTSIDE, CellGrid, cell_grid
from openskies.geo.geodesy import wgs84


@st.composite
def stars(draw, lon=None, lat=None):
    """A random star-shaped polygon (a few degrees wide), sometimes with a hole."""
    lon = draw(st.floats(-175.0, 175.0)) if lon is None else lon
    lat = draw(st.floats(-70.0, 75.0)) if lat is None else lat
    count = draw(st.integers(3, 12))
    angles = np.sort(
        draw(
            st.lists(
                st.floats(0, 2 * math.pi), min_size=count, max_size=count, unique=True
            )
        )
    )
    radii = np.array(
        draw(st.lists(st.floats(0.5, 4.0), min_size=count, max_size=count))
    )
    ring = np.column_stack((lon + radii * np.cos(angles), lat + radii * np.sin(angles)))
    shell = shapely.Polygon(ring).buffer(0)
    if draw(st.booleans()):
        hole = shapely.Point(lon, lat).buffer(draw(st.floats(0.1, 0.45)))
        shell = shell.difference(hole)
    return shell


@st.composite
def areas(draw):
    """Polygons, holes, multipolygons and pieces cut at the antimeridian."""
    kind = draw(st.sampled_from(["one", "two", "antimeridian"]))
    if kind == "one":
        return draw(stars())
    if kind == "two":
        return shapely.union(draw(stars()), draw(stars()))
    lat = draw(st.floats(-70.0, 75.0))
    east = draw(stars(lon=178.0, lat=lat))
    west = shapely.affinity.translate(east, -360.0)
    world = shapely.box(-180.0, -90.0, 180.0, 90.0)
    return shapely.intersection(shapely.union(east, west), world)


def _grid(area, step):
    _, south, _, north = area.bounds
    return CellGrid.of(area, max(-90.0, south - 2.0), min(90.0, north + 2.0), step)


def _boxes(grid: CellGrid, rows, columns):
    west = -180.0 + columns * grid.step
    south = grid.south + rows * grid.step
    return shapely.box(west, south, west + grid.step, south + grid.step)


@settings(max_examples=30, deadline=None)
@given(areas(), st.sampled_from([0.2, 0.5, 1.0]))
def test_inside_cells_are_covered_and_outside_cells_disjoint(area, step):
    grid = _grid(area, step)
    rows, columns = np.nonzero(grid.state != BOUNDARY)
    inside = grid.state[rows, columns] == INSIDE
    boxes = _boxes(grid, rows, columns)
    assert shapely.covers(area, boxes[inside]).all()
    assert not shapely.intersects(area, boxes[~inside]).any()
    # every cell the boundary touches is a boundary cell
    touched = shapely.intersects(area.boundary, boxes)
    assert not touched.any()


@settings(max_examples=20, deadline=None)
@given(areas(), st.sampled_from([0.2, 0.5]), st.randoms(use_true_random=False))
def test_points_within_the_clearance_keep_the_class(area, step, random):
    """A point at geodesic distance below the clearance is still inside / outside."""
    grid = _grid(area, step)
    rng = np.random.default_rng(random.randrange(2**32))
    for inside, table in ((True, grid.inner), (False, grid.outer)):
        rows, columns = np.nonzero(table > 0)
        if not rows.size:
            continue
        pick = rng.integers(0, rows.size, 200)
        lon = -180.0 + (columns[pick] + rng.uniform(0, 1, 200)) * step
        lat = grid.south + (rows[pick] + rng.uniform(0, 1, 200)) * step
        km = grid.clearance(lon, lat, inside) * rng.uniform(0.0, 0.999, 200)
        to_lon, to_lat, _ = wgs84().fwd(lon, lat, rng.uniform(0, 360, 200), km * 1e3)
        points = shapely.points(to_lon, to_lat)
        if inside:
            assert shapely.covers(area, points).all()
        else:
            assert not shapely.intersects(area, points).any()


def test_lookup_matches_geos_across_the_antimeridian(treaty):
    """Russia's cells at -180 and +180 (Chukotka) agree with GEOS point tests."""
    territory = treaty.as_of("2019-06-01").territory("RUS")
    grid = cell_grid(territory, 39.0, 84.0)
    rng = np.random.default_rng(0)
    lon = np.concatenate((rng.uniform(170, 180, 4000), rng.uniform(-180, -168, 4000)))
    lat = rng.uniform(60, 72, lon.size)
    state = grid.classify(lon, lat)
    contains = shapely.contains_xy(territory, lon, lat)
    assert contains[state == INSIDE].all()
    assert not contains[state == OUTSIDE].any()
    assert (state == INSIDE).sum() > 1000  # most of Chukotka is settled
    # points beyond the band are unknown
    assert (grid.classify([100.0, 100.0], [30.0, 85.0]) == BOUNDARY).all()
    assert (grid.clearance([100.0], [30.0], inside=True) == 0).all()


def test_grid_is_built_once_per_content():
    area = shapely.box(10.0, 50.0, 12.0, 52.0)
    twin = shapely.from_wkb(shapely.to_wkb(area))
    assert cell_grid(area, 45.0, 55.0) is cell_grid(twin, 45.0, 55.0)
    assert cell_grid(area, 45.0, 55.0) is not cell_grid(area, 45.0, 56.0)
