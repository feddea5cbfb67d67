"""``openskies plan``: the annual plan end to end, written to a directory."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import fields
from pathlib import Path
from typing import Any

from openskies.cli.common import (
    add_data_arguments,
    add_format_argument,
    print_formatted,
)

__all__ = ["register"]


def register(commands: Any) -> None:
    """Add the ``plan`` sub-command."""
    plan = commands.add_parser(
        "plan",
        help="allocate, schedule, plan and check a year's flights from a scenario",
        description=(
            "Allocate the year's active quotas from the requests, schedule the "
            "missions, plan and check a route for each, and write OUTDIR with "
            "distribution.csv, missions.csv, missions.ics, routes.gpkg, "
            "routes.geojson, report.html and map.png. Without SCENARIO the "
            "bundled illustrative scenario of 2020 is used."
        ),
    )
    plan.add_argument(
        "scenario",
        nargs="?",
        default=None,
        metavar="SCENARIO.toml",
        help="scenario file (default: the bundled illustrative 2020 scenario)",
    )
    plan.add_argument(
        "-o",
        "--outdir",
        default=None,
        help="output directory (default: plan-YEAR in the current directory)",
    )
    plan.add_argument(
        "--force",
        action="store_true",
        help="replace OUTDIR if it holds a previous plan (and nothing else)",
    )
    plan.add_argument(
        "-q", "--quiet", action="store_true", help="no progress lines on stderr"
    )
    add_format_argument(
        plan,
        json='the summary: {"title", "year", "as_of", "summary": {"year", '
        '"requested", "granted", "unmet", "allocation_status", "schedule_status", '
        '"missions", "left_out", "routes": {STATUS: missions}, '
        '"distribution_violations", "schedule_violations", "route_findings"}, '
        '"outdir", "files", "timings_s"}',
        csv="the summary as key, value rows (routes as routes.STATUS)",
    )
    add_data_arguments(plan)
    plan.set_defaults(func=run_plan)


class _Progress:
    """Prints one stderr line per stage and a counter for the routes."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.started = time.perf_counter()
        self.shown = -1

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.quiet:
            return
        elapsed = time.perf_counter() - self.started
        if stage != "routes":
            if done == 0:
                print(f"[{elapsed:6.1f} s] {stage} ...", file=sys.stderr, flush=True)
            return
        step = max(1, total // 10)
        if done in (0, total) or done // step != self.shown:
            self.shown = done // step
            print(
                f"[{elapsed:6.1f} s] routes {done}/{total}", file=sys.stderr, flush=True
            )


def run_plan(args: argparse.Namespace) -> int:
    """Run the plan, write the outputs, print a summary."""
    from openskies.annual.plan import OUTPUT_FILES, plan_year
    from openskies.annual.scenario_reader import load_scenario
    from openskies.cli.common import treaty_from
    from openskies.output.plan_writer import prepare_target

    progress = _Progress(args.quiet)
    treaty = treaty_from(args)
    scenario = load_scenario(args.scenario, treaty=treaty)
    loaded = time.perf_counter() - progress.started
    outdir = Path(args.outdir or f"plan-{scenario.year}")
    prepare_target(outdir, force=args.force)  # fail before the work, not after
    plan = plan_year(scenario, treaty=treaty, progress=progress)
    progress("write", 0, 1)
    began = time.perf_counter()
    plan.write(outdir, force=args.force)
    written = time.perf_counter() - began
    timings = {**plan.timings, "write": written}
    timings["load"] += loaded
    title = scenario.title or f"annual plan {scenario.year}"
    summary = {f.name: getattr(plan.summary, f.name) for f in fields(plan.summary)}
    timings["total"] = time.perf_counter() - progress.started
    document = {
        "title": title,
        "year": scenario.year,
        "as_of": scenario.date,
        "summary": summary,
        "outdir": str(outdir),
        "files": list(OUTPUT_FILES),
        "timings_s": timings,
    }
    rows = [
        {"key": f"routes.{k}" if key == "routes" else key, "value": v}
        for key, value in summary.items()
        for k, v in (value.items() if key == "routes" else [(key, value)])
    ]
    if print_formatted(args.format, document, ("key", "value"), rows):
        return 0
    print(f"openskies plan: {title} (treaty as of {scenario.date.isoformat()})")
    for line in str(plan.summary).splitlines():
        print(f"  {line}")
    print(f"  wrote {outdir}/: {' '.join(OUTPUT_FILES)}")
    total = timings.pop("total")
    print(
        f"  time: {total:.1f} s ("
        + ", ".join(f"{name} {seconds:.1f}" for name, seconds in timings.items())
        + ")"
    )
    return 0
