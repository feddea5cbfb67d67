"""Fuzz the routing entry points: only OpenSkiesError subclasses may escape.

Covers :func:`solve_orienteering`, :func:`plan_route`, :func:`reachable_area`,
:func:`read_sites` and the ``plan-route`` command (exit 2 with exactly one line
on stderr for bad input).  Extreme numbers (2**63, 1e308, NaN, inf, negative),
wrong types (None, str for numbers, lists, dicts) and hostile files.  Examples
are bounded here; ``OPENSKIES_HYPOTHESIS_PROFILE=openskies-long`` runs the
profile's larger budget.
"""

import json
import math
import os

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from openskies import SolveOptions
from openskies.cli.main import main
from openskies.errors import OpenSkiesError
from openskies.geo.sites import MAX_VALUE, read_sites
from openskies.routing.orienteering import MAX_POINTS, MAX_SCORE, solve_orienteering
from openskies.routing.planner import MAX_SITES, plan_route
from openskies.rules.reach import reachable_area

LONG = os.environ.get("OPENSKIES_HYPOTHESIS_PROFILE") == "openskies-long"
DAY = "2019-06-01"


def examples(n):
    """Settings with ``n`` examples, or the long profile's budget.

    capsys is function-scoped but read (and so emptied) in every example.
    """
    return settings(
        max_examples=settings.default.max_examples if LONG else n,
        suppress_health_check=[
            *settings.default.suppress_health_check,
            HealthCheck.function_scoped_fixture,
        ],
    )


EXTREME_FLOATS = st.sampled_from(
    [0.0, -0.0, 1.0, -1.0, 1e-300, 1e15, 1e16, 1e308, -1e308, math.nan, math.inf]
) | st.floats(allow_nan=True, allow_infinity=True)
EXTREME_INTS = st.sampled_from([0, 1, -1, 2**31, 2**63, -(2**63), 2**64, 2**1100])
HOSTILE = (
    st.none()
    | st.booleans()
    | st.text(max_size=8)
    | st.lists(st.integers(-3, 3), max_size=3)
    | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)
)
NUMBERISH = EXTREME_FLOATS | EXTREME_INTS | HOSTILE


def mostly(valid, hostile, odds=5):
    """Draw from ``valid``, and from ``hostile`` about one time in ``odds``."""
    return st.sampled_from(range(odds)).flatmap(lambda k: valid if k else hostile)


# ------------------------------------------------------------ orienteering
@st.composite
def orienteering_calls(draw):
    n = draw(st.integers(1, 5))
    coord = mostly(st.floats(-10, 10), EXTREME_FLOATS, 12)
    points = draw(
        mostly(
            st.lists(st.tuples(coord, coord), min_size=n, max_size=n),
            st.none() | HOSTILE,
        )
    )
    scores = draw(
        mostly(
            st.lists(
                mostly(st.integers(0, 9), EXTREME_FLOATS, 12), min_size=n, max_size=n
            ),
            HOSTILE,
        )
    )
    kwargs = {
        "start": draw(mostly(st.integers(0, n - 1), NUMBERISH, 8)),
        "end": draw(mostly(st.none() | st.integers(0, n - 1), NUMBERISH, 8)),
        "budget": draw(mostly(st.floats(0, 40), NUMBERISH, 8)),
        "metric": draw(mostly(st.sampled_from(["euclidean", "geodesic"]), HOSTILE, 8)),
        "engine": draw(mostly(st.sampled_from(["auto", "exact", "ils"]), HOSTILE, 8)),
        "options": draw(
            mostly(st.sampled_from([None, SolveOptions(time_limit_s=0.2)]), HOSTILE)
        ),
    }
    if draw(st.booleans()):
        kwargs["distance_matrix"] = draw(
            mostly(
                st.lists(
                    st.lists(
                        mostly(st.floats(0, 10), EXTREME_FLOATS, 12),
                        min_size=n,
                        max_size=n,
                    ),
                    min_size=n,
                    max_size=n,
                ),
                HOSTILE,
            )
        )
    return points, scores, kwargs


