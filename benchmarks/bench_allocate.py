"""Benchmark of :func:`openskies.allocate` (issue 3).

Instances
- ``real-34``: the 34 states parties (31 quota-holding parties) of 2019, every
  ordered pair requesting one flight more than its per-pair cap;
- ``synthetic-N-sparse`` / ``-dense``: N made-up parties whose passive quotas are
  drawn from the 31 real ones; a quarter of the ordered pairs (sparse) or every
  pair (dense) request, like ``real-34``, one flight more than the pair's cap;
- with ``--mixed``: the same synthetic treaties requesting 1 to cap + 1 flights
  with priority 1 to 3, so that a reciprocal pair may be granted unequally (the
  smaller request in full, the larger beyond it): a harder problem.

Each instance is solved with the default objective (``"fair"``: max-min share,
then weighted sum) and reciprocity, once per seed 0-4; the script prints status,
stage objectives and bounds, the runtime's median/min/max, whether seed 0 gives
the same plan twice, the validator's findings, and what a simple
proportional-rounding baseline achieves on the same requests.

Run: ``python benchmarks/bench_allocate.py [--mixed] [--sizes 100 300 1000]
[--time-limit 60]``
"""

from __future__ import annotations

import argparse
import random
import statistics
from collections.abc import Mapping
from fractions import Fraction

from openskies import SolveOptions, TreatyView, load_treaty
from openskies.allocation.allocate import allocate
from openskies.allocation.problem import QuotaProblem, Request
from openskies.rules.distribution_check import check_distribution

SEEDS = range(5)
TARGETS = {"real-34": 0.5, "synthetic-300-dense": 10.0, "synthetic-1000-sparse": 30.0}


