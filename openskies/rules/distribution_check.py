"""The independent validator of a year's distribution of active quotas.

:func:`check_distribution` checks a distribution against the treaty text and
reports every rule it breaks.  It is written from the treaty and shares no code
with the allocator's model (:mod:`openskies.allocation.allocate`), so that each
checks the other.

References
----------
Treaty on Open Skies, Art. I para 1 (flights by States Parties over other States
Parties), Art. III Section I paras 3-5 and 10 (reciprocity, passive and active
quotas, the per-pair cap), Art. XVIII Section II and Annex A Section II para 1
(at most 75 % of the passive quota, rounded down, in the first years), Annex L
Section II (requests).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from openskies.allocation.problem import (
    LAST_REDUCED_YEAR,
    PAIR_CAP_READINGS,
    PairCap,
    QuotaProblem,
    as_problem,
    requested_flights,
)
from openskies.errors import NotAPartyError, OptionsError
from openskies.violations import Violation

if TYPE_CHECKING:
    from openskies.treaty.distribution import Distribution
    from openskies.treaty.model import TreatyView

__all__ = ["check_distribution"]


def check_distribution(
    view: TreatyView | QuotaProblem,
    year: int,
    distribution: Distribution,
    *,
    requests: Any = None,
    pair_cap: PairCap | str = PairCap.ENTITLEMENT,
    shared_charge: Literal["full", "half"] = "full",
) -> list[Violation]:
    """Check a year's distribution of active quotas against Article III.

    Reports every broken rule, not only the first:

    - ``III.I.5``: an observer's total active quota exceeds its passive quota;
    - ``III.I.4``: flights over a party exceed its passive quota;
    - ``Annex A II.1``: in 2002-2005, flights over a party exceed 75 % of its
      passive quota, rounded down.  The treaty limits what a party is *obliged*
      to accept, so this finding has ``binding=False``: the 1992 distribution
      itself gives Poland 5 flights where 75 % of 6 rounded down is 4;
    - ``III.I.10``: flights of one observer over one target exceed the per-pair
      cap (see ``pair_cap``);
    - ``I.1``: flights within one party or group, or by or over a state that
      is not a party in the year (flights are by States Parties over the
      territories of *other* States Parties);
    - a ``quota_freeze`` restriction in force (rule = its id, e.g. ``Y2018-NONE``):
      more flights than it allows over a pair it covers;
    - with ``requests``: ``Annex L II``, more flights than requested, and
      ``III.I.3``, reciprocity not honoured: o's flights over t are fewer than
      ``min(requested(o, t), flights(t, o))``.

    Parameters
    ----------
    view
        The treaty on a date of ``year`` (normally 1 January), or a
        :class:`QuotaProblem`.
    year
        The year the distribution is for, >= 2002.
    distribution
        Flights per (observer, observed) pair; state codes count for their party.
    requests
        The year's requests (DataFrame or iterable of :class:`Request`).
    pair_cap
        Reading of III.I.10.  ``"entitlement"`` (default): at most half of the
        observer's passive quota and half of the target's, each rounded up
        (the observer's active entitlement equals its passive quota).
        ``"distributed"``: at most half of the observer's distributed total and
        half of the target's passive quota, each rounded up.
    shared_charge
        How a flight shared by two observers (1992 distribution only) charges
        each sharer's active quota: ``"full"`` (default; the treaty does not say)
        or ``"half"``.  A shared flight always uses one unit of the target's
        passive quota.

    Returns
    -------
    list of Violation
        Empty when the distribution complies.

    Raises
    ------
    OptionsError
        If ``year`` is before 2002, the view is of another year, or an option is
        not one of its allowed values.
    UnknownStateError
        If the distribution names an unknown code.
    DataError
        If ``requests`` is malformed (names the row).

    References
    ----------
    Treaty on Open Skies, Art. I para 1; Art. III Section I paras 3-5 and 10;
    Art. XVIII Section II; Annex A Section II para 1; Annex L Section II.

    Examples
    --------
    >>> from openskies import load_treaty
    >>> from openskies.allocation.problem import first_distribution
    >>> treaty = load_treaty()
    >>> found = check_distribution(
    ...     treaty.as_of("2002-01-01"), 2002, first_distribution(treaty)
    ... )
    >>> [(v.rule, v.parties, v.binding) for v in found]
    [('Annex A II.1', ('POL',), False)]
    """
    if pair_cap not in PAIR_CAP_READINGS:
        raise OptionsError(
            f"pair_cap must be one of {', '.join(PAIR_CAP_READINGS)}, got {pair_cap!r}"
        )
    if shared_charge not in ("full", "half"):
        raise OptionsError(
            f"shared_charge must be 'full' or 'half', got {shared_charge!r}"
        )
    problem = as_problem(view, year)
    found: list[Violation] = []
    flights, shared = _party_flights(problem, distribution, found)
    quota = problem.passive

    active: dict[str, Fraction] = {}
    received: dict[str, Fraction] = {}
    for (o, t), n in flights.items():
        # a shared flight is listed under both sharers but uses one passive unit
        half_shared = Fraction(shared.get((o, t), 0), 2)
        charge = n - half_shared if shared_charge == "half" else Fraction(n)
        active[o] = active.get(o, Fraction(0)) + charge
        received[t] = received.get(t, Fraction(0)) + n - half_shared

    for o in sorted(active):
        if active[o] > quota[o]:
            found.append(
                Violation(
                    "III.I.5",
                    f"{o} is given {_num(active[o])} active flights, more than its "
                    f"passive quota of {quota[o]}",
                    (o,),
                    float(active[o]),
                    quota[o],
                )
            )
    for t in sorted(received):
        if received[t] > quota[t]:
            found.append(
                Violation(
                    "III.I.4",
                    f"{t} would receive {_num(received[t])} flights, more than its "
                    f"passive quota of {quota[t]}",
                    (t,),
                    float(received[t]),
                    quota[t],
                )
            )
        reduced = (3 * quota[t]) // 4
        if problem.year <= LAST_REDUCED_YEAR and received[t] > reduced:
            found.append(
                Violation(
                    "Annex A II.1",
                    f"in {problem.year} {t} accepts at most 75 % of its passive "
                    f"quota {quota[t]}, rounded down, i.e. {reduced} flights; it "
                    f"would receive {_num(received[t])}",
                    (t,),
                    float(received[t]),
                    reduced,
                    binding=False,
                )
            )

    for (o, t), n in flights.items():
        observer_base = quota[o] if pair_cap == "entitlement" else active[o]
        limit = min(math.ceil(observer_base / 2), math.ceil(Fraction(quota[t], 2)))
        if n > limit:
            basis = (
                f"half of {o}'s passive quota {quota[o]}"
                if pair_cap == "entitlement"
                else f"half of {o}'s distributed total {_num(active[o])}"
            )
            found.append(
                Violation(
                    "III.I.10",
                    f"{o} is given {n} flights over {t}; the cap is {limit}, the "
                    f"smaller of {basis} and half of {t}'s passive quota "
                    f"{quota[t]}, each rounded up",
                    (o, t),
                    n,
                    limit,
                )
            )
        for freeze in problem.freezes:
            if freeze.covers(o, t) and n > freeze.limit:
                found.append(
                    Violation(
                        freeze.id,
                        f"{o} is given {n} flights over {t} while {freeze.id} "
                        f"allows {freeze.limit} in {problem.year}",
                        (o, t),
                        n,
                        freeze.limit,
                        restriction=freeze.id,
                        legal_status=freeze.legal_status,
                        binding=not freeze.disputed,
                    )
                )

    if requests is not None:
        found.extend(_request_violations(problem, flights, requests))
    return found


def _num(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"


def _party_flights(
    problem: QuotaProblem, distribution: Distribution, found: list[Violation]
) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    """Sum flights and shared flights by party pair, reporting bad pairs."""
    flights: dict[tuple[str, str], int] = {}
    shared: dict[tuple[str, str], int] = {}
    for o_code, t_code, n in distribution:
        o = _party_in_force(problem, o_code, "observe", found)
        t = _party_in_force(problem, t_code, "be observed", found)
        if o is None or t is None:
            continue
        if o == t:
            found.append(
                Violation(
                    "I.1",
                    f"{n} flights of {o_code} over {t_code}: both are {o}, and an "
                    "observing Party observes the territory of another party",
                    (o,),
                    n,
                    0,
                )
            )
            continue
        flights[(o, t)] = flights.get((o, t), 0) + n
        extra = distribution.shared.get((o_code, t_code), 0)
        if extra:
            shared[(o, t)] = shared.get((o, t), 0) + extra
    return dict(sorted(flights.items())), shared


def _party_in_force(
    problem: QuotaProblem, code: str, role: str, found: list[Violation]
) -> str | None:
    try:
        return problem.resolve(code)
    except NotAPartyError as err:
        found.append(
            Violation(
                "I.1", f"{err}; it has no right to {role} in {problem.year}", (code,)
            )
        )
        return None


def _request_violations(
    problem: QuotaProblem, flights: Mapping[tuple[str, str], int], requests: Any
) -> list[Violation]:
    asked = {pair: n for pair, (n, _) in requested_flights(problem, requests).items()}
    found = []
    for (o, t), n in flights.items():
        if n > asked.get((o, t), 0):
            found.append(
                Violation(
                    "Annex L II",
                    f"{o} is given {n} flights over {t} but requested "
                    f"{asked.get((o, t), 0)}",
                    (o, t),
                    n,
                    asked.get((o, t), 0),
                )
            )
    for (o, t), wanted in asked.items():
        due = min(wanted, flights.get((t, o), 0))
        if flights.get((o, t), 0) < due:
            found.append(
                Violation(
                    "III.I.3",
                    f"{o} is given {flights.get((o, t), 0)} flights over {t} while "
                    f"{t} is given {flights.get((t, o), 0)} over {o}; {o} asked "
                    f"for {wanted} and is entitled to as many as {t} flies over it",
                    (o, t),
                    flights.get((o, t), 0),
                    due,
                )
            )
    return found
