"""``openskies allocate`` and ``openskies check-distribution``: a year's quotas."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from openskies.cli.common import (
    add_data_arguments,
    add_format_argument,
    choice_argument,
    format_table,
    print_formatted,
    treaty_from,
)
from openskies.options import Objective, PairCap

if TYPE_CHECKING:
    from openskies.allocation.allocate import AllocationResult

__all__ = ["PAIR_COLUMNS", "VIOLATION_COLUMNS", "register"]

#: Keys of each pair of a distribution printed by ``allocate --format json|csv``.
PAIR_COLUMNS = ("observer", "observed", "flights")
#: Keys of each finding printed by ``check-distribution --format json|csv``.
VIOLATION_COLUMNS = ("rule", "binding", "parties", "value", "limit", "message")


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
    add_format_argument(
        allocate,
        json='{"year", "status", "objective", "runtime_s", "stages": [{"name", '
        '"sense", "value", "bound", "status", "method"}], "conflicts", '
        '"distribution": [{"observer", "observed", "flights"}], "total", '
        '"unmet": [{"observer", "observed", "requested", "granted", "reasons"}], '
        '"output"}',
        csv="the distribution: observer, observed, flights",
    )
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
    add_format_argument(
        check,
        json='{"year", "binding", "other", "findings": [{'
        + ", ".join(f'"{c}"' for c in VIOLATION_COLUMNS)
        + "}]}",
        csv="the findings: " + ", ".join(VIOLATION_COLUMNS),
    )
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
    plan = result.distribution
    if args.output and result.status.has_solution:
        plan.write_csv(args.output)
    pairs = [
        {"observer": observer, "observed": observed, "flights": flights}
        for observer, observed, flights in plan
    ]
    document = {
        "year": args.year,
        "status": result.status.value,
        "objective": args.objective,
        "runtime_s": result.runtime_s,
        "stages": [
            {
                "name": stage.name,
                "sense": stage.sense,
                "value": stage.value,
                "bound": stage.bound,
                "status": stage.status.value,
                "method": stage.method,
            }
            for stage in result.stages
        ],
        "conflicts": [str(guarantee) for guarantee in result.conflicts],
        "distribution": pairs,
        "total": plan.total,
        "unmet": [
            {
                "observer": u.observer,
                "observed": u.observed,
                "requested": u.requested,
                "granted": u.granted,
                "reasons": [str(reason) for reason in u.reasons],
            }
            for u in result.unmet
        ],
        "output": args.output if result.status.has_solution else None,
    }
    status = 0 if result.status.has_solution else 1
    if print_formatted(args.format, document, PAIR_COLUMNS, pairs):
        return status
    _print_allocation(args, result)
    return status


def _print_allocation(args: argparse.Namespace, result: AllocationResult) -> None:
    """Print the stages, the matrix and the unmet requests as text tables."""
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
        return
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
        print(f"written to {args.output}")


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
    broken = sum(v.binding for v in found)
    findings = [{c: getattr(v, c) for c in VIOLATION_COLUMNS} for v in found]
    document = {
        "year": args.year,
        "binding": broken,
        "other": len(found) - broken,
        "findings": findings,
    }
    if not print_formatted(args.format, document, VIOLATION_COLUMNS, findings):
        for violation in found:
            note = "" if violation.binding else " (not binding)"
            print(f"{violation}{note}")
        print(
            f"{broken} binding violation(s), {len(found) - broken} other finding(s) "
            f"for {args.year}"
        )
    return 1 if broken else 0
