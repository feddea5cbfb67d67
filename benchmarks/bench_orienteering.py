"""Benchmark ``solve_orienteering`` on the public orienteering instances.

Reads the instances (JSON, see their README) from ``--dir``: by default the
one copied into the repository (``tests/data/orienteering``); the 89
Tsiligirides and Chao-Golden-Wasil instances with ``--dir
../shared/benchmarks/orienteering``; solves each once per seed; checks every
path independently (start, end, no repeated point, float64 length within
``tmax + 1e-9``, score) and prints per instance the budget, best-known
score, our median and worst score over the seeds, the gap of the median, the
median time and the status; then the runs at best-known, their share and the
median and largest time.

Usage::

    python benchmarks/bench_orienteering.py                  # 1 s, seed 0
    python benchmarks/bench_orienteering.py --dir ../shared/benchmarks/orienteering
    python benchmarks/bench_orienteering.py --seeds 3 --time-limit 2
    python benchmarks/bench_orienteering.py --engine ortools --only chao64

``--engine ortools`` (routing, optional nodes, guided local search) and
``--engine pyvrp`` (needs ``pip install pyvrp``) run the same instances for
comparison; both get integer legs (scaled 1e5, rounded up) and the budget
rounded down, so their paths are feasible in float arithmetic too.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from openskies.options import SolveOptions  # noqa: E402
from openskies.routing.orienteering import solve_orienteering  # noqa: E402

SHARED_DIR = REPO.parent / "shared" / "benchmarks" / "orienteering"
REPO_DIR = REPO / "tests" / "data" / "orienteering"  # one instance, in the repository
DEFAULT_DIR = REPO_DIR if REPO_DIR.is_dir() else SHARED_DIR
TOL = 1e-9  # the instances' tolerance on the path length
SCALE = 1e5  # integer legs for the comparison engines


def load(path: Path) -> tuple[np.ndarray, np.ndarray, float]:
    """Return points (start first, end second), scores and budget of a file."""
    data = json.loads(path.read_text())
    pts = [data["start"][:2], data["end"][:2]] + [p[:2] for p in data["points"]]
    scores = [0.0, 0.0] + [float(p[2]) for p in data["points"]]
    return np.array(pts, dtype=float), np.array(scores), float(data["tmax"])


def check(
    order: tuple[int, ...], pts: np.ndarray, scores: np.ndarray, tmax: float
) -> float:
    """Validate a path independently of the solver; return its score."""
    if order[0] != 0 or order[-1] != 1 or len(set(order)) != len(order):
        raise AssertionError(f"bad path {order}")
    length = 0.0
    for a, b in itertools.pairwise(order):
        length += math.hypot(pts[b, 0] - pts[a, 0], pts[b, 1] - pts[a, 1])
    if length > tmax + TOL:
        raise AssertionError(f"path length {length!r} exceeds tmax {tmax}")
    return math.fsum(scores[list(order)].tolist())


def integer_legs(pts: np.ndarray, tmax: float) -> tuple[list[list[int]], int]:
    """Scaled legs rounded up and the budget rounded down."""
    legs = [[math.ceil(math.hypot(*(p - q)) * SCALE) for q in pts] for p in pts]
    return legs, math.floor(tmax * SCALE)


def solve_ortools(
    pts: np.ndarray, scores: np.ndarray, tmax: float, limit_s: float
) -> tuple[int, ...]:
    """OR-Tools routing: prizes as drop penalties, length dimension, GLS."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    legs, cap = integer_legs(pts, tmax)
    manager = pywrapcp.RoutingIndexManager(len(pts), 1, [0], [1])
    model = pywrapcp.RoutingModel(manager)
    transit = model.RegisterTransitMatrix(legs)
    model.SetArcCostEvaluatorOfAllVehicles(transit)
    model.AddDimension(transit, 0, cap, True, "length")
    for node in range(2, len(pts)):  # penalties dominate: score first, then length
        model.AddDisjunction(
            [manager.NodeToIndex(node)], round(scores[node]) * (cap + 1)
        )
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(int(limit_s * 1000))
    solution = model.SolveWithParameters(params)
    if solution is None:
        return (0, 1)
    route, index = [], model.Start(0)
    while not model.IsEnd(index):
        route.append(manager.IndexToNode(index))
        index = solution.Value(model.NextVar(index))
    return (*route, 1)


