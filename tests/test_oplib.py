"""The TSPLIB distances and the OPLib reader (openskies.routing.tsplib)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from openskies.errors import DataError, OptionsError
from openskies.options import SolveOptions
from openskies.routing.orienteering import solve_orienteering
from openskies.routing.tsplib import read_oplib, read_oplib_solution, tsplib_distance

DATA = Path(__file__).parent / "data" / "oplib"
NAMES = [
    "eil51-gen1-50",
    "att48-gen2-50",
    "gr48-gen1-50",
    "gr96-gen2-50",
    "a280-gen2-50",
]


@pytest.mark.parametrize(
    ("a", "b", "metric", "expected"),
    [
        ((37, 52), (49, 49), "euc_2d", 12),  # sqrt(153) = 12.37 -> 12
        ((0, 0), (0.5, 0), "euc_2d", 1),  # nint(0.5) = int(0.5 + 0.5) = 1
        ((0, 0), (3, 4), "euc_2d", 5),
        ((0, 0), (1, 1), "ceil_2d", 2),  # ceil(1.414) = 2
        ((0, 0), (3, 4), "ceil_2d", 5),
        ((0, 0), (10, 0), "att", 4),  # r = sqrt(10) = 3.16, t = 3 < r -> 4
        ((0, 0), (0, 1.0), "geo", 112),  # 6378.388 * 3.141592 / 180 + 1 = 112.3
        ((0, 0), (0, 0.30), "geo", 56),  # 30 minutes: half of that + 1 = 56.7
    ],
)
def test_tsplib_distances_match_hand_computed_values(a, b, metric, expected):
    assert tsplib_distance(np.array(a), np.array(b), metric) == expected


def test_unknown_metric_is_refused():
    with pytest.raises(OptionsError, match="metric must be one of"):
        tsplib_distance(np.zeros(2), np.ones(2), "manhattan")


def test_eil51_is_read_with_its_budget_depot_and_scores():
    inst = read_oplib(DATA / "eil51-gen1-50.oplib")
    assert (inst.name, inst.metric, inst.dimension) == ("eil51", "euc_2d", 51)
    assert (inst.cost_limit, inst.depot) == (213, 0)
    assert inst.coords is not None
    assert tuple(inst.coords[1]) == (49, 49)
    assert inst.scores.sum() == 51
    assert inst.route_length([0, 1, 0]) == 24  # twice the 12 above


def test_explicit_lower_diagonal_matrix_is_symmetric_with_the_file_values():
    inst = read_oplib(DATA / "gr48-gen1-50.oplib")
    m = inst.matrix
    assert inst.metric == "explicit"
    assert m is not None
    assert m.shape == (48, 48)
    assert (m[0, 1], m[0, 2], m[1, 2]) == (593, 409, 258)  # "0 593 0 409 258 0"
    assert (m == m.T).all()
    assert (np.diag(m) == 0).all()


@pytest.mark.parametrize("name", NAMES)
def test_ea4op_route_cost_recomputed_equals_the_stated_one(name):
    inst = read_oplib(DATA / f"{name}.oplib")
    sol = read_oplib_solution(DATA / f"{name}.sol")
    assert sol.route[0] == sol.route[-1] == inst.depot
    assert inst.route_length(sol.route) == sol.cost <= inst.cost_limit
    assert inst.scores[list(sol.route[:-1])].sum() == sol.score


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "x.oplib"
    path.write_text(text)
    return path


GOOD = """NAME : t
DIMENSION : 3
COST_LIMIT : 10
EDGE_WEIGHT_TYPE : EUC_2D
NODE_COORD_SECTION
1 0 0
2 3 4
3 6 8
NODE_SCORE_SECTION
1 0
2 5
3 7
DEPOT_SECTION
1
-1
EOF
"""


def test_a_small_written_instance_reads_back(tmp_path):
    inst = read_oplib(_write(tmp_path, GOOD))
    assert inst.route_length([0, 1, 2, 0]) == 20
    assert list(inst.scores) == [0, 5, 7]


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        ("COST_LIMIT : 10\n", "", "missing the COST_LIMIT field"),
        ("2 3 4\n", "2 3 x\n", "line 7.*expected a finite number"),
        ("2 3 4\n", "2 3 nan\n", "line 7.*expected a finite number"),
        ("2 3 4\n", "1 3 4\n", "line 7.*node 1 appears twice"),
        ("3 6 8\n", "4 6 8\n", "line 8.*node number must be 1 to 3"),
        ("EUC_2D", "MAN_2D", "EDGE_WEIGHT_TYPE.*line 4: must be one of"),
        ("DIMENSION : 3", "DIMENSION : -3", "DIMENSION.*line 2: must be an integer"),
        ("COST_LIMIT : 10", "COST_LIMIT : -1", "line 3.*must be non-negative"),
        ("1\n-1\nEOF", "7\n-1\nEOF", "depot must be a node 1 to 3"),
        ("3 7\n", "3 -7\n", "node 3 has a negative score"),
        (
            "NODE_SCORE_SECTION",
            "NODE_SCORES",
            "line 9: expected a node number and 2 values",
        ),
    ],
)
def test_malformed_files_name_the_file_line_and_field(tmp_path, old, new, match):
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(DataError, match=match) as err:
        read_oplib(path)
    assert str(path) in str(err.value)


def test_a_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="cannot read"):
        read_oplib(tmp_path / "none.oplib")


def test_explicit_weights_of_the_wrong_count_are_refused(tmp_path):
    text = GOOD.replace("EUC_2D", "EXPLICIT\nEDGE_WEIGHT_FORMAT : UPPER_ROW")
    text = text.replace(
        "NODE_COORD_SECTION\n1 0 0\n2 3 4\n3 6 8", "EDGE_WEIGHT_SECTION\n5 10"
    )
    with pytest.raises(DataError, match="UPPER_ROW of 3 nodes needs 3 weights, got 2"):
        read_oplib(_write(tmp_path, text))


def test_ils_accepting_worse_paths_reaches_ea4op_within_one_percent():
    # Regression (issue 15): accepting a worse path in 5 % of the rounds left the
    # dense search at 3,360 on gr96 gen2 after 300 rounds (0.990 of EA4OP's 3,394);
    # accepting it in 20 % escapes that optimum (3,373, seed 0).
    inst = read_oplib(DATA / "gr96-gen2-50.oplib")
    ref = read_oplib_solution(DATA / "gr96-gen2-50.sol")
    res = solve_orienteering(
        inst.coords,
        inst.scores,
        start=inst.depot,
        budget=inst.cost_limit,
        metric=inst.metric,
        engine="ils",
        options=SolveOptions(time_limit_s=60.0, seed=0, iteration_limit=300),
    )
    order = res.order
    assert order[0] == order[-1] == inst.depot
    assert len(set(order[:-1])) == len(order) - 1
    assert inst.route_length(order) <= inst.cost_limit
    assert res.score == float(inst.scores[list(order[:-1])].sum())
    assert res.score > 0.99 * ref.score
