"""Fuzz the treaty data loader, the treaty view and the route checks.

Hostile user data directories (copies of the bundled data corrupted by
hypothesis) must end in ``DataError``; wrong-typed arguments to the public
calls must end in an ``OpenSkiesError`` subclass; the ``states``, ``show`` and
``check-route`` commands exit 2 with one line on stderr.  Examples are bounded
for CI; ``OPENSKIES_HYPOTHESIS_PROFILE=openskies-long`` multiplies them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openskies import (
    DataError,
    Distribution,
    OpenSkiesError,
    Treaty,
    check_route,
    load_treaty,
)
from openskies.cli.main import main
from openskies.rules.batch import check_routes
from openskies.treaty.resources import bundled_dir

QUOTA_TABLES = (
    "states.csv",
    "parties.csv",
    "party_membership.csv",
    "passive_quotas.csv",
    "first_distribution_1992.csv",
    "annex_a_1992.csv",
)
GEODATA_TABLES = ("airfields.csv", "flight_distances.csv", "restrictions.csv")
KUBINKA = (36.653, 55.608)


def _budget(examples: int) -> int:
    """Scale ``examples`` up under the long hypothesis profile (20x)."""
    return examples * max(1, settings.default.max_examples // 100)


HOSTILE_CELLS = st.sampled_from(
    [
        "",
        " ",
        "-1",
        "-0",
        "0",
        "1001",
        str(2**63),
        str(-(2**63)),
        "9" * 5000,
        "1e308",
        "-1e308",
        "nan",
        "inf",
        "3_0",
        "²",
        "1.5",
        "1850-01-01",
        "1992-03-23",
        "0001-01-01",
        "9999-12-31",
        "2019-02-30",
        "None",
        "[1]",
        '{"a": 1}',
        "x" * 300,
        "DEU",
        "RUS_BLR",
        "all",
        "\x00",
        "\u2028",
        "Ω",
        '"',
    ]
)


@contextmanager
def _copies(*names: str, manifest: bool = False) -> Iterator[dict[str, Path]]:
    """Yield writable copies of the bundled ``names`` directories.

    The bundled manifest is dropped; with ``manifest=True`` a fresh one (sha256
    of every file, computed here independently of the library) is written.
    """
    with tempfile.TemporaryDirectory() as folder:
        copies = {}
        for name in names:
            copy = Path(shutil.copytree(bundled_dir(name), Path(folder) / name))  # type: ignore[arg-type]
            (copy / "manifest.json").unlink()
            if manifest:
                files = {
                    p.name: {"sha256": hashlib.sha256(p.read_bytes()).hexdigest()}
                    for p in copy.iterdir()
                    if p.is_file()
                }
                (copy / "manifest.json").write_text(json.dumps({"files": files}))
            copies[name] = copy
        yield copies


def _loads_or_data_error(quotas: Path | None, geodata: Path | None) -> Treaty | None:
    """Load; return the treaty, or None after a DataError.  Anything else fails."""
    try:
        treaty = load_treaty(quotas, geodata)
    except DataError as err:
        message = str(err)
    else:
        message = ""
    if message:
        assert "\n" not in message
        return None
    # a treaty that loads answers every query: no DataError at query time
    for day in ("2002-01-01", "2010-06-01", "2021-12-18", "2030-01-01"):
        view = treaty.as_of(day)
        for party in view.parties:
            assert 0 <= party.passive_quota <= 1000
    return treaty


@st.composite
def corrupted_table(draw: st.DrawFn, files: tuple[str, ...]) -> tuple[str, str]:
    """Return (file name, hostile text) made from one of ``files``."""
    name = draw(st.sampled_from(files))
    base = "quotas" if name in QUOTA_TABLES else "geodata"
    lines = (bundled_dir(base) / name).read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    operation = draw(
        st.sampled_from(["drop", "duplicate", "cell", "cell", "truncate", "header"])
    )
    row = draw(st.integers(0, len(rows) - 1))
    if operation == "drop":
        rows = rows[:row] + rows[row + 1 :]
    elif operation == "duplicate":
        rows = [*rows[: row + 1], rows[row], *rows[row + 1 :]]
    elif operation == "cell":
        cells = rows[row].split(",")
        column = draw(st.integers(0, len(cells) - 1))
        cells[column] = draw(HOSTILE_CELLS)
        rows[row] = ",".join(cells)
    elif operation == "truncate":
        text = "\n".join([header, *rows])
        return name, text[: draw(st.integers(0, len(text)))]
    else:
        columns = header.split(",")
        columns[draw(st.integers(0, len(columns) - 1))] = draw(HOSTILE_CELLS)
        header = ",".join(columns)
    return name, "\n".join([header, *rows]) + "\n"


@settings(max_examples=_budget(85))
@given(corrupted_table(QUOTA_TABLES + GEODATA_TABLES))
def test_hostile_tables_give_data_errors(change: tuple[str, str]) -> None:
    name, text = change
    base = "quotas" if name in QUOTA_TABLES else "geodata"
    with _copies(base) as copies:
        (copies[base] / name).write_text(text, encoding="utf-8")
        _loads_or_data_error(copies.get("quotas"), copies.get("geodata"))


HOSTILE_GEOMETRIES = st.sampled_from(
    [
        {"type": "Point", "coordinates": [10, 50]},
        {"type": "LineString", "coordinates": [[10, 50], [11, 51]]},
        {"type": "Polygon", "coordinates": [[[10, 50], [11, 50], [11, 51], [10, 51]]]},
        {
            "type": "Polygon",
            "coordinates": [[[10, 50], [11, 51], [11, 50], [10, 51], [10, 50]]],
        },
        {"type": "Polygon", "coordinates": []},
        {
            "type": "Polygon",
            "coordinates": [[[200, 50], [201, 50], [201, 51], [200, 50]]],
        },
        {"type": "Polygon", "coordinates": [[[10, 50], [11, 50], [10, 50]]]},
        {"type": "Polygon", "coordinates": "not coordinates"},
        {"type": "Polygon", "coordinates": [[["a", "b"], [1, 2], [3, 4], [1, 2]]]},
        {
            "type": "Polygon",
            "coordinates": [[[1e308, 1e308], [1, 2], [3, 4], [1e308, 1e308]]],
        },
        {"type": "Circle", "coordinates": [10, 50]},
        {"type": "GeometryCollection", "geometries": []},
        None,
    ]
)


@settings(max_examples=_budget(12))
@given(
    st.sampled_from(["territories.geojson", "restriction_areas.geojson"]),
    st.integers(0, 200),
    HOSTILE_GEOMETRIES,
)
def test_hostile_geometries_give_data_errors(
    name: str, which: int, geometry: object
) -> None:
    with _copies("geodata") as copies:
        path = copies["geodata"] / name
        data = json.loads(path.read_text(encoding="utf-8"))
        feature = data["features"][which % len(data["features"])]
        feature["geometry"] = geometry
        path.write_text(json.dumps(data), encoding="utf-8")
        _loads_or_data_error(None, copies["geodata"])


@pytest.mark.parametrize("name", ["territories.geojson", "restriction_areas.geojson"])
def test_geojson_nested_50000_deep_gives_a_data_error(name: str) -> None:
    with _copies("geodata") as copies:
        path = copies["geodata"] / name
        path.write_text('{"type": "FeatureCollection", "features": ' + "[" * 50_000)
        with pytest.raises(DataError, match=name):
            load_treaty(None, copies["geodata"])


@settings(max_examples=_budget(12))
@given(
    st.sampled_from(["quotas", "geodata"]),
    st.data(),
)
def test_damaged_bytes_under_a_manifest_are_reported(
    base: str, data: st.DataObject
) -> None:
    files = (
        QUOTA_TABLES
        if base == "quotas"
        else (*GEODATA_TABLES, "restriction_areas.geojson")
    )
    name = data.draw(st.sampled_from(files))
    with _copies(base, manifest=True) as copies:
        path = copies[base] / name
        raw = bytearray(path.read_bytes())
        position = data.draw(st.integers(0, len(raw) - 1))
        raw[position] ^= data.draw(st.integers(1, 255))
        path.write_bytes(bytes(raw))
        quotas = copies[base] if base == "quotas" else None
        geodata = copies[base] if base == "geodata" else None
        with pytest.raises(DataError, match=r"differs from manifest\.json") as info:
            load_treaty(quotas, geodata)
        assert info.value.file is not None
        assert info.value.file.endswith(name)


ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.binary(max_size=10),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.dates(),
    st.sampled_from(["DEU", "deu ", "BENELUX", "RUS", "USA", "UUMB", "", "POE"]),
)


def _only_openskies_errors(call: Callable[[], object]) -> None:
    with suppress(OpenSkiesError):
        call()


@settings(max_examples=_budget(150))
@given(
    st.sampled_from(
        [
            "party",
            "party_of",
            "passive_quota",
            "territory",
            "airfields",
            "airfield",
            "restrictions",
            "adjacent_non_parties",
        ]
    ),
    ANYTHING,
    ANYTHING,
)
def test_treaty_view_methods_refuse_wrong_types(
    treaty: Treaty, method: str, first: object, second: object
) -> None:
    view = treaty.as_of("2019-06-01")
    if method == "adjacent_non_parties" and first in ("RUS", "USA"):
        return  # valid and slow; covered in test_territory
    if method in ("airfields", "restrictions"):
        _only_openskies_errors(lambda: getattr(view, method)(first, second))
    else:
        _only_openskies_errors(lambda: getattr(view, method)(first))
    _only_openskies_errors(lambda: treaty.as_of(first))
    _only_openskies_errors(lambda: treaty.state(first))  # type: ignore[arg-type]


@settings(max_examples=_budget(60))
@given(ANYTHING, ANYTHING, ANYTHING, ANYTHING)
def test_check_route_refuses_wrong_types(
    treaty: Treaty, observer: object, observed: object, date: object, other: object
) -> None:
    view = treaty.as_of("2019-06-01")
    route = shapely.LineString([KUBINKA, (38.0, 56.0), KUBINKA])
    _only_openskies_errors(
        lambda: check_route(view, route, observer=observer, observed="RUS", date=date)  # type: ignore[arg-type]
    )
    _only_openskies_errors(
        lambda: check_route(view, route, observer="USA", observed=observed)  # type: ignore[arg-type]
    )
    _only_openskies_errors(
        lambda: check_route(view, route, observer="USA", observed="RUS", reading=other)  # type: ignore[arg-type]
    )
    _only_openskies_errors(
        lambda: check_route(
            view,
            route,
            observer="USA",
            observed="RUS",
            tolerance_km=other,  # type: ignore[arg-type]
        )
    )
    _only_openskies_errors(
        lambda: check_route(other, route, observer="USA", observed="RUS")  # type: ignore[arg-type]
    )


@settings(max_examples=_budget(40))
@given(ANYTHING, ANYTHING, ANYTHING)
def test_check_routes_refuses_wrong_cells(
    treaty: Treaty, observer: object, observed: object, date: object
) -> None:
    line = shapely.LineString([KUBINKA, (38.0, 56.0), KUBINKA])
    frame = gpd.GeoDataFrame(
        {"observer": ["USA", observer], "observed": ["RUS", observed]},
        geometry=[line, line],
        crs=4326,
    )
    frame["date"] = [dt.date(2019, 6, 1), date]
    view = treaty.as_of("2019-06-01")
    try:
        result = check_routes(view, frame)
    except OpenSkiesError:
        return
    assert len(result) == 2  # accepted only with both rows judged
    assert result["observer"].map(lambda v: isinstance(v, str)).all()


HASHABLE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.dates(),
    st.sampled_from(["DEU", "POL", " usa", ""]),
)


@settings(max_examples=_budget(100))
@given(
    st.one_of(
        ANYTHING,
        st.dictionaries(
            st.one_of(st.tuples(HASHABLE, HASHABLE), HASHABLE), ANYTHING, max_size=3
        ),
    ),
    st.lists(st.tuples(ANYTHING, ANYTHING, ANYTHING), max_size=3),
)
def test_distribution_refuses_malformed_input(flights: object, records: object) -> None:
    _only_openskies_errors(lambda: Distribution(flights))  # type: ignore[arg-type]
    _only_openskies_errors(lambda: Distribution.from_records(records))  # type: ignore[arg-type]


CLI_VALUES = st.one_of(
    HOSTILE_CELLS,
    st.text(
        alphabet=st.characters(
            blacklist_categories=("Cs",), blacklist_characters="\x00"
        ),
        max_size=12,
    ),
)


@settings(
    max_examples=_budget(40),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.sampled_from(["states", "show", "check-route"]),
    CLI_VALUES.filter(lambda v: not v.startswith("-")),
    CLI_VALUES.filter(lambda v: not v.startswith("-")),
)
def test_cli_bad_codes_and_dates_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    command: str,
    code: str,
    day: str,
) -> None:
    route = tmp_path / "r.geojson"
    line = {
        "type": "LineString",
        "coordinates": [list(KUBINKA), [38, 56], list(KUBINKA)],
    }
    route.write_text(
        json.dumps({"type": "Feature", "properties": {}, "geometry": line})
    )
    argv = {
        "states": ["states", "--as-of", day],
        "show": ["show", code, "--as-of", day],
        "check-route": [
            "check-route",
            str(route),
            "--observer",
            code,
            "--observed",
            "RUS",
            "--date",
            day,
        ],
    }[command]
    status = main(argv)
    err = capsys.readouterr().err
    assert status in (0, 1, 2)
    if status == 2:
        assert len(err.strip().splitlines()) == 1, err
        assert err.startswith(f"openskies {command}: error: ")
    else:
        assert err == ""
