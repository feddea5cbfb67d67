"""The year as it happens: a mission ledger in a GeoPackage.

A small 2020 plan (the bundled illustrative scenario's data, eight requests)
becomes a ledger file that QGIS opens.  The year then happens: two flights are
flown, one is curtailed by the weather (it counts for both parties, R21),
Germany transfers a flight over Poland to Sweden with Poland's consent (R6,
within Sweden's per-pair cap R4), a Canadian request for a copy of the data is
granted and a United States request after its withdrawal (2020-11-22) is
refused (Art. IX.IV); the rest of the year is re-planned from 1 May.

Run: ``python examples/05_year_as_it_happens.py``
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import Any

# %% A small plan for 2020 from the bundled scenario's data
from openskies import Ledger, OpenSkiesError, SolveOptions, load_scenario, plan_year
from openskies.allocation.problem import Request
from openskies.annual.scenario import SolverSettings

REQUESTS = [
    ("USA", "RUS", 2),
    ("RUS", "USA", 1),
    ("DEU", "POL", 2),
    ("SWE", "GEO", 1),
    ("POL", "HUN", 1),
    ("FRA", "UKR", 2),
    ("DEU", "UKR", 1),
]


def main() -> dict[str, Any]:
    scenario = dataclasses.replace(
        load_scenario(),
        requests=tuple(Request(o, t, n) for o, t, n in REQUESTS),
        solver=SolverSettings(
            schedule=SolveOptions(time_limit_s=5, seed=0),
            routes=SolveOptions(time_limit_s=0.5, seed=0, iteration_limit=10),
        ),
    )
    plan = plan_year(scenario)
    print(plan.summary)

    # %% The ledger: one GeoPackage file, created once
    folder = Path(tempfile.mkdtemp())
    with Ledger.create(folder / "2020.gpkg", plan) as ledger:
        missions = {m.id: m for m in ledger.missions()}
        for m in missions.values():
            print(f"{m.id}  {m.observer:>7} over {m.observed:<7} {m.arrival:%d %b}")

        # %% Outcomes: flown, and curtailed by the weather (counts for both, R21)
        first, second = list(missions)[:2]
        ledger.record(first, "flown", date=missions[first].arrival.date())
        ledger.record(
            second,
            "curtailed",
            cause="weather",
            date=missions[second].arrival.date(),
            note="icing over the Urals",
        )

        # %% A transfer of active quota with the overflown party's consent (R6)
        ledger.transfer("DEU", "POL", 1, to="SWE", date="2020-04-01", consent=True)

        # %% Copies of the data: only to states parties on the day (Art. IX.IV)
        ledger.request_imagery(first, requester="CAN", date="2020-06-01")
        try:
            ledger.request_imagery(first, requester="USA", date="2020-12-01")
        except OpenSkiesError as err:
            refused = str(err)
            print("refused:", refused[:90], "...")

        # %% The balance (OS Format 1's fields), computed from the events
        balance = ledger.balance()
        print(balance.to_string(index=False))

        # %% Re-plan the rest of the year from 1 May and store the new calendar
        result = ledger.replan("2020-05-01")
        print(
            f"re-plan: {result.status.value}, {len(result.missions)} missions, "
            f"{len(result.reasons)} rule(s) broken"
        )
        ledger.commit(result, routes=False)
        events = ledger.events()
        print(events[["seq", "kind", "date", "mission_id", "outcome"]].to_string())
    return {
        "plan": plan,
        "path": folder / "2020.gpkg",
        "balance": balance,
        "refused": refused,
        "replan": result,
        "events": events,
        "missions": missions,
    }


if __name__ == "__main__":
    main()
