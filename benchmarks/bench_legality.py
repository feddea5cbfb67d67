"""Benchmark route legality: check_routes (vectorised) against a check_route loop.

Random 20-waypoint routes over RUS, USA and DEU (a third each): random walks
that start at a random Open Skies airfield of the observed party, take 18 legs
of random bearing and length (RUS 100-450 km, USA 80-350 km, DEU 20-90 km) and
return to the start, observed on one of three dates (2012, 2015, 2019).  About
a fifth to a half are legal; the others break the territory, distance, border
or restriction rules, so every check does real work.

``check_routes`` runs on all routes; the ``check_route`` loop runs on a sample
(``--loop-sample``, default 2,000) and its rate is routes per second over the
sample.  The verdicts of the two are compared on the sample (legal flag and the
binding and non-binding rule ids).

The same run times the naive check a GIS user would write: a GEOS prepared
``covers()`` of the observed territory over the raw (undensified) route lines
(wrong on the ellipsoid, and blind to every rule but the territory), and prints
its routes/s beside those of ``check_routes`` and their ratio.  ``--observed
RUS`` keeps only the long routes over Russia.

Usage::

    python benchmarks/bench_legality.py [--routes 100000] [--runs 3] [--seed 0]
        [--observed RUS]
"""

from __future__ import annotations

import argparse
import statistics
import time

import geopandas as gpd
import numpy as np
import shapely

from openskies import load_treaty
from openskies.geo.geodesy import wgs84
from openskies.rules.batch import check_routes
from openskies.rules.legality import check_route
from openskies.treaty.model import TreatyView

# observed party, observer, leg length range [km], airfields to start from
SETUPS = (
    ("RUS", "USA", (100.0, 450.0), ("UUMB", "UIUU", "UHMM", "UUYW")),
    ("USA", "RUS", (80.0, 350.0), ("KIAD", "KSUU", "KLNK", "PAED")),
    ("DEU", "RUS", (20.0, 90.0), ("ETNW", "ETSA")),
)
DATES = ("2012-06-01", "2015-06-01", "2019-06-01")
WAYPOINTS = 20


def make_routes(
    count: int, seed: int, observed_only: str | None = None
) -> gpd.GeoDataFrame:
    """Return ``count`` random closed routes as a GeoDataFrame.

    ``observed_only``: keep only the setup of that observed party.
    """
    treaty = load_treaty()
    view = treaty.as_of("2019-06-01")
    rng = np.random.default_rng(seed)
    geod = wgs84()
    setups = [s for s in SETUPS if observed_only in (None, s[0])]
    setup = rng.integers(0, len(setups), count)
    frames = []
    for which, (observed, observer, (low, high), fields) in enumerate(setups):
        rows = np.flatnonzero(setup == which)
        airfields = [view.airfield(f) for f in fields]
        pick = rng.integers(0, len(airfields), rows.size)
        lon0 = np.array([airfields[i].lon for i in pick])
        lat0 = np.array([airfields[i].lat for i in pick])
        lons, lats = [lon0], [lat0]
        for _ in range(WAYPOINTS - 2):
            lon, lat, _ = geod.fwd(
                lons[-1],
                lats[-1],
                rng.uniform(0.0, 360.0, rows.size),
                rng.uniform(low, high, rows.size) * 1000.0,
            )
            lons.append(np.asarray(lon))
            lats.append(np.asarray(lat))
        lons.append(lon0)
        lats.append(lat0)
        coords = np.stack((np.stack(lons, 1), np.stack(lats, 1)), axis=2)
        frames.append(
            gpd.GeoDataFrame(
                {
                    "observer": observer,
                    "observed": observed,
                    "date": rng.choice(DATES, rows.size),
                },
                geometry=shapely.linestrings(coords),
                index=rows,
                crs=4326,
            )
        )
    return gpd.GeoDataFrame(
        gpd.pd.concat(frames).sort_index(), geometry="geometry", crs=4326
    )


