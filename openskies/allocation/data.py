"""The allocation problem of one year as arrays: parties, pairs and their limits.

Built once per call of :func:`openskies.allocate` from the year's quota facts and
requests; read by the flows, the plan repairs and the CP-SAT model.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from openskies.allocation.problem import LAST_REDUCED_YEAR
from openskies.errors import DataError, OptionsError
from openskies.options import Objective, PairCap
from openskies.treaty.distribution import Distribution

if TYPE_CHECKING:
    from openskies.allocation.problem import QuotaProblem
    from openskies.allocation.transport import IntArray, Network

__all__ = ["Instance", "build", "by_party", "codes"]


@dataclass
class Instance:
    """The year's problem as arrays over parties ``i`` and pairs ``k``."""

    parties: tuple[str, ...]
    pairs: list[tuple[str, str]]
    net: Network
    request: IntArray
    pair_cap: IntArray
    freeze: IntArray
    fixed: IntArray
    reverse: IntArray
    rule_cap: IntArray
    guarantee: IntArray
    unrequested_previous: int
    disputed: frozenset[str]
    reading: PairCap
    reciprocity: bool


def codes(disputed: Iterable[str]) -> list[str]:
    """Return the codes of ``disputed`` (one code or an iterable of codes).

    Raises
    ------
    OptionsError
        If ``disputed`` is neither a code nor an iterable of codes.
    """
    if isinstance(disputed, str):
        return [disputed]
    if not isinstance(disputed, Iterable) or isinstance(disputed, bytes):
        raise OptionsError(
            f"disputed must be a code or a list of codes, got {type(disputed).__name__}"
        )
    result = list(disputed)
    wrong = [code for code in result if not isinstance(code, str)]
    if wrong:
        raise OptionsError(f"disputed holds {str(wrong[0])[:40]!r}; expected codes")
    return result


#: Largest flight count accepted in a pair of a given distribution.
MAX_FLIGHTS = 10_000


def by_party(
    problem: QuotaProblem,
    flights: Distribution | Mapping[tuple[str, str], int] | None,
    *,
    strict: bool,
    name: str,
) -> dict[tuple[str, str], int]:
    """Return flights by party pair; ``strict`` rejects non-parties.

    ``name`` is the argument's name in messages.

    Raises
    ------
    OptionsError
        If ``flights`` is not a Distribution or mapping of code pairs.
    UnknownStateError, NotAPartyError
        If a code is unknown (or, when strict, not a party in the year).
    DataError
        If a count is not a whole number >= 0 or a pair is within one party.
    """
    from openskies.errors import NotAPartyError

    if flights is None:
        return {}
    if not isinstance(flights, Distribution | Mapping):
        raise OptionsError(
            f"{name} must be a Distribution or a mapping {{(observer, observed): "
            f"flights}}, got {type(flights).__name__}"
        )
    records = (
        flights.flights if isinstance(flights, Distribution) else flights
    ).items()
    out: dict[tuple[str, str], int] = {}
    for key, count in records:
        if not (
            isinstance(key, tuple)
            and len(key) == 2
            and all(isinstance(code, str) for code in key)
        ):
            raise OptionsError(
                f"{name} keys must be (observer, observed) pairs of codes, "
                f"got {str(key)[:40]!r}"
            )
        observer, observed = key
        try:
            pair = (problem.resolve(observer), problem.resolve(observed))
        except NotAPartyError:
            if strict:
                raise
            continue
        if (
            not isinstance(count, int)
            or isinstance(count, bool)
            or not 0 <= count <= MAX_FLIGHTS
        ):
            raise DataError(
                f"flights of {observer} over {observed} must be a whole number "
                f"0..{MAX_FLIGHTS}, got {str(count)[:30]}"
            )
        if pair[0] == pair[1]:
            raise DataError(
                f"{observer} and {observed} are both {pair[0]}: a party observes "
                "only other parties"
            )
        out[pair] = out.get(pair, 0) + count
    return out


def build(
    problem: QuotaProblem,
    asked: Mapping[tuple[str, str], tuple[int, int]],
    *,
    objective: Objective,
    previous: Mapping[tuple[str, str], int],
    disputed: frozenset[str],
    guaranteed: Mapping[tuple[str, str], int],
    reading: PairCap,
    reciprocity: bool,
) -> Instance:
    """Return the year's pairs and limits as arrays."""
    import numpy as np

    from openskies.allocation.transport import Network

    parties = problem.parties
    index = {code: i for i, code in enumerate(parties)}
    quota = np.array([problem.passive[p] for p in parties], dtype=np.int64)
    receive = quota if problem.year > LAST_REDUCED_YEAR else (3 * quota) // 4
    pairs = list(asked)
    pairs += [p for p in previous if p[1] in disputed and p not in asked]
    pairs += [p for p in guaranteed if p not in asked and p not in set(pairs)]
    obs = np.array([index[o] for o, _ in pairs], dtype=np.int64)
    tgt = np.array([index[t] for _, t in pairs], dtype=np.int64)
    request = np.array([asked.get(p, (0, 1))[0] for p in pairs], dtype=np.int64)
    half = -(-quota // 2)
    pair_cap = np.minimum(half[obs], half[tgt]) if pairs else np.zeros(0, np.int64)
    big = int(quota.sum()) + 1
    freeze = np.array(
        [
            min((f.limit for f in problem.freezes if f.covers(*p)), default=big)
            for p in (pairs if problem.freezes else ())
        ]
        or np.full(len(pairs), big),
        dtype=np.int64,
    )
    is_fixed = np.array([t in disputed for _, t in pairs], dtype=bool)
    fixed = np.where(is_fixed, [previous.get(p, 0) for p in pairs], -1).astype(np.int64)
    rule_cap = np.minimum(pair_cap, freeze)
    rule_cap = np.where(is_fixed, rule_cap, np.minimum(rule_cap, request))
    guarantee = np.array([guaranteed.get(p, 0) for p in pairs], dtype=np.int64)
    weight = np.array(
        [1 if objective is Objective.TOTAL else asked.get(p, (0, 1))[1] for p in pairs],
        dtype=np.int64,
    )
    where = {p: k for k, p in enumerate(pairs)}
    reverse = np.array([where.get((t, o), -1) for o, t in pairs], dtype=np.int64)
    counted = ~is_fixed
    net = Network(
        rowcap=quota,
        colcap=receive,
        obs=obs,
        tgt=tgt,
        lo=np.maximum(guarantee, fixed),
        cap=np.where(is_fixed, np.minimum(rule_cap, np.maximum(fixed, 0)), rule_cap),
        shared=counted,
        weight=weight,
        prev=np.array([previous.get(p, 0) for p in pairs], dtype=np.int64),
        requested=np.bincount(obs, np.where(counted, request, 0), len(parties)).astype(
            np.int64
        ),
    )
    outside = set(previous) - set(pairs)
    return Instance(
        parties=parties,
        pairs=pairs,
        net=net,
        request=request,
        pair_cap=pair_cap,
        freeze=freeze,
        fixed=fixed,
        reverse=reverse,
        rule_cap=rule_cap,
        guarantee=guarantee,
        unrequested_previous=sum(previous[p] for p in outside),
        disputed=disputed,
        reading=reading,
        reciprocity=reciprocity,
    )