def solve_pyvrp(
    pts: np.ndarray, scores: np.ndarray, tmax: float, limit_s: float, seed: int
) -> tuple[int, ...]:
    """PyVRP 0.14: optional clients with prizes, one vehicle, distance cap."""
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    legs, cap = integer_legs(pts, tmax)
    model = Model()
    locs = [model.add_location(x=0, y=0) for _ in pts]
    depots = [model.add_depot(locs[0]), model.add_depot(locs[1])]
    for loc, s in zip(locs[2:], scores[2:], strict=True):
        model.add_client(loc, prize=round(s) * (cap + 1), required=False)
    model.add_vehicle_type(
        num_available=1, start_depot=depots[0], end_depot=depots[1], max_distance=cap
    )
    for i, a in enumerate(locs):
        for j, b in enumerate(locs):
            if i != j:
                model.add_edge(a, b, distance=legs[i][j])
    res = model.solve(stop=MaxRuntime(limit_s), seed=seed, display=False)
    routes: list[Any] = res.best.routes()
    # clients are numbered after the two depots, as in our point order
    visits = (
        [2 + int(act.idx) for act in routes[0] if act.is_client()] if routes else []
    )
    return (0, *visits, 1)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return 0 (a wrong path raises)."""
    ap = argparse.ArgumentParser(description="Benchmark solve_orienteering.")
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="instance folder")
    ap.add_argument("--time-limit", type=float, default=1.0, help="[s] per run")
    ap.add_argument("--seeds", type=int, default=1, help="runs per instance, seeds 0..")
    ap.add_argument(
        "--engine", default="auto", choices=["auto", "ils", "exact", "ortools", "pyvrp"]
    )
    ap.add_argument("--only", default="", help="run instances whose name has this")
    args = ap.parse_args(argv)

    index = [
        r
        for r in json.loads((args.dir / "index.json").read_text())
        if args.only in r["name"]
    ]
    print(
        f"{'instance':22s} {'budget':>6s} {'best':>5s} {'ours':>6s} {'worst':>6s} "
        f"{'gap %':>6s} {'time s':>6s} status"
    )
    hits, times = 0, []
    for row in index:
        pts, scores, tmax = load(args.dir / row["file"])
        best = float(row["best_known"])
        got, took, status = [], [], "-"
        for seed in range(args.seeds):
            t0 = time.perf_counter()
            if args.engine == "ortools":
                order = solve_ortools(pts, scores, tmax, args.time_limit)
            elif args.engine == "pyvrp":
                order = solve_pyvrp(pts, scores, tmax, args.time_limit, seed)
            else:
                opts = SolveOptions(time_limit_s=args.time_limit, seed=seed)
                res = solve_orienteering(
                    pts,
                    scores,
                    start=0,
                    end=1,
                    budget=tmax,
                    engine=args.engine,
                    options=opts,
                )
                order, status = res.order, res.status.value
                if res.score != check(order, pts, scores, tmax):
                    raise AssertionError(f"{row['name']}: reported score is wrong")
            took.append(time.perf_counter() - t0)
            got.append(check(order, pts, scores, tmax))
        hits += sum(g >= best for g in got)
        times += took
        med = statistics.median(got)
        print(
            f"{row['name']:22s} {tmax:6g} {best:5g} {med:6g} {min(got):6g} "
            f"{100 * (best - med) / best:6.2f} {statistics.median(took):6.2f} {status}",
            flush=True,
        )
    runs = len(times)
    print(f"\nengine={args.engine} time_limit={args.time_limit} s seeds={args.seeds}")
    print(f"runs at best-known: {hits}/{runs} ({100 * hits / runs:.1f} %)")
    print(
        f"time per run: median {statistics.median(times):.2f} s, max {max(times):.2f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
