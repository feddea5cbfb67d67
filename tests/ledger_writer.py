"""A process that writes to a ledger, for the durability and concurrency tests.

Usage: ``python ledger_writer.py LEDGER MODE SEED [GO_FILE]``

- ``churn``: write events without end (imagery requests, transfers there and
  back, now and then a re-plan committed), until killed;
- ``race``: wait for GO_FILE, then try to record an outcome for every mission
  of the calendar (in an order drawn from SEED) and make 20 imagery requests;
  print ``won MISSION`` for each outcome this process stored.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from pathlib import Path

from openskies.ledger import Ledger, LedgerRuleError
from openskies.options import SolveOptions

STATES = ("DEU", "FRA", "POL", "SWE", "CAN", "ITA", "GBR", "UKR", "HUN", "RUS")


def churn(ledger: Ledger, rng: random.Random) -> None:
    """Write events until killed."""
    flown = [m.id for m in ledger.missions() if m.arrival.month <= 3]
    while True:
        step = rng.random()
        try:
            if step < 0.6:
                ledger.request_imagery(
                    rng.choice(flown), requester=rng.choice(STATES), date="2020-07-01"
                )
            elif step < 0.97:
                giver, taker = rng.sample(["DEU", "SWE"], 2)
                ledger.transfer(
                    giver, "POL", 1, to=taker, date="2020-06-01", consent=True
                )
            else:
                result = ledger.replan(
                    dt.date(2020, rng.randint(8, 12), 1),
                    options=SolveOptions(time_limit_s=2, seed=0, workers=1),
                )
                ledger.commit(result, routes=False)
        except LedgerRuleError:
            continue


def race(ledger: Ledger, rng: random.Random, go: Path) -> None:
    """Race another process for every mission's outcome."""
    missions = list(ledger.missions())
    rng.shuffle(missions)
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.005)
    for m in missions:
        try:
            ledger.record(m.id, "flown", date=m.arrival.date())
        except LedgerRuleError:
            continue
        print(f"won {m.id}", flush=True)
    for k in range(20):
        ledger.request_imagery(
            missions[k % len(missions)].id,
            requester=rng.choice(STATES),
            date="2020-12-01",
        )


def main() -> None:
    path, mode, seed = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    rng = random.Random(seed)
    with Ledger.open(path) as ledger:
        if mode == "churn":
            churn(ledger, rng)
        else:
            race(ledger, rng, Path(sys.argv[4]))


if __name__ == "__main__":
    main()