@examples(300)
@given(orienteering_calls())
def test_fuzz_solve_orienteering(call):
    points, scores, kwargs = call
    try:
        res = solve_orienteering(points, scores, **kwargs)
    except OpenSkiesError:
        event("refused")
        return
    event("solved")
    assert math.isfinite(res.score)
    assert math.isfinite(res.length)
    assert res.score <= res.bound or res.order == ()
    budget = float(kwargs["budget"])
    assert res.length <= budget * (1 + 1e-9)


def test_orienteering_refuses_sizes_beyond_the_bound_without_memory_error():
    # 20,000 points raised MemoryError before (issue 10): now a clear refusal
    # beyond MAX_POINTS (20,000 since issue 15: legs on demand).
    n = MAX_POINTS + 1
    with pytest.raises(OpenSkiesError, match=f"at most {MAX_POINTS:,} points"):
        solve_orienteering(np.zeros((n, 2)), np.ones(n), start=0, budget=1)


def test_two_sites_valued_1e308_are_refused_not_overflowed():
    with pytest.raises(OpenSkiesError, match="from 0 to"):
        solve_orienteering(
            [(0, 0), (1, 0), (2, 0)], [0, 1e308, 1e308], start=0, end=2, budget=5
        )
    assert MAX_POINTS * MAX_SCORE < 1e300  # no sum of scores can overflow


# ------------------------------------------------------------- plan_route
def site_frame(lon, lat, value, index=None):
    return gpd.GeoDataFrame(
        {"value": value},
        index=index,
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )


@st.composite
def site_frames(draw):
    n = draw(st.integers(0, 3))
    lon = mostly(st.floats(9, 12), EXTREME_FLOATS, 8)
    lat = mostly(st.floats(47.5, 49.5), EXTREME_FLOATS, 8)
    value = draw(
        mostly(
            st.lists(
                mostly(st.integers(0, 9), EXTREME_FLOATS, 8), min_size=n, max_size=n
            ),
            st.lists(HOSTILE, min_size=n, max_size=n),
        )
    )
    return (
        draw(st.lists(lon, min_size=n, max_size=n)),
        draw(st.lists(lat, min_size=n, max_size=n)),
        value,
    )


@examples(12)
@given(site_frames(), mostly(st.sampled_from([0.0, 25.0]), NUMBERISH))
def test_fuzz_plan_route(treaty, sites, swath):
    lon, lat, value = sites
    view = treaty.as_of(DAY)
    try:
        frame = site_frame(lon, lat, pd_object(value))
    except (TypeError, ValueError):  # geopandas itself refuses the frame
        return
    try:
        plan = plan_route(
            view,
            observer="USA",
            observed="DEU",
            start="ETSA",
            sites=frame,
            swath_km=swath,
            options=SolveOptions(time_limit_s=0.2),
        )
    except OpenSkiesError:
        event("refused")
        return
    event("solved")
    assert math.isfinite(plan.value)
    assert plan.value <= plan.bound + 1e-9
    assert all(v <= MAX_VALUE for v in plan.sites.value)


def pd_object(values):
    """Keep hostile values as they are (object column)."""
    return np.array(values, dtype=object) if values else np.array([], dtype=float)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"options": "fast"}, "options must be a SolveOptions"),
        ({"transit": "no"}, "transit must be True or False"),
        ({"swath_km": math.nan}, "swath_km"),
        ({"swath_km": 2**63}, "swath_km"),
        ({"sites": None}, "GeoDataFrame"),
        ({"sites": site_frame([11.0], [49.0], [True])}, "yes/no flag"),
        ({"sites": [[10, 50, 1]]}, "GeoDataFrame"),
        ({"start": None}, ""),
        ({"observer": None}, ""),
        ({"date": "9999-12-31"}, ""),
    ],
)
def test_plan_route_wrong_types(treaty, kwargs, match):
    args = {
        "observer": "USA",
        "observed": "DEU",
        "start": "ETSA",
        "sites": site_frame([11.0], [49.0], [1.0]),
        "options": SolveOptions(time_limit_s=0.2),
    }
    args.update(kwargs)
    with pytest.raises(OpenSkiesError, match=match or None):
        plan_route(treaty.as_of(DAY), **args)


