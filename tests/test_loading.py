"""Loading user data: malformed files are rejected with file, row and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from openskies import DataError, load_treaty
from openskies.treaty.resources import bundled_dir


def _copy_without_manifest(source: Path, target: Path) -> Path:
    copy = Path(shutil.copytree(source, target))
    (copy / "manifest.json").unlink()  # a user's edited copy carries no manifest
    return copy


@pytest.fixture
def quotas_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled quota tables, without their manifest."""
    return _copy_without_manifest(bundled_dir("quotas"), tmp_path / "quotas")


@pytest.fixture
def geodata_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled geodata, without their manifest."""
    return _copy_without_manifest(bundled_dir("geodata"), tmp_path / "geodata")


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_copied_tables_load_like_the_bundled_ones(quotas_copy: Path) -> None:
    view = load_treaty(quotas_copy).as_of("2019-01-01")
    assert view.passive_quota("USA") == 42
    assert len(view.members) == 34


# (file, old text, new text, row, field, message fragment)
QUOTA_DEFECTS = [
    (
        "passive_quotas.csv",
        "USA,2002-01-01,2020-11-22,42",
        "USA,2002-01-01,2020-11-22,-3",
        32,
        "passive_quota",
        "below the minimum 0",
    ),
    (
        "passive_quotas.csv",
        "CAN,2002-01-01,,12",
        "CAN,2002-01-01,,twelve",
        6,
        "passive_quota",
        "not a whole number",
    ),
    (
        "states.csv",
        "FIN,FI,Finland,2003-02-10",
        "FIN,FI,Finland,2003-02-30",
        10,
        "in_force",
        "not a date",
    ),
    (
        "states.csv",
        "RUS,RU,Russian Federation,2002-01-01,2021-12-18",
        "RUS,RU,Russian Federation,2002-01-01,2001-12-18",
        26,
        "left",
        "is not after",
    ),
    (
        "party_membership.csv",
        "POL,POL,2002-01-01",
        "POL,PLN,2002-01-01",
        25,
        "party",
        "unknown party 'PLN'",
    ),
    (
        "passive_quotas.csv",
        "BGR,2002-01-01,,4,confirmed",
        "BGR,2002-01-01,,4,maybe",
        5,
        "status",
        "'maybe' is not one of",
    ),
    (
        "first_distribution_1992.csv",
        "DEU,UKR,1,0",
        "DEU,DEU,1,0",
        2,
        "observed",
        "cannot observe itself",
    ),
    # issue 10: a state joining before the treaty was signed
    (
        "states.csv",
        "FIN,FI,Finland,2003-02-10",
        "FIN,FI,Finland,1850-02-10",
        10,
        "in_force",
        "before the treaty was signed on 1992-03-24",
    ),
    (
        "party_membership.csv",
        "POL,POL,2002-01-01,,",
        "POL,POL,2002-01-01,1991-01-01,",
        25,
        "valid_to",
        "is not after valid_from",
    ),
    (
        "passive_quotas.csv",
        "CAN,2002-01-01,,12",
        f"CAN,2002-01-01,,{2**63}",
        6,
        "passive_quota",
        "above the maximum 1,000",
    ),
    (
        "first_distribution_1992.csv",
        "DEU,UKR,1,0",
        "DEU,UKR,1001,0",
        2,
        "flights",
        "above the maximum",
    ),
    (
        "first_distribution_1992.csv",
        "USA,UKR,1,1,CAN",
        "USA,UKR,1,1,USA",
        4,
        "shared_with",
        "cannot share with itself",
    ),
]


@pytest.mark.parametrize(
    ("file", "old", "new", "row", "field", "message"), QUOTA_DEFECTS
)
def test_malformed_quota_table_names_file_row_field(
    quotas_copy: Path, file: str, old: str, new: str, row: int, field: str, message: str
) -> None:
    _replace(quotas_copy / file, old, new)
    with pytest.raises(DataError, match=message) as info:
        load_treaty(quotas_copy)
    assert info.value.file is not None
    assert info.value.file.endswith(file)
    assert (info.value.row, info.value.field) == (row, field)


def test_duplicate_party_code_rejected(quotas_copy: Path) -> None:
    _replace(quotas_copy / "parties.csv", "RUS_BLR,Russian", "BENELUX,Russian")
    with pytest.raises(DataError, match="'BENELUX' appears twice") as info:
        load_treaty(quotas_copy)
    assert (info.value.row, info.value.field) == (2, "code")


def test_missing_quota_row_fails_at_load_not_at_query(quotas_copy: Path) -> None:
    # issue 10: Sweden in force with no passive quota row failed only in as_of()
    table = quotas_copy / "passive_quotas.csv"
    rows = table.read_text(encoding="utf-8").splitlines(keepends=True)
    table.write_text(
        "".join(r for r in rows if not r.startswith("SWE,2002-01-01,")),
        encoding="utf-8",
    )
    _refused_in(
        quotas_copy,
        "passive_quotas.csv",
        r"no passive quota for SWE on 2002-01-01 \(SWE is in force",
    )


def _refused_in(quotas: Path, file: str, message: str) -> None:
    """Assert that loading ``quotas`` raises a DataError about ``file``."""
    with pytest.raises(DataError, match=message) as info:
        load_treaty(quotas)
    assert info.value.file is not None
    assert info.value.file.endswith(file)


def test_quota_gap_after_a_group_ends_is_refused(quotas_copy: Path) -> None:
    # Belarus leaves RUS_BLR on 2021-12-18; without its own quota row it has none
    _replace(
        quotas_copy / "passive_quotas.csv", "BLR,2021-12-18,,4", "BLR,2022-06-01,,4"
    )
    with pytest.raises(DataError, match="no passive quota for BLR on 2021-12-18"):
        load_treaty(quotas_copy)


def test_state_in_force_without_party_is_refused(quotas_copy: Path) -> None:
    _replace(quotas_copy / "party_membership.csv", "GEO,GEO,2002-01-01,,\n", "")
    with pytest.raises(DataError, match="GEO is in force on 2002-01-01 but belongs"):
        load_treaty(quotas_copy)


def test_truncated_first_distribution_is_refused(quotas_copy: Path) -> None:
    # issue 10: the last rows of the first distribution cut off
    path = quotas_copy / "first_distribution_1992.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-3]), encoding="utf-8")
    _refused_in(
        quotas_copy,
        "first_distribution_1992.csv",
        r"UKR flies 2 flight\(s\) as observer but annex_a_1992",
    )


def test_first_distribution_unit_must_be_in_annex_a(quotas_copy: Path) -> None:
    _replace(
        quotas_copy / "first_distribution_1992.csv",
        "DEU,UKR,1,0,,DEU",
        "DEU,UKR,1,0,,GDR",
    )
    with pytest.raises(DataError, match="'GDR' is not a party of annex_a_1992") as info:
        load_treaty(quotas_copy)
    assert (info.value.row, info.value.field) == (2, "observer_1992")


def test_missing_column_is_reported(quotas_copy: Path) -> None:
    _replace(quotas_copy / "states.csv", "iso3,iso2,name", "code,iso2,name")
    with pytest.raises(DataError, match=r"missing column.*iso3") as info:
        load_treaty(quotas_copy)
    assert info.value.row == 0


def test_missing_file_is_reported(quotas_copy: Path) -> None:
    (quotas_copy / "parties.csv").unlink()
    with pytest.raises(DataError, match=r"parties\.csv: file not found"):
        load_treaty(quotas_copy)


def test_overlapping_quota_periods_rejected(quotas_copy: Path) -> None:
    with (quotas_copy / "passive_quotas.csv").open("a", encoding="utf-8") as handle:
        handle.write("DEU,2010-01-01,,14,confirmed,duplicate\n")
    with pytest.raises(DataError, match="overlaps another quota period of DEU"):
        load_treaty(quotas_copy)


GEODATA_DEFECTS = [
    (
        "airfields.csv",
        "UUMB,RUS,Kubinka,UUMB,unconfirmed,POE OSA,yes,55.608",
        "UUMB,RUS,Kubinka,UUMB,unconfirmed,POE OSA,yes,95.608",
        "lat",
        "outside -90..90",
    ),
    (
        "airfields.csv",
        "UUMB,RUS,Kubinka,UUMB,unconfirmed,POE OSA",
        "UUMB,RUS,Kubinka,UUMB,unconfirmed,POE BASE",
        "roles",
        "unknown role",
    ),
    (
        "flight_distances.csv",
        "UUMB,5500,2013-06-03",
        "UUMB,5500,2012-06-03",
        "valid_from",
        "overlaps another unconditional distance",
    ),
    (
        "restrictions.csv",
        "kaliningrad_oblast,500",
        "kaliningrad,500",
        "geometry_ref",
        "no feature kaliningrad",
    ),
    (
        "restrictions.csv",
        "KGD-500,distance_sublimit",
        "KGD-500,speed_limit",
        "kind",
        "'speed_limit' is not one of",
    ),
    # issue 10: negative values, duplicate ids, pre-signature dates
    (
        "restrictions.csv",
        "kaliningrad_oblast,500,km",
        "kaliningrad_oblast,-500,km",
        "value",
        "-500 km is outside the allowed range 0..20038 km",
    ),
    (
        "restrictions.csv",
        "GEO-10KM,buffer_corridor",
        "KGD-500,buffer_corridor",
        "id",
        "restriction 'KGD-500' appears twice",
    ),
    (
        "restrictions.csv",
        "confirmed,2014-01-01,2021-12-18",
        "confirmed,1850-01-01,2021-12-18",
        "valid_from",
        "before the treaty was signed",
    ),
    (
        "flight_distances.csv",
        "ETNW,1200,2002-01-01",
        "ETNW,1200,1900-01-01",
        "valid_from",
        "before the treaty was signed",
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "field", "message"), GEODATA_DEFECTS)
def test_malformed_geodata_names_file_and_field(
    quotas_copy: Path,
    geodata_copy: Path,
    file: str,
    old: str,
    new: str,
    field: str,
    message: str,
) -> None:
    _replace(geodata_copy / file, old, new)
    with pytest.raises(DataError, match=message) as info:
        load_treaty(quotas_copy, geodata_copy)
    assert info.value.file is not None
    assert info.value.file.endswith(file)
    assert info.value.field == field
    assert info.value.row is not None
    assert info.value.row >= 1


def test_invalid_territory_geometry_rejected(
    quotas_copy: Path, geodata_copy: Path
) -> None:
    import json

    path = geodata_copy / "territories.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    # a self-intersecting bow-tie replaces Iceland
    bowtie = [[[-20, 63], [-14, 66], [-14, 63], [-20, 66], [-20, 63]]]
    for number, feature in enumerate(data["features"], start=1):
        if feature["properties"]["iso3"] == "ISL":
            feature["geometry"] = {"type": "Polygon", "coordinates": bowtie}
            row = number
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(
        DataError, match=r"geometry is invalid.*Self-intersection"
    ) as info:
        load_treaty(quotas_copy, geodata_copy)
    assert (info.value.row, info.value.field) == (row, "geometry")


def _set_territory(path: Path, iso3: str, geometry: dict[str, object]) -> int:
    """Give ``iso3`` a new geometry in a territories file; return its feature number."""
    import json

    data = json.loads(path.read_text(encoding="utf-8"))
    numbers = [
        number
        for number, feature in enumerate(data["features"], start=1)
        if feature["properties"]["iso3"] == iso3
    ]
    data["features"][numbers[0] - 1]["geometry"] = geometry
    path.write_text(json.dumps(data), encoding="utf-8")
    return numbers[0]


def test_unclosed_ring_in_user_geodata_is_a_data_error(
    quotas_copy: Path, geodata_copy: Path
) -> None:
    # issue 10: GEOSException escaped
    ring = [[-20, 63], [-14, 63], [-14, 66], [-20, 66]]
    row = _set_territory(
        geodata_copy / "territories.geojson",
        "ISL",
        {"type": "Polygon", "coordinates": [ring]},
    )
    with pytest.raises(
        DataError, match=r"feature 'ISL': geometry cannot be read.*close every ring"
    ) as info:
        load_treaty(quotas_copy, geodata_copy)
    assert (info.value.row, info.value.field) == (row, "geometry")


def test_territory_must_be_an_area(quotas_copy: Path, geodata_copy: Path) -> None:
    row = _set_territory(
        geodata_copy / "territories.geojson",
        "ISL",
        {"type": "LineString", "coordinates": [[-20, 63], [-14, 66]]},
    )
    with pytest.raises(
        DataError, match="'ISL': geometry is a LineString; it must be a Polygon or"
    ) as info:
        load_treaty(quotas_copy, geodata_copy)
    assert info.value.row == row


def _with_manifest(directory: Path) -> Path:
    """Write a minimal manifest (sha256 of every file) into ``directory``."""
    import hashlib
    import json

    files = {
        path.name: {"sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
        for path in directory.iterdir()
        if path.is_file()
    }
    (directory / "manifest.json").write_text(json.dumps({"files": files}))
    return directory


def test_damaged_file_under_a_manifest_is_reported(
    quotas_copy: Path, geodata_copy: Path
) -> None:
    _with_manifest(geodata_copy)
    load_treaty(quotas_copy, geodata_copy)  # a fresh manifest passes
    path = geodata_copy / "restrictions.csv"
    data = bytearray(path.read_bytes())
    data[100] ^= 0x01  # one flipped bit
    path.write_bytes(bytes(data))
    with pytest.raises(
        DataError, match=r"restrictions\.csv: the file differs from manifest\.json"
    ) as info:
        load_treaty(quotas_copy, geodata_copy)
    assert "update_manifest.py --directory" in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not valid JSON"),
        ("{", "not valid JSON"),
        ("[1, 2]", 'no "files" object'),
        ('{"files": {"states.csv": {"sha256": 5}}}', "'states.csv' has no sha256"),
        ("[" * 100_000, "not valid JSON"),
    ],
)
def test_malformed_manifest_is_reported(
    quotas_copy: Path, text: str, message: str
) -> None:
    (quotas_copy / "manifest.json").write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=message) as info:
        load_treaty(quotas_copy)
    assert info.value.file is not None
    assert info.value.file.endswith("manifest.json")


def test_damaged_bundled_file_is_reported_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # an installed layout: openskies/_data/quotas with one corrupted byte
    from openskies.treaty import loading
    from openskies.treaty import resources as _resources

    root = tmp_path / "openskies"
    (root / "_data").mkdir(parents=True)
    shutil.copytree(bundled_dir("quotas"), root / "_data" / "quotas")
    shutil.copytree(bundled_dir("geodata"), root / "_data" / "geodata")
    path = root / "_data" / "quotas" / "passive_quotas.csv"
    path.write_bytes(path.read_bytes().replace(b",42,", b",24,", 1))
    monkeypatch.setattr(_resources.importlib.resources, "files", lambda package: root)
    loading._load_bundled.cache_clear()
    try:
        with pytest.raises(
            DataError, match=r"passive_quotas\.csv: the file differs from manifest"
        ):
            load_treaty()
    finally:
        monkeypatch.undo()
        loading._load_bundled.cache_clear()
    assert load_treaty().as_of("2019-01-01").passive_quota("RUS") == 42


def test_failed_load_leaves_earlier_treaty_intact(quotas_copy: Path) -> None:
    good = load_treaty(quotas_copy)
    _replace(
        quotas_copy / "passive_quotas.csv", "DEU,2002-01-01,,12", "DEU,2002-01-01,,x"
    )
    with pytest.raises(DataError):
        load_treaty(quotas_copy)
    assert good.as_of("2019-01-01").passive_quota("DEU") == 12


def test_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not a directory"):
        load_treaty(tmp_path / "nowhere")


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("RUS,RUS,all", "XXX,RUS,all", "imposed_by", "unknown state or party 'XXX'"),
        (
            "kaliningrad_oblast,500,km",
            "kaliningrad_oblast,1e308,km",
            "value",
            "0..20038",
        ),
        (",0,flights", ",1001,flights", "value", "outside the allowed range 0..1000"),
    ],
)
def test_restriction_codes_and_value_ranges(
    quotas_copy: Path, geodata_copy: Path, old: str, new: str, field: str, message: str
) -> None:
    _replace(geodata_copy / "restrictions.csv", old, new)
    with pytest.raises(DataError, match=message) as info:
        load_treaty(quotas_copy, geodata_copy)
    assert info.value.field == field


def test_flight_distance_beyond_half_the_equator_is_refused(
    quotas_copy: Path, geodata_copy: Path
) -> None:
    _replace(geodata_copy / "flight_distances.csv", "ETNW,1200,", "ETNW,1e308,")
    with pytest.raises(DataError, match=r"1e\+308 km is not a distance in 0..20038"):
        load_treaty(quotas_copy, geodata_copy)


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        (123, "quotas_dir must be a path"),
        (b"quotas", "quotas_dir must be a path"),
        (["quotas"], "quotas_dir must be a path"),
        ("", "is not a usable path"),
        ("quo\x00tas", "is not a usable path"),
    ],
)
def test_directory_arguments_must_be_paths(argument: object, message: str) -> None:
    from openskies import OptionsError

    with pytest.raises(OptionsError, match=message):
        load_treaty(argument)  # type: ignore[arg-type]
