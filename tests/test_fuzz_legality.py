"""Fuzz: the compiled geodesic kernels on hostile coordinates."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from openskies.geo.geodesy import geodesic_inverse

_ANY = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 90.0, -90.0, 180.0, -180.0, 1e308, -1e308, 2.0**63]),
)
_LON = st.floats(-180.0, 180.0)
_LAT = st.floats(-90.0, 90.0)


def _inverse(legs: list[tuple[float, ...]]) -> tuple[np.ndarray, ...]:
    """``(lon1, lat1, lon2, lat2)`` arrays and ``geodesic_inverse``'s three."""
    ends = tuple(np.array(x, dtype=np.float64) for x in zip(*legs, strict=True))
    return (*ends, *geodesic_inverse(*ends))


@settings(max_examples=200)
@given(st.lists(st.tuples(_ANY, _ANY, _ANY, _ANY), min_size=1, max_size=8))
def test_hostile_coordinates_never_raise_or_hang(legs: list[tuple[float, ...]]) -> None:
    lon1, _, _, _, azimuth, back, metres = _inverse(legs)
    assert azimuth.shape == back.shape == metres.shape == lon1.shape
    finite = np.isfinite(metres)
    assert (metres[finite] >= 0.0).all()
    assert (metres[finite] <= 20_004_000.0).all()  # half a meridian, at most


@settings(max_examples=300)
@given(st.lists(st.tuples(_LON, _LAT, _LON, _LAT), min_size=1, max_size=8))
def test_lengths_of_any_valid_legs_match_pyproj(legs: list[tuple[float, ...]]) -> None:
    lon1, lat1, lon2, lat2, _, _, metres = _inverse(legs)
    _, _, expected = Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)
    assert np.abs(metres - expected).max() < 1e-3
