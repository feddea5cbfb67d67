"""Tests of the strict CSV table reader and of the safe opening of user files.

Every CSV reader of the library goes through ``openskies.files.tables.read_table``;
these tests use ``read_requests`` as the reader under test (issue 10, items 1-2).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from openskies.allocation.problem import (
    QuotaProblem,
    Request,
    read_requests,
    requested_flights,
)
from openskies.errors import DataError
from openskies.geo.sites import read_sites
from openskies.treaty.aircraft import read_aircraft


def _write(tmp_path: Path, text: str, name: str = "requests.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_spreadsheet_csv_with_bom_header_case_and_semicolons(tmp_path: Path) -> None:
    # Excel's "CSV UTF-8" in a European locale: BOM, capitals, ';' and CRLF
    path = _write(
        tmp_path, "\ufeffObserver; OBSERVED ;Flights;Priority\r\nUSA;RUS;3;2\r\n"
    )
    assert read_requests(path) == [Request("USA", "RUS", 3, 2)]


def test_separator_is_sniffed_from_the_header_line_only(tmp_path: Path) -> None:
    # the header has commas; a ';' inside a quoted data cell does not count
    path = _write(tmp_path, 'observer,observed,flights\n"US;A",RUS,1\n')
    assert read_requests(path) == [Request("US;A", "RUS", 1)]


def test_unicode_line_separators_stay_inside_their_cell(tmp_path: Path) -> None:
    # str.splitlines would cut these rows in two and invent a third request
    path = _write(
        tmp_path, "observer,observed,flights\nUSA,R\u2028US,1\nDEU,P\x85OL,2\n"
    )
    assert read_requests(path) == [
        Request("USA", "R\u2028US", 1),
        Request("DEU", "P\x85OL", 2),
    ]


def test_duplicate_header_column_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "observer,observed,flights,FLIGHTS\nUSA,RUS,1,2\n")
    with pytest.raises(DataError, match=r"the header: column 'flights' appears twice"):
        read_requests(path)


def test_duplicate_request_rows_are_refused_naming_both_rows(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "observer,observed,flights\nUSA,RUS,1\nDEU,POL,1\nusa, RUS ,2\n"
    )
    with pytest.raises(DataError) as info:
        read_requests(path)
    assert (info.value.row, info.value.field) == (3, "observer")
    assert "the same observer, observed as row 1" in str(info.value)
    assert str(path) in str(info.value)


def test_identical_rows_are_refused_by_every_reader(tmp_path: Path) -> None:
    row = "X-1,Test,SWE,,58.4,15.5,500,2004-01-01,"
    header = "id,type,owner,members,lat,lon,cruise_kmh,in_service_from,in_service_to"
    path = _write(tmp_path, f"{header}\n{row}\n{row}\n", "fleet.csv")
    with pytest.raises(DataError, match=r"row 2: the row is a copy of row 1"):
        read_aircraft(path)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("3_0", "'3_0' is not a whole number"),
        ("30.0", "'30.0' is not a whole number"),
        ("1e3", "'1e3' is not a whole number"),
        ("\u0663", "is not a whole number"),  # ARABIC-INDIC DIGIT THREE
        (str(2**63), "'9223372036854775808' is above the maximum 1,000,000"),
        ("-1", "-1 is below the minimum 0"),
        ("9" * 5000, "is not a whole number"),  # no int() of 5000 digits
    ],
)
def test_integers_are_plain_decimal_digits_in_range(
    tmp_path: Path, value: str, message: str
) -> None:
    path = _write(tmp_path, f"observer,observed,flights\nUSA,RUS,{value}\n")
    with pytest.raises(DataError, match=message) as info:
        read_requests(path)
    assert (info.value.row, info.value.field) == (1, "flights")
    assert len(str(info.value)) < 200 + len(str(path))


@pytest.mark.parametrize("value", ["nan", "inf", "1_0.5", "0x10"])
def test_numbers_are_finite_decimals(tmp_path: Path, value: str) -> None:
    path = _write(
        tmp_path, f"observed,name,lon,lat,value\nPOL,Warsaw,21.0,52.2,{value}\n"
    )
    with pytest.raises(DataError, match=r"row 1, field 'value'"):
        read_sites(path)


def test_a_field_over_the_csv_limit_is_a_data_error(tmp_path: Path) -> None:
    path = _write(tmp_path, f"observer,observed,flights\nUSA,{'x' * 200_000},1\n")
    with pytest.raises(DataError, match="longer than 131,072 characters"):
        read_requests(path)


def test_missing_columns_name_the_header_and_truncate_it(tmp_path: Path) -> None:
    secret = "root:x:0:0:root:/root:/bin/bash" + "A" * 100
    path = _write(tmp_path, f"{secret}\nuser:x:1000\n")
    with pytest.raises(DataError) as info:
        read_requests(path)
    message = str(info.value)
    assert "the header: missing column(s) observer, observed, flights" in message
    assert "row 0" not in message
    assert secret not in message  # no whole line of an arbitrary file
    assert info.value.row == 0


def test_long_values_are_truncated_in_messages(tmp_path: Path) -> None:
    path = _write(tmp_path, f"observer,observed,flights\nUSA,RUS,{'7x' * 500}\n")
    with pytest.raises(DataError) as info:
        read_requests(path)
    assert "7x" * 30 not in str(info.value)
    assert "..." in str(info.value)


def test_nul_byte_directory_and_fifo_are_refused_before_opening(
    tmp_path: Path,
) -> None:
    with pytest.raises(DataError, match="contains a NUL byte"):
        read_requests("requests\0.csv")
    with pytest.raises(DataError, match="is a directory"):
        read_requests(tmp_path)
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    # opening a FIFO for reading would block forever with no writer
    with pytest.raises(DataError, match="not a regular file"):
        read_requests(fifo)
    with pytest.raises(DataError, match="not found"):
        read_requests(tmp_path / "absent.csv")


def test_not_utf8_names_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"observer,observed,flights\nUSA,R\xe9S,1\n")
    with pytest.raises(DataError, match=r"not UTF-8 text \(line 2, byte 32\)"):
        read_requests(path)


def test_empty_file_asks_for_the_header(tmp_path: Path) -> None:
    path = _write(tmp_path, "")
    with pytest.raises(DataError, match="the file is empty; expected a header"):
        read_requests(path)


# --- requests beyond the CSV: priorities, duplicates, the file name -------------

TOY = QuotaProblem(2010, {"A": 4, "B": 12, "C": 12, "D": 12})


def test_nan_and_infinite_priorities_are_refused() -> None:
    for priority in (float("nan"), float("inf"), 2**63, 1e308):
        with pytest.raises(DataError, match=r"requests, row 1, field 'priority'"):
            requested_flights(TOY, [Request("A", "B", 1, priority)])  # type: ignore[arg-type]


def test_same_codes_twice_and_huge_flights_are_refused() -> None:
    with pytest.raises(DataError, match=r"row 2, field 'observed'.*repeats row 1"):
        requested_flights(TOY, [Request("A", "B", 1), Request("a ", "B", 2)])
    with pytest.raises(DataError, match=r"row 2, field 'flights'.*1,000,000"):
        requested_flights(TOY, [Request("A", "C", 1), Request("A", "B", 2**63)])


def test_errors_after_reading_name_the_requests_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "observer,observed,flights\nA,B,1\nA,XYZ,1\n")
    with pytest.raises(DataError, match=r"requests\.csv, row 2, field 'observed'"):
        requested_flights(TOY, read_requests(path))
