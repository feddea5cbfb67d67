"""Benchmark of :func:`openskies.calendar.schedule.schedule` (issue 4).

Instances
- ``realistic-2019``: the 2019 treaty (31 quota-holding parties) and the bundled
  fleet; the distribution is what
  :func:`openskies.allocation.allocate.allocate` grants for
  requests modelled on the activity statistics of treaty.md section 6 (Russia
  ~38 active flights, the US ~16 over Russia, small states 1-3).
- ``real-geo-1000``: the same treaty and points of entry, 1,000 flights (about
  32 over each party, from random observers), the bundled fleet plus one
  made-up aircraft (600 km/h) at the first airfield of every party.
- ``synthetic-5000``: 125 made-up parties (one point of entry each, scattered
  over 30-65 N, 120 W-150 E) written as real quota and geodata tables, 40 flights
  over and by each party, one aircraft per party.

Targets: realistic year all placed < 1 s and the spreading objective proven
optimal < 5 s; 1,000 all placed < 20 s; 5,000 feasible < 60 s.  "Placed" is the
time until a complete calendar is known (``first_solution_s``).

Run: ``python benchmarks/bench_schedule.py [--quick]``
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import summary

from openskies import SolveOptions, load_treaty
from openskies.calendar.schedule import ScheduleResult, schedule
from openskies.rules.schedule_check import check_schedule
from openskies.treaty.aircraft import Aircraft, load_fleet
from openskies.treaty.distribution import Distribution

R = "RUS_BLR"
#: Requests for 2019 modelled on treaty.md section 6 (observer: {target: flights}).
REQUESTS_2019 = {
    R: {"USA": 8, "DEU": 3, "FRA": 3, "GBR": 3, "ITA": 2, "TUR": 2, "BENELUX": 2,
        "CAN": 2, "NOR": 2, "DNK": 2, "GRC": 1, "ROU": 2, "BGR": 1, "POL": 2,
        "SWE": 1, "FIN": 1, "EST": 1, "LVA": 1, "LTU": 1, "HUN": 1, "ESP": 1,
        "CZE": 1, "SVK": 1, "PRT": 1},
    "USA": {R: 16, "UKR": 2, "GEO": 1, "BIH": 1},
    "DEU": {R: 4, "UKR": 2, "BIH": 1, "GEO": 1, "HRV": 1, "SWE": 1, "FIN": 1},
    "FRA": {R: 3, "UKR": 1, "ROU": 1, "BIH": 1, "GEO": 1},
    "GBR": {R: 3, "UKR": 2, "GEO": 1, "BIH": 1, "SWE": 1},
    "ITA": {R: 2, "UKR": 1, "BIH": 1, "HRV": 1},
    "TUR": {R: 2, "UKR": 1, "BGR": 1, "GEO": 1},
    "CAN": {R: 2, "UKR": 1, "POL": 1},
    "BENELUX": {R: 2, "POL": 1, "UKR": 1},
    "NOR": {R: 2, "POL": 1},
    "DNK": {R: 2, "POL": 1, "UKR": 1},
    "SWE": {R: 2, "POL": 1, "UKR": 1, "GEO": 1, "BIH": 1, "FIN": 1, "DEU": 1},
    "FIN": {R: 2, "EST": 1, "SWE": 1, "DEU": 1},
    "POL": {R: 2, "DEU": 1, "UKR": 1},
    "ROU": {R: 2, "UKR": 1, "BGR": 1, "HUN": 1},
    "BGR": {R: 1, "GRC": 1, "TUR": 1},
    "HUN": {R: 1, "ROU": 1, "UKR": 1},
    "UKR": {"POL": 1, "ROU": 1, "TUR": 1, "HUN": 1, "SVK": 1, "BGR": 1, "DEU": 1,
            "FRA": 1, "GBR": 1, "ITA": 1, "CAN": 1},
    "GRC": {"BGR": 1, "ROU": 1},
    "CZE": {R: 1, "UKR": 1, "DEU": 1},
    "SVK": {"UKR": 1, "HUN": 1},
    "EST": {R: 1, "FIN": 1},
    "LVA": {R: 1},
    "LTU": {R: 1},
    "HRV": {"BIH": 1, "ITA": 1},
    "SVN": {"BIH": 1},
    "GEO": {"UKR": 1, "DEU": 1, "TUR": 1},
    "ESP": {R: 1, "UKR": 1, "BIH": 1},
    "PRT": {"BIH": 1},
    "BIH": {"HRV": 1, "DEU": 1, "ITA": 1, "TUR": 1},
}  # fmt: skip


def realistic_distribution(view: object) -> tuple[Distribution, str]:
    """Return the 2019 distribution from ``allocate``, or a stand-in if missing."""
    frame = pd.DataFrame(
        [(o, t, n) for o, row in REQUESTS_2019.items() for t, n in row.items()],
        columns=["observer", "observed", "flights"],
    )
    try:
        from openskies.allocation.allocate import allocate
    except ImportError:  # the allocator is not there: schedule the requests
        return Distribution.from_frame(frame), "requests (allocate missing)"
    result = allocate(view, frame, 2019)  # type: ignore[arg-type]
    return result.distribution, f"allocate() {result.status.value}"


def real_geo_1000(view: object, seed: int = 7) -> tuple[Distribution, list[Aircraft]]:
    rng = random.Random(seed)
    codes = sorted(p.code for p in view.parties)  # type: ignore[attr-defined]
    flights: dict[tuple[str, str], int] = {}
    for k in range(1000):
        target = codes[k % len(codes)]
        observer = rng.choice([c for c in codes if c != target])
        flights[(observer, target)] = flights.get((observer, target), 0) + 1
    fleet = list(load_fleet())
    for code in codes:
        site = view.airfields(code)[0]  # type: ignore[attr-defined]
        fleet.append(Aircraft(f"X-{code}", "synthetic", code, site.lon, site.lat, 600))
    return Distribution(flights), fleet


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def synthetic_world(
    directory: Path, parties: int = 125, per_party: int = 40, seed: int = 11
) -> tuple[object, Distribution, list[Aircraft]]:
    """Write a made-up treaty of ``parties`` states and return view, flights, fleet."""
    rng = random.Random(seed)
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    codes = [f"Q{a}{b}" for a in letters for b in letters][:parties]
    where = {c: (rng.uniform(-120, 150), rng.uniform(30, 65)) for c in codes}
    quotas, geodata = directory / "quotas", directory / "geodata"
    quotas.mkdir()
    geodata.mkdir()
    since = "2002-01-01"
    _write(
        quotas / "states.csv",
        ["iso3", "name", "in_force", "left", "in_force_status", "note"],
        [[c, f"State {c}", since, "", "confirmed", ""] for c in codes],
    )
    _write(
        quotas / "parties.csv",
        ["code", "name", "kind", "note"],
        [[c, f"State {c}", "state", ""] for c in codes],
    )
    _write(
        quotas / "party_membership.csv",
        ["state", "party", "valid_from", "valid_to", "note"],
        [[c, c, since, "", ""] for c in codes],
    )
    _write(
        quotas / "passive_quotas.csv",
        ["party", "valid_from", "valid_to", "passive_quota", "status", "source"],
        [[c, since, "", per_party, "confirmed", "synthetic"] for c in codes],
    )
    _write(
        quotas / "first_distribution_1992.csv",
        ["observer", "observed", "flights", "shared", "shared_with"],
        [],
    )
    features = [
        {
            "type": "Feature",
            "properties": {"iso3": c},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[x - 1, y - 1], [x + 1, y - 1], [x + 1, y + 1], [x - 1, y + 1],
                     [x - 1, y - 1]]
                ],
            },
        }
        for c, (x, y) in where.items()
    ]  # fmt: skip
    (geodata / "territories.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features})
    )
    area = dict(features[0], properties={"id": "unused"})
    (geodata / "restriction_areas.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [area]})
    )
    _write(
        geodata / "airfields.csv",
        ["id", "state", "name", "icao", "icao_status", "roles", "inspection", "lat",
         "lon", "position_status", "note"],
        [[f"{c}1", c, f"{c} entry", "", "none", "POE OSA", "yes", y, x, "confirmed",
          ""] for c, (x, y) in where.items()],
    )  # fmt: skip
    _write(
        geodata / "flight_distances.csv",
        [
            "airfield",
            "max_km",
            "valid_from",
            "valid_to",
            "status",
            "condition",
            "source",
        ],
        [],
    )
    _write(
        geodata / "restrictions.csv",
        ["id", "kind", "imposed_by", "observed", "applies_to", "geometry_ref", "value",
         "unit", "value_status", "valid_from", "valid_to", "dates_status",
         "legal_status", "note"],
        [],
    )  # fmt: skip
    view = load_treaty(quotas, geodata).as_of("2019-01-01")
    offsets = rng.sample(range(1, parties), per_party)
    flights = {
        (codes[(i + d) % parties], codes[i]): 1 for i in range(parties) for d in offsets
    }
    fleet = [
        Aircraft(f"X-{c}", "synthetic", c, x, y, 600) for c, (x, y) in where.items()
    ]
    return view, Distribution(flights), fleet


def run(
    name: str,
    view: object,
    dist: Distribution,
    fleet: object,
    seeds: range,
    limit: float,
) -> list[ScheduleResult]:
    """Schedule ``dist`` once per seed and print the figures."""
    results = []
    for seed in seeds:
        result = schedule(
            view,  # type: ignore[arg-type]
            dist,
            2019,
            aircraft=fleet,  # type: ignore[arg-type]
            options=SolveOptions(time_limit_s=limit, seed=seed),
        )
        results.append(result)
        print(
            f"  seed {seed}: {result.status.value}, objective {result.objective:g}, "
            f"bound {result.bound:g}, placed {len(result.missions)}/{dist.total} at "
            f"{result.first_solution_s:.3f} s, done {result.runtime_s:.3f} s"
        )
    first = [r.first_solution_s or float("nan") for r in results]
    print(f"{name}: {dist.total} flights, time limit {limit:g} s")
    print(f"  all placed (first complete calendar): {summary(first)}")
    total = [r.runtime_s for r in results]
    print(f"  whole solve (proof or time limit):    {summary(total)}")
    violations = check_schedule(view, results[-1])  # type: ignore[arg-type]
    print(f"  check_schedule on the last calendar: {len(violations)} violations")
    return results


def naive(view: object, dist: Distribution, limit: float) -> None:
    """The same CP-SAT model without the proven bounds, the greedy or the polish."""
    from openskies.calendar.inputs import resolve_inputs
    from openskies.calendar.model import CalendarModel
    from openskies.calendar.problem import build_problem

    inputs = resolve_inputs(view, dist, 2019, None, (), ())  # type: ignore[arg-type]
    problem = build_problem(
        inputs.view, inputs.pairs, 2019, inputs.fleet, inputs.blackouts, ()
    )
    model = CalendarModel(problem, optional=False)
    model.add_spreading(
        [f.index for f in problem.flights], dict.fromkeys(problem.by_observed(), 1)
    )
    stage = model.solve(SolveOptions(time_limit_s=limit), limit)
    print(
        f"  same model without proven bounds, greedy or polish (limit {limit:g} s): "
        f"{stage.status.value}, objective {stage.objective}, bound {stage.bound}, "
        f"first solution {stage.first_solution_s:.2f} s, done {stage.runtime_s:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one seed, skip 5,000")
    args = parser.parse_args()
    seeds = range(1) if args.quick else range(5)
    view = load_treaty().as_of("2019-01-01")
    dist, source = realistic_distribution(view)
    print(f"realistic-2019: distribution from {source}")
    run(
        "realistic-2019 (targets: placed < 1 s, proven < 5 s)",
        view,
        dist,
        None,
        seeds,
        10.0,
    )
    if not args.quick:
        naive(view, dist, 30.0)
    dist, fleet = real_geo_1000(view)
    print("real-geo-1000:")
    run("real-geo-1000 (target: placed < 20 s)", view, dist, fleet, seeds[:3], 20.0)
    if not args.quick:
        with tempfile.TemporaryDirectory() as tmp:
            world, dist, fleet = synthetic_world(Path(tmp))
            print("synthetic-5000:")
            run(
                "synthetic-5000 (target: feasible < 60 s)",
                world,
                dist,
                fleet,
                seeds[:3],
                60.0,
            )


if __name__ == "__main__":
    main()
