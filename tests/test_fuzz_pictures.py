"""Fuzz tests of the pictures area: tables, notebook HTML, schedule's --format.

Hostile text (markup, control characters, huge numbers, NaN) never changes the
structure of an HTML summary or a terminal table, and a bad ``--format`` is
refused on the command line with exit 2 and one line.
"""

from __future__ import annotations

import html
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openskies.cli.common import format_table
from openskies.cli.main import main
from openskies.files.display import html_summary
from openskies.output.tables import html_table

HOSTILE = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["</table>", "<script>x</script>", "[bold]", "\x1b[31m", "&amp;"]),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
    st.booleans(),
)


@settings(max_examples=60)
@given(st.lists(st.tuples(st.text(max_size=20), HOSTILE), max_size=6))
def test_html_summary_escapes_every_value(rows: list[tuple[str, object]]) -> None:
    page = html_summary("<b>title</b>", rows)
    assert page.count("<tr>") == len(rows)
    assert page.count("<table") == 1
    assert "<script>" not in page
    assert "&lt;b&gt;title&lt;/b&gt;" in page


@settings(max_examples=60)
@given(st.lists(st.lists(HOSTILE, min_size=3, max_size=3), min_size=1, max_size=5))
def test_report_tables_keep_their_shape(rows: list[list[object]]) -> None:
    page = html_table(["a", "b", "c"], rows)
    assert page.count("<tr>") == len(rows) + 1
    assert page.count("<td") == 3 * len(rows)
    assert "<script>" not in page
    for row in rows:
        for cell in row:
            if isinstance(cell, str) and cell:
                assert html.escape(cell) in page or cell.strip() == ""


@settings(max_examples=60)
@given(
    st.lists(
        st.lists(
            st.text(
                alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")),
                max_size=15,
            ),
            min_size=2,
            max_size=2,
        ),
        max_size=5,
    )
)
def test_terminal_tables_have_one_line_per_row(rows: list[list[str]]) -> None:
    text = format_table(["x", "y"], rows)
    lines = text.split("\n")
    assert len(lines) == len(rows) + 2
    assert lines[0].split() == ["x", "y"]


@settings(max_examples=20)
@given(
    form=st.one_of(
        st.text(max_size=10).filter(lambda s: s not in ("text", "json", "csv")),
        st.sampled_from(["JSON", "xml", "", "1e308", str(2**63)]),
    )
)
def test_a_bad_format_exits_2_with_one_line(
    form: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    import contextlib
    import io

    flights = tmp_path_factory.mktemp("fmt") / "flights.csv"
    flights.write_text("observer,observed,flights\nSWE,POL,1\n")
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["schedule", str(flights), "--year", "2019", "--format", form])
    assert code == 2
    assert len(err.getvalue().strip().splitlines()) == 1
    assert "--format" in err.getvalue()


def test_nan_and_infinite_cells_are_shown_not_raised() -> None:
    page = html_table(["v"], [[math.nan], [math.inf], [1e308]])
    assert page.count("<tr>") == 4
