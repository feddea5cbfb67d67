"""Compiled geodesic inverse on the WGS84 ellipsoid (Vincenty), vectorised.

Private to :mod:`openskies.geo.geodesy`.  Vincenty's inverse iterates on the
longitude on the auxiliary sphere until it changes by less than 1e-12 rad
(about 6 micrometres), which puts lengths within 0.1 mm of Karney's exact
solution (GeographicLib, as ``pyproj.Geod.inv``) and azimuths within about
1e-9 degrees.  The legs it cannot settle that way -- nearly antipodal pairs
(where the iteration converges slowly or not at all), points within 0.01
degrees of a pole (where azimuths hang on the conventions of the longitude)
and coincident points -- are flagged, and the caller hands them to
``pyproj.Geod.inv``.  Compiled by numba on first use in a process and cached
on disk.

References
----------
T. Vincenty, "Direct and inverse solutions of geodesics on the ellipsoid with
application of nested equations", Survey Review 23 (1975) 88-93.
C. F. F. Karney, "Algorithms for geodesics", J. Geodesy 87 (2013) 43-55.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = [
    "azimuths_of",
    "direct_point",
    "direct_setup",
    "inverse",
    "leg_azimuths",
    "leg_pieces",
    "lengths",
    "pieces",
    "points",
    "walk",
]

_A = 6378137.0  # WGS84 semi-major axis [m]
_F = 1.0 / 298.257223563  # WGS84 flattening
_B = _A * (1.0 - _F)
_TOLERANCE = 1e-12  # change of the auxiliary longitude at convergence [rad]
_ITERATIONS = 50
_GOING, _DONE, _FAILED = 0, 1, 2  # status of a leg's iteration (:func:`_step`)
_LANES = 8  # legs iterated side by side: independent work the CPU overlaps
_POLAR_DEG = 89.99  # beyond this latitude a leg goes to GeographicLib
_ANTIPODAL_RAD = math.radians(179.0)  # beyond this auxiliary longitude, too
_EARTH_KM = 6371.0  # mean radius
_PEAK = math.sqrt(2.0 / 3.0)  # sin(heading) of the largest chart curvature


@njit(cache=True)
def _delta(big_b: float, sin_sigma: float, cos_sigma: float, cos_2sm: float) -> float:
    """Vincenty's correction of the arc length on the auxiliary sphere [rad]."""
    square = 2.0 * cos_2sm**2 - 1.0
    sixth = big_b / 6.0 * cos_2sm * (4.0 * sin_sigma**2 - 3.0) * (2.0 * square - 1.0)
    return big_b * sin_sigma * (cos_2sm + big_b / 4.0 * (cos_sigma * square - sixth))


@njit(cache=True)
def _turn(  # ellipsoidal longitude correction [rad]
    c: float,
    sin_alpha: float,
    sigma: float,
    sin_sigma: float,
    cos_sigma: float,
    cos_2sm: float,
) -> float:
    square = 2.0 * cos_2sm**2 - 1.0
    inner = sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * square)
    return (1.0 - c) * _F * sin_alpha * inner


@njit(cache=True)
def _reduced(lat: float) -> tuple[float, float]:
    """Sine and cosine of the reduced latitude of ``lat`` [deg]."""
    tan_u = (1.0 - _F) * math.tan(math.radians(lat))
    cos_u = 1.0 / math.sqrt(1.0 + tan_u * tan_u)
    return tan_u * cos_u, cos_u


