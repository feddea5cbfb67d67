"""``openskies sweep``: one annual plan per variant of a scenario, on Dask."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from openskies.cli.common import add_data_arguments

__all__ = ["register"]


def register(commands: Any) -> None:
    """Add the ``sweep`` sub-command."""
    sweep = commands.add_parser(
        "sweep",
        help="plan a scenario once per variant (what-ifs), on a Dask cluster",
        description=(
            "Plan SCENARIO once per variant in VARIANTS (a TOML file of "
            "[[variant]] tables, or a CSV whose columns are dotted keys such as "
            "objective, routes.reading, membership.leave.USA) and write one row "
            "per variant to RESULTS.csv: status, message, the variant's keys, "
            "flights granted and unmet, missions, routes by status, violations "
            "and runtime. The plans run on a local Dask cluster (--workers), an "
            "existing scheduler (--scheduler), or in this process (--workers 0). "
            "Needs the distributed extra unless --workers 0. Exit status 1 if a "
            "variant did not plan."
        ),
    )
    sweep.add_argument("scenario", metavar="SCENARIO.toml", help="scenario file")
    sweep.add_argument(
        "variants", metavar="VARIANTS", help="variants: .toml file or CSV file"
    )
    sweep.add_argument(
        "-o", "--output", required=True, metavar="RESULTS.csv", help="results file"
    )
    where = sweep.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="address of a running Dask scheduler, e.g. tcp://host:8786",
    )
    where.add_argument(
        "--workers",
        type=_workers,
        metavar="N",
        help="worker processes of a local cluster (default: one per core); 0 "
        "plans in this process without Dask",
    )
    sweep.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar on stderr"
    )
    add_data_arguments(sweep)
    sweep.set_defaults(func=run_sweep)


def _workers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of workers, got {text[:40]!r}"
        ) from None
    if not 0 <= value <= 1024:
        raise argparse.ArgumentTypeError(f"expected 0..1024 workers, got {value}")
    return value


def run_sweep(args: argparse.Namespace) -> int:
    """Run the sweep, write the results, print the counts."""
    from openskies.annual.scenario_reader import load_scenario
    from openskies.annual.sweep import sweep
    from openskies.annual.variants import read_variants
    from openskies.cli.common import treaty_from
    from openskies.files.atomic import write_csv_atomic

    treaty = treaty_from(args)
    scenario = load_scenario(args.scenario, treaty=treaty)
    variants = read_variants(args.variants)
    output = Path(args.output)
    if output.is_dir():
        raise ValueError(f"--output {output} is a directory; name a CSV file")
    progress = False if args.quiet else None
    if args.workers == 0:
        frame = sweep(
            scenario, variants, client="synchronous", treaty=treaty, progress=progress
        )
    elif args.scheduler is not None:
        frame = sweep(
            scenario, variants, client=args.scheduler, treaty=treaty, progress=progress
        )
    else:
        frame = _on_local_cluster(scenario, variants, treaty, args.workers, progress)
    rows = [[_cell(v) for v in row] for row in frame.itertuples(index=False)]
    write_csv_atomic(output, list(frame.columns), rows)
    counts = frame["status"].value_counts()
    print(
        f"openskies sweep: {len(frame)} variants: "
        + ", ".join(f"{counts.get(s, 0)} {s}" for s in ("ok", "invalid", "failed"))
        + f"; wrote {output}"
    )
    for row in frame.itertuples(index=False):
        if row.status != "ok":
            print(f"  variant {row.variant}: {row.status}: {row.message}")
    return 0 if (frame["status"] == "ok").all() else 1


def _on_local_cluster(
    scenario: Any, variants: Any, treaty: Any, workers: int | None, progress: Any
) -> Any:
    """Sweep on a LocalCluster of ``workers`` processes (None: one per core)."""
    from openskies.annual.sweep import sweep
    from openskies.clients import local_cluster

    with local_cluster(workers) as client:
        return sweep(
            scenario, variants, client=client, treaty=treaty, progress=progress
        )


def _cell(value: object) -> object:
    """Return a result cell for the CSV (missing values empty)."""
    import pandas as pd

    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
