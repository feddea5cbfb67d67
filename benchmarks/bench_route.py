"""Benchmark route planning: 200 sites over Russia from Kubinka (UUMB).

Instance (one per seed): 200 sites sampled uniformly by area inside Russia's
territory (land + 12 nmi) and within 2,750 km of Kubinka -- half the 5,500 km
maximum flight distance of 2019, so that every site could be flown out and back
if the straight legs were legal -- with values 1-10; observer DEU, date
2019-06-01 (Russia and Belarus one party; KGD-500 and GEO-10KM in force,
disputed), real territories and restrictions.

Per seed it measures:

* **first legal route**: ``plan_route`` with a 0.05 s time limit, so that the
  search stops at its first local optimum; *cold* with the planner's and the
  legality rules' caches cleared (``load_treaty`` excluded), then *warm*;
* **plan at the time limit** (``--time-limit``, default 5 s): value, bound,
  status, observation length, sites visited / covered / unreachable;
* **PyVRP** (optional, when ``import pyvrp`` works; not a dependency): its
  prize-collecting solver on the planner's own distances (metres rounded up,
  budget rounded down, prizes dominating length) with the same time limit;
  its tour is expanded into a route exactly like the planner's and checked by
  ``check_route``.

Every route is checked by ``check_route`` and its observation length by
summing geodesic legs; a wrong verdict raises.

Usage::

    python benchmarks/bench_route.py [--runs 3] [--sites 200] [--time-limit 5]
        [--reading treaty|observed-party] [--no-pyvrp]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from _timing import summary  # noqa: E402

from openskies import SolveOptions, TreatyView, load_treaty  # noqa: E402
from openskies.geo.geodesy import geodesic_km  # noqa: E402
from openskies.routing.planner import RoutePlan, _problem, plan_route  # noqa: E402
from openskies.rules.legality import check_route  # noqa: E402

DAY = "2019-06-01"
START = "UUMB"
OBSERVER, OBSERVED = "DEU", "RUS"
FIRST_LIMIT_S = 0.05


def make_sites(view: TreatyView, count: int, seed: int) -> gpd.GeoDataFrame:
    """Sample ``count`` sites uniformly by area in Russia within reach of Kubinka."""
    rng = np.random.default_rng(seed)
    kubinka = view.airfield(START)
    radius = kubinka.max_distance_km / 2.0
    territory = view.treaty.state_territory("RUS")
    shapely.prepare(territory)
    lon: list[float] = []
    lat: list[float] = []
    low, high = np.sin(np.radians(30.0)), np.sin(np.radians(82.0))
    while len(lon) < count:
        x = rng.uniform(-20.0, 100.0, 4000)
        y = np.degrees(np.arcsin(rng.uniform(low, high, 4000)))
        keep = shapely.contains_xy(territory, x, y)
        keep &= geodesic_km(kubinka.lon, kubinka.lat, x, y) <= radius
        lon.extend(x[keep].tolist())
        lat.extend(y[keep].tolist())
    return gpd.GeoDataFrame(
        {"value": rng.integers(1, 11, count)},
        index=[f"site{k:03d}" for k in range(count)],
        geometry=gpd.points_from_xy(lon[:count], lat[:count]),
        crs="EPSG:4326",
    )


def clear_caches() -> None:
    """Forget every cached geometry of the planner and of the legality rules."""
    from openskies.routing import free_space as _free_space
    from openskies.rules import registry as _legality_rules

    _free_space._FREE_SPACES.clear()
    for name in ("_rule_set", "neighbour_buffer", "_border_zone"):
        getattr(_legality_rules, name).cache_clear()
    _legality_rules._corridor.cache_clear()


def verify(view: TreatyView, plan: RoutePlan) -> None:
    """Check a plan's route independently; raise if it is illegal or too long."""
    if plan.route is None:
        raise AssertionError(f"no route: {plan.reason}")
    report = check_route(
        view, plan.route, observer=OBSERVER, observed=OBSERVED, reading=plan.reading
    )
    if not report.legal:
        raise AssertionError([v.message for v in report.binding])
    way = np.asarray(plan.route.waypoints)
    legs = geodesic_km(way[:-1, 0], way[:-1, 1], way[1:, 0], way[1:, 1])
    length = float(legs[~np.asarray(plan.route.transit)].sum())
    if length > plan.max_distance_km + 1e-6:
        raise AssertionError(f"{length} km > {plan.max_distance_km} km")


def run_planner(
    view: TreatyView,
    sites: gpd.GeoDataFrame,
    limit_s: float,
    seed: int,
    reading: str,
) -> tuple[RoutePlan, float, float]:
    """Plan and verify; return the plan, wall-clock and CPU time [s]."""
    start, cpu = time.perf_counter(), time.process_time()
    plan = plan_route(
        view,
        observer=OBSERVER,
        observed=OBSERVED,
        start=START,
        sites=sites,
        reading=reading,
        options=SolveOptions(time_limit_s=limit_s, seed=seed),
    )
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    verify(view, plan)
    return plan, elapsed, cpu


