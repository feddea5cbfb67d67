"""Benchmark ``solve_orienteering`` on OPLib against EA4OP's published scores.

Reads the OPLib instances (TSPLIB format with ``COST_LIMIT`` and node scores;
see ``../shared/benchmarks/oplib/README.md``) and EA4OP's solutions, solves
each closed tour from the depot with the instance's own integer TSPLIB
metric, and checks every returned route independently of the solver: it
starts and ends at the depot, repeats no node, and its integer TSPLIB
length (recomputed here with :func:`tsplib_distance`) is at most
``COST_LIMIT``; the score is recomputed too.  Prints per instance the size,
our score, EA4OP's score, the ratio, the time and the status, then the mean
and minimum ratio per size band (<= 400, 401-1000, > 1000 nodes).

Usage::

    python benchmarks/bench_oplib.py --max-nodes 400 --time-limit 10
    python benchmarks/bench_oplib.py --gen 2 --only 'rd*' --time-limit 10
    python benchmarks/bench_oplib.py --min-nodes 401 --max-nodes 1000 --time-limit 30
    python benchmarks/bench_oplib.py --only 'pla7397*' --time-limit 30 --memory

``--iterations N`` stops each search after N perturbation rounds (the
time limit then being a safety cap) for reproducible figures.
EXPLICIT instances go through the dense engine with their matrix.
"""

from __future__ import annotations

import argparse
import fnmatch
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from openskies.options import SolveOptions  # noqa: E402
from openskies.routing.orienteering import solve_orienteering  # noqa: E402
from openskies.routing.tsplib import (  # noqa: E402
    OPInstance,
    read_oplib,
    read_oplib_solution,
)

# ../shared next to the checkout, or two levels up from a worktree (wt/NAME)
DEFAULT_DIR = next(
    (
        d / "shared" / "benchmarks" / "oplib"
        for d in (REPO.parent, REPO.parent.parent)
        if (d / "shared" / "benchmarks" / "oplib").is_dir()
    ),
    REPO.parent / "shared" / "benchmarks" / "oplib",
)
BANDS = ((0, 400, "<=400"), (401, 1000, "401-1000"), (1001, 10**9, ">1000"))


def check(inst: OPInstance, order: tuple[int, ...]) -> tuple[float, float]:
    """Validate a closed route independently; return its score and integer length."""
    if not order:
        raise AssertionError(f"{inst.name}: empty route")
    if order[0] != inst.depot or order[-1] != inst.depot:
        raise AssertionError(f"{inst.name}: route does not start and end at the depot")
    if len(set(order[:-1])) != len(order) - 1:
        raise AssertionError(f"{inst.name}: route repeats a node")
    length = inst.route_length(order)
    if length > inst.cost_limit:
        raise AssertionError(f"{inst.name}: length {length} > {inst.cost_limit}")
    return float(inst.scores[list(order[:-1])].sum()), length


def solve(
    inst: OPInstance, options: SolveOptions, engine: str = "auto"
) -> tuple[tuple[int, ...], str]:
    """Solve one instance with its metric (or its matrix); return route and status."""
    kwargs: dict[str, object] = {"metric": inst.metric, "engine": engine}
    if inst.matrix is not None:
        kwargs = {"distance_matrix": inst.matrix, "engine": engine}
    res = solve_orienteering(
        inst.coords,
        inst.scores,
        start=inst.depot,
        budget=inst.cost_limit,
        options=options,
        **kwargs,  # type: ignore[arg-type]
    )
    return res.order, f"{res.status.value}/{res.engine}"


def warm_up() -> float:
    """Solve a tiny instance with both engines so no timed solve pays numba's compile.

    Returns the seconds taken: the compile on a cold cache (about a minute),
    loading the cached kernels otherwise.
    """
    t = time.perf_counter()
    rng = np.random.default_rng(0)
    points = rng.uniform(0, 100, (60, 2)).round()
    scores = rng.integers(1, 10, 60).astype(float)
    for engine, rounds in (("ils", 50), ("knn", 3000)):
        solve_orienteering(
            points, scores, start=0, budget=300.0, metric="euc_2d", engine=engine,
            options=SolveOptions(iteration_limit=rounds, time_limit_s=600),
        )  # fmt: skip
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return 0 (1 if a route is invalid)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--gen", choices=("1", "2", "both"), default="both")
    ap.add_argument("--only", default="*", help="glob on the instance name")
    ap.add_argument("--min-nodes", type=int, default=0)
    ap.add_argument("--max-nodes", type=int, default=10**9)
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--iterations", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--engine", choices=("auto", "ils", "knn"), default="auto")
    ap.add_argument("--memory", action="store_true", help="print peak RSS [MB]")
    args = ap.parse_args(argv)
    gens = ("1", "2") if args.gen == "both" else (args.gen,)
    files = [
        f
        for g in gens
        for f in sorted((args.dir / "instances" / f"gen{g}").glob("*.oplib"))
        if fnmatch.fnmatch(f.stem, args.only)
    ]
    if not files:
        print(f"no instance matches in {args.dir}", file=sys.stderr)
        return 2
    options = SolveOptions(
        time_limit_s=args.time_limit, seed=args.seed, iteration_limit=args.iterations
    )
    print(f"warm-up (numba compile or cache load): {warm_up():.1f} s")
    ratios: dict[str, list[float]] = {b[2]: [] for b in BANDS}
    print(f"{'instance':24} {'n':>5} {'score':>8} {'EA4OP':>8} {'ratio':>6} "
          f"{'time':>6}  status")  # fmt: skip
    for f in files:
        inst = read_oplib(f)
        if not args.min_nodes <= inst.dimension <= args.max_nodes:
            continue
        ref = read_oplib_solution(args.dir / "ea4op" / f.parent.name / f"{f.stem}.sol")
        t = time.perf_counter()
        order, status = solve(inst, options, args.engine)
        elapsed = time.perf_counter() - t
        score, _ = check(inst, order)
        ratio = score / ref.score
        band = next(b[2] for b in BANDS if b[0] <= inst.dimension <= b[1])
        ratios[band].append(ratio)
        print(f"{f.stem:24} {inst.dimension:5d} {score:8.0f} {ref.score:8.0f} "
              f"{ratio:6.4f} {elapsed:6.1f}  {status}", flush=True)  # fmt: skip
    for band, r in ratios.items():
        if r:
            print(f"band {band:>9}: {len(r):3d} instances, mean ratio "
                  f"{statistics.fmean(r):.4f}, min {min(r):.4f}")  # fmt: skip
    if args.memory:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    np.seterr(all="raise")
    sys.exit(main())
