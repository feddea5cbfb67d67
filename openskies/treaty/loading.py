"""Build a :class:`~openskies.treaty.model.Treaty` from ``quotas/`` and ``geodata/``.

Everything is read and cross-checked before the treaty object exists, so a
malformed file raises :class:`~openskies.errors.DataError` and nothing is
half-loaded.  The checks (decisions):

- files listed in a directory's ``manifest.json`` must match its sha256 digests
  (the bundled data always carry one; a user directory may);
- types and ranges: quotas and flights are whole numbers ``0..MAX_FLIGHTS``,
  restriction values ``>= 0``, every date on or after the signature (1992-03-24);
- uniqueness of state, party, airfield, restriction and feature ids;
- territories are valid Polygons or MultiPolygons in EPSG:4326;
- referential integrity: memberships, quotas, distributions, airfields and
  restrictions name known states and parties; a state in force belongs to a
  party with a passive quota on every day it is in force; the first
  distribution holds every flight of ``annex_a_1992.csv`` (when present).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from openskies.caching import cached
from openskies.errors import DataError, OptionsError
from openskies.files.tables import Row, read_table
from openskies.treaty.model import (
    STATUSES,
    DistributionEntry,
    PartyInfo,
    PartyMembership,
    PassiveQuota,
    State,
    Treaty,
)
from openskies.treaty.records import MAX_FLIGHTS, within
from openskies.treaty.resources import DataDirName, bundled_dir, verify_manifest
from openskies.treaty.territory import (
    AIRFIELDS_FILE,
    AREAS,
    DISTANCES_FILE,
    RESTRICTION_AREAS_FILE,
    RESTRICTIONS_FILE,
    TERRITORIES_FILE,
    read_airfields,
    read_features,
    read_restrictions,
    treaty_period,
)

__all__ = ["load_treaty"]

PARTY_KINDS = ("state", "single_party", "common_quota_group")
_ISO3 = re.compile(r"^[A-Z]{3}$")
_ISO2 = re.compile(r"^[A-Z]{2}$")
STATES_FILE = "states.csv"
PARTIES_FILE = "parties.csv"
MEMBERSHIP_FILE = "party_membership.csv"
PASSIVE_FILE = "passive_quotas.csv"
DISTRIBUTION_FILE = "first_distribution_1992.csv"
ANNEX_A_FILE = "annex_a_1992.csv"
QUOTA_FILES = (
    STATES_FILE,
    PARTIES_FILE,
    MEMBERSHIP_FILE,
    PASSIVE_FILE,
    DISTRIBUTION_FILE,
    ANNEX_A_FILE,
)
GEODATA_FILES = (
    TERRITORIES_FILE,
    RESTRICTION_AREAS_FILE,
    AIRFIELDS_FILE,
    DISTANCES_FILE,
    RESTRICTIONS_FILE,
)


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
    OptionsError
        If a directory argument is not a path (or is empty, or holds a NUL).
    DataError
        If a file is missing, malformed, inconsistent with another table or
        with its directory's ``manifest.json`` (see the module docstring for
        every check); the message names file, row and field.

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
        treaty = _load(
            _directory(quotas_dir, "quotas"), _directory(geodata_dir, "geodata")
        )
    return treaty.using_inferred() if inferred else treaty


def _directory(value: object, name: DataDirName) -> Path:
    """Return the directory argument ``value`` as a Path (None: the bundled one)."""
    if value is None:
        return bundled_dir(name)
    if not isinstance(value, str | os.PathLike) or isinstance(value, bytes):
        raise OptionsError(
            f"{name}_dir must be a path (str or pathlib.Path), got "
            f"{type(value).__name__}"
        )
    text = os.fspath(value)
    if not isinstance(text, str) or not text.strip() or "\0" in text:
        raise OptionsError(
            f"{name}_dir (--{name}-dir) {str(text)[:60]!r} is not a usable path; "
            "give an existing directory"
        )
    return Path(text)


@cached(maxsize=1)
def _load_bundled() -> Treaty:
    return _load(bundled_dir("quotas"), bundled_dir("geodata"))


def _load(quotas: Path, geodata: Path) -> Treaty:
    for directory, names in ((quotas, QUOTA_FILES), (geodata, GEODATA_FILES)):
        if not directory.is_dir():
            raise DataError("not a directory", file=directory)
        verify_manifest(directory, names)
    states = _read_states(quotas / STATES_FILE)
    parties = _read_parties(quotas / PARTIES_FILE, states)
    memberships = _read_memberships(quotas / MEMBERSHIP_FILE, states, parties)
    passive = _read_passive_quotas(quotas / PASSIVE_FILE, parties)
    _check_quota_cover(states, memberships, passive, quotas)
    codes = frozenset(states) | frozenset(parties)
    annex = _read_annex_a(quotas / ANNEX_A_FILE)
    distribution = _read_distribution(quotas / DISTRIBUTION_FILE, parties, annex)
    territories = read_features(geodata / TERRITORIES_FILE, "iso3", AREAS)
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


def _flights(row: Row, field: str, *, minimum: int = 0) -> int:
    """Return ``field`` as a flight count in ``minimum..MAX_FLIGHTS``."""
    return row.integer(field, minimum=minimum, maximum=MAX_FLIGHTS)


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
        in_force, left = treaty_period(row, "in_force", "left")
        if left is not None and in_force is None:
            raise row.error("left", "a state that never joined cannot leave")
        states[iso3] = State(
            iso3=iso3,
            iso2=_iso2(row, [s.iso2 for s in states.values()]),
            name=row.text("name"),
            in_force=in_force,
            left=left,
            in_force_status=row.choice("in_force_status", STATUSES),
            note=row.text("note", required=False),
        )
    return states


def _iso2(row: Row, seen: Iterable[str]) -> str:
    """Return the ISO 3166-1 alpha-2 code of a state row, ``""`` without the column.

    The column is optional (tables written before it existed still load: their
    states are then found by ISO3 code and name only); when present, every row
    needs a code of two capital letters that no other row has.
    """
    if "iso2" not in row.values:
        return ""
    iso2 = _unique(row, "iso2", seen)
    if not _ISO2.match(iso2):
        raise row.error(
            "iso2", f"{iso2[:20]!r} is not an ISO 3166 alpha-2 code such as DE"
        )
    return iso2


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
        start, end = row.date("valid_from"), treaty_period(row)[1]
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
        start, end = row.date("valid_from"), treaty_period(row)[1]
        quota = PassiveQuota(
            party=party,
            valid_from=start,
            valid_to=end,
            value=_flights(row, "passive_quota"),
            status=row.choice("status", STATUSES),
            source=row.text("source", required=False),
        )
        if any(q.party == party and _overlaps(quota, q) for q in result):
            raise row.error("valid_from", f"overlaps another quota period of {party}")
        result.append(quota)
    return tuple(result)


def _read_distribution(
    path: Path, parties: dict[str, PartyInfo], annex: Mapping[str, int] | None
) -> tuple[DistributionEntry, ...]:
    result = []
    active: dict[str, int] = {}
    for row in read_table(path, ("observer", "observed", "flights")):
        observer = _known(row, "observer", parties, "party")
        observed = _known(row, "observed", parties, "party")
        if observer == observed:
            raise row.error("observed", "a party cannot observe itself")
        flights = _flights(row, "flights", minimum=1)
        shared = _flights(row, "shared") if row.text("shared", required=False) else 0
        if not 0 <= shared <= flights:
            raise row.error("shared", f"{shared} is not between 0 and {flights}")
        partner = row.text("shared_with", required=bool(shared))
        if partner and partner not in parties:
            raise row.error("shared_with", f"unknown party {partner!r}")
        if partner in (observer, observed):
            raise row.error("shared_with", f"{partner} cannot share with itself")
        result.append(DistributionEntry(observer, observed, flights, shared, partner))
        unit = row.text("observer_1992", required=False) or observer
        if annex is not None and unit not in annex:
            raise row.error(
                "observer_1992", f"{unit!r} is not a party of {ANNEX_A_FILE}"
            )
        active[unit] = active.get(unit, 0) + flights
    if annex is not None:
        _check_active_1992(path, annex, active)
    return tuple(result)


def _read_annex_a(path: Path) -> dict[str, int] | None:
    """Return each 1992 unit's active flights in the first distribution (Annex A).

    None if the directory has no ``annex_a_1992.csv`` (a user's toy treaty).
    """
    if not path.exists():
        return None
    annex: dict[str, int] = {}
    for row in read_table(path, ("party_1992", "passive_quota", "active_1992")):
        unit = _unique(row, "party_1992", annex)
        _flights(row, "passive_quota")
        annex[unit] = _flights(row, "active_1992")
    return annex


def _check_active_1992(
    path: Path, annex: Mapping[str, int], active: Mapping[str, int]
) -> None:
    """Refuse a first distribution whose flights differ from Annex A's totals."""
    for unit, expected in annex.items():
        got = active.get(unit, 0)
        if got != expected:
            raise DataError(
                f"{unit} flies {got} flight(s) as observer but {ANNEX_A_FILE} gives "
                f"{expected} (Annex A II.1); the table is truncated or altered, "
                "restore the missing rows",
                file=path,
                field="flights",
            )


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


def _check_quota_cover(
    states: Mapping[str, State],
    memberships: tuple[PartyMembership, ...],
    passive: tuple[PassiveQuota, ...],
    quotas: Path,
) -> None:
    """Refuse a state in force on a day it belongs to no party with a quota.

    Membership and quota periods are piecewise constant, so checking the first
    day of the state's period and every period boundary inside it suffices.
    """
    for state in states.values():
        if state.in_force is None:
            continue
        own = [m for m in memberships if m.state == state.iso3]
        rows = [q for q in passive if any(q.party == m.party for m in own)]
        periods: list[PartyMembership | PassiveQuota] = [*own, *rows]
        days = {state.in_force} | {
            day
            for record in periods
            for day in (record.valid_from, record.valid_to)
            if day is not None
        }
        for day in sorted(d for d in days if state.is_party_on(d)):
            _check_covered(state.iso3, day, own, rows, quotas)


def _check_covered(
    iso3: str,
    day: dt.date,
    own: list[PartyMembership],
    rows: list[PassiveQuota],
    quotas: Path,
) -> None:
    party = next((m.party for m in own if within(day, m.valid_from, m.valid_to)), None)
    if party is None:
        raise DataError(
            f"{iso3} is in force on {day.isoformat()} but belongs to no party then; "
            f"add a row for it to {MEMBERSHIP_FILE}",
            file=quotas / MEMBERSHIP_FILE,
            field="state",
        )
    if not any(
        q.party == party and within(day, q.valid_from, q.valid_to) for q in rows
    ):
        raise DataError(
            f"no passive quota for {party} on {day.isoformat()} ({iso3} is in force "
            f"then); add a row for {party} to {PASSIVE_FILE}",
            file=quotas / PASSIVE_FILE,
            field="party",
        )