def run_pyvrp(
    view: TreatyView,
    sites: gpd.GeoDataFrame,
    limit_s: float,
    seed: int,
    reading: str,
) -> dict[str, Any]:
    """PyVRP 0.14 on the planner's instance: optional clients with prizes."""
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    problem = _problem(
        view,
        observer=OBSERVER,
        observed=OBSERVED,
        start=START,
        sites=sites,
        date=None,
        end=None,
        swath_km=25.0,
        reading=reading,
        transit=True,
        options=None,
    )
    inst = problem.prepare()
    cap = math.floor(problem.limit * 1000.0)
    legs = np.where(
        np.isfinite(inst.matrix), np.ceil(inst.matrix * 1000.0), cap + 1
    ).astype(np.int64)
    model = Model()
    locations = [model.add_location(x=0, y=0) for _ in inst.members]
    depot = model.add_depot(locations[0])
    for loc, score in zip(locations[1:], inst.score[1:], strict=True):
        model.add_client(loc, prize=int(score) * (cap + 1), required=False)
    model.add_vehicle_type(
        num_available=1, start_depot=depot, end_depot=depot, max_distance=cap
    )
    for i, a in enumerate(locations):
        for j, b in enumerate(locations):
            if i != j:
                model.add_edge(a, b, distance=int(legs[i, j]))
    start = time.perf_counter()
    result = model.solve(stop=MaxRuntime(limit_s), seed=seed, display=False)
    elapsed = time.perf_counter() - start
    routes = result.best.routes()
    # clients are numbered from 0 after the depot, node 0
    visits = [1 + int(a.idx) for a in routes[0] if a.is_client()] if routes else []
    order = [0, *visits, 0]
    value = float(inst.score[order].sum())
    checked = problem.route_of(inst, order) if len(order) > 2 else None
    legal = checked is not None and checked[1].legal
    return {
        "value": value,
        "time": elapsed,
        "feasible": bool(result.best.is_feasible()),
        "legal": legal,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures; return 0 (a wrong route raises)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="seeds 0.. (instances)")
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--time-limit", type=float, default=5.0, help="[s]")
    parser.add_argument(
        "--reading", choices=("treaty", "observed-party"), default="treaty"
    )
    parser.add_argument("--no-pyvrp", action="store_true", help="skip PyVRP")
    args = parser.parse_args(argv)
    pyvrp = not args.no_pyvrp
    if pyvrp:
        try:
            import pyvrp as _pyvrp  # noqa: F401
        except ImportError:
            pyvrp = False
    view = load_treaty().as_of(DAY)
    cold, warm, cold_cpu, warm_cpu, full, rival = [], [], [], [], [], []
    print(
        f"{args.sites} sites over RUS from {START} on {DAY}, observer {OBSERVER}, "
        f"reading {args.reading}; limit {view.airfield(START).max_distance_km:,.0f} km"
    )
    for seed in range(args.runs):
        sites = make_sites(view, args.sites, seed)
        clear_caches()
        first, t_cold, c_cold = run_planner(
            view, sites, FIRST_LIMIT_S, seed, args.reading
        )
        again, t_warm, c_warm = run_planner(
            view, sites, FIRST_LIMIT_S, seed, args.reading
        )
        best, t_full, _ = run_planner(view, sites, args.time_limit, seed, args.reading)
        cold.append(t_cold)
        warm.append(t_warm)
        cold_cpu.append(c_cold)
        warm_cpu.append(c_warm)
        full.append(best.value)
        print(
            f"seed {seed}: first legal route {t_cold:.3f} s cold (cpu {c_cold:.3f}), "
            f"{t_warm:.3f} s warm (cpu {c_warm:.3f}), value {first.value:g} and "
            f"{again.value:g}; after {t_full:.2f} s: "
            f"value {best.value:g}, bound {best.bound:g}, {best.status.value}, "
            f"{best.distance_km:,.0f} km, {len(best.visited)} visited, "
            f"{len(best.covered)} covered, {len(best.unreachable)} unreachable"
        )
        if pyvrp:
            found = run_pyvrp(view, sites, args.time_limit, seed, args.reading)
            rival.append(found)
            print(
                f"        PyVRP after {found['time']:.2f} s: value {found['value']:g}, "
                f"feasible {found['feasible']}, route legal {found['legal']}"
            )
    print(f"first legal route, cold: {summary(cold)}")
    print(f"                    cpu: {summary(cold_cpu)}")
    print(f"first legal route, warm: {summary(warm)}")
    print(f"                    cpu: {summary(warm_cpu)}")
    print(
        f"value after {args.time_limit:g} s: median {statistics.median(full):g}  "
        f"min {min(full):g}  max {max(full):g}"
    )
    if rival:
        values = [r["value"] for r in rival]
        print(
            f"PyVRP value after {args.time_limit:g} s: median "
            f"{statistics.median(values):g}  min {min(values):g}  max {max(values):g}; "
            f"legal {sum(r['legal'] for r in rival)}/{len(rival)}"
        )
    else:
        print("PyVRP: not installed (pip install pyvrp to compare)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
