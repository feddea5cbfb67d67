"""Build a :class:`~openskies.treaty.Treaty` from ``quotas/`` and ``geodata/``.

Everything is read and cross-checked before the treaty object exists, so a
malformed file raises :class:`~openskies.errors.DataError` and nothing is
half-loaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from openskies._resources import bundled_dir
from openskies._tables import Row, read_table
from openskies.errors import DataError
from openskies.territory import (
    RESTRICTION_AREAS_FILE,
    RESTRICTIONS_FILE,
    TERRITORIES_FILE,
    read_airfields,
    read_features,
    read_restrictions,
)
from openskies.treaty import (
    STATUSES,
    DistributionEntry,
    PartyInfo,
    PartyMembership,
    PassiveQuota,
    State,
    Treaty,
)

__all__ = ["load_treaty"]

PARTY_KINDS = ("state", "single_party", "common_quota_group")
_ISO3 = re.compile(r"^[A-Z]{3}$")


def load_treaty(
    quotas_dir: str | Path | None = None,
    geodata_dir: str | Path | None = None,
    *,
    inferred: bool = False,
) -> Treaty:
    """Load the treaty data: states, parties, quotas, territories, airfields.

    Parameters
    ----------
    quotas_dir
        Directory with ``states.csv``, ``parties.csv``, ``party_membership.csv``,
        ``passive_quotas.csv`` and ``first_distribution_1992.csv``; the bundled
        tables by default.
    geodata_dir
        Directory with ``territories.geojson``, ``restriction_areas.geojson``,
        ``airfields.csv``, ``flight_distances.csv`` and ``restrictions.csv``; the
        bundled geodata by default.
    inferred
        Apply values with status ``inferred`` (our derived bounds, such as
        Georgia's Annex E 5 lower bound on its maximum flight distance); off by
        default.  Same as ``load_treaty().using_inferred()``.

    Returns
    -------
    Treaty
        Immutable; query it with ``Treaty.as_of(date)``.  The bundled data are
        parsed once per process and shared; user directories are read afresh on
        every call.

    Raises
    ------
    DataError
        If a file is missing or malformed; the message names file, row and field.

    Examples
    --------
    >>> from openskies import load_treaty
    >>> view = load_treaty().as_of("2019-06-01")
    >>> len(view.members), view.passive_quota("RUS")
    (34, 42)
    """
    if quotas_dir is None and geodata_dir is None:
        treaty = _load_bundled()
    else:
        quotas = bundled_dir("quotas") if quotas_dir is None else Path(quotas_dir)
        geodata = bundled_dir("geodata") if geodata_dir is None else Path(geodata_dir)
        treaty = _load(quotas, geodata)
    return treaty.using_inferred() if inferred else treaty


@lru_cache(maxsize=1)
def _load_bundled() -> Treaty:
    return _load(bundled_dir("quotas"), bundled_dir("geodata"))


def _load(quotas: Path, geodata: Path) -> Treaty:
    for directory in (quotas, geodata):
        if not directory.is_dir():
            raise DataError("not a directory", file=directory)
    states = _read_states(quotas / "states.csv")
    parties = _read_parties(quotas / "parties.csv", states)
    memberships = _read_memberships(quotas / "party_membership.csv", states, parties)
    passive = _read_passive_quotas(quotas / "passive_quotas.csv", parties)
    codes = frozenset(states) | frozenset(parties)
    distribution = _read_distribution(quotas / "first_distribution_1992.csv", parties)
    territories = read_features(geodata / TERRITORIES_FILE, "iso3")
    _check_territories(territories, states, geodata / TERRITORIES_FILE)
    areas = read_features(geodata / RESTRICTION_AREAS_FILE, "id")
    return Treaty(
        states=states,
        parties=parties,
        memberships=memberships,
        passive_quotas=passive,
        airfields=read_airfields(geodata, frozenset(states)),
        restrictions=read_restrictions(geodata / RESTRICTIONS_FILE, areas, codes),
        territories=territories,
        first_distribution=distribution,
        sources={"quotas": str(quotas), "geodata": str(geodata)},
    )


def _unique(row: Row, field: str, seen: Iterable[str]) -> str:
    value = row.text(field)
    if value in seen:
        raise row.error(field, f"{value!r} appears twice")
    return value


def _known(row: Row, field: str, known: Iterable[str], what: str) -> str:
    value = row.text(field)
    if value not in known:
        raise row.error(field, f"unknown {what} {value!r}")
    return value


def _read_states(path: Path) -> dict[str, State]:
    states: dict[str, State] = {}
    for row in read_table(path, ("iso3", "name", "in_force", "left")):
        iso3 = _unique(row, "iso3", states)
        if not _ISO3.match(iso3):
            raise row.error("iso3", f"{iso3!r} is not an ISO 3166 alpha-3 code")
        in_force, left = row.period("in_force", "left")
        if left is not None and in_force is None:
            raise row.error("left", "a state that never joined cannot leave")
        states[iso3] = State(
            iso3=iso3,
            name=row.text("name"),
            in_force=in_force,
            left=left,
            in_force_status=row.choice("in_force_status", STATUSES),
            note=row.text("note", required=False),
        )
    return states


def _read_parties(path: Path, states: dict[str, State]) -> dict[str, PartyInfo]:
    parties: dict[str, PartyInfo] = {}
    for row in read_table(path, ("code", "name", "kind")):
        code = _unique(row, "code", parties)
        kind = row.choice("kind", PARTY_KINDS)
        if kind == "state" and code not in states:
            raise row.error("code", f"party of kind state but {code!r} is no state")
        parties[code] = PartyInfo(
            code, row.text("name"), kind, row.text("note", required=False)
        )
    return parties


def _read_memberships(
    path: Path, states: dict[str, State], parties: dict[str, PartyInfo]
) -> tuple[PartyMembership, ...]:
    result: list[PartyMembership] = []
    for row in read_table(path, ("state", "party", "valid_from", "valid_to")):
        state = _known(row, "state", states, "state")
        party = _known(row, "party", parties, "party")
        start, end = row.date("valid_from"), row.period()[1]
        membership = PartyMembership(state, party, start, end)
        for other in result:
            if other.state == state and _overlaps(membership, other):
                raise row.error(
                    "valid_from", f"{state} already belongs to {other.party} then"
                )
        result.append(membership)
    return tuple(result)


def _overlaps(
    a: PartyMembership | PassiveQuota, b: PartyMembership | PassiveQuota
) -> bool:
    return (b.valid_to is None or a.valid_from < b.valid_to) and (
        a.valid_to is None or b.valid_from < a.valid_to
    )


def _read_passive_quotas(
    path: Path, parties: dict[str, PartyInfo]
) -> tuple[PassiveQuota, ...]:
    result: list[PassiveQuota] = []
    for row in read_table(path, ("party", "valid_from", "passive_quota", "status")):
        party = _known(row, "party", parties, "party")
        start, end = row.date("valid_from"), row.period()[1]
        quota = PassiveQuota(
            party=party,
            valid_from=start,
            valid_to=end,
            value=row.integer("passive_quota"),
            status=row.choice("status", STATUSES),
            source=row.text("source", required=False),
        )
        if any(q.party == party and _overlaps(quota, q) for q in result):
            raise row.error("valid_from", f"overlaps another quota period of {party}")
        result.append(quota)
    return tuple(result)


def _read_distribution(
    path: Path, parties: dict[str, PartyInfo]
) -> tuple[DistributionEntry, ...]:
    result = []
    for row in read_table(path, ("observer", "observed", "flights")):
        observer = _known(row, "observer", parties, "party")
        observed = _known(row, "observed", parties, "party")
        if observer == observed:
            raise row.error("observed", "a party cannot observe itself")
        flights = row.integer("flights", minimum=1)
        shared = row.integer("shared") if row.text("shared", required=False) else 0
        if not 0 <= shared <= flights:
            raise row.error("shared", f"{shared} is not between 0 and {flights}")
        partner = row.text("shared_with", required=bool(shared))
        if partner and partner not in parties:
            raise row.error("shared_with", f"unknown party {partner!r}")
        result.append(DistributionEntry(observer, observed, flights, shared, partner))
    return tuple(result)


def _check_territories(
    territories: Mapping[str, object], states: Mapping[str, State], path: Path
) -> None:
    missing = [
        s for s, state in states.items() if state.in_force and s not in territories
    ]
    if missing:
        raise DataError(
            f"no territory for state(s) {', '.join(missing)}", file=path, field="iso3"
        )