def test_plan_route_refuses_too_many_sites_up_front(treaty):
    n = MAX_SITES + 1
    frame = site_frame(np.full(n, 11.0), np.linspace(48, 53, n), np.ones(n))
    with pytest.raises(OpenSkiesError, match=f"at most {MAX_SITES:,} sites"):
        plan_route(
            treaty.as_of(DAY), observer="USA", observed="DEU", start="ETSA", sites=frame
        )


def test_plan_route_with_two_sites_valued_1e308_is_refused(treaty):
    frame = site_frame([11.0, 11.5], [49.0, 49.5], [1e308, 1e308])
    with pytest.raises(OpenSkiesError, match=r"at most 1e\+12"):
        plan_route(
            treaty.as_of(DAY), observer="USA", observed="DEU", start="ETSA", sites=frame
        )


def test_plan_route_with_no_sites_is_infeasible_with_a_reason(treaty):
    plan = plan_route(
        treaty.as_of(DAY),
        observer="USA",
        observed="DEU",
        start="ETSA",
        sites=site_frame([], [], []),
        options=SolveOptions(time_limit_s=0.2),
    )
    assert plan.route is None
    assert plan.status.value == "infeasible"
    assert "no site with a positive value" in plan.reason


def test_plan_route_sites_at_the_value_bound_sum_exactly(treaty):
    # Two sites worth MAX_VALUE each next to Landsberg: both visited, the
    # value is exactly their sum.
    frame = site_frame([10.9, 11.0], [48.1, 48.2], [MAX_VALUE, MAX_VALUE])
    plan = plan_route(
        treaty.as_of(DAY),
        observer="USA",
        observed="DEU",
        start="ETSA",
        sites=frame,
        options=SolveOptions(time_limit_s=1.0),
    )
    assert plan.value == 2 * MAX_VALUE
    assert plan.report is not None
    assert plan.report.legal


# --------------------------------------------------------- reachable_area
@examples(40)
@given(
    mostly(st.floats(100, 500), NUMBERISH),
    mostly(st.sampled_from([600.0, 1e-9]), NUMBERISH),
    mostly(st.sampled_from(["treaty", "observed-party"]), HOSTILE),
)
def test_fuzz_reachable_area(treaty, resolution, limit, reading):
    view = treaty.as_of(DAY)
    try:
        area = reachable_area(
            view,
            "DEU",
            "ETSA",
            resolution_km=resolution,
            time_limit_s=limit,
            reading=reading,
        )
    except OpenSkiesError:
        event("refused")
        return
    event("solved")
    assert 0 <= area.share <= 1


@pytest.mark.parametrize(
    "args",
    [(None, "ETSA"), ("DEU", None), ("DEU", ""), ("DEU", 5), ("XXX", "ETSA")],
)
def test_reachable_area_wrong_codes(treaty, args):
    with pytest.raises(OpenSkiesError):
        reachable_area(treaty.as_of(DAY), *args, resolution_km=200)


# ------------------------------------------------------------- read_sites
CELL = (
    st.sampled_from(
        ["nan", "NaN", "inf", "-inf", "1e308", "1e400", str(2**63), "-5", "0", ""]
    )
    | st.floats(allow_nan=True, allow_infinity=True).map(repr)
    | st.text(alphabet="0123456789.e-+x ", max_size=8)
)


