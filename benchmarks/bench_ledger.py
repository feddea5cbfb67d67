"""Benchmark of :class:`openskies.Ledger` on a year's plan (issue 13).

Instance: the bundled illustrative 2020 scenario (about 100 missions), planned
once.  Measured on a new ledger file:

- ``create``: :meth:`Ledger.create` from the plan [s];
- ``events``: events recorded per second: an outcome for every mission up to
  ``--until`` (flown, or curtailed by the weather every fifth), then imagery
  requests by random states parties until ``--events`` events are stored; each
  is one durable transaction (validation, journal, balance table), so the rate
  is bound by the disk's fsync (SQLite's rollback journal, ``synchronous =
  FULL``);
- ``balance``: :meth:`Ledger.balance` over all events, median/min/max of
  ``--repeat`` calls [s];
- ``replan``: :meth:`Ledger.replan` on 1 July and ``commit`` without routes [s].

Run: ``python benchmarks/bench_ledger.py [--events 1000] [--repeat 20]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import summary, timed

from openskies import Ledger, SolveOptions, plan_year

STATES = ("DEU", "FRA", "GBR", "ITA", "CAN", "POL", "SWE", "UKR", "TUR", "NOR")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--until", default="2020-06-30")
    args = parser.parse_args()
    rng = random.Random(0)
    plan, planned = timed(lambda: plan_year())
    print(
        f"plan_year (bundled 2020): {planned:.1f} s, {plan.summary.missions} missions"
    )
    folder = Path(tempfile.mkdtemp())
    ledger, created = timed(lambda: Ledger.create(folder / "2020.gpkg", plan))
    print(f"create: {created:.3f} s")
    until = dt.date.fromisoformat(args.until)
    flown = []
    began = time.perf_counter()
    count = 0
    for k, m in enumerate(ledger.missions()):
        if m.arrival.date() > until:
            break
        if k % 5 == 4:
            ledger.record(m.id, "curtailed", cause="weather", date=m.arrival.date())
        else:
            ledger.record(m.id, "flown", date=m.arrival.date())
        flown.append(m.id)
        count += 1
    while count < args.events:
        ledger.request_imagery(
            rng.choice(flown), requester=rng.choice(STATES), date="2020-07-15"
        )
        count += 1
    elapsed = time.perf_counter() - began
    print(
        f"events: {count} in {elapsed:.2f} s = {count / elapsed:.0f} events/s "
        f"({len(flown)} outcomes, {count - len(flown)} imagery requests)"
    )
    times = [timed(ledger.balance)[1] for _ in range(args.repeat)]
    print(f"balance over {count} events: {summary(times)}")
    options = SolveOptions(time_limit_s=10, seed=0, workers=1)
    result, replanned = timed(lambda: ledger.replan("2020-07-01", options=options))
    seq, committed = timed(lambda: ledger.commit(result, routes=False))
    print(
        f"replan 2020-07-01: {result.status.value}, {len(result.missions)} missions, "
        f"{len(result.reasons)} rule(s) broken, {replanned:.2f} s; commit "
        f"{committed:.3f} s (event {seq})"
    )
    ledger.close()


if __name__ == "__main__":
    main()
