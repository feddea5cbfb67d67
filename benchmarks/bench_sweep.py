"""Benchmark scale-out on Dask: a what-if sweep, and check_routes on many routes.

1. **Sweep**: ``--variants`` (default 8) variants of a scenario (the bundled
   illustrative 2020 one by default, with its routes): the solver seed, the
   objective and the reading of disputed restrictions in turn.  Planned in this
   process (``client="synchronous"``), then on a ``LocalCluster`` of 1 and of 2
   single-threaded worker processes.  Prints the wall time of each, the
   speed-up of 2 workers over 1 and over in-process, and checks that every
   run gives the same rows (all but the runtime).
2. **check_routes**: ``--routes`` (default 1,000,000) random 20-waypoint routes
   (those of ``bench_legality.py``), checked eagerly in this process, then as a
   ``dask_geopandas.GeoDataFrame`` of ``--partitions`` partitions on 1 and 2
   workers.  Prints routes/s, routes/s per worker, and checks that the verdicts
   equal the eager call's.
3. **reachable_area**: the part of Russia that out-and-back missions from
   Kubinka (UUMB) reach at ``--resolution`` km, in this process and with its
   grid legs spread over 1 and 2 workers; prints the times, the speed-up and
   whether the areas are equal.

The clusters are those :func:`openskies.clients.local_cluster` makes for
``sweep(client=None)``: single-threaded worker processes that import openskies
when they start (like ``dask worker --preload``), as this script's own process
has before it starts its clock.
Times include Dask's overheads: starting the cluster is not counted, but sending
the scenarios and the treaty (once per worker) is; the routes are shipped to the
workers before the check and that time is printed apart (on a real cluster they
are read where they are checked); each worker builds its rules and cells on a
few thousand routes before the clock starts (about 5 s), as the eager call does
in this process, and only the verdict
columns come back to this process (the routes stay on the workers).
On a machine shared with other jobs the speed-ups are disturbed: the script
prints the CPU count and the load average so that readers can judge.

Usage::

    python benchmarks/bench_sweep.py [--variants 8] [--routes 1000000]
        [--partitions 16] [--resolution 15] [--skip-sweep] [--skip-routes]
        [--skip-reach]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import pandas as pd
from distributed import wait

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_legality import make_routes

from openskies import check_routes, load_scenario, load_treaty, reachable_area, sweep
from openskies.clients import local_cluster
from openskies.rules.batch import CELLS_FROM_ROUTES


def variants(count: int) -> list[dict]:
    """Return ``count`` variants: seeds, objectives and readings in turn."""
    objectives = ("fair", "weighted", "total")
    readings = ("treaty", "observed-party")
    return [
        {
            "solver": {"seed": n},
            "objective": objectives[n % 3],
            "routes": {"reading": readings[n % 2]},
        }
        for n in range(count)
    ]


def same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    return a.drop(columns="runtime_s").equals(b.drop(columns="runtime_s"))


def bench_sweep(count: int, scenario_path: str | None) -> None:
    treaty = load_treaty()
    scenario = load_scenario(scenario_path, treaty=treaty)
    chosen = variants(count)
    print(f"sweep: {count} variants of {scenario.source}")
    began = time.perf_counter()
    local = sweep(scenario, chosen, client="synchronous", treaty=treaty)
    times = {"in-process": time.perf_counter() - began}
    print(
        f"  in-process: {times['in-process']:.1f} s "
        f"(statuses: {dict(local['status'].value_counts())})"
    )
    for workers in (1, 2):
        with local_cluster(workers) as client:
            began = time.perf_counter()
            frame = sweep(scenario, chosen, client=client, treaty=treaty)
            times[f"{workers} workers"] = time.perf_counter() - began
        print(
            f"  {workers} worker(s): {times[f'{workers} workers']:.1f} s; "
            f"rows equal to in-process: {same(frame, local)}"
        )
    print(
        f"  speed-up, 2 workers over 1: "
        f"{times['1 workers'] / times['2 workers']:.2f}x; "
        f"over in-process: {times['in-process'] / times['2 workers']:.2f}x"
    )


def bench_routes(count: int, partitions: int) -> None:
    import dask_geopandas

    treaty = load_treaty()
    view = treaty.as_of("2019-06-01")
    print(f"check_routes: {count:,} routes, {partitions} partitions")
    routes = make_routes(count, 0)
    warm = routes.iloc[: CELLS_FROM_ROUTES + 1]  # enough to build rules and cells
    check_routes(view, warm)
    began = time.perf_counter()
    eager = check_routes(view, routes)
    seconds = time.perf_counter() - began
    print(f"  eager, in-process: {seconds:.1f} s = {count / seconds:,.0f} routes/s")
    lazy_input = dask_geopandas.from_geopandas(routes, npartitions=partitions)
    columns = list(eager.columns[-7:])
    for workers in (1, 2):
        with local_cluster(workers) as client:
            # ship the routes to the workers first (on a real cluster they are
            # read there, e.g. with dask_geopandas.read_parquet)
            began = time.perf_counter()
            held = client.persist(lazy_input)
            wait(held)
            shipped = time.perf_counter() - began
            # build the rules and cells once per worker, as for the eager call
            client.run(check_routes, view, warm)
            began = time.perf_counter()
            result = check_routes(view, held)[columns].compute()
            seconds = time.perf_counter() - began
        equal = result[columns].equals(eager[columns])
        print(
            f"  dask, {workers} worker(s): routes shipped in {shipped:.1f} s, "
            f"checked in {seconds:.1f} s = {count / seconds:,.0f} routes/s, "
            f"{count / seconds / workers:,.0f} routes/s per worker; "
            f"verdicts equal to eager: {equal}"
        )


def bench_reach(resolution: float) -> None:
    view = load_treaty().as_of("2019-06-01")
    print(f"reachable_area: RUS from UUMB at {resolution:g} km")
    args = (view, "RUS", "UUMB")
    began = time.perf_counter()
    here = reachable_area(*args, resolution_km=resolution, time_limit_s=3600)
    times = {0: time.perf_counter() - began}
    print(f"  in-process: {times[0]:.1f} s, {here.area_km2:,.0f} km2")
    for workers in (1, 2):
        with local_cluster(workers) as client:
            began = time.perf_counter()
            there = reachable_area(
                *args, resolution_km=resolution, time_limit_s=3600, client=client
            )
            times[workers] = time.perf_counter() - began
        print(
            f"  {workers} worker(s): {times[workers]:.1f} s; "
            f"area equal to in-process: {there.area_km2 == here.area_km2}"
        )
    print(
        f"  speed-up, 2 workers over 1: {times[1] / times[2]:.2f}x; "
        f"over in-process: {times[0] / times[2]:.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=8)
    parser.add_argument("--scenario", default=None, help="default: bundled 2020")
    parser.add_argument("--routes", type=int, default=1_000_000)
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--skip-sweep", action="store_true")
    parser.add_argument("--skip-routes", action="store_true")
    parser.add_argument("--resolution", type=float, default=15.0)
    parser.add_argument("--skip-reach", action="store_true")
    args = parser.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"{os.cpu_count()} CPUs; load average {load} (shared machine: "
        "speed-ups are disturbed by other jobs)"
    )
    if not args.skip_sweep:
        bench_sweep(args.variants, args.scenario)
    if not args.skip_routes:
        bench_routes(args.routes, args.partitions)
    if not args.skip_reach:
        bench_reach(args.resolution)


if __name__ == "__main__":
    main()