@njit(cache=True)
def _difference(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Longitude difference of a leg [rad] in -pi..pi; NaN if not for Vincenty.

    NaN for a point within 0.01 degrees of a pole and for coincident points.
    """
    if abs(lat1) > _POLAR_DEG or abs(lat2) > _POLAR_DEG:
        return math.nan
    if lon1 == lon2 and lat1 == lat2:
        return math.nan
    turn = lon2 - lon1  # into -180..180 without trigonometry
    return math.radians(turn - 360.0 * math.floor((turn + 180.0) / 360.0))


@njit(cache=True)
def _step(
    difference: float,
    lam: float,
    before: float,
    iteration: int,
    reduced: tuple[float, float, float, float],
) -> tuple[int, float, float, float]:
    """One iteration of Vincenty's inverse from the auxiliary longitude ``lam``.

    ``difference``: :func:`_difference`; ``before``: the iterate before
    ``lam``; ``reduced``: sine and cosine of the reduced latitudes of both
    ends (:func:`_reduced`).  Returns the status (``_GOING``, ``_DONE`` or
    ``_FAILED``), the next auxiliary longitude [rad] (final when done), the
    iterate before it, and the length [m] when done.
    """
    if abs(lam) > _ANTIPODAL_RAD:
        return _FAILED, 0.0, 0.0, 0.0
    sin_u1, cos_u1, sin_u2, cos_u2 = reduced
    ss, cc = sin_u1 * sin_u2, cos_u1 * cos_u2
    sc, cs = sin_u1 * cos_u2, cos_u1 * sin_u2
    sin_lam, cos_lam = math.sin(lam), math.cos(lam)
    east, north = cos_u2 * sin_lam, cs - sc * cos_lam
    sin_sigma = math.sqrt(east * east + north * north)
    if sin_sigma == 0.0:
        return _FAILED, 0.0, 0.0, 0.0
    cos_sigma = ss + cc * cos_lam
    sigma = math.atan2(sin_sigma, cos_sigma)
    sin_alpha = cc * sin_lam / sin_sigma
    cos2_alpha = 1.0 - sin_alpha * sin_alpha
    cos_2sm = cos_sigma - 2.0 * ss / cos2_alpha if cos2_alpha != 0.0 else 0.0
    c = _F / 16.0 * cos2_alpha * (4.0 + _F * (4.0 - 3.0 * cos2_alpha))
    previous = lam
    lam = difference + _turn(c, sin_alpha, sigma, sin_sigma, cos_sigma, cos_2sm)
    step = lam - previous
    if abs(step) < _TOLERANCE:
        big_a, big_b = _series(cos2_alpha * (_A * _A - _B * _B) / (_B * _B))
        delta = _delta(big_b, sin_sigma, cos_sigma, cos_2sm)
        return _DONE, lam, previous, _B * big_a * (sigma - delta)
    if iteration == 1:  # linear convergence: Aitken's extrapolation, once
        bend = step - (previous - before)
        if bend != 0.0:
            lam -= step**2 / bend
    return _GOING, lam, previous, 0.0


@njit(cache=True)
def _azimuths(
    lam: float, reduced: tuple[float, float, float, float]
) -> tuple[float, float]:
    """Forward and back azimuths [deg] of a leg solved by :func:`lengths`."""
    sin_u1, cos_u1, sin_u2, cos_u2 = reduced
    sin_lam, cos_lam = math.sin(lam), math.cos(lam)
    sc, cs = sin_u1 * cos_u2, cos_u1 * sin_u2
    forward = math.degrees(math.atan2(cos_u2 * sin_lam, cs - sc * cos_lam))
    arrival = math.degrees(math.atan2(cos_u1 * sin_lam, cs * cos_lam - sc))
    return forward, (arrival - 180.0 if arrival > 0.0 else arrival + 180.0)


@njit(cache=True)
def leg_azimuths(lat1: float, lat2: float, lam: float) -> tuple[float, float]:
    """Forward and back azimuths [deg] of a leg from its latitudes [deg] and λ.

    ``lam``: the auxiliary longitude difference [rad] :func:`lengths` returns;
    the same bits as :func:`inverse`'s azimuths.
    """
    sin_u1, cos_u1 = _reduced(lat1)
    sin_u2, cos_u2 = _reduced(lat2)
    return _azimuths(lam, (sin_u1, cos_u1, sin_u2, cos_u2))


@njit(cache=True)
def _reduced_pair(
    lat1: np.ndarray,
    lat2: np.ndarray,
    i: int,
    before: tuple[float, float, float, float],
) -> tuple[float, float, float, float]:
    """:func:`_reduced` of both ends of leg ``i``; ``before``: those of leg ``i - 1``.

    A leg starting at the latitude where the previous one ended (legs of a
    route) reuses that end's values.
    """
    if i > 0 and lat1[i] == lat2[i - 1]:
        sin_u1, cos_u1 = before[2], before[3]
    else:
        sin_u1, cos_u1 = _reduced(lat1[i])
    sin_u2, cos_u2 = _reduced(lat2[i])
    return sin_u1, cos_u1, sin_u2, cos_u2


@njit(cache=True)
def lengths(
    lon1: np.ndarray,
    lat1: np.ndarray,
    lon2: np.ndarray,
    lat2: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return lengths [m], auxiliary longitude differences [rad] and success per leg.

    :func:`inverse` without the azimuths (:func:`leg_azimuths` gives them
    later, from the latitudes and the auxiliary longitude difference, for
    the legs that need them).  A leg starting at the latitude where the
    previous one ended (legs of a route) reuses that end's reduced latitude.
    ``_LANES`` legs iterate side by side (:func:`_step` on each in turn), so
    that the processor overlaps their independent chains of operations; each
    leg gets the bits it would get alone.
    """
    n = lon1.size
    metres = np.zeros(n)
    lam = np.zeros(n)
    done = np.zeros(n, dtype=np.bool_)
    lanes = np.empty((_LANES, 7))  # difference, lam, before, reduced (4)
    status = np.empty(_LANES, dtype=np.int64)
    reduced = (0.0, 0.0, 0.0, 0.0)
    for base in range(0, n, _LANES):
        width = min(_LANES, n - base)
        for j in range(width):
            i = base + j
            reduced = _reduced_pair(lat1, lat2, i, reduced)
            difference = _difference(lon1[i], lat1[i], lon2[i], lat2[i])
            status[j] = _FAILED if math.isnan(difference) else _GOING
            lanes[j, 0] = lanes[j, 1] = difference
            lanes[j, 2] = 0.0
            lanes[j, 3], lanes[j, 4], lanes[j, 5], lanes[j, 6] = reduced
        for iteration in range(_ITERATIONS):
            going = False
            for j in range(width):
                if status[j] != _GOING:
                    continue
                status[j], lanes[j, 1], lanes[j, 2], metres[base + j] = _step(
                    lanes[j, 0],
                    lanes[j, 1],
                    lanes[j, 2],
                    iteration,
                    (lanes[j, 3], lanes[j, 4], lanes[j, 5], lanes[j, 6]),
                )
                going = True
            if not going:
                break
        for j in range(width):  # metres stay 0 unless done (see _step)
            if status[j] == _DONE:
                lam[base + j], done[base + j] = lanes[j, 1], True
    return metres, lam, done


@njit(cache=True)
def inverse(
    lon1: np.ndarray,
    lat1: np.ndarray,
    lon2: np.ndarray,
    lat2: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return forward and back azimuths [deg], lengths [m] and success per leg.

    Parameters
    ----------
    lon1, lat1, lon2, lat2
        Start and end of each leg [degrees], 1-d float64 arrays of one length.

    Returns
    -------
    forward, back, metres
        As ``pyproj.Geod.inv`` (back: the azimuth at the end pointing back to
        the start, in -180..180); zero where ``done`` is False.
    done
        False for the legs left to GeographicLib (see the module notes).
    """
    metres, lam, done = lengths(lon1, lat1, lon2, lat2)
    forward = np.zeros(lon1.size)
    back = np.zeros(lon1.size)
    for i in range(lon1.size):
        if done[i]:
            forward[i], back[i] = leg_azimuths(lat1[i], lat2[i], lam[i])
    return forward, back, metres, done


@njit(cache=True)
def azimuths_of(
    table: np.ndarray, lat1: np.ndarray, lat2: np.ndarray, which: np.ndarray
) -> None:
    """Fill in the azimuths of the legs ``which`` of a :func:`lengths` table.

    ``table``: (n, 4) of forward and back azimuths [deg] (NaN where not yet
    computed), length [m] and auxiliary longitude difference [rad] per leg;
    ``lat1``, ``lat2``: the legs' latitudes [deg].
    """
    for i in which:
        if math.isnan(table[i, 0]) and not math.isnan(table[i, 3]):
            table[i, 0], table[i, 1] = leg_azimuths(lat1[i], lat2[i], table[i, 3])


@njit(cache=True)
def _series(u_sq: float) -> tuple[float, float]:
    """Vincenty's ``A`` and ``B`` for ``u**2 = cos(alpha)**2 (a**2 - b**2) / b**2``."""
    big_a = 1.0 + u_sq / 16384.0 * (
        4096.0 + u_sq * (-768.0 + u_sq * (320.0 - 175.0 * u_sq))
    )
    big_b = u_sq / 1024.0 * (256.0 + u_sq * (-128.0 + u_sq * (74.0 - 47.0 * u_sq)))
    return big_a, big_b


@njit(cache=True)
def points(
    lon1: np.ndarray,
    lat1: np.ndarray,
    azimuth: np.ndarray,
    metres: np.ndarray,
    pieces: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
) -> np.ndarray:
    """Write the inner points of legs cut in equal pieces; return success per leg.

    Parameters
    ----------
    lon1, lat1, azimuth, metres
        Start [deg], forward azimuth [deg] and length [m] of each leg.
    pieces
        Number of equal pieces of each leg (int64, >= 1).
    lon, lat
        Output: the ``pieces - 1`` inner points of each leg, legs in order
        [deg, longitudes in -180..180]; left unwritten for the legs where the
        result is False (a start within 0.01 degrees of a pole), which the
        caller hands to ``pyproj.Geod.fwd``.
    """
    done = np.empty(lon1.size, dtype=np.bool_)
    at = 0
    for i in range(lon1.size):
        inner = pieces[i] - 1
        done[i] = abs(lat1[i]) <= _POLAR_DEG
        if done[i]:
            walk(lon1[i], lat1[i], azimuth[i], metres[i], pieces[i], lon, lat, at)
        at += inner
    return done


@njit(cache=True)
def direct_setup(lat1: float, azimuth: float, setup: np.ndarray) -> None:
    """Write the constants of the direct problem from ``lat1`` along ``azimuth``.

    Both in degrees; ``setup`` (11 floats) is the input of :func:`direct_point`.
    """
    alpha1 = math.radians(azimuth)
    sin_alpha1, cos_alpha1 = math.sin(alpha1), math.cos(alpha1)
    tan_u1 = (1.0 - _F) * math.tan(math.radians(lat1))
    cos_u1 = 1.0 / math.sqrt(1.0 + tan_u1 * tan_u1)
    sin_u1 = tan_u1 * cos_u1
    sigma1 = math.atan2(tan_u1, cos_alpha1)
    sin_alpha = cos_u1 * sin_alpha1
    cos2_alpha = 1.0 - sin_alpha * sin_alpha
    big_a, big_b = _series(cos2_alpha * (_A * _A - _B * _B) / (_B * _B))
    c = _F / 16.0 * cos2_alpha * (4.0 + _F * (4.0 - 3.0 * cos2_alpha))
    # cos(2 sigma1 + sigma) from the sine and cosine of sigma
    sin_2s1, cos_2s1 = math.sin(2.0 * sigma1), math.cos(2.0 * sigma1)
    setup[0], setup[1], setup[2], setup[3] = sin_alpha1, cos_alpha1, sin_u1, cos_u1
    setup[4], setup[5], setup[6], setup[7] = sin_alpha, big_a, big_b, c
    setup[8], setup[9], setup[10] = sin_2s1, cos_2s1, 0.0


@njit(cache=True)
def direct_point(
    lon1: float, setup: np.ndarray, metres: float, k: int, pieces: int
) -> tuple[float, float]:
    """Point ``k`` of ``pieces`` of a leg of ``metres`` [m] from ``lon1`` [deg].

    ``setup``: :func:`direct_setup` of the leg.  Each point is computed on its
    own (no warm start), so a point is the same bits whichever others are.
    Returns longitude (-180 excluded: 180) and latitude [deg].
    """
    sin_alpha1, cos_alpha1, sin_u1, cos_u1 = setup[0], setup[1], setup[2], setup[3]
    sin_alpha, big_a, big_b, c = setup[4], setup[5], setup[6], setup[7]
    sin_2s1, cos_2s1 = setup[8], setup[9]
    base = metres * k / pieces / (_B * big_a)
    sigma = base
    cos_2sm = sin_sigma = cos_sigma = 0.0
    before = 0.0  # the iterate before the previous one
    for iteration in range(_ITERATIONS):
        sin_sigma, cos_sigma = math.sin(sigma), math.cos(sigma)
        cos_2sm = cos_2s1 * cos_sigma - sin_2s1 * sin_sigma
        delta = _delta(big_b, sin_sigma, cos_sigma, cos_2sm)
        step = base + delta - sigma
        if abs(step) < _TOLERANCE:
            break  # sigma is the fixed point within 1e-12 rad (6 micrometres)
        previous = sigma
        sigma = base + delta
        if iteration == 1:  # linear convergence: Aitken's extrapolation, once
            bend = step - (previous - before)
            if bend != 0.0:
                sigma -= step * step / bend
        before = previous
    across = sin_u1 * sin_sigma - cos_u1 * cos_sigma * cos_alpha1
    phi = math.atan2(
        sin_u1 * cos_sigma + cos_u1 * sin_sigma * cos_alpha1,
        (1.0 - _F) * math.sqrt(sin_alpha * sin_alpha + across * across),
    )
    lam = math.atan2(
        sin_sigma * sin_alpha1, cos_u1 * cos_sigma - sin_u1 * sin_sigma * cos_alpha1
    )
    turn = lam - _turn(c, sin_alpha, sigma, sin_sigma, cos_sigma, cos_2sm)
    x = lon1 + math.degrees(turn)
    x -= 360.0 * math.floor((x + 180.0) / 360.0)
    return (180.0 if x == -180.0 else x), math.degrees(phi)


@njit(cache=True)
def walk(
    lon1: float,
    lat1: float,
    azimuth: float,
    metres: float,
    pieces: int,
    lon: np.ndarray,
    lat: np.ndarray,
    at: int,
) -> None:
    """Write the inner points of one leg from ``lon[at]``, ``lat[at]`` on (direct)."""
    setup = np.empty(11)
    direct_setup(lat1, azimuth, setup)
    for k in range(1, pieces):
        lon[at + k - 1], lat[at + k - 1] = direct_point(lon1, setup, metres, k, pieces)


@njit(cache=True)
def leg_pieces(
    lat1: float,
    lat2: float,
    azimuth: float,
    back: float,
    metres: float,
    limits: np.ndarray,
) -> int:
    """Return how many equal pieces keep one leg's chart chords within tolerance.

    A straight chart line at latitude ``lat`` and heading ``a`` curves against
    the geodesic by ``tan(lat) f(sin(a)) / R`` with ``f(s) = s (2 - s**2)``
    (largest, 1.089, at ``s**2 = 2/3``); a chord of length ``s`` on a curve of
    curvature ``k`` strays at most ``k s**2 / 8`` from it.  Along a geodesic
    the latitude and ``sin(a)`` are monotonic except at its vertex, where it runs
    east-west at the latitude ``acos(cos(lat1) sin(a1))`` (Clairaut), so their
    ranges over a leg are spanned by its ends and the vertex.  ``limits``: the
    tolerance [km] and the largest spacing of points [km]; ``azimuth`` and
    ``back`` [deg], ``metres`` [m] as :func:`inverse` returns them.
    """
    poleward = math.radians(max(abs(lat1), abs(lat2)))
    sin1 = abs(math.sin(math.radians(azimuth)))
    sin2 = abs(math.sin(math.radians(back)))
    low, high = min(sin1, sin2), max(sin1, sin2)
    # the heading turns from poleward to equatorward: the vertex is on the leg
    if math.cos(math.radians(azimuth)) * math.cos(math.radians(back)) > 0:
        clairaut = math.acos(min(math.cos(math.radians(lat1)) * sin1, 1.0))
        poleward, high = max(poleward, clairaut), 1.0
    if high <= _PEAK:
        shape = high * (2.0 - high * high)
    elif low >= _PEAK:
        shape = low * (2.0 - low * low)
    else:
        shape = _PEAK * 4.0 / 3.0
    curvature = math.tan(min(poleward, math.radians(89.999))) * shape
    km = metres / 1000.0
    stray = km * km * curvature / (8.0 * _EARTH_KM)
    curved = math.ceil(math.sqrt(stray / limits[0]))
    return int(max(curved, math.ceil(km / limits[1]), 1))


@njit(cache=True)
def pieces(
    lat1: np.ndarray,
    lat2: np.ndarray,
    azimuth: np.ndarray,
    back: np.ndarray,
    metres: np.ndarray,
    limits: np.ndarray,
) -> np.ndarray:
    """:func:`leg_pieces` of every leg (int64)."""
    result = np.empty(lat1.size, dtype=np.int64)
    for i in range(lat1.size):
        result[i] = leg_pieces(lat1[i], lat2[i], azimuth[i], back[i], metres[i], limits)
    return result
