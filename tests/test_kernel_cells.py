"""The kernel's leg tests with cells (clear_of from 256 legs) equal GEOS's."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from openskies.geo.cells import band_of
from openskies.geo.geodesy import wgs84
from openskies.rules.kernel import (
    Zone,
    binding_zones,
    clear_of,
    crosses,
    leaves_territory,
    leg_lines,
)
from openskies.rules.registry import rule_set
from openskies.rules.settle import CELLS_FROM_LINES


def _legs(rules, seed, count):
    """Legs from points on the territory's and border zone's edges, and anywhere."""
    rng = np.random.default_rng(seed)
    edges = [
        *shapely.get_parts(rules.territory.boundary),
        *shapely.get_parts(rules.border.boundary),
    ]
    lengths = np.array([e.length for e in edges])
    which = rng.choice(len(edges), count, p=lengths / lengths.sum())
    at = [edges[i].interpolate(rng.uniform(0, 1), normalized=True) for i in which]
    lon, lat = shapely.get_coordinates(at).T
    # a third anywhere in the territory's box, Chukotka included
    west, south, east, north = rules.territory.bounds
    free = rng.random(count) < 1 / 3
    lon[free] = rng.uniform(west, east, free.sum())
    lat[free] = rng.uniform(south, north, free.sum())
    offset = rng.choice([0.0, 0.01, 0.1, 1.0, 5.0], count) * 1e3
    lon, lat, _ = wgs84().fwd(lon, lat, rng.uniform(0, 360, count), offset)
    km = rng.choice([0.5, 5.0, 30.0, 120.0], count)
    lon2, lat2, _ = wgs84().fwd(lon, lat, rng.uniform(0, 360, count), km * 1e3)
    return leg_lines(lon, lat, lon2, lat2)[0]


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["treaty", "observed-party"]))
def test_clear_of_with_cells_equals_geos(treaty, seed, reading):
    rules = rule_set(treaty.as_of("2019-06-01"), "USA", "RUS")
    lines = _legs(rules, seed, CELLS_FROM_LINES + 300)
    band = band_of(rules.territory)
    zones = binding_zones(rules, reading)
    exact = ~leaves_territory(rules.territory, lines)
    fast = ~leaves_territory(rules.territory, lines, band)
    np.testing.assert_array_equal(fast, exact)
    for zone in zones:
        np.testing.assert_array_equal(
            crosses(zone.area, lines, band=band), crosses(zone.area, lines)
        )
        exact &= ~crosses(zone.area, lines)
    np.testing.assert_array_equal(clear_of(rules.territory, zones, lines), exact)
    # the mix holds both verdicts
    assert exact.any()
    assert not exact.all()


def test_lines_far_inside_are_settled_without_geos(treaty):
    """Legs deep inside settle in cells; legs across the coast go to GEOS."""
    from openskies.rules.settle import unsettled_lines

    rules = rule_set(treaty.as_of("2019-06-01"), "USA", "RUS")
    band = band_of(rules.territory)
    inside = leg_lines([100.0, 60.0], [62.0, 57.0], [100.5, 60.3], [62.2, 57.1])[0]
    coast = leg_lines([33.0], [68.9], [33.0], [70.5])[0]
    assert unsettled_lines(rules.territory, inside, band, 1).size == 0
    assert unsettled_lines(rules.territory, coast, band, 1).tolist() == [0]
    empty = np.array([shapely.MultiLineString()], dtype=object)
    assert not leaves_territory(rules.territory, empty, band)[0]
    assert not clear_of(rules.territory, (Zone("x", rules.border),), coast)[0]
