"""What-if sweep: 2020 with and without the United States, and its return in 2021.

The variants in ``sweep_2020/variants.toml`` change the bundled illustrative
2020 scenario (``sweep_2020/scenario_2020.toml``, flights only, no routes):

1. 2020 as it was: the United States a party until its exit on 2020-11-22;
2. 2020 without the United States (it leaves before the year starts and its
   requests, and those over it, are withdrawn);
3. 2021 with the United States rejoining on 1 June 2021 with a passive quota of
   42 (Art. XVII; ``[membership] join``): no US mission before that date.

:func:`openskies.sweep` plans one year per variant and returns one row each.
Here the plans run in this process (``client="synchronous"``); run the script
with ``--dask`` to use a local Dask cluster (the ``distributed`` extra), or
pass a scheduler address as ``client`` to use a real cluster.  The same sweep
from the command line::

    openskies sweep examples/sweep_2020/scenario_2020.toml \\
        examples/sweep_2020/variants.toml -o results.csv

Run: ``python examples/06_sweep_membership.py [--dask]``
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

# %% The scenario and its variants
from openskies import load_scenario, load_treaty, plan_year, sweep
from openskies.annual.variants import read_variants

HERE = Path(__file__).resolve().parent / "sweep_2020"


def main(client: Any = "synchronous") -> dict[str, Any]:
    treaty = load_treaty()
    scenario = load_scenario(HERE / "scenario_2020.toml", treaty=treaty)
    variants = read_variants(HERE / "variants.toml")

    # %% One plan per variant
    results = sweep(scenario, variants, client=client, treaty=treaty)
    shown = ["year", "requested", "granted", "unmet", "missions", "left_out"]
    labels = ["2020 with the US", "2020 without the US", "2021, US rejoins 1 June"]
    print(results[shown].set_axis(labels).to_string())

    # %% The rejoining United States flies and hosts only from its entry date
    rejoin = plan_year(scenario.with_overrides(variants[2]), treaty=treaty)
    us = [m for m in rejoin.schedule.missions if "USA" in (m.observer, m.observed)]
    first = min(m.arrival for m in us)
    print(f"\n2021: {len(us)} US missions, the first arriving {first:%Y-%m-%d}")
    return {"results": results, "us_missions": us}


if __name__ == "__main__":
    main(None if "--dask" in sys.argv else "synchronous")
