"""The events of a ledger: outcomes, transfers and requests for data, checked first.

:class:`LedgerEvents` is the half of :class:`~openskies.ledger.ledger.Ledger` that
appends to the journal.  Every event is validated against the treaty inside the
write transaction that stores it, so a refused event changes nothing.

References
----------
Treaty on Open Skies, Art. III.I.4, III.I.8-10, VI.I.5, VIII, IX.IV, XV.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openskies.errors import OptionsError, UnknownStateError
from openskies.ledger import store
from openskies.ledger.balance import balance_rows
from openskies.ledger.rows import (
    MISSION_COLUMNS,
    as_choice,
    as_day,
    as_line,
    mission_from,
    now,
)
from openskies.ledger.rules import Membership, counts, pair_cap
from openskies.ledger.schema import (
    BALANCE_COLUMNS,
    EVENT_COLUMNS,
    encode_geometry,
)
from openskies.ledger.types import Cause, EventKind, LedgerRuleError, Outcome

if TYPE_CHECKING:
    from openskies.calendar.types import Mission
    from openskies.treaty.model import Treaty

__all__ = ["LedgerEvents"]


class LedgerEvents:
    """Appending validated events to a ledger's journal (the base of ``Ledger``)."""

    path: Path
    year: int
    pair_cap_reading: str
    _con: sqlite3.Connection
    _distribution: dict[tuple[str, str], int]
    _membership: Membership
    _passive: dict[str, int]

    def _event_rows(self) -> list[dict[str, Any]]:
        """Return every event as a mapping of the ``events`` columns."""
        cursor = self._con.execute(
            f"SELECT {', '.join(EVENT_COLUMNS)} FROM events ORDER BY seq"
        )
        return [dict(zip(EVENT_COLUMNS, row, strict=True)) for row in cursor]

    def missions(self) -> tuple[Mission, ...]:
        """Return the current calendar (the plan's or the last re-plan's)."""
        return tuple(
            mission_from(row)
            for row in self._con.execute(
                f"SELECT {MISSION_COLUMNS} FROM missions WHERE calendar ="
                " (SELECT MAX(calendar) FROM missions) ORDER BY arrival, mission_id"
            )
        )

    def imagery_recipients(self, mission_id: str, date: object) -> tuple[str, ...]:
        """Return the states that may receive copies of a mission's data on ``date``.

        Only states that are parties on the date of the request (Art. IX.IV;
        the condition Russia set in 2020): not the United States from
        2020-11-22, not Russia from 2021-12-18.

        Raises
        ------
        UnknownStateError
            If the mission is not in the ledger.
        OptionsError
            If ``date`` is not a date.
        """
        day = as_day(date)
        self._any_mission(mission_id)
        return self._membership.states_on(day)

    # ------------------------------------------------------------------ events
    def record(
        self,
        mission_id: str,
        outcome: Outcome | str,
        *,
        date: object,
        cause: Cause | str | None = None,
        counted: bool | None = None,
        route: object = None,
        note: str = "",
    ) -> int:
        """Record what became of a mission of the current calendar.

        Parameters
        ----------
        mission_id
            The mission (Annex B flight id).
        outcome
            ``flown``, ``curtailed``, ``prohibited``, ``declined`` or ``cancelled``
            (:class:`~openskies.ledger.types.Outcome`).
        date
            The day of the outcome, in the quota year.
        cause
            Why a curtailed flight was cut short
            (:class:`~openskies.ledger.types.Cause`).
        counted
            After a curtailment caused on the observed party's side, the
            observer's choice whether it counts (VIII.II.5).
        route
            The flown track (Route, LineString or (lon, lat) points), stored in
            the ``tracks`` layer.
        note
            Free text.

        Returns
        -------
        int
            The event's sequence number.

        Raises
        ------
        UnknownStateError
            If the mission is not in the current calendar.
        LedgerRuleError
            If the mission already has an outcome, the date is outside the year
            or before the notice, or a counted flight exceeds the quota left
            (R5); nothing is stored.
        NotAPartyError
            If the observer or observed party is not a party on ``date``.
        OptionsError, GeometryError
            If an argument is malformed.

        References
        ----------
        Treaty on Open Skies, Art. III.I.8, VI.I.5, VIII.I.2-5, VIII.II.5.
        """
        kind = as_choice(Outcome, outcome, "outcome")
        why = None if cause is None else as_choice(Cause, cause, "cause")
        if counted is not None and not isinstance(counted, bool):
            raise OptionsError(
                f"counted must be True, False or None, got {counted!r:.40}"
            )
        day = self._in_year(date)
        text = self._note(note)
        line = as_line(route)
        counted_now = counts(kind, why, counted)
        with store.transaction(self._con):
            mission = self._current_mission(mission_id)
            self._membership.party(mission.observer, day)
            self._membership.party(mission.observed, day)
            previous = self._con.execute(
                "SELECT seq, outcome FROM events WHERE kind = ? AND mission_id = ?",
                (EventKind.OUTCOME.value, mission.id),
            ).fetchone()
            if previous is not None:
                raise LedgerRuleError(
                    "Art. VIII",
                    f"mission {mission.id} already has the outcome "
                    f"{previous[1]!r} (event {previous[0]}); a mission has one "
                    "outcome: record a new mission after a re-plan instead",
                )
            if kind is not Outcome.CANCELLED and day < mission.notice.date():
                raise LedgerRuleError(
                    "Art. VI.I.5",
                    f"mission {mission.id} is notified on "
                    f"{mission.notice.date().isoformat()}; its outcome cannot be "
                    f"dated {day.isoformat()}, before the notice",
                )
            event = {
                "kind": EventKind.OUTCOME.value,
                "date": day.isoformat(),
                "mission_id": mission.id,
                "outcome": kind.value,
                "cause": None if why is None else why.value,
                "counted": int(counted_now),
                "observer": mission.observer,
                "observed": mission.observed,
                "note": text,
            }
            if counted_now:
                self._check_quota(event, mission)
            seq = self._append(event)
            if line is not None:
                self._con.execute(
                    "INSERT INTO tracks (geom, event_seq, mission_id) VALUES (?, ?, ?)",
                    (encode_geometry(line), seq, mission.id),
                )
        return seq

    def transfer(
        self,
        observer: str,
        observed: str,
        flights: int,
        *,
        to: str,
        date: object,
        consent: bool = False,
        note: str = "",
    ) -> int:
        """Transfer active quota of ``observer`` over ``observed`` to ``to`` (R6).

        Parameters
        ----------
        observer, observed
            The pair whose active quota is given (state or party codes).
        flights
            How many flights (>= 1), at most what ``observer`` has left.
        to
            The receiving party.
        date
            The day of the transfer, in the quota year.
        consent
            Whether ``observed`` consented (R6 requires it); False is refused.
        note
            Free text.

        Returns
        -------
        int
            The event's sequence number.

        Raises
        ------
        LedgerRuleError
            Without consent (R6), beyond what the giver has left (R6), beyond
            the receiver's per-pair cap (R4), or outside the year; nothing is
            stored.
        UnknownStateError, NotAPartyError
            If a code is unknown or not a party on ``date``.
        OptionsError
            If an argument is malformed.

        References
        ----------
        Treaty on Open Skies, Art. III.I.9, III.I.10.
        """
        if not isinstance(flights, int) or isinstance(flights, bool) or flights < 1:
            raise OptionsError(
                f"flights must be a whole number >= 1, got {flights!r:.40}"
            )
        if not isinstance(consent, bool):
            raise OptionsError(f"consent must be True or False, got {consent!r:.40}")
        day = self._in_year(date)
        text = self._note(note)
        giver = self._membership.party(observer, day)
        target = self._membership.party(observed, day)
        receiver = self._membership.party(to, day)
        if len({giver, target, receiver}) < 3:
            raise LedgerRuleError(
                "R6 (Art. III.I.9)",
                f"a transfer needs three different parties, got observer {giver}, "
                f"observed {target}, receiver {receiver}",
            )
        if not consent:
            raise LedgerRuleError(
                "R6 (Art. III.I.9)",
                f"a transfer of active quota over {target} needs {target}'s consent; "
                "pass consent=True once it has agreed",
            )
        with store.transaction(self._con):
            event = {
                "kind": EventKind.TRANSFER.value,
                "date": day.isoformat(),
                "observer": giver,
                "observed": target,
                "receiver": receiver,
                "flights": flights,
                "consent": 1,
                "note": text,
            }
            self._check_transfer(event)
            return self._append(event)

    def request_imagery(
        self, mission_id: str, *, requester: str, date: object, note: str = ""
    ) -> int:
        """Grant and record a request for copies of a flight's data (Art. IX.IV).

        Parameters
        ----------
        mission_id
            A mission recorded as flown or curtailed.
        requester
            The requesting state (ISO3).
        date
            The day of the request, on or after the flight's outcome.
        note
            Free text.

        Returns
        -------
        int
            The event's sequence number.

        Raises
        ------
        LedgerRuleError
            If the requester is not a state party on ``date`` (e.g. the United
            States after 2020-11-22, Russia after 2021-12-18), or the mission
            was not flown; nothing is stored.
        UnknownStateError
            If the mission or the state is unknown.
        OptionsError
            If an argument is malformed.

        References
        ----------
        Treaty on Open Skies, Art. IX.IV, XV.
        """
        day = as_day(date)
        text = self._note(note)
        state = self._membership.require_state(requester, day, "Art. IX.IV")
        with store.transaction(self._con):
            mission = self._any_mission(mission_id)
            done = self._con.execute(
                "SELECT outcome, date FROM events WHERE kind = ? AND mission_id = ?",
                (EventKind.OUTCOME.value, mission.id),
            ).fetchone()
            if done is None or done[0] not in (Outcome.FLOWN, Outcome.CURTAILED):
                raise LedgerRuleError(
                    "Art. IX.IV",
                    f"mission {mission.id} has no data: it is not recorded as flown "
                    "or curtailed",
                )
            if day < dt.date.fromisoformat(done[1]):
                raise LedgerRuleError(
                    "Art. IX.IV",
                    f"mission {mission.id} was flown on {done[1]}; a request for "
                    f"its data cannot be dated {day.isoformat()}",
                )
            return self._append(
                {
                    "kind": EventKind.IMAGERY.value,
                    "date": day.isoformat(),
                    "mission_id": mission.id,
                    "observer": mission.observer,
                    "observed": mission.observed,
                    "requester": state,
                    "note": text,
                }
            )

    # ------------------------------------------------------------------ re-planning

    def _in_year(self, value: object, name: str = "date") -> dt.date:
        """Return ``value`` as a day of the quota year, or raise."""
        day = as_day(value, name)
        if day.year != self.year:
            raise LedgerRuleError(
                "R1 (Art. III.I.4)",
                f"{name} {day.isoformat()} is outside the quota year {self.year} of "
                f"this ledger; quotas are per calendar year: use a date in {self.year}",
            )
        return day

    @staticmethod
    def _note(note: object) -> str:
        """Return ``note`` if it is text."""
        if not isinstance(note, str) or "\0" in note:
            raise OptionsError(f"note must be text without NUL, got {note!r:.40}")
        return note

    def _current_mission(self, mission_id: object) -> Mission:
        """Return the mission of the current calendar, or raise UnknownStateError."""
        known = {m.id: m for m in self.missions()}
        key = str(mission_id).strip().upper() if isinstance(mission_id, str) else None
        if key not in known:
            raise UnknownStateError(mission_id, known, what="mission id")
        return known[key]

    def _any_mission(self, mission_id: object) -> Mission:
        """Return the mission of any calendar (the latest), or raise."""
        if not isinstance(mission_id, str):
            raise UnknownStateError(mission_id, (), what="mission id")
        row = self._con.execute(
            f"SELECT {MISSION_COLUMNS} FROM missions WHERE mission_id = ?"
            " ORDER BY calendar DESC LIMIT 1",
            (mission_id.strip().upper(),),
        ).fetchone()
        if row is None:
            known = [r[0] for r in self._con.execute("SELECT mission_id FROM missions")]
            raise UnknownStateError(mission_id, known, what="mission id")
        return mission_from(row)

    def _snapshots(
        self, event: Mapping[str, Any]
    ) -> Iterator[tuple[dt.date, dict[tuple[str, str], tuple[int, ...]]]]:
        """Yield the balance with ``event`` added on each event date from its own.

        An event changes the balance from its date on; the quotas must hold on
        every later day that has an event (where the balance changes), not only
        at the end of the year (a flight cannot use quota transferred later).
        """
        events = [*self._event_rows(), event]
        since = event["date"]
        for day in sorted({e["date"] for e in events if e["date"] >= since}):
            rows = balance_rows(
                self._distribution,
                self._passive,
                events,
                dt.date.fromisoformat(day),
            )
            yield dt.date.fromisoformat(day), {(r[0], r[1]): r[2:] for r in rows}

    def _check_quota(self, event: Mapping[str, Any], mission: Mission) -> None:
        """Refuse a counted flight beyond the active or passive quota left (R5)."""
        pair = (mission.observer, mission.observed)
        for day, balance in self._snapshots(event):
            remaining, quota, passive_left = (balance[pair][i] for i in (4, 5, 7))
            if remaining < 0:
                raise LedgerRuleError(
                    "R5 (Art. III.I.8)",
                    f"{mission.observer} has no active quota left over "
                    f"{mission.observed} for mission {mission.id} on "
                    f"{day.isoformat()}: the flight cannot count; record it as not "
                    "counted or transfer quota first",
                )
            if passive_left < 0:
                raise LedgerRuleError(
                    "R1 (Art. III.I.4)",
                    f"{mission.observed} has used its whole passive quota {quota} "
                    f"on {day.isoformat()}; it need not accept mission {mission.id}",
                )

    def _check_transfer(self, event: Mapping[str, Any]) -> None:
        """Refuse a transfer beyond what remains (R6) or the receiver's cap (R4)."""
        giver, target = event["observer"], event["observed"]
        receiver, flights = event["receiver"], event["flights"]
        for day, balance in self._snapshots(event):
            left = balance[(giver, target)][4]
            if left < 0:
                raise LedgerRuleError(
                    "R6 (Art. III.I.9)",
                    f"{giver} has {left + flights} flights over {target} left on "
                    f"{day.isoformat()}; it cannot transfer {flights}",
                )
            held = balance[(receiver, target)]
            holding = held[0] + held[1] - held[2]
            total = sum(
                v[0] + v[1] - v[2] for (o, _), v in balance.items() if o == receiver
            )
            cap = pair_cap(
                self.pair_cap_reading,
                self._passive.get(receiver, 0),
                total,
                self._passive.get(target, 0),
            )
            if holding > cap:
                raise LedgerRuleError(
                    "R4 (Art. III.I.10)",
                    f"{receiver} would hold {holding} flights over {target} on "
                    f"{day.isoformat()}; its per-pair cap is {cap} (reading "
                    f"{self.pair_cap_reading!r}); transfer at most "
                    f"{max(0, flights - (holding - cap))}",
                )

    def _append(self, event: Mapping[str, Any]) -> int:
        """Insert ``event`` (inside a transaction); rewrite the balance table.

        Only outcomes and transfers change the balance; imagery requests and
        calendars leave the table as it is.
        """
        fields = {"recorded_at": now(), **event}
        names = ", ".join(fields)
        cursor = self._con.execute(
            f"INSERT INTO events ({names}) VALUES ({', '.join('?' * len(fields))})",
            tuple(fields.values()),
        )
        seq = cursor.lastrowid
        assert seq is not None
        changed = ["events"]
        if event["kind"] in (EventKind.OUTCOME, EventKind.TRANSFER):
            changed.append("balance")
            self._con.execute("DELETE FROM balance")
            self._con.executemany(
                f"INSERT INTO balance VALUES ({', '.join('?' * len(BALANCE_COLUMNS))})",
                balance_rows(self._distribution, self._passive, self._event_rows()),
            )
        self._con.execute(
            "UPDATE gpkg_contents"
            " SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
            f" WHERE table_name IN ({', '.join('?' * len(changed))})",
            changed,
        )
        return seq

    def _treaty(self) -> Treaty:
        """Return the bundled treaty data."""
        from openskies.treaty.loading import load_treaty

        return load_treaty()
