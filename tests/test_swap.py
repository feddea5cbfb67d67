"""The lat/lon swap hint (:mod:`openskies.geo.swap`) on Germany's territory."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from openskies.geo.swap import SWAP_HINT, swap_hint, swapped_inside
from openskies.treaty.model import Treaty

#: Points inside Germany's bounding box [degrees].
LON = st.floats(5.9, 15.0)
LAT = st.floats(47.3, 55.0)


@pytest.fixture(scope="module")
def germany(treaty: Treaty) -> shapely.Geometry:
    """Germany's territory (land + 12 nmi) in 2019."""
    return treaty.as_of("2019-06-01").territory("DEU")


@settings(max_examples=60)
@given(lon=LON, lat=LAT)
def test_a_point_in_germany_gets_the_hint_only_when_written_swapped(
    germany: shapely.Geometry, lon: float, lat: float
) -> None:
    inside = bool(shapely.intersects_xy(germany, lon, lat))
    # as read: no hint for a point inside; written (lat, lon): a hint if inside
    assert swap_hint([lon], [lat], germany) == ""
    assert bool(swapped_inside([lat], [lon], germany)[0]) == inside
    assert (SWAP_HINT in swap_hint([lat], [lon], germany)) == inside


def test_one_point_outside_that_a_swap_does_not_explain_drops_the_hint(
    germany: shapely.Geometry,
) -> None:
    # Cologne swapped, plus Warsaw: Warsaw swapped (lat 21) is not in Germany
    lon = np.array([50.94, 21.0])
    lat = np.array([6.96, 52.2])
    assert swapped_inside(lon, lat, germany).tolist() == [True, False]
    assert swap_hint(lon, lat, germany) == ""
    assert SWAP_HINT in swap_hint(lon[:1], lat[:1], germany)


def test_a_longitude_beyond_90_degrees_cannot_be_a_swapped_latitude(
    germany: shapely.Geometry,
) -> None:
    assert not swapped_inside([120.0], [10.0], germany)[0]
    assert swap_hint([120.0], [10.0], germany) == ""
