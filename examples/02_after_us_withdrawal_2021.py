"""The annual plan with and without the United States: flights lost per party.

The United States' withdrawal took effect on 22 November 2020.  The bundled
illustrative requests are planned for 2020 (with the United States, as of
1 January) and for 2021 (without it: its requests and the requests over it are
dropped, as it is no longer a party).  The table shows, per party, the flights
it flies and receives in each plan and the flights lost.

Routes are not needed to count flights, so this example plans no routes
(``sites={}``); see ``04_plan_one_mission.py`` for routes.

Run: ``python examples/02_after_us_withdrawal_2021.py``
"""

from __future__ import annotations

import datetime as dt
from typing import Any

# %% Load the bundled illustrative scenario (requests for 2020)
from openskies import load_treaty
from openskies.annual.plan import plan_year
from openskies.annual.scenario_reader import load_scenario


def main() -> dict[str, Any]:
    treaty = load_treaty()
    with_us = load_scenario(treaty=treaty).replace(sites={})

    # %% The same requests a year later, less those by or over non-parties
    view_2021 = treaty.as_of("2021-01-01")
    parties = set(view_2021.members) | {p.code for p in view_2021.parties}
    kept = [r for r in with_us.requests if {r.observer, r.observed} <= parties]
    without_us = with_us.replace(
        year=2021,
        as_of=dt.date(2021, 1, 1),
        requests=tuple(kept),
        title="Illustrative plan 2021 (after the US withdrawal)",
    )
    dropped = len(with_us.requests) - len(kept)
    print(f"requests: {len(with_us.requests)} in 2020, {dropped} dropped for 2021")

    # %% Plan both years and compare flights per party
    plans = {
        2020: plan_year(with_us, treaty=treaty),
        2021: plan_year(without_us, treaty=treaty),
    }
    for year, plan in plans.items():
        print(f"\n{year}:")
        for line in str(plan.summary).splitlines():
            print(f"  {line}")
    before, after = plans[2020].distribution, plans[2021].distribution
    codes = sorted(set(before.parties()) | set(after.parties()))
    lost = {}
    header = ("party", "flies 2020", "2021", "receives 2020", "2021", "lost")
    print("\n{:8} {:>10} {:>5} {:>13} {:>5} {:>5}".format(*header))
    for code in codes:
        flown = (before.active(code), after.active(code))
        received = (before.received(code), after.received(code))
        lost[code] = flown[0] + received[0] - flown[1] - received[1]
        print(
            f"{code:8} {flown[0]:10d} {flown[1]:5d} {received[0]:13d} "
            f"{received[1]:5d} {lost[code]:5d}"
        )
    return {"plans": plans, "lost": lost, "dropped": dropped}


if __name__ == "__main__":
    main()