def cap(quota: Mapping[str, int], o: str, t: str) -> int:
    return min(-(-quota[o] // 2), -(-quota[t] // 2))


def real_instance(year: int = 2019) -> tuple[TreatyView, list[Request]]:
    view = load_treaty().as_of(f"{year}-01-01")
    quota = {p.code: p.passive_quota for p in view.parties}
    requests = [
        Request(o, t, cap(quota, o, t) + 1) for o in quota for t in quota if o != t
    ]
    return view, requests


#: The 31 passive quotas of 2019, sampled for synthetic parties.
REAL_QUOTAS = (
    (42, 42, 12, 12, 12, 12, 12, 12, 12, 7, 7, 6, 6, 6, 6, 5) + (4,) * 13 + (2, 2)
)


def synthetic_instance(
    n: int, dense: bool, *, mixed: bool = False, seed: int = 2024, year: int = 2019
) -> tuple[QuotaProblem, list[Request]]:
    """Return N parties and their requests.

    ``mixed=False``: every requesting pair asks one flight more than its cap,
    priority 1 (as in the real-34 instance).  ``mixed=True``: 1 to cap + 1 flights
    with priority 1 to 3, so that some requests can be granted in full.
    """
    rng = random.Random(seed)
    quota = {f"P{i:04d}": rng.choice(REAL_QUOTAS) for i in range(n)}
    requests = []
    for o in quota:
        for t in quota:
            if o == t or not (dense or rng.random() < 0.25):
                continue
            top = cap(quota, o, t) + 1
            if mixed:
                requests.append(Request(o, t, rng.randint(1, top), rng.randint(1, 3)))
            else:
                requests.append(Request(o, t, top))
    return QuotaProblem(year, quota), requests


def proportional_baseline(
    quota: Mapping[str, int], receive: Mapping[str, int], requests: list[Request]
) -> dict[str, object]:
    """Proportional rounding: scale each request by the tighter of its observer's
    and its target's ratio (quota / requested), round down, hand out the leftover
    flights by largest remainder, then lower the larger side of each pair that
    breaks reciprocity."""
    asked = {(r.observer, r.observed): r.flights for r in requests}
    by_observer: dict[str, int] = {}
    by_target: dict[str, int] = {}
    for (o, t), n in asked.items():
        by_observer[o] = by_observer.get(o, 0) + n
        by_target[t] = by_target.get(t, 0) + n
    share = {
        (o, t): n
        * min(
            Fraction(quota[o], by_observer[o]),
            Fraction(receive[t], by_target[t]),
            Fraction(1),
        )
        for (o, t), n in asked.items()
    }
    top = {p: min(cap(quota, *p), asked[p]) for p in asked}
    grant = {p: min(top[p], int(share[p])) for p in asked}
    rows = {o: quota[o] for o in quota}
    cols = {t: receive[t] for t in receive}
    for (o, t), n in grant.items():
        rows[o] -= n
        cols[t] -= n
    for o, t in sorted(asked, key=lambda p: share[p] - int(share[p]), reverse=True):
        if grant[(o, t)] < top[(o, t)] and rows[o] > 0 and cols[t] > 0:
            grant[(o, t)] += 1
            rows[o] -= 1
            cols[t] -= 1
    for (o, t), n in list(grant.items()):
        back = grant.get((t, o))
        if back is not None and n < min(asked[(o, t)], back):
            grant[(t, o)] = n
    granted = dict.fromkeys(by_observer, 0)
    for (o, _), n in grant.items():
        granted[o] += n
    return {
        "min_share": min(Fraction(granted[o], by_observer[o]) for o in by_observer),
        "total": sum(grant.values()),
        "weighted": sum(
            n * r.priority for r in requests for n in [grant[(r.observer, r.observed)]]
        ),
    }


def describe(value: object) -> str:
    if isinstance(value, Fraction):
        return f"{value} ({float(value):.4f})"
    return str(value)


def run(
    name: str, problem: QuotaProblem | TreatyView, requests: list[Request], limit: float
) -> None:
    times = []
    results = []
    for seed in SEEDS:
        result = allocate(
            problem,
            requests,
            2019,
            options=SolveOptions(time_limit_s=limit, seed=seed),
        )
        times.append(result.runtime_s)
        results.append(result)
    first = results[0]
    again = allocate(
        problem,
        requests,
        2019,
        options=SolveOptions(time_limit_s=limit, seed=0),
    )
    same = again.distribution == first.distribution
    violations = check_distribution(
        problem, 2019, first.distribution, requests=requests
    )
    quota = (
        problem.passive
        if isinstance(problem, QuotaProblem)
        else {p.code: p.passive_quota for p in problem.parties}
    )
    base = proportional_baseline(quota, quota, requests)
    target = TARGETS.get(name)
    print(
        f"{name}: {len(quota)} parties, {len(requests)} requests; status "
        f"{sorted({r.status.value for r in results})}; runtime median "
        f"{statistics.median(times):.3f} s, min {min(times):.3f}, max {max(times):.3f}"
        + ("" if target is None else f" (target < {target:g} s)")
    )
    for stage in first.stages:
        print(
            f"    {stage.name:<9} {stage.status.value:<8} {stage.method:<6} value "
            f"{describe(stage.value)}  bound {describe(stage.bound)}"
        )
    print(
        f"    seed 0 twice gives the same plan: {same}; validator findings: "
        f"{len(violations)}; "
        f"baseline (proportional rounding): min_share {describe(base['min_share'])}, "
        f"weighted {base['weighted']}, flights {base['total']} vs "
        f"{first.distribution.total}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 300, 1000])
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument(
        "--mixed",
        action="store_true",
        help="requests of 1 to cap + 1 flights with priorities 1-3 instead",
    )
    args = parser.parse_args()
    if not args.mixed:
        view, requests = real_instance()
        run("real-34", view, requests, args.time_limit)
    for n in args.sizes:
        for dense in (False, True):
            if n >= 1000 and dense:
                continue  # a million pairs: beyond this machine's time budget
            problem, requests = synthetic_instance(n, dense, mixed=args.mixed)
            kind = ("dense" if dense else "sparse") + ("-mixed" if args.mixed else "")
            run(f"synthetic-{n}-{kind}", problem, requests, args.time_limit)


if __name__ == "__main__":
    main()
