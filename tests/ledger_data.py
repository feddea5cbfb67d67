"""A small year for the ledger tests, and an independent replay of its events.

The year 2020 with ten flights: the United States (a party until 2020-11-22)
and Russia-Belarus observe each other, so the exit rules and the imagery rule
of Art. IX.IV can be tested; Portugal (passive quota 2) is a receiver whose
per-pair cap is 1.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from openskies.annual.plan import AnnualPlan, plan_year
from openskies.treaty.model import Treaty
from openskies.treaty.resources import bundled_dir

REQUESTS = """\
observer,observed,flights
USA,RUS,2
RUS,USA,1
DEU,POL,2
SWE,GEO,1
POL,HUN,1
FRA,UKR,2
DEU,UKR,1
"""

SCENARIO = """\
title = "Ledger test year"
year = 2020
requests = "requests.csv"
allow_partial = true

[routes]
sites = "{sites}"
reading = "treaty"

[solver]
seed = 0
workers = 1

[solver.schedule]
time_limit_s = 5

[solver.routes]
time_limit_s = 0.5
iteration_limit = 10
"""

#: Curtailment causes after which the flight counts for both (R21).
COUNTED_CAUSES = ("weather", "observer")


def write_scenario(folder: Path) -> Path:
    """Write the scenario and its requests to ``folder``; return the TOML file."""
    (folder / "requests.csv").write_text(REQUESTS)
    sites = (bundled_dir("quotas") / "sites_illustrative.csv").as_posix()
    path = folder / "ledger_year.toml"
    path.write_text(SCENARIO.format(sites=sites))
    return path


def small_plan(folder: Path, treaty: Treaty) -> AnnualPlan:
    """Plan the small year (about 2 s)."""
    return plan_year(write_scenario(folder), treaty=treaty)


def replay(
    distribution: dict[tuple[str, str], int],
    passive: dict[str, int],
    events: list[dict[str, Any]],
) -> dict[tuple[str, str], dict[str, int]]:
    """Return the balance by pair, replayed from event rows by the test's own rules.

    A flown flight counts; a curtailed one counts after weather or an
    observer-side cause and otherwise as the observer chose (VIII.II.5);
    prohibited, declined and cancelled count for nobody.
    """
    given: Counter[tuple[str, str]] = Counter(distribution)
    got: Counter[tuple[str, str]] = Counter()
    lost: Counter[tuple[str, str]] = Counter()
    flown: Counter[tuple[str, str]] = Counter()
    for e in events:
        if e["kind"] == "transfer":
            lost[(e["observer"], e["observed"])] += int(e["flights"])
            got[(e["receiver"], e["observed"])] += int(e["flights"])
        elif e["kind"] == "outcome" and _counts(e):
            flown[(e["observer"], e["observed"])] += 1
    used: Counter[str] = Counter()
    for (_, t), n in flown.items():
        used[t] += n
    return {
        pair: {
            "distributed": given[pair],
            "transferred_in": got[pair],
            "transferred_out": lost[pair],
            "flown": flown[pair],
            "remaining": given[pair] + got[pair] - lost[pair] - flown[pair],
            "passive_quota": passive[pair[1]],
            "passive_used": used[pair[1]],
            "passive_left": passive[pair[1]] - used[pair[1]],
        }
        for pair in {*given, *got, *lost, *flown}
    }


def _counts(event: dict[str, Any]) -> bool:
    """Whether an outcome event counts, by the rules R5 and R21."""
    if event["outcome"] == "flown":
        return True
    if event["outcome"] != "curtailed":
        return False
    return event["cause"] in COUNTED_CAUSES or bool(event["counted"])


def balance_by_pair(frame: Any) -> dict[tuple[str, str], dict[str, int]]:
    """Return a balance DataFrame as ``{(observer, observed): {column: int}}``."""
    return {
        (r["observer"], r["observed"]): {
            k: int(v) for k, v in r.items() if k not in ("observer", "observed")
        }
        for r in frame.to_dict("records")
    }
