"""Loading user data: malformed files are rejected with file, row and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from openskies import DataError, load_treaty
from openskies._resources import bundled_dir


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
        "FIN,Finland,2003-02-10",
        "FIN,Finland,2003-02-30",
        10,
        "in_force",
        "not a date",
    ),
    (
        "states.csv",
        "RUS,Russian Federation,2002-01-01,2021-12-18",
        "RUS,Russian Federation,2002-01-01,2001-12-18",
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


def test_missing_column_is_reported(quotas_copy: Path) -> None:
    _replace(quotas_copy / "states.csv", "iso3,name", "code,name")
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
        "UUMB,5500,2013-01-01",
        "UUMB,5500,2012-01-01",
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
