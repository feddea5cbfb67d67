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

``--equivalence N`` instead checks exactness: N routes over Russia (long
random walks, walks across the antimeridian and near the pole, and walks
grazing the territory's boundary and the 10 km border zone at offsets of 0 m to
3 km) get the verdicts of ``check_routes`` with cells, of ``check_routes``
densifying every leg (the exact kernel of ``check_route``) and, on a sample
(``--loop-sample``), of ``check_route`` itself; it prints the mismatches.
``--workers W`` runs that ``check_route`` loop on a local Dask cluster of W
single-threaded workers (``--loop-sample N`` then compares all N routes in a
fraction of the time).

Usage::

    python benchmarks/bench_legality.py [--routes 100000] [--runs 3] [--seed 0]
        [--observed RUS] [--equivalence N [--workers W]]
"""

from __future__ import annotations

import argparse
import statistics
import time

import geopandas as gpd
import numpy as np
import pandas as pd
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


# places to walk from: Chukotka on both sides of 180, Franz Josef Land,
# Severnaya Zemlya, Moscow, the Chinese border, Kaliningrad, Georgia
SPOTS = np.array(
    [
        (179.5, 66.5),
        (-179.5, 67.0),
        (55.0, 80.6),
        (98.0, 79.5),
        (36.65, 55.61),
        (127.5, 50.25),
        (20.5, 54.7),
        (42.0, 43.6),
    ]
)
OFFSETS_KM = np.array([0.0, 0.01, 0.1, 0.5, 3.0])


def edge_points(
    edges: list[shapely.Geometry], count: int, rng: np.random.Generator
) -> np.ndarray:
    """Return ``count`` random points on the lines ``edges`` (lon, lat) [deg]."""
    which = rng.integers(0, len(edges), count)
    points = np.empty((count, 2))
    for index, edge in enumerate(edges):
        mine = np.flatnonzero(which == index)
        at = shapely.line_interpolate_point(
            edge, rng.uniform(0.0, 1.0, mine.size), normalized=True
        )
        points[mine] = shapely.get_coordinates(at)
    return points


def hard_routes(view: TreatyView, count: int, seed: int) -> gpd.GeoDataFrame:
    """Return ``count`` routes over Russia near boundaries, 180 deg and the pole.

    A third start at a spot of :data:`SPOTS`, a third on the territory's
    boundary and a third on the border zone's, moved by 0 m to 3 km; each takes
    2-19 legs, short (0.5-30 km, grazing) or long (100-450 km).
    """
    from openskies.rules.registry import rule_set

    rules = rule_set(view, "USA", "RUS")
    rng = np.random.default_rng(seed)
    kind = rng.integers(0, 3, count)
    start = SPOTS[rng.integers(0, len(SPOTS), count)]
    lines = [rules.territory.boundary, rules.border.boundary]
    for index, edge in enumerate(lines, start=1):
        mine = kind == index
        start[mine] = edge_points(list(shapely.get_parts(edge)), int(mine.sum()), rng)
    geod = wgs84()
    lon, lat, _ = geod.fwd(
        start[:, 0],
        start[:, 1],
        rng.uniform(0, 360, count),
        OFFSETS_KM[rng.integers(0, OFFSETS_KM.size, count)] * 1000.0,
    )
    legs = rng.integers(2, WAYPOINTS, count)
    long = rng.random(count) < 0.5
    lons, lats = [np.asarray(lon)], [np.asarray(lat)]
    for _ in range(WAYPOINTS - 1):
        km = np.where(
            long, rng.uniform(100.0, 450.0, count), rng.choice([0.5, 5.0, 30.0], count)
        )
        lon, lat, _ = geod.fwd(lons[-1], lats[-1], rng.uniform(0, 360, count), km * 1e3)
        lons.append(np.asarray(lon))
        lats.append(np.asarray(lat))
    coords = np.stack((np.stack(lons, 1), np.stack(lats, 1)), axis=2)
    geometry = [
        shapely.LineString(c[: n + 1]) for c, n in zip(coords, legs, strict=True)
    ]
    return gpd.GeoDataFrame(
        {
            "observer": "USA",
            "observed": "RUS",
            "date": rng.choice(DATES, count),
        },
        geometry=geometry,
        crs=4326,
    )


def equivalence(
    view: TreatyView, count: int, seed: int, sample: int, workers: int
) -> None:
    """Print the mismatches of check_routes with cells against the exact tests.

    ``workers`` > 1: the ``check_route`` loop on a local Dask cluster.
    """
    routes = pd.concat(
        [
            make_routes(count // 2, seed, "RUS"),
            hard_routes(view, count - count // 2, seed),
        ],
        ignore_index=True,
    )
    started = time.perf_counter()
    fast = check_routes(view, routes, cells=True)
    fast_time = time.perf_counter() - started
    started = time.perf_counter()
    full = check_routes(view, routes, cells=False)
    full_time = time.perf_counter() - started
    columns = ["legal", "violations", "findings", "start_airfield", "end_airfield"]
    differ = ~np.all(
        [fast[c].to_numpy() == full[c].to_numpy() for c in columns], axis=0
    ) | (fast["distance_km"].to_numpy() != full["distance_km"].to_numpy())
    print(
        f"equivalence: {count:,} routes over RUS (half long walks, half near "
        f"boundaries, 180 deg and the pole): {int(differ.sum())} mismatches between "
        f"check_routes with cells ({fast_time:.1f} s) and densifying every leg "
        f"({full_time:.1f} s)"
    )
    print(
        f"  legal: {int(fast['legal'].sum()):,}; violations: "
        + ", ".join(
            f"{k} {v:,}" for k, v in fast["violations"].explode().value_counts().items()
        )
    )
    picked = np.random.default_rng(seed).choice(
        count, min(sample, count), replace=False
    )
    started = time.perf_counter()
    if workers > 1:
        wrong = _disagreements_on_cluster(view, routes, fast, picked, workers)
    else:
        wrong = count_disagreements(view, routes.iloc[picked], fast.iloc[picked])
    print(
        f"  check_route on a sample of {picked.size:,}: {wrong} mismatches "
        f"({time.perf_counter() - started:.1f} s, {max(1, workers)} worker(s))"
    )


def _disagreements_on_cluster(
    view: TreatyView,
    routes: gpd.GeoDataFrame,
    result: gpd.GeoDataFrame,
    picked: np.ndarray,
    workers: int,
) -> int:
    """:func:`count_disagreements` of ``picked`` in pieces on a local cluster."""
    from openskies.clients import local_cluster

    pieces = np.array_split(picked, workers * 8)
    with local_cluster(workers) as client:
        # the view and the routes go to the workers once, not inside the graph
        shared = client.scatter(view, broadcast=True, hash=False)
        futures = client.map(
            count_disagreements,
            [shared] * len(pieces),
            client.scatter([routes.iloc[p] for p in pieces]),
            client.scatter([result.iloc[p] for p in pieces]),
            pure=False,
        )
        return int(sum(client.gather(futures)))


def count_disagreements(
    view: TreatyView, routes: gpd.GeoDataFrame, result: gpd.GeoDataFrame
) -> int:
    """Return on how many routes ``check_route`` disagrees with ``result``.

    Compared: the legal flag and the binding and non-binding rule ids.
    """
    wrong = 0
    for row, got in zip(routes.itertuples(), result.itertuples(), strict=True):
        report = check_route(
            view,
            row.geometry,
            observer=row.observer,
            observed=row.observed,
            date=row.date,
        )
        verdict = (
            report.legal,
            tuple(v.rule for v in report.binding),
            tuple(v.rule for v in report.findings),
        )
        wrong += verdict != (got.legal, got.violations, got.findings)
    return wrong


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
        "--workers", type=int, default=1, help="check_route loop on a local cluster"
    )
    parser.add_argument(
        "--observed", choices=[s[0] for s in SETUPS], help="one observed party only"
    )
    parser.add_argument(
        "--equivalence", type=int, metavar="N", help="check exactness on N routes"
    )
    args = parser.parse_args()

    treaty = load_treaty()
    view = treaty.as_of("2019-06-01")
    if args.equivalence:
        equivalence(view, args.equivalence, args.seed, args.loop_sample, args.workers)
        return
    routes = make_routes(args.routes, args.seed, args.observed)
    # build and cache the rule sets and their cells once
    check_routes(view, routes.iloc[:300], cells=True)
    times, cpu = [], []
    naive_rates = []
    for _ in range(args.runs):  # interleaved with the naive check: same load
        started, started_cpu = time.perf_counter(), time.process_time()
        result = check_routes(view, routes)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        naive_rates.append(naive_rate(view, routes, 1))
    rates = [args.routes / t for t in times]
    naive = statistics.median(naive_rates)
    ratios = [r / n for r, n in zip(rates, naive_rates, strict=True)]
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
        f"naive prepared covers() of the raw lines: {naive:,.0f} routes/s "
        f"(median); check_routes / naive, run by run: median "
        f"{statistics.median(ratios):.2f} (min {min(ratios):.2f}, "
        f"max {max(ratios):.2f})"
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
    disagree = count_disagreements(view, sample, result.iloc[: args.loop_sample])
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
    agree = len(sample) - disagree
    print(f"verdict agreement: {agree:,} of {len(sample):,} routes")
    print(
        "targets: check_routes >= 20,000 routes/s and >= 20x the loop: "
        f"{'met' if statistics.median(rates) >= 20_000 else 'NOT met'} / "
        f"{'met' if statistics.median(rates) >= 20 * loop_rate else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
