"""Distribution: malformed pairs and counts are refused with DataError."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from openskies import DataError, Distribution


@pytest.mark.parametrize(
    ("flights", "message"),
    [
        ({("USA",): 1}, r"key \('USA',\) is not an \(observer, observed\) pair"),
        ({("USA", "RUS", "X"): 1}, "is not an .observer, observed. pair"),
        ({"USARUS": 1}, "is not an .observer, observed. pair"),
        ({("USA", None): 1}, "is not an .observer, observed. pair"),
        ({("USA", ""): 1}, "is not an .observer, observed. pair"),
        ({("USA", "RUS"): -1}, "whole number 0..1000, got -1"),
        ({("USA", "RUS"): True}, "got True"),
        ({("USA", "RUS"): 2.0}, "got 2.0"),
        ({("USA", "RUS"): 2**63}, "got 9223372036854775808"),
        ({("USA", "RUS"): "3"}, "got '3'"),
        ({("USA", "RUS"): None}, "got None"),
        (None, "must be a mapping"),
        ([("USA", "RUS", 1)], "must be a mapping"),
    ],
)
def test_malformed_distribution_is_refused(flights: object, message: str) -> None:
    with pytest.raises(DataError, match=message):
        Distribution(flights)  # type: ignore[arg-type]


def test_numpy_counts_become_ints_and_zeros_are_dropped() -> None:
    plan = Distribution({("DEU", "POL"): np.int64(3), ("DEU", "RUS"): 0})
    assert plan.flights == {("DEU", "POL"): 3}
    assert type(plan[("DEU", "POL")]) is int


def test_shared_flights_are_checked() -> None:
    with pytest.raises(DataError, match=r"2 shared flight.*only 1 flown"):
        Distribution({("USA", "UKR"): 1}, {("USA", "UKR"): 2})
    with pytest.raises(DataError, match="shared of USA over UKR"):
        Distribution({("USA", "UKR"): 1}, {("USA", "UKR"): -1})


@pytest.mark.parametrize(
    ("records", "row", "message"),
    [
        ([("DEU", "POL", 1), ("deu", "pol ", 2)], 2, "DEU over POL appears twice"),
        ([("DEU", "POL", "²")], 1, "is not a whole number"),
        ([("DEU", "POL", 1e308)], 1, "is not a whole number 0..1000"),
        ([("DEU", "POL", float("nan"))], 1, "is not a whole number"),
        ([("DEU", None, 1)], 1, "None is not a party code"),
        ([("DEU", "POL")], 1, r"expected \(observer, observed, flights\)"),
    ],
)
def test_bad_records_name_their_row(
    records: list[object], row: int, message: str
) -> None:
    with pytest.raises(DataError, match=message) as info:
        Distribution.from_records(records)  # type: ignore[arg-type]
    assert info.value.row == row


def test_from_frame_refuses_non_frames_and_names_no_row_zero() -> None:
    with pytest.raises(DataError, match="expected a DataFrame"):
        Distribution.from_frame([1, 2])
    with pytest.raises(DataError, match=r"missing column.*flights") as info:
        Distribution.from_frame(pd.DataFrame({"observer": [], "observed": []}))
    assert info.value.row is None


def test_duplicate_pair_in_a_csv_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("observer,observed,flights\nDEU,POL,1\nDEU,POL,2\n")
    with pytest.raises(DataError, match=r"appears twice \(also row 1\)") as info:
        Distribution.read_csv(path)
    assert info.value.row == 2
