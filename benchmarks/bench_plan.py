"""Benchmark of ``openskies plan`` on the bundled illustrative scenario (issue 7).

Two measurements:

1. The command itself, end to end in a fresh interpreter
   (``openskies plan -o TMP --force -q``): wall-clock time including Python
   start-up, imports, loading the data and writing every output file.
2. :func:`openskies.annual.plan.plan_year` plus :meth:`AnnualPlan.write`
   in-process, once per seed, with the time of each stage, the solvers'
   statuses, objectives and bounds, and the route counts.

Target: the command < 30 s on a 2-core machine.

Run: ``python benchmarks/bench_plan.py [--quick]``
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import summary

from openskies import SolveOptions, load_treaty
from openskies.annual.plan import STAGES, AnnualPlan, plan_year
from openskies.annual.scenario_reader import load_scenario


def command_line(runs: int) -> None:
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            began = time.perf_counter()
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "openskies.cli.main",
                    "plan",
                    "-o",
                    f"{folder}/out",
                    "-q",
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            times.append(time.perf_counter() - began)
    print("openskies plan (fresh interpreter, bundled scenario, seed 0):")
    print("  " + summary(times) + "  target < 30 s")
    for line in done.stdout.splitlines()[1:]:
        print("  " + line.strip())


def with_seed(options: SolveOptions, seed: int) -> SolveOptions:
    return dataclasses.replace(options, seed=seed)


def in_process(seeds: list[int]) -> None:
    treaty = load_treaty()
    base = load_scenario(treaty=treaty)
    stages: dict[str, list[float]] = {name: [] for name in (*STAGES, "write", "total")}
    for seed in seeds:
        solver = base.solver
        scenario = base.replace(
            solver=dataclasses.replace(
                solver,
                allocation=with_seed(solver.allocation, seed),
                schedule=with_seed(solver.schedule, seed),
                routes=with_seed(solver.routes, seed),
            )
        )
        began = time.perf_counter()
        plan = plan_year(scenario, treaty=treaty)
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            plan.write(Path(folder) / "out")
            written = time.perf_counter() - started
        total = time.perf_counter() - began
        for name in STAGES:
            stages[name].append(plan.timings[name])
        stages["write"].append(written)
        stages["total"].append(total)
        report(seed, plan, total)
    print("\nstage times over seeds " + ", ".join(map(str, seeds)) + ":")
    for name, times in stages.items():
        print(f"  {name:18} {summary(times)}")


def report(seed: int, plan: AnnualPlan, total: float) -> None:
    allocation, calendar = plan.allocation, plan.schedule
    objective = {k: str(v) for k, v in allocation.objective.items()}
    bound = {k: str(v) for k, v in allocation.bound.items()}
    routed = [r.plan for r in plan.routes if r.plan is not None and r.route is not None]
    value = sum(p.value for p in routed)
    ceiling = sum(p.bound for p in routed)
    proven = sum(p.status.value == "optimal" for p in routed)
    print(f"\nseed {seed}: {total:.1f} s in-process")
    print(
        f"  allocation {allocation.status.value}: objective {objective}, bound {bound}"
    )
    print(
        f"  schedule {calendar.status.value}: objective {calendar.objective}, "
        f"bound {calendar.bound}"
    )
    print(
        f"  routes: {dict(plan.summary.routes)}; value {value:g} of bound "
        f"{ceiling:g}; {proven} of {len(routed)} proven optimal; median "
        f"{statistics.median(p.runtime_s for p in routed):.2f} s per route"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run of each")
    args = parser.parse_args()
    command_line(1 if args.quick else 3)
    in_process([0] if args.quick else [0, 1, 2])


if __name__ == "__main__":
    main()
