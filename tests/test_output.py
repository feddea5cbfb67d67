"""Writers: CSV cells a spreadsheet cannot evaluate, JSON safe inside <script>,
map titles drawn as plain text."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import matplotlib
import pytest
from hypothesis import given
from hypothesis import strategies as st

from openskies import Treaty
from openskies.allocation.problem import Request
from openskies.annual.plan import AnnualPlan, plan_year
from openskies.annual.scenario import Scenario
from openskies.calendar.schedule import Mission
from openskies.files.atomic import FORMULA_PREFIXES, restore_cell, write_csv_atomic
from openskies.output.calendar_export import read_missions_csv, write_missions_csv
from openskies.output.report import script_json, write_map_png
from openskies.treaty.distribution import Distribution

UTC = dt.UTC


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _mission(aircraft: str) -> Mission:
    arrival = dt.datetime(2019, 5, 6, 9, tzinfo=UTC)
    return Mission(
        id="=1+1",
        observer="USA",
        observed="RUS",
        poe="UUMB",
        notice=arrival - dt.timedelta(hours=72),
        arrival=arrival,
        end=arrival + dt.timedelta(hours=96),
        aircraft=aircraft,
    )


@pytest.mark.parametrize(
    "aircraft",
    ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"],
)
def test_missions_csv_neutralises_formulas(aircraft: str, tmp_path: Path) -> None:
    write_missions_csv([_mission(aircraft)], tmp_path / "m.csv")
    header, row = _rows(tmp_path / "m.csv")
    assert row[header.index("aircraft")] == f"'{aircraft}"
    assert row[header.index("mission_id")] == "'=1+1"
    assert row[header.index("observer")] == "USA"  # plain text is unchanged
    assert row[header.index("arrival")] == "2019-05-06T09:00:00Z"


def test_numbers_stay_numbers_and_text_is_neutralised(tmp_path: Path) -> None:
    write_csv_atomic(tmp_path / "t.csv", ["name", "value"], [["-3.5", -3.5], ["a", 2]])
    assert _rows(tmp_path / "t.csv") == [
        ["name", "value"],
        ["'-3.5", "-3.5"],
        ["a", "2"],
    ]


def test_distribution_csv_round_trips(tmp_path: Path) -> None:
    plan = Distribution({("USA", "RUS"): 3, ("RUS", "USA"): 2})
    plan.write_csv(tmp_path / "d.csv")
    assert Distribution.read_csv(tmp_path / "d.csv") == plan


@given(st.text(max_size=30))
def test_no_written_text_cell_starts_a_formula(text: str) -> None:
    import io

    buffer = io.StringIO()
    from openskies.files.atomic import neutralise_cell

    csv.writer(buffer).writerow([neutralise_cell(text)])
    buffer.seek(0)
    (cell,) = next(csv.reader(buffer)) or [""]
    assert not cell.startswith(FORMULA_PREFIXES)
    assert cell in (text, f"'{text}")
    assert restore_cell(cell) == text


@given(
    st.recursive(
        st.text() | st.integers() | st.floats(allow_infinity=False) | st.none(),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(st.text(max_size=5), inner, max_size=3)
        ),
        max_leaves=10,
    )
)
def test_script_json_reads_back_and_cannot_end_the_script(value: object) -> None:
    text = script_json(value)
    assert json.loads(text) == _nan_as_none(value)
    for forbidden in ("<", ">", "&", "\u2028", "\u2029"):
        assert forbidden not in text


def _nan_as_none(value: object) -> object:
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {k: _nan_as_none(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nan_as_none(v) for v in value]
    return value


def test_script_json_of_a_hostile_name() -> None:
    assert script_json({"site": "<!--<script>"}) == (
        '{"site":"\\u003c!--\\u003cscript\\u003e"}'
    )
    assert script_json([float("inf"), -1e309, 1.5]) == "[null,null,1.5]"


@pytest.fixture(scope="module")
def tiny(treaty: Treaty) -> AnnualPlan:
    """Two flights without sites; the map draws territories and airfields."""
    scenario = Scenario(
        year=2019, requests=(Request("USA", "RUS", 1), Request("DEU", "POL", 1))
    )
    return plan_year(scenario, treaty=treaty)


@pytest.mark.parametrize("title", ["costs $5 and $6", r"$\frac{$", "a_b^c $\\"])
def test_map_titles_are_plain_text_even_with_tex_on(
    tiny: AnnualPlan, title: str, tmp_path: Path
) -> None:
    plan = AnnualPlan(**{**vars(tiny), "scenario": tiny.scenario.replace(title=title)})
    # usetex without a TeX installation and mathtext on "$\frac{$" both fail
    with matplotlib.rc_context({"text.usetex": True}):
        write_map_png(plan, tmp_path / "map.png")
    assert (tmp_path / "map.png").read_bytes().startswith(b"\x89PNG")
    assert matplotlib.rcParams["text.usetex"] is False  # the setting is restored


@pytest.mark.parametrize("aircraft", ["=SUM(A1)", "'quoted", "-x", "plain"])
def test_missions_csv_reads_back_neutralised_text_as_written(
    aircraft: str, tmp_path: Path
) -> None:
    mission = _mission(aircraft)
    write_missions_csv([mission], tmp_path / "m.csv")
    (read,) = read_missions_csv(tmp_path / "m.csv")
    assert (read.id, read.aircraft) == ("=1+1", aircraft)
