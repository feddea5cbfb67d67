"""Benchmark the foundation: import time, loading, point-in-territory throughput.

Run: python benchmarks/bench_load.py [--repeat 5]

Targets (issue 2, on a 2-core machine): ``import openskies`` < 0.3 s;
``load_treaty()`` plus every territory < 1 s; >= 3 million point-in-territory
tests per second against RUS.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import summary, timed

LOAD = (
    "import time; t = time.perf_counter(); import openskies; "
    "from openskies.treaty.loading import load_treaty; t1 = time.perf_counter(); "
    "treaty = load_treaty(); view = treaty.as_of('2019-06-01'); "
    "[treaty.state_territory(c) for c in treaty.territory_codes]; "
    "[view.territory(p.code) for p in view.parties]; "
    "print(t1 - t, time.perf_counter() - t1)"
)


def fresh_process_times(repeat: int) -> tuple[list[float], list[float]]:
    """Time import and load in fresh interpreters (no warm caches)."""
    imports, loads = [], []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", LOAD], check=True, capture_output=True, text=True
        ).stdout.split()
        imports.append(float(out[0]))
        loads.append(float(out[1]))
    return imports, loads


def point_throughput(repeat: int, n: int = 1_000_000) -> list[float]:
    """Return points/s of vectorised containment tests against RUS."""
    import shapely

    from openskies import load_treaty

    territory = load_treaty().state_territory("RUS")
    shapely.prepare(territory)
    rng = np.random.default_rng(0)
    lon = rng.uniform(20, 180, n)
    lat = rng.uniform(40, 80, n)
    rates = []
    for _ in range(repeat):
        inside, seconds = timed(lambda: shapely.contains_xy(territory, lon, lat))
        rates.append(n / seconds)
    print(f"  share of random points inside RUS: {inside.mean():.3f}")
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    imports, loads = fresh_process_times(args.repeat)
    print(f"import openskies                        {summary(imports)}  target < 0.3 s")
    print(f"load_treaty() + every territory + unions {summary(loads)}  target < 1 s")
    rates = point_throughput(args.repeat)
    print(
        "10^6 points in RUS (contains_xy, prepared): "
        f"median {np.median(rates) / 1e6:.2f} M points/s  min {min(rates) / 1e6:.2f}  "
        f"max {max(rates) / 1e6:.2f}  target >= 3 M/s"
    )


if __name__ == "__main__":
    main()