@examples(120)
@given(st.lists(st.tuples(CELL, CELL, CELL), min_size=0, max_size=3))
def test_fuzz_read_sites(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("sites") / "sites.csv"
    lines = ["observed,name,lon,lat,value"]
    lines += [f"DEU,site{k},{lon},{lat},{v}" for k, (lon, lat, v) in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        sites = read_sites(path)
    except OpenSkiesError as err:
        message = str(err)
        event("refused")
        assert "sites.csv" in message
        return
    for site in sites:
        assert -180 <= site.lon <= 180
        assert -90 <= site.lat <= 90
        assert 0 < site.value <= MAX_VALUE


def test_read_sites_refuses_a_value_of_1e308(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text("observed,name,lon,lat,value\nDEU,a,11,49,1e308\n")
    with pytest.raises(OpenSkiesError, match=r"row 1.*'value'.*at most 1e\+12"):
        read_sites(path)


# --------------------------------------------------------- plan-route CLI
def feature(lon, lat, value):
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"value": value},
    }


JSON_NUMBER = (
    st.integers(0, 9)
    | st.sampled_from([-1, 2**63, 2**70, 1e308, -1e308, 1e16])
    | st.floats(allow_nan=False, allow_infinity=False)
)
JSON_VALUE = JSON_NUMBER | st.none() | st.booleans() | st.text(max_size=5)


@st.composite
def site_files(draw):
    kind = draw(st.sampled_from(["features", "features", "features", "raw", "nan"]))
    if kind == "raw":
        return draw(st.binary(max_size=40))
    n = draw(st.integers(0, 2))
    feats = [
        feature(
            draw(mostly(st.floats(9, 12), JSON_VALUE)),
            draw(mostly(st.floats(47.5, 49.5), JSON_VALUE)),
            draw(mostly(st.integers(0, 9), JSON_VALUE)),
        )
        for _ in range(n)
    ]
    text = json.dumps({"type": "FeatureCollection", "features": feats})
    if kind == "nan":  # JSON's non-standard NaN / Infinity tokens
        text = text.replace("[", "[NaN, Infinity, ", 1) if feats else text
    return text.encode()


def run_cli(capsys, path, *extra):
    code = main(
        [
            "plan-route",
            "--observer",
            "USA",
            "--observed",
            "DEU",
            "--start",
            "ETSA",
            "--date",
            DAY,
            "--sites",
            str(path),
            "-o",
            str(path.with_suffix(".out.geojson")),
            "--time-limit",
            "0.2",
            *extra,
        ]
    )
    return code, capsys.readouterr().err


@examples(25)
@given(site_files())
def test_fuzz_plan_route_cli(tmp_path_factory, capsys, content):
    path = tmp_path_factory.mktemp("cli") / "sites.geojson"
    path.write_bytes(content)
    code, err = run_cli(capsys, path)
    event(f"exit {code}")
    if code == 2:
        assert len(err.splitlines()) == 1, err
        assert err.startswith("openskies plan-route: error: ")
    else:
        assert code in (0, 1)
        assert err == ""


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (("--time-limit", "nan"), "--time-limit"),
        (("--time-limit", "1e400"), "--time-limit"),
        (("--time-limit", "-1"), "--time-limit"),
        (("--swath-km", "nan"), "--swath-km"),
        (("--swath-km", "1e308"), "--swath-km"),
        (("--seed", str(2**63)), "--seed"),
        (("--seed", "-1"), "--seed"),
    ],
)
def test_plan_route_cli_bad_flags(tmp_path, capsys, extra, match):
    path = tmp_path / "sites.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    code, err = run_cli(capsys, path, *extra)
    assert code == 2
    assert len(err.splitlines()) == 1
    assert match in err


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ({"type": "FeatureCollection", "features": []}, "holds no feature"),
        (
            {
                "type": "FeatureCollection",
                "features": [feature(11, 49, 1e308), feature(11.5, 49.5, 1e308)],
            },
            "at most 1e+12",
        ),
        (
            {"type": "FeatureCollection", "features": [feature(500, 49, 1)]},
            "lon 500",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [
                    feature(11 + k * 1e-5, 49, 1) for k in range(MAX_SITES + 1)
                ],
            },
            f"at most {MAX_SITES:,} sites",
        ),
        ("[" * 100_000 + "]" * 100_000, "cannot read the sites"),
    ],
)
def test_plan_route_cli_bad_site_files(tmp_path, capsys, content, match):
    path = tmp_path / "sites.geojson"
    text = content if isinstance(content, str) else json.dumps(content)
    path.write_text(text)
    code, err = run_cli(capsys, path)
    assert code == 2
    assert len(err.splitlines()) == 1
    assert match in err


def test_plan_route_cli_refuses_a_fifo_without_blocking(tmp_path, capsys):
    path = tmp_path / "sites.geojson"
    os.mkfifo(path)
    code, err = run_cli(capsys, path)
    assert code == 2
    assert "not a regular file" in err
    assert len(err.splitlines()) == 1


def test_plan_route_cli_plans_a_good_file(tmp_path, capsys):
    path = tmp_path / "sites.geojson"
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature(11, 48.5, 3)]})
    )
    code, err = run_cli(capsys, path)
    assert (code, err) == (0, "")
    out = json.loads(path.with_suffix(".out.geojson").read_text())
    assert out["features"][0]["properties"]["value"] == 3
