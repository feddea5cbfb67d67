"""Toy treaties small enough to check by hand.

A toy treaty uses real states (so that the bundled territories and airfields
apply) with made-up passive quotas, written as real quota tables and loaded
through :func:`openskies.load_treaty`, exactly as a user's own data would be.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

from openskies import Treaty, load_treaty

IN_FORCE = "2002-01-01"


def _write(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_toy_quotas(
    directory: Path,
    quotas: Mapping[str, int],
    *,
    groups: Mapping[str, Sequence[str]] | None = None,
    left: Mapping[str, str] | None = None,
) -> Path:
    """Write quota tables for a toy treaty into ``directory`` and return it.

    Parameters
    ----------
    directory
        Where to write ``states.csv`` and the other tables.
    quotas
        Passive quota per party code; a party is a state (ISO3) or a group.
    groups
        Member states of each group party, e.g. ``{"BENELUX": ["BEL", "NLD"]}``.
    left
        Date a state's withdrawal takes effect, e.g. ``{"USA": "2020-11-22"}``.
    """
    groups = dict(groups or {})
    left = dict(left or {})
    directory.mkdir(parents=True, exist_ok=True)
    members = {party: list(groups.get(party, [party])) for party in quotas}
    states = [s for group in members.values() for s in group]
    # every other real state stays known (the bundled airfields and restrictions name
    # them) but never in force
    others = [s.iso3 for s in load_treaty().states if s.iso3 not in states]
    _write(
        directory / "states.csv",
        ["iso3", "name", "in_force", "left", "in_force_status", "note"],
        [[s, f"State {s}", IN_FORCE, left.get(s, ""), "confirmed", ""] for s in states]
        + [[s, f"State {s}", "", "", "confirmed", "not in the toy"] for s in others],
    )
    _write(
        directory / "parties.csv",
        ["code", "name", "kind", "note"],
        [
            [p, f"Party {p}", "common_quota_group" if p in groups else "state", ""]
            for p in quotas
        ],
    )
    _write(
        directory / "party_membership.csv",
        ["state", "party", "valid_from", "valid_to", "note"],
        [
            [s, p, IN_FORCE, left.get(s, ""), ""]
            for p, group in members.items()
            for s in group
        ],
    )
    _write(
        directory / "passive_quotas.csv",
        ["party", "valid_from", "valid_to", "passive_quota", "status", "source"],
        [[p, IN_FORCE, "", q, "confirmed", "toy"] for p, q in quotas.items()],
    )
    _write(
        directory / "first_distribution_1992.csv",
        ["observer", "observed", "flights", "shared", "shared_with"],
        [],
    )
    return directory


def toy_treaty(directory: Path, quotas: Mapping[str, int], **kwargs: object) -> Treaty:
    """Write a toy treaty's tables into ``directory`` and load it."""
    return load_treaty(write_toy_quotas(directory, quotas, **kwargs))  # type: ignore[arg-type]
