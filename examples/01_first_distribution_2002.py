"""The first distribution of active quotas (Annex A II), checked against Article III.

The treaty's own table of flights for 2002-2003 is loaded from the bundled data
and checked by the independent validator under both readings of the per-pair
cap of Art. III.I.10: it complies when the cap is half of the observer's
*entitlement* (its passive quota), and it breaks the cap four times when the
cap is half of the observer's *distributed total*: the reason openskies reads
the cap from the entitlement by default.

Run: ``python examples/01_first_distribution_2002.py``
"""

from __future__ import annotations

from typing import Any

# %% Load the treaty on the day it entered into force and its first distribution
from openskies import load_treaty
from openskies.allocation.problem import first_distribution
from openskies.rules.distribution_check import check_distribution


def main() -> dict[str, Any]:
    treaty = load_treaty()
    view = treaty.as_of("2002-01-01")
    distribution = first_distribution(treaty)

    # %% Flights per observer and per observed party
    print(f"Annex A II: {len(distribution)} pairs, {distribution.total} flights")
    print(f"{'party':8} {'passive':>7} {'flies':>6} {'receives':>9}")
    for party in sorted(view.parties, key=lambda p: p.code):
        print(
            f"{party.code:8} {party.passive_quota:7d} "
            f"{distribution.active(party.code):6d} "
            f"{distribution.received(party.code):9d}"
        )
    shared = sorted(pair for pair, n in distribution.shared.items() if n)
    print("shared flights (one flight, two observers):", shared)

    # %% Check the table against Article III under both readings of III.I.10
    findings = {}
    for reading in ("entitlement", "distributed"):
        found = check_distribution(view, 2002, distribution, pair_cap=reading)
        findings[reading] = found
        binding = [v for v in found if v.binding]
        print(
            f"\npair cap read from the {reading}: {len(binding)} binding violation(s)"
        )
        for violation in found:
            kind = "violation" if violation.binding else "finding (not binding)"
            print(f"  {kind}: {violation}")
    return {"distribution": distribution, "view": view, "findings": findings}


if __name__ == "__main__":
    main()
