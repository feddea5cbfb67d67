"""Fuzz the writers: hostile output paths, markers, cell text and titles.

Asserted: only :class:`~openskies.errors.OpenSkiesError` subclasses escape on
bad arguments, or ``OSError`` where the file system refuses a valid path (a
name too long), as documented; a directory that is not a plan is never
touched; every CSV cell reads back exactly and never starts a formula; the
report's embedded data always parses back.  Bounded (:data:`EXAMPLES`) unless
``OPENSKIES_HYPOTHESIS_PROFILE=openskies-long`` (``benchmarks/fuzz_long.py``).
"""

from __future__ import annotations

import csv
import json
import os
import re
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openskies import OpenSkiesError, OptionsError, Treaty
from openskies.allocation.problem import Request
from openskies.annual.plan import AnnualPlan, plan_year
from openskies.annual.scenario import Scenario
from openskies.errors import OutputError
from openskies.files.atomic import FORMULA_PREFIXES, restore_cell
from openskies.output.calendar_export import write_missions_csv
from openskies.output.plan_writer import MARKER, prepare_target
from openskies.output.report import report_html

EXAMPLES = 25
LONG = os.environ.get("OPENSKIES_HYPOTHESIS_PROFILE") == "openskies-long"
BUDGET = settings() if LONG else settings(max_examples=EXAMPLES)
FEW = settings() if LONG else settings(max_examples=5)

HOSTILE = [
    None,
    0,
    2**63,
    float("nan"),
    1e308,
    b"bytes",
    ["a"],
    {"a": 1},
    "",
    "a\x00b",
    "x" * 300,
    "-",
    ".",
    "..",
]


@pytest.fixture(scope="module")
def tiny(treaty: Treaty) -> AnnualPlan:
    """Two flights without sites."""
    scenario = Scenario(
        year=2019, requests=(Request("USA", "RUS", 1), Request("DEU", "POL", 1))
    )
    return plan_year(scenario, treaty=treaty)


@pytest.mark.parametrize("outdir", HOSTILE, ids=repr)
@pytest.mark.parametrize("force", [False, True, None, "yes", 1])
def test_write_refuses_hostile_arguments_with_our_errors(
    tiny: AnnualPlan,
    outdir: object,
    force: object,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # "", "." and "-" are relative names
    valid = (
        isinstance(outdir, str)
        and outdir not in ("", ".", "..")
        and "\x00" not in outdir
        and isinstance(force, bool)
    )
    if not valid:
        with pytest.raises(OpenSkiesError):
            tiny.write(outdir, force=force)  # type: ignore[arg-type]
    elif len(str(outdir)) > 255:  # the file system's limit, a documented OSError
        with pytest.raises(OSError, match="too long"):
            tiny.write(outdir, force=force)  # type: ignore[arg-type]
    else:  # a complete plan is written there
        tiny.write(outdir, force=force)  # type: ignore[arg-type]
        assert (tmp_path / str(outdir) / MARKER).is_file()


def test_bad_types_are_options_errors(tiny: AnnualPlan, tmp_path: Path) -> None:
    with pytest.raises(OptionsError, match="outdir must be a path"):
        tiny.write(None)  # type: ignore[arg-type]
    with pytest.raises(OptionsError, match="force must be True or False"):
        tiny.write(tmp_path / "p", force="yes")  # type: ignore[arg-type]


@BUDGET
@given(content=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_a_hostile_marker_never_lets_a_folder_be_replaced_blindly(
    content: bytes,
) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name) / "plan"
        folder.mkdir()
        (folder / MARKER).write_bytes(content)
        (folder / "thesis.tex").write_text("mine")
        with pytest.raises(OutputError):
            prepare_target(folder, force=True)
        assert sorted(os.listdir(folder)) == sorted([MARKER, "thesis.tex"])


@BUDGET
@given(
    files=st.lists(st.text(min_size=1, max_size=10), max_size=4),
    extra=st.sampled_from(["", "thesis.tex"]),
)
def test_a_marker_listing_files_is_replaced_only_without_others(
    files: list[str], extra: str
) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name) / "plan"
        folder.mkdir()
        marker = {"openskies_plan": 1, "files": files}
        (folder / MARKER).write_text(json.dumps(marker))
        if extra and extra not in files:
            (folder / extra).write_text("mine")
            with pytest.raises(OutputError, match="not part of it"):
                prepare_target(folder, force=True)
        else:
            prepare_target(folder, force=True)


_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=20
)


@BUDGET
@given(aircraft=_TEXT, ident=_TEXT)
def test_missions_csv_cells_never_start_a_formula_and_read_back(
    tiny: AnnualPlan, aircraft: str, ident: str
) -> None:
    mission = replace(tiny.schedule.missions[0], id=ident, aircraft=aircraft)
    with tempfile.TemporaryDirectory() as name:
        path = Path(name) / "m.csv"
        write_missions_csv([mission], path)
        with path.open(newline="", encoding="utf-8") as handle:
            header, row = list(csv.reader(handle))
    for column, value in (("mission_id", ident), ("aircraft", aircraft)):
        cell = row[header.index(column)]
        assert not cell.startswith(FORMULA_PREFIXES)
        assert restore_cell(cell) == value


@FEW
@given(title=st.text(max_size=40))
def test_any_title_gives_a_report_whose_data_parses(
    tiny: AnnualPlan, title: str
) -> None:
    plan = AnnualPlan(**{**vars(tiny), "scenario": tiny.scenario.replace(title=title)})
    page = report_html(plan)
    found = re.search(
        r'<script id="openskies-data" type="application/json">(.*?)</script>',
        page,
        re.S,
    )
    assert found is not None
    assert json.loads(found[1])["routes"]["type"] == "FeatureCollection"
    assert page.count("</script>") == page.count("<script")
