"""Plans that keep every rule, built from flows: values, checks and repairs.

The flow optimum ignores reciprocity.  These functions measure a plan's stage
values, check the rules the flows drop, and repair a flow plan into one that
keeps every rule; such a plan is optimal outright when it meets every flow
optimum, and otherwise a starting point (hint) for CP-SAT.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from typing import TYPE_CHECKING

from openskies.allocation.transport import best_flow
from openskies.options import Objective

if TYPE_CHECKING:
    from openskies.allocation.allocate import Value
    from openskies.allocation.data import Instance
    from openskies.allocation.transport import IntArray

__all__ = ["best_hint", "complies", "plan_values", "stage_names", "valid"]


def stage_names(objective: Objective, has_previous: bool) -> list[tuple[str, str]]:
    """Return ``(name, sense)`` of each stage of ``objective``."""
    names = {
        Objective.FAIR: [("min_share", "max"), ("weighted", "max")],
        Objective.WEIGHTED: [("weighted", "max")],
        Objective.TOTAL: [("total", "max")],
    }[objective]
    return names + ([("change", "min")] if has_previous else [])


def plan_values(data: Instance, x: IntArray) -> dict[str, Value]:
    """Return every stage's value for plan ``x``.

    ``change`` is the sum over all pairs of ``|x - previous|``, including the
    previous year's pairs that nobody requested this year.
    """
    import numpy as np

    net = data.net
    counted = np.where(net.shared, x, 0)
    granted = np.bincount(net.obs, counted, net.n).astype(np.int64)
    shares = [
        Fraction(int(granted[i]), int(net.requested[i]))
        for i in np.flatnonzero(net.requested > 0)
    ]
    weighted = int((net.weight * counted).sum())
    return {
        "min_share": min(shares, default=Fraction(1)),
        "weighted": weighted,
        "total": weighted,
        "change": int(np.abs(x - net.prev).sum()) + data.unrequested_previous,
    }


def complies(data: Instance, x: IntArray) -> bool:
    """Whether plan ``x`` (feasible for the flows) keeps the rules they drop."""
    import numpy as np

    if data.reading == "distributed":
        active = np.bincount(data.net.obs, x, data.net.n)
        if np.any(2 * x > active[data.net.obs] + 1):
            return False
    if not data.reciprocity:
        return True
    k = np.flatnonzero(data.reverse >= 0)
    back = data.reverse[k]
    both_fixed = (data.fixed[k] >= 0) & (data.fixed[back] >= 0)
    owed = np.minimum(data.request[k], x[back])
    return bool(np.all((x[k] >= owed) | both_fixed))


def valid(data: Instance, x: IntArray) -> bool:
    """Whether plan ``x`` keeps every rule, guarantee and fixed pair."""
    import numpy as np

    net = data.net
    upper = np.where(data.fixed >= 0, data.fixed, data.rule_cap)
    lower = np.maximum(data.guarantee, data.fixed)
    return bool(
        np.all(x >= lower)
        and np.all(x <= upper)
        and np.all(np.bincount(net.obs, x, net.n) <= net.rowcap)
        and np.all(np.bincount(net.tgt, x, net.n) <= net.colcap)
        and complies(data, x)
    )


def best_hint(
    data: Instance,
    plan: IntArray,
    need: IntArray,
    change: bool,
    names: list[tuple[str, str]],
) -> IntArray:
    """Return the better of two reciprocal plans built from flows.

    One starts from the flow optimum itself; the other from a flow in which both
    directions of a reciprocal pair share one cap (the smaller) and one weight
    (the sum), so that the flow tends to grant them alike.
    """
    import numpy as np

    net = data.net
    back = np.maximum(data.reverse, 0)
    coupled = (data.reverse >= 0) & (data.request > 0) & (data.request[back] > 0)
    alike = replace(
        net,
        weight=np.where(coupled, net.weight + net.weight[back], 2 * net.weight),
        cap=np.where(coupled, np.minimum(net.cap, net.cap[back]), net.cap),
    )
    starts = [plan]
    for floor in (need, np.zeros_like(need)):
        other = best_flow(alike, floor, change=change)
        if other is not None:
            starts.append(other)
            break
    hints = [reciprocal_hint(data, start, need, change) for start in starts]

    def rank(x: IntArray) -> tuple[bool, tuple[Value, ...]]:
        values = plan_values(data, x)
        key = tuple(-values[n] if sense == "min" else values[n] for n, sense in names)
        return valid(data, x), key

    return max(hints, key=rank)


def reciprocal_hint(
    data: Instance, plan: IntArray, need: IntArray, change: bool
) -> IntArray:
    """Return a plan near the flow ``plan`` that keeps every rule (a CP-SAT hint).

    Pairs whose flights break reciprocity meet at the floor of their mean; what
    still breaks a rule is lowered (lowering never breaks a limit, it may break
    a guarantee, which only makes the hint partial); then flights are raised
    greedily where every rule leaves room, reciprocal pairs together.
    """
    import numpy as np

    x = plan.copy()
    net = data.net
    free = data.fixed < 0
    if data.reciprocity:
        k = np.flatnonzero((data.reverse >= 0) & (data.request > 0))
        back = data.reverse[k]
        owed = np.minimum(data.request[k], x[back])
        short = (x[k] < owed) & free[k] & free[back]
        mean = np.minimum(
            (x[k] + x[back]) // 2, np.minimum(data.rule_cap[k], data.rule_cap[back])
        )
        x[k[short]] = mean[short]
        x[back[short]] = mean[short]
    while True:
        before = x.copy()
        if data.reciprocity:
            short = (x[k] < np.minimum(data.request[k], x[back])) & free[back]
            x[back[short]] = x[k[short]]
        if data.reading == "distributed":
            active = np.bincount(net.obs, x, net.n).astype(np.int64)
            x = np.where(free, np.minimum(x, -(-active[net.obs] // 2)), x)
        x = _within_limits(data, x)
        if np.array_equal(x, before):
            return _fill(data, _reflow(data, x, need, change))


def _reflow(data: Instance, x: IntArray, need: IntArray, change: bool) -> IntArray:
    """Keep reciprocal pairs as they are and re-solve the other pairs exactly.

    Pairs with no reciprocal request are a transportation problem once the
    reciprocal pairs are fixed: the best completion is one more flow.
    """
    import numpy as np

    if data.reading == "distributed":
        return x
    net = data.net
    back = np.maximum(data.reverse, 0)
    held = (data.reverse >= 0) & (data.request > 0) & (data.request[back] > 0)
    held |= data.fixed >= 0
    rest = replace(net, lo=np.where(held, x, net.lo), cap=np.where(held, x, net.cap))
    for floor in (need, np.zeros_like(need)):
        plan = best_flow(rest, floor, change=change)
        if plan is not None:
            return plan
    return x


def _within_limits(data: Instance, x: IntArray) -> IntArray:
    """Lower flights (both directions of an equal reciprocal pair) to the limits."""
    import numpy as np

    net = data.net
    over_rows = np.bincount(net.obs, x, net.n) - net.rowcap
    over_cols = np.bincount(net.tgt, x, net.n) - net.colcap
    if over_rows.max(initial=0) <= 0 and over_cols.max(initial=0) <= 0:
        return x
    out = x.copy()
    for ends, over in ((net.obs, over_rows), (net.tgt, over_cols)):
        for k in np.flatnonzero(over[ends] > 0).tolist():
            cut = min(int(over[ends[k]]), int(out[k])) if data.fixed[k] < 0 else 0
            if cut <= 0:
                continue
            out[k] -= cut
            over[ends[k]] -= cut
            back = int(data.reverse[k])
            if back >= 0 and data.fixed[back] < 0 and out[back] == out[k] + cut:
                out[back] -= cut
    return out


def _fill(data: Instance, x: IntArray) -> IntArray:
    """Raise flights greedily where every rule leaves room.

    Both directions of a reciprocal pair rise together.
    """
    import numpy as np

    net = data.net
    rows = (net.rowcap - np.bincount(net.obs, x, net.n)).tolist()
    cols = (net.colcap - np.bincount(net.tgt, x, net.n)).tolist()
    if data.reading == "distributed" or min(rows + cols, default=0) < 0:
        return x  # the plan already breaks a limit or a pair cap couples pairs
    cap, out = data.rule_cap.tolist(), x.tolist()
    obs, tgt, back = net.obs.tolist(), net.tgt.tolist(), data.reverse.tolist()
    coupled = [
        data.reciprocity and b >= 0 and data.request[b] > 0 and data.request[k] > 0
        for k, b in enumerate(back)
    ]
    order = np.argsort(-net.weight, kind="stable").tolist()
    for k in order:
        if data.fixed[k] >= 0:
            continue
        o, t = obs[k], tgt[k]
        if coupled[k]:
            b = back[k]
            if data.fixed[b] >= 0 or out[k] != out[b]:
                continue
            room = min(
                cap[k] - out[k], cap[b] - out[b], rows[o], cols[t], rows[t], cols[o]
            )
            if room > 0:
                out[k] += room
                out[b] += room
                rows[o] -= room
                cols[t] -= room
                rows[t] -= room
                cols[o] -= room
        else:
            room = min(cap[k] - out[k], rows[o], cols[t])
            if room > 0:
                out[k] += room
                rows[o] -= room
                cols[t] -= room
    return np.array(out, dtype=np.int64)
