"""Benchmark the planner at scale: 1,000 and 10,000 sites over all of Russia.

Site generator (:func:`make_sites`, one site set per seed of ``--seeds``,
default 0 1 2; the seed also seeds the planner): 90 % of the
sites uniformly by area inside Russia's territory (land + 12 nmi, whole
country, both sides of the antimeridian), 10 % uniformly by area in the box
19-60 E, 40-72 N around its western borders (some in Russia, some in
neighbouring states, in the 10 km border zone or in restricted areas);
values 1-10 uniform integers.  Start and end Kubinka (UUMB), observer DEU,
date 2019-06-01, reading "treaty", 5,500 km maximum flight distance.

It prints, for ``--sites`` (default 1,000) and each seed (case): the time to
the first legal route (``plan_route`` with ``--first-limit``, default 0.05 s;
cold caches for the first case only, then warm) and its value, the value at
10 s and at 60 s and their ratio, then the minimum ratio over the cases; for
``--big`` sites (default 10,000, first seed): time, value and peak memory
(``resource.getrusage`` ``ru_maxrss``, of the whole process).  Every route is
checked with ``check_route``; an illegal route raises.

Usage::

    python benchmarks/bench_planner_scale.py [--sites 1000] [--big 10000]
        [--seeds 0 1 2] [--long 60] [--mid 10] [--big-limit 20]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import geopandas as gpd
import numpy as np
import shapely

from openskies import SolveOptions, TreatyView, load_treaty
from openskies.routing.planner import RoutePlan, plan_route
from openskies.rules.legality import check_route

DAY = "2019-06-01"
START = "UUMB"
OBSERVER, OBSERVED = "DEU", "RUS"
_OUTSIDE_SHARE = 0.1
_BORDER_BOX = (19.0, 40.0, 60.0, 72.0)


def _uniform(
    rng: np.random.Generator, box: tuple[float, float, float, float], size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Points uniform by area (on the sphere) in a lon/lat box."""
    west, south, east, north = box
    low, high = np.sin(np.radians(south)), np.sin(np.radians(north))
    lon = rng.uniform(west, east, size)
    lat = np.degrees(np.arcsin(rng.uniform(low, high, size)))
    return lon, lat


def make_sites(view: TreatyView, count: int, seed: int) -> gpd.GeoDataFrame:
    """Return ``count`` sites over Russia (see the module docstring)."""
    rng = np.random.default_rng(seed)
    territory = view.treaty.state_territory(OBSERVED)
    shapely.prepare(territory)
    inside = count - round(_OUTSIDE_SHARE * count)
    lon: list[float] = []
    lat: list[float] = []
    while len(lon) < inside:
        x, y = _uniform(rng, (-180.0, 40.0, 180.0, 82.0), 20000)
        keep = shapely.contains_xy(territory, x, y)
        lon.extend(x[keep].tolist())
        lat.extend(y[keep].tolist())
    lon, lat = lon[:inside], lat[:inside]
    x, y = _uniform(rng, _BORDER_BOX, count - inside)
    lon.extend(x.tolist())
    lat.extend(y.tolist())
    return gpd.GeoDataFrame(
        {"value": rng.integers(1, 11, count)},
        index=[f"site{k:05d}" for k in range(count)],
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )


def plan(
    view: TreatyView, sites: gpd.GeoDataFrame, limit_s: float, seed: int
) -> tuple[RoutePlan, float]:
    """Plan, check the route with ``check_route``; return plan and wall time."""
    t0 = time.perf_counter()
    found = plan_route(
        view,
        observer=OBSERVER,
        observed=OBSERVED,
        start=START,
        sites=sites,
        options=SolveOptions(time_limit_s=limit_s, seed=seed),
    )
    elapsed = time.perf_counter() - t0
    if found.route is None:
        raise AssertionError(f"no route: {found.reason}")
    report = check_route(view, found.route, observer=OBSERVER, observed=OBSERVED)
    if not report.legal:
        raise AssertionError([v.message for v in report.binding])
    return found, elapsed


def _line(name: str, found: RoutePlan, elapsed: float) -> str:
    return (
        f"{name}: {elapsed:.2f} s, value {found.value:g} (bound {found.bound:g}), "
        f"{len(found.visited)} visited, {len(found.unreachable)} unreachable, "
        f"{found.distance_km:,.0f} / {found.max_distance_km:,.0f} km"
    )


def run_case(
    view: TreatyView, count: int, seed: int, args: argparse.Namespace
) -> float:
    """Plan one site set (seed ``seed``); print its figures; return the ratio.

    The ratio is the value at ``args.mid`` seconds over the value at
    ``args.long`` seconds (NaN when ``args.long`` is 0 or the value is 0).
    """
    sites = make_sites(view, count, seed)
    head = f"{count} sites, seed {seed}"
    first, t_first = plan(view, sites, args.first_limit, seed)
    print(_line(f"{head}, first route", first, t_first))
    mid, t_mid = plan(view, sites, args.mid, seed)
    print(_line(f"{head}, limit {args.mid:g} s", mid, t_mid))
    if not args.long:
        return float("nan")
    far, t_far = plan(view, sites, args.long, seed)
    print(_line(f"{head}, limit {args.long:g} s", far, t_far))
    ratio = mid.value / far.value if far.value else float("nan")
    print(
        f"{head}: value {mid.value:g} at {args.mid:g} s, {far.value:g} at "
        f"{args.long:g} s, ratio {ratio:.5f}"
    )
    return ratio


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--big", type=int, default=10000, help="0: skip")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--first-limit", type=float, default=0.05, help="[s]")
    parser.add_argument("--mid", type=float, default=10.0, help="[s]")
    parser.add_argument("--long", type=float, default=60.0, help="[s]; 0: skip")
    parser.add_argument("--big-limit", type=float, default=20.0, help="[s]")
    args = parser.parse_args(argv)
    view = load_treaty().as_of(DAY)
    print(
        f"sites over {OBSERVED} (make_sites, seeds {args.seeds}), from {START} on "
        f"{DAY}, observer {OBSERVER}; the first case's first route runs on cold caches"
    )
    if args.sites:
        ratios = [run_case(view, args.sites, seed, args) for seed in args.seeds]
        if args.long:
            print(f"minimum ratio over {len(ratios)} cases: {min(ratios):.5f}")
    if args.big:
        sites = make_sites(view, args.big, args.seeds[0])
        big, t_big = plan(view, sites, args.big_limit, args.seeds[0])
        print(_line(f"{args.big} sites, limit {args.big_limit:g} s", big, t_big))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        print(f"peak memory (ru_maxrss, whole process): {peak:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