def naive_rate(view: TreatyView, routes: gpd.GeoDataFrame, runs: int) -> float:
    """Return the median routes/s of a prepared ``covers()`` of the raw lines.

    One call per observed party over its routes' undensified lines, against the
    prepared territory (the GIS user's check; territory rule only).
    """
    lines = np.asarray(routes.geometry.array, dtype=object)
    observed = routes["observed"].to_numpy()
    territories = {}
    for code in np.unique(observed):
        territories[code] = view.territory(code)
        shapely.prepare(territories[code])
    rates = []
    for _ in range(runs):
        started = time.perf_counter()
        for code, territory in territories.items():
            shapely.covers(territory, lines[observed == code])
        rates.append(len(routes) / (time.perf_counter() - started))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routes", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--loop-sample", type=int, default=2_000)
    parser.add_argument(
        "--observed", choices=[s[0] for s in SETUPS], help="one observed party only"
    )
    args = parser.parse_args()

    treaty = load_treaty()
    view = treaty.as_of("2019-06-01")
    routes = make_routes(args.routes, args.seed, args.observed)
    check_routes(view, routes.iloc[:300])  # build and cache the rule sets once
    times, cpu = [], []
    for _ in range(args.runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = check_routes(view, routes)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    rates = [args.routes / t for t in times]
    naive = naive_rate(view, routes, args.runs)
    print(
        f"check_routes: {args.routes:,} routes, {args.runs} runs: "
        f"median {statistics.median(rates):,.0f} routes/s "
        f"(min {min(rates):,.0f}, max {max(rates):,.0f}); "
        f"median time {statistics.median(times):.2f} s"
    )
    # on a shared machine wall time includes waiting for the CPU
    print(
        f"  CPU time: median {statistics.median(cpu):.2f} s per run = "
        f"{args.routes / statistics.median(cpu):,.0f} routes per CPU second"
    )
    print(
        f"naive prepared covers() of the raw lines: {naive:,.0f} routes/s; "
        f"check_routes / naive = {statistics.median(rates) / naive:.2f}"
    )
    print(f"  legal: {int(result['legal'].sum()):,} of {args.routes:,}")
    counts = result["violations"].explode().value_counts()
    print(
        "  binding violations by rule: "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items())
    )
    found = result["findings"].explode().value_counts()
    print(
        "  non-binding findings: " + ", ".join(f"{k} {v:,}" for k, v in found.items())
    )

    sample = routes.iloc[: args.loop_sample]
    started, started_cpu = time.perf_counter(), time.process_time()
    reports = [
        check_route(
            view,
            row.geometry,
            observer=row.observer,
            observed=row.observed,
            date=row.date,
        )
        for row in sample.itertuples()
    ]
    loop_time = time.perf_counter() - started
    loop_cpu = time.process_time() - started_cpu
    loop_rate = len(sample) / loop_time
    print(
        f"check_route loop: {len(sample):,} routes in {loop_time:.2f} s: "
        f"{loop_rate:,.0f} routes/s ({len(sample) / loop_cpu:,.0f} per CPU second)"
    )
    print(
        f"speed-up: {statistics.median(rates) / loop_rate:,.1f}x wall, "
        f"{(args.routes / statistics.median(cpu)) / (len(sample) / loop_cpu):,.1f}x CPU"
    )
    agree = sum(
        (
            report.legal,
            tuple(v.rule for v in report.binding),
            tuple(v.rule for v in report.findings),
        )
        == (row.legal, row.violations, row.findings)
        for report, row in zip(
            reports, result.iloc[: args.loop_sample].itertuples(), strict=True
        )
    )
    print(f"verdict agreement: {agree:,} of {len(sample):,} routes")
    print(
        "targets: check_routes >= 20,000 routes/s and >= 20x the loop: "
        f"{'met' if statistics.median(rates) >= 20_000 else 'NOT met'} / "
        f"{'met' if statistics.median(rates) >= 20 * loop_rate else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
