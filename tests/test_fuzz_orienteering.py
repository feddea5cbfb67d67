"""Fuzz the OPLib reader and the neighbour-list orienteering entry point.

Only OpenSkiesError subclasses may escape, whatever the file or the numbers.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openskies.errors import OpenSkiesError
from openskies.options import SolveOptions
from openskies.routing.orienteering import solve_orienteering
from openskies.routing.tsplib import read_oplib, read_oplib_solution

GOOD = (
    "NAME : t\nDIMENSION : 3\nCOST_LIMIT : 10\nEDGE_WEIGHT_TYPE : EUC_2D\n"
    "NODE_COORD_SECTION\n1 0 0\n2 3 4\n3 6 8\nNODE_SCORE_SECTION\n1 0\n2 5\n3 7\n"
    "DEPOT_SECTION\n1\n-1\nEOF\n"
)
SOL = (
    "NAME : t\nROUTE_SCORE : 12\nROUTE_COST : 20\nNODE_SEQUENCE_SECTION\n1\n2\n3\n-1\n"
)
HOSTILE = st.sampled_from(
    [
        "2**63", str(2**63), "1e308", "-1e308", "1e400", "nan", "inf", "-inf", "-5",
        "", "abc", "None", "[1, 2]", "0x10", "1.5", "0", ":", "EXPLICIT", "GEO",
        "EDGE_WEIGHT_SECTION", "-1", "\x00", "é" * 300, "9" * 400,
    ]
)  # fmt: skip


def _mutate(text: str, data: st.DataObject) -> str:
    """Replace a few whitespace-separated tokens of ``text`` with hostile ones."""
    tokens = text.replace("\n", " \n ").split(" ")
    for _ in range(data.draw(st.integers(1, 4))):
        k = data.draw(st.integers(0, len(tokens) - 1))
        tokens[k] = data.draw(HOSTILE)
    return " ".join(tokens).replace(" \n ", "\n")


@settings(max_examples=150)
@given(data=st.data())
def test_hostile_oplib_files_raise_only_openskies_errors(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "x.oplib"
    path.write_text(_mutate(GOOD, data), encoding="utf-8")
    try:
        inst = read_oplib(path)
    except OpenSkiesError:
        return
    assert inst.dimension >= 1
    assert 0 <= inst.depot < inst.dimension


@settings(max_examples=60)
@given(data=st.data())
def test_hostile_solution_files_raise_only_openskies_errors(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "x.sol"
    path.write_text(_mutate(SOL, data), encoding="utf-8")
    try:
        sol = read_oplib_solution(path)
    except OpenSkiesError:
        return
    assert sol.route[0] == sol.route[-1]


@settings(max_examples=20)
@given(blob=st.binary(max_size=300))
def test_random_bytes_are_a_data_error(tmp_path_factory, blob):
    path = tmp_path_factory.mktemp("fuzz") / "x.oplib"
    path.write_bytes(blob)
    with pytest.raises(OpenSkiesError):
        read_oplib(path)


def test_a_huge_explicit_dimension_is_refused_before_the_matrix(tmp_path):
    text = GOOD.replace("DIMENSION : 3", "DIMENSION : 1000000").replace(
        "EUC_2D", "EXPLICIT\nEDGE_WEIGHT_FORMAT : FULL_MATRIX"
    )
    text = text.replace(
        "NODE_COORD_SECTION\n1 0 0\n2 3 4\n3 6 8", "EDGE_WEIGHT_SECTION\n0"
    )
    path = tmp_path / "x.oplib"
    path.write_text(text)
    with pytest.raises(OpenSkiesError, match="needs 1000000000000 weights, got 1"):
        read_oplib(path)


VALUES = st.one_of(
    st.sampled_from([np.nan, np.inf, -np.inf, 1e308, -1.0, 2.0**63, 0.0]),
    st.floats(-1e3, 1e3),
)


@settings(max_examples=40)
@given(
    n=st.integers(201, 260),
    metric=st.sampled_from(["euc_2d", "ceil_2d", "att", "geo", "euclidean"]),
    coord=VALUES,
    score=VALUES,
    budget=st.one_of(VALUES, st.none(), st.just("10"), st.just([1])),
    start=st.one_of(st.integers(-3, 300), st.none(), st.just(1.5)),
)
def test_on_demand_inputs_raise_only_openskies_errors(
    n, metric, coord, score, budget, start
):
    rng = np.random.default_rng(n)
    points = rng.uniform(0, 100, (n, 2))
    points[n // 2, 0] = coord
    scores = np.ones(n)
    scores[1] = score
    try:
        res = solve_orienteering(
            points, scores, start=start, budget=budget, metric=metric,
            options=SolveOptions(iteration_limit=2),
        )  # fmt: skip
    except OpenSkiesError:
        return
    assert res.score <= res.bound
    assert res.order == () or res.order[0] == res.order[-1] == start
