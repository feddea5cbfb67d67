"""Fuzz the evidence readers and ``openskies sources`` with hostile files."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openskies.cli.main import main
from openskies.errors import OpenSkiesError
from openskies.treaty.sources import read_announcements, read_history

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = st.one_of(
    st.sampled_from(
        [
            "",
            "nan",
            "inf",
            "-inf",
            "1e308",
            "-5",
            "0",
            str(2**63),
            "None",
            "[1, 2]",
            '"',
            "2020-02-30",
            "9999-99-99",
            "practice",
            "confirmed",
            "all",
        ]
    ),
    st.text(max_size=12),
)
ANNOUNCEMENT_HEADER = "airfield,max_km,flight_date,status,source,quote"
HISTORY_HEADER = "id,date,kind,observer,observed,value,status,source,quote"


def _line(cells: list[str]) -> str:
    return ",".join('"' + c.replace('"', '""') + '"' for c in cells)


READERS = [
    ("announcements.csv", ANNOUNCEMENT_HEADER, read_announcements),
    ("history.csv", HISTORY_HEADER, read_history),
]


@pytest.mark.parametrize(("name", "header", "reader"), READERS)
@settings(max_examples=40, deadline=None)
@given(cells=st.lists(HOSTILE, min_size=0, max_size=10))
def test_hostile_evidence_raises_only_openskies_errors(
    name: str, header: str, reader: Callable[[Path], tuple[Any, ...]], cells: list[str]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text(f"{header}\n{_line(cells)}\n", encoding="utf-8")
        try:
            found = reader(path)
        except OpenSkiesError:
            return
        # what is accepted is well typed: positive distances, whole counts
        assert all(getattr(item, "max_km", 1) > 0 for item in found)
        assert all(getattr(item, "value", 0) >= 0 for item in found)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\x00\x01",
        HISTORY_HEADER + "\nA,2020-01-01,distribution_agreed,all,all,-1,practice,x\n",
        HISTORY_HEADER + "\nA,2020-01-01,made_up,all,all,1,practice,x\n",
        HISTORY_HEADER + f"\nA,2020-01-01,distribution_agreed,all,all,{2**63},sure,x\n",
        HISTORY_HEADER + "\n" + "A," * 20 + "\n",
    ],
)
def test_sources_command_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    quotas = tmp_path / "quotas"
    shutil.copytree(ROOT / "quotas", quotas)
    (quotas / "history.csv").write_text(text, encoding="utf-8")
    assert main(["sources", "--quotas-dir", str(quotas)]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("openskies sources: error:")
