"""The observation fleet: bundled data, who may fly what, and file validation."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import pytest

from openskies import DataError, NotAPartyError, Treaty
from openskies.treaty.aircraft import (
    Aircraft,
    load_fleet,
    read_aircraft,
    usable_aircraft,
)
from openskies.treaty.resources import bundled_dir


def _ids(fleet: tuple[Aircraft, ...]) -> set[str]:
    return {a.id for a in fleet}


def test_bundled_fleet_has_the_treaty_md_aircraft() -> None:
    fleet = load_fleet()
    owners = {(a.type, a.owner) for a in fleet}
    # treaty.md section 6: the certified observation aircraft and their owners
    for pair in [
        ("OC-135B", "USA"),
        ("Tu-154M-LK-1", "RUS"),
        ("An-30B", "RUS"),
        ("Tu-214ON", "RUS"),
        ("A319 OH", "DEU"),
        ("Saab 340 OS-100", "SWE"),
        ("CN-235", "TUR"),
        ("An-26", "HUN"),
        ("An-30", "ROU"),
        ("An-30", "UKR"),
        ("An-30", "BGR"),
        ("C-130H with SAMSON pod", "POD"),
        ("Andover C.1(PR)", "GBR"),
    ]:
        assert pair in owners
    by_type = {a.type: a for a in fleet}
    assert by_type["Tu-214ON"].in_service_from == dt.date(2018, 9, 1)
    assert by_type["A319 OH"].in_service_from == dt.date(2022, 1, 1)
    assert by_type["Andover C.1(PR)"].in_service_to == dt.date(2008, 1, 1)
    # cruise speeds are general knowledge, never a source: all flagged
    assert {a.speed_status for a in fleet} == {"unconfirmed"}
    pod = by_type["C-130H with SAMSON pod"]
    assert {"BEL", "NLD", "LUX", "FRA", "CAN", "PRT"} <= set(pod.members)
    assert pod.owner_status == "unconfirmed"  # the member list is not confirmed


def test_who_may_fly_what_in_2019(treaty: Treaty) -> None:
    view = treaty.as_of("2019-01-01")
    year = (dt.date(2019, 1, 1), dt.date(2020, 1, 1))
    fleet = load_fleet()
    # Russia's aircraft belong to the RUS_BLR group; the Tu-214ON is in service
    assert _ids(usable_aircraft(view, "RUS_BLR", fleet, *year)) == {
        "RUS-TU154LK1",
        "RUS-AN30B",
        "RUS-TU214ON",
    }
    assert _ids(usable_aircraft(view, "BLR", fleet, *year)) == _ids(
        usable_aircraft(view, "RUS_BLR", fleet, *year)
    )
    # Benelux shares the pod group's C-130H; Germany has nothing before 2022
    assert _ids(usable_aircraft(view, "BENELUX", fleet, *year)) == {"POD-C130H"}
    assert usable_aircraft(view, "DEU", fleet, *year) == ()
    assert _ids(usable_aircraft(view, "USA", fleet, *year)) == {
        "USA-OC135B-2670",
        "USA-OC135B-2672",
    }


def test_service_periods_and_membership_over_time(treaty: Treaty) -> None:
    fleet = load_fleet()
    view_2007, view_2022 = treaty.as_of("2007-01-01"), treaty.as_of("2022-01-01")
    assert _ids(
        usable_aircraft(
            view_2007, "GBR", fleet, dt.date(2007, 1, 1), dt.date(2008, 1, 1)
        )
    ) == {"GBR-ANDOVER"}
    assert (
        usable_aircraft(
            view_2007, "GBR", fleet, dt.date(2008, 1, 1), dt.date(2009, 1, 1)
        )
        == ()
    )
    # before September 2018 Russia had no Tu-214ON
    early = usable_aircraft(
        treaty.as_of("2018-01-01"),
        "RUS",
        fleet,
        dt.date(2018, 1, 1),
        dt.date(2018, 9, 1),
    )
    assert "RUS-TU214ON" not in _ids(early)
    assert _ids(
        usable_aircraft(
            view_2022, "DEU", fleet, dt.date(2022, 1, 1), dt.date(2023, 1, 1)
        )
    ) == {"DEU-A319OH"}
    with pytest.raises(NotAPartyError, match="RUS is not a party on 2022-01-01"):
        usable_aircraft(
            view_2022, "RUS", fleet, dt.date(2022, 1, 1), dt.date(2023, 1, 1)
        )


def test_bundled_file_reads_like_a_user_file(tmp_path: Path, treaty: Treaty) -> None:
    copy = Path(shutil.copy(bundled_dir("geodata") / "aircraft.csv", tmp_path))
    assert read_aircraft(copy, known_codes=treaty.known_codes) == load_fleet()


GOOD_HEADER = "id,type,owner,members,lat,lon,cruise_kmh,in_service_from,in_service_to"
GOOD_ROW = "X-1,Test,SWE,,58.4,15.5,500,2004-01-01,"


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ("X-1,Test,SWE,,58.4,15.5,fast,,", "cruise_kmh", "'fast' is not a number"),
        ("X-1,Test,SWE,,58.4,15.5,50,,", "cruise_kmh", "give it in km/h"),
        ("X-1,Test,SWE,,58.4,15.5,1500,,", "cruise_kmh", "outside 100..1200"),
        ("X-1,Test,SWE,,95,15.5,500,,", "lat", "latitude 95.0 is outside"),
        ("X-1,Test,SWE,,58.4,-181,500,,", "lon", "longitude -181.0 is outside"),
        ("X-1,Test,SWE,,58.4,15.5,500,2004-13-01,", "in_service_from", "YYYY-MM-DD"),
        (
            "X-1,Test,SWE,,58.4,15.5,500,2004-01-01,2003-01-01",
            "in_service_to",
            "is not after",
        ),
        ("X-1,Test,ZZZ,,58.4,15.5,500,,", "owner", "'ZZZ' is no known state"),
        (
            "X-1,Test,POD,BEL XXX,58.4,15.5,500,,",
            "members",
            "unknown state code(s) XXX",
        ),
        (",Test,SWE,,58.4,15.5,500,,", "id", "value is missing"),
    ],
)
def test_malformed_aircraft_rows_name_file_row_field(
    tmp_path: Path, treaty: Treaty, row: str, field: str, message: str
) -> None:
    path = tmp_path / "fleet.csv"
    path.write_text(f"{GOOD_HEADER}\n{GOOD_ROW.replace('X-1', 'X-0')}\n{row}\n")
    with pytest.raises(DataError, match=f"field '{field}'") as caught:
        read_aircraft(path, known_codes=treaty.known_codes)
    assert caught.value.file == str(path)
    assert caught.value.row == 2
    assert caught.value.field == field
    assert message in str(caught.value)


def test_duplicate_id_and_bad_status_rejected(tmp_path: Path) -> None:
    path = tmp_path / "fleet.csv"
    path.write_text(f"{GOOD_HEADER}\n{GOOD_ROW}\n{GOOD_ROW.replace('SWE', 'NOR')}\n")
    with pytest.raises(
        DataError, match="row 2, field 'id': aircraft 'X-1' appears twice"
    ):
        read_aircraft(path)
    path.write_text(f"{GOOD_HEADER},speed_status\n{GOOD_ROW},guessed\n")
    with pytest.raises(
        DataError, match="field 'speed_status': 'guessed' is not one of"
    ):
        read_aircraft(path)


def test_missing_column_and_file(tmp_path: Path) -> None:
    path = tmp_path / "fleet.csv"
    path.write_text("id,type,owner,lat,lon\nX,T,SWE,1,2\n")
    with pytest.raises(DataError, match=r"the header: missing column.*cruise_kmh"):
        read_aircraft(path)
    with pytest.raises(DataError, match="file not found"):
        read_aircraft(tmp_path / "absent.csv")


def test_aircraft_objects_are_validated_too() -> None:
    good = Aircraft("X", "T", "SWE", 15.5, 58.4, 500)
    assert good.speed_status == "unconfirmed"  # unconfirmed unless stated
    with pytest.raises(DataError, match="field 'cruise_kmh'"):
        dataclasses.replace(good, cruise_kmh=20)
    with pytest.raises(DataError, match="field 'owner_status'"):
        dataclasses.replace(good, owner_status="sure")
