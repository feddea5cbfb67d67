"""``openskies allocate`` and ``openskies check-distribution``: a year's quotas."""

from __future__ import annotations

import argparse
from typing import Any

from openskies.cli.common import (
    add_data_arguments,
    choice_argument,
    format_table,
    treaty_from,
)
from openskies.options import Objective, PairCap

__all__ = ["register"]


def register(commands: Any) -> None:
    """Add the ``allocate`` and ``check-distribution`` sub-commands."""
    allocate = commands.add_parser(
        "allocate",
        help="distribute a year's active quotas from the states' requests",
        description="Distribute the active quotas of a year from the requests "
        "(CSV: observer, observed, flights[, priority]); print the distribution "
        "matrix and every request not granted in full, with its reasons.",
    )
    allocate.add_argument("requests", help="requests CSV file")
    allocate.add_argument("--year", type=int, required=True, help="year distributed")
    allocate.add_argument("--previous", help="last year's distribution CSV")
    allocate.add_argument(
        "--disputed",
        action="append",
        default=[],
        metavar="CODE",
        help="target keeping last year's flights (Art. III.I.7); repeatable",
    )
    choice_argument(allocate, "--objective", Objective, "allocation objective")
    choice_argument(allocate, "--pair-cap", PairCap, "reading of Art. III.I.10")
    allocate.add_argument(
        "--no-reciprocity", action="store_true", help="do not impose Art. III.I.3"
    )
    allocate.add_argument("--time-limit", type=float, default=10.0, help="seconds")
    allocate.add_argument("--seed", type=int, default=0)
    allocate.add_argument("--workers", type=int, default=1)
    allocate.add_argument("-o", "--output", help="write the distribution to CSV")
    add_data_arguments(allocate)
    allocate.set_defaults(func=run_allocate)

    check = commands.add_parser(
        "check-distribution",
        help="check a distribution of active quotas against Article III",
        description="Print every rule a distribution (CSV: observer, observed, "
        "flights) breaks; exit status 1 when a binding rule is broken.",
    )
    check.add_argument("distribution", help="distribution CSV file")
    check.add_argument("--year", type=int, required=True, help="year of the plan")
    check.add_argument("--requests", help="requests CSV file (checks III.I.3)")
    choice_argument(check, "--pair-cap", PairCap, "reading of Art. III.I.10")
    add_data_arguments(check)
    check.set_defaults(func=run_check)


def run_allocate(args: argparse.Namespace) -> int:
    """Allocate, print the matrix and unmet requests; 1 if no plan was found."""
    from openskies.allocation.allocate import allocate
    from openskies.allocation.problem import read_requests
    from openskies.cli.schedule import checked_year, solve_options
    from openskies.treaty.distribution import Distribution

    options = solve_options(args)
    view = treaty_from(args).as_of(f"{checked_year(args)}-01-01")
    requests = read_requests(args.requests)
    previous = None if args.previous is None else Distribution.read_csv(args.previous)
    result = allocate(
        view,
        requests,
        args.year,
        previous=previous,
        disputed=args.disputed,
        objective=args.objective,
        pair_cap=args.pair_cap,
        reciprocity=not args.no_reciprocity,
        options=options,
    )
    print(
        f"Distribution of active quotas for {args.year}: {result.status.value} in "
        f"{result.runtime_s:.2f} s ({args.objective} objective)"
    )
    for stage in result.stages:
        print(
            f"  {stage.name}: {stage.value} (bound {stage.bound}, "
            f"{stage.status.value}, {stage.method})"
        )
    if not result.status.has_solution:
        for guarantee in result.conflicts:
            print(f"  conflicting: {guarantee}")
        return 1
    plan = result.distribution
    matrix = plan.to_matrix()
    if len(matrix):
        rows = [
            [str(code), *(str(n) if n else "." for n in matrix.loc[code])]
            for code in matrix.index
        ]
        print(format_table(["observer", *map(str, matrix.columns)], rows))
    print(f"{plan.total} flights; {len(result.unmet)} requests not granted in full")
    if result.unmet:
        rows = [
            [
                u.observer,
                u.observed,
                str(u.requested),
                str(u.granted),
                "; ".join(u.reasons),
            ]
            for u in result.unmet
        ]
        print(
            format_table(["observer", "observed", "requested", "granted", "why"], rows)
        )
    if args.output:
        plan.write_csv(args.output)
        print(f"written to {args.output}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    """Print every violation; 1 if a binding rule is broken."""
    from openskies.allocation.problem import read_requests
    from openskies.cli.schedule import checked_year
    from openskies.rules.distribution_check import check_distribution
    from openskies.treaty.distribution import Distribution

    view = treaty_from(args).as_of(f"{checked_year(args)}-01-01")
    found = check_distribution(
        view,
        args.year,
        Distribution.read_csv(args.distribution),
        requests=None if args.requests is None else read_requests(args.requests),
        pair_cap=args.pair_cap,
    )
    for violation in found:
        note = "" if violation.binding else " (not binding)"
        print(f"{violation}{note}")
    broken = sum(v.binding for v in found)
    print(
        f"{broken} binding violation(s), {len(found) - broken} other finding(s) "
        f"for {args.year}"
    )
    return 1 if broken else 0
