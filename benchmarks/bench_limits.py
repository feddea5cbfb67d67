"""Measure time and peak memory of the routing computations on large inputs.

Each case runs in its own process, which prints its time and its peak
resident memory (``resource.getrusage(RUSAGE_SELF).ru_maxrss``):

* ``orienteering N``: :func:`solve_orienteering` on N random planar points with
  a 5 s time limit (the library refuses more than ``MAX_POINTS``);
* ``route N``: :func:`plan_route` with N sites over Russia from Kubinka (as
  ``bench_route.py``) and a 20 s time limit (refused above ``MAX_SITES``);
* ``reach R``: :func:`reachable_area` of Russia from Kubinka at a resolution of
  R km and a 60 s time limit (refused above ``MAX_GRID_NODES``).

A refusal prints its one-line message instead of a result.

Usage::

    python benchmarks/bench_limits.py                      # the cases of issue 10
    python benchmarks/bench_limits.py orienteering 3000 route 500 reach 25
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

DEFAULT_CASES = [
    ("orienteering", "2000"),
    ("orienteering", "5000"),
    ("orienteering", "10000"),
    ("orienteering", "20000"),
    ("route", "1000"),
    ("route", "10000"),
    ("reach", "25"),
    ("reach", "5"),
]


def run_orienteering(n: int) -> str:
    """Solve a random planar instance of ``n`` points; return a summary."""
    import numpy as np

    from openskies import SolveOptions
    from openskies.routing.orienteering import solve_orienteering

    rng = np.random.default_rng(0)
    res = solve_orienteering(
        rng.uniform(0, 100, (n, 2)),
        rng.integers(1, 10, n),
        start=0,
        budget=400.0,
        options=SolveOptions(time_limit_s=5.0),
    )
    return f"{res.status.value} score {res.score:g} bound {res.bound:g}"


def run_route(n: int) -> str:
    """Plan a route over ``n`` sites in Russia; return a summary."""
    from bench_route import DAY, OBSERVED, OBSERVER, START, make_sites

    from openskies import SolveOptions, load_treaty
    from openskies.routing.planner import plan_route

    view = load_treaty().as_of(DAY)
    plan = plan_route(
        view,
        observer=OBSERVER,
        observed=OBSERVED,
        start=START,
        sites=make_sites(view, n, 0),
        options=SolveOptions(time_limit_s=20.0),
    )
    return f"{plan.status.value} value {plan.value:g} visited {len(plan.visited)}"


def run_reach(resolution_km: float) -> str:
    """Compute Russia's reachable area from Kubinka; return a summary."""
    from openskies import load_treaty
    from openskies.rules.reach import reachable_area

    view = load_treaty().as_of("2019-06-01")
    area = reachable_area(view, "RUS", "UUMB", resolution_km=resolution_km)
    return f"share {area.share:.3f}"


def child(kind: str, size: str) -> None:
    """Run one case in this process and print its summary line."""
    from openskies.errors import OpenSkiesError

    t0 = time.perf_counter()
    try:
        if kind == "orienteering":
            text = run_orienteering(int(size))
        elif kind == "route":
            text = run_route(int(size))
        else:
            text = run_reach(float(size))
    except OpenSkiesError as err:
        text = f"refused: {type(err).__name__}: {err}"
    except MemoryError:
        text = "MemoryError"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{time.perf_counter() - t0:7.1f} s  peak {peak:6.0f} MB  {text}")


def main(argv: list[str]) -> None:
    """Run each case in a child process; print its time and peak memory."""
    if argv[:1] == ["--child"]:
        child(argv[1], argv[2])
        return
    cases = list(zip(argv[::2], argv[1::2], strict=True)) or DEFAULT_CASES
    for kind, size in cases:
        out = subprocess.run(
            [sys.executable, __file__, "--child", kind, size],
            capture_output=True,
            text=True,
            check=False,
        )
        lines = (out.stdout.strip() or out.stderr.strip() or "no output").splitlines()
        print(f"{kind:12} {size:>6}  {lines[-1][:300]}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
