"""Benchmark the planner at scale: 1,000 and 10,000 sites over all of Russia.

Site generator (:func:`make_sites`, seed ``--seed``, default 0): 90 % of the
sites uniformly by area inside Russia's territory (land + 12 nmi, whole
country, both sides of the antimeridian), 10 % uniformly by area in the box
19-60 E, 40-72 N around its western borders (some in Russia, some in
neighbouring states, in the 10 km border zone or in restricted areas);
values 1-10 uniform integers.  Start and end Kubinka (UUMB), observer DEU,
date 2019-06-01, reading "treaty", 5,500 km maximum flight distance.

It prints, for ``--sites`` (default 1,000): the time to the first legal
route (``plan_route`` with ``--first-limit``, default 0.05 s, warm caches)
and its value, the value at 10 s and at 60 s and their ratio; for
``--big`` sites (default 10,000): time, value and peak memory
(``resource.getrusage`` ``ru_maxrss``, of the whole process).  Every route is
checked with ``check_route``; an illegal route raises.

Usage::

    python benchmarks/bench_planner_scale.py [--sites 1000] [--big 10000]
        [--seed 0] [--long 60] [--mid 10] [--big-limit 20]
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


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--big", type=int, default=10000, help="0: skip")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--first-limit", type=float, default=0.05, help="[s]")
    parser.add_argument("--mid", type=float, default=10.0, help="[s]")
    parser.add_argument("--long", type=float, default=60.0, help="[s]; 0: skip")
    parser.add_argument("--big-limit", type=float, default=20.0, help="[s]")
    args = parser.parse_args(argv)
    view = load_treaty().as_of(DAY)
    print(
        f"sites over {OBSERVED} (make_sites, seed {args.seed}), from {START} on "
        f"{DAY}, observer {OBSERVER}"
    )
    if args.sites:
        sites = make_sites(view, args.sites, args.seed)
        cold, t_cold = plan(view, sites, args.first_limit, args.seed)
        print(_line(f"{args.sites} sites, first route (cold caches)", cold, t_cold))
        first, t_first = plan(view, sites, args.first_limit, args.seed)
        print(_line(f"{args.sites} sites, first route (warm)", first, t_first))
        mid, t_mid = plan(view, sites, args.mid, args.seed)
        print(_line(f"{args.sites} sites, limit {args.mid:g} s", mid, t_mid))
        if args.long:
            far, t_far = plan(view, sites, args.long, args.seed)
            print(_line(f"{args.sites} sites, limit {args.long:g} s", far, t_far))
            ratio = mid.value / far.value if far.value else float("nan")
            print(f"value at {args.mid:g} s / value at {args.long:g} s: {ratio:.5f}")
    if args.big:
        sites = make_sites(view, args.big, args.seed)
        big, t_big = plan(view, sites, args.big_limit, args.seed)
        print(_line(f"{args.big} sites, limit {args.big_limit:g} s", big, t_big))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        print(f"peak memory (ru_maxrss, whole process): {peak:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
