"""The independent calendar validator: each rule caught on a hand-made calendar."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from geographiclib.geodesic import Geodesic

from openskies import OptionsError, Treaty, TreatyView
from openskies.calendar.schedule import Blackout, Mission, ScheduleResult, schedule
from openskies.rules.schedule_check import check_schedule
from openskies.treaty.distribution import Distribution
from openskies.violations import Violation

UTC = dt.UTC
H = dt.timedelta(hours=1)


@pytest.fixture(scope="module")
def view(treaty: Treaty) -> TreatyView:
    """The treaty on 1 January 2019."""
    return treaty.as_of("2019-01-01")


@pytest.fixture(scope="module")
def base(view: TreatyView) -> ScheduleResult:
    """A valid 2019 calendar: own aircraft, a taxi, and a flight with none."""
    flights = {
        ("USA", "RUS"): 3,
        ("SWE", "POL"): 2,
        ("DEU", "HUN"): 1,
        ("FIN", "EST"): 1,
    }
    return schedule(view, Distribution(flights), 2019)


def _mission(
    ident: str,
    observer: str,
    observed: str,
    poe: str,
    arrival: dt.datetime,
    aircraft: str | None,
    *,
    taxi: bool = False,
) -> Mission:
    return Mission(
        ident,
        observer,
        observed,
        poe,
        arrival - 72 * H,
        arrival,
        arrival + 96 * H,
        aircraft,
        taxi,
    )


def _pick(result: ScheduleResult, observer: str) -> tuple[int, Mission]:
    return next((k, m) for k, m in enumerate(result.missions) if m.observer == observer)


def _changed(result: ScheduleResult, observer: str, **changes: object) -> list[Mission]:
    k, mission = _pick(result, observer)
    missions = list(result.missions)
    missions[k] = dataclasses.replace(mission, **changes)  # type: ignore[arg-type]
    return missions


def _rules(found: list[Violation]) -> set[str]:
    return {v.rule for v in found}


def test_valid_calendar_has_no_findings(view: TreatyView, base: ScheduleResult) -> None:
    assert check_schedule(view, base) == []
    assert check_schedule(view, base.missions, distribution=base.granted) == []


def test_each_mission_rule(view: TreatyView, base: ScheduleResult) -> None:
    _, fin = _pick(base, "FIN")
    late_notice = _changed(base, "FIN", notice=fin.arrival - 71 * H)
    (found,) = check_schedule(view, late_notice)
    assert (found.rule, found.value, found.limit) == ("VI.I.5", 71, 72)

    long_mission = _changed(base, "FIN", end=fin.arrival + 97 * H)
    (found,) = check_schedule(view, long_mission)
    assert (found.rule, found.value, found.limit) == ("VI.I.9", 97, 96)

    new_year = dt.datetime(2018, 12, 30, tzinfo=UTC)
    early = _changed(
        base, "FIN", notice=new_year - 72 * H, arrival=new_year, end=new_year + 96 * H
    )
    assert _rules(check_schedule(view, early)) == {"III.I.4"}

    assert _rules(check_schedule(view, _changed(base, "FIN", id="OS8001"))) == {
        "Annex B"
    }
    _, swe = _pick(base, "SWE")
    twice = _changed(base, "FIN", id=swe.id)
    assert [v.message for v in check_schedule(view, twice)] == [
        f"flight id {swe.id} is used twice"
    ] * 2

    wrong_poe = _changed(base, "FIN", poe="EDDK")  # Germany's, not Estonia's
    (found,) = check_schedule(view, wrong_poe)
    assert found.rule == "Annex E"
    assert "EETU" in found.message

    local = dt.timezone(dt.timedelta(hours=1))
    not_utc = _changed(base, "FIN", arrival=fin.arrival.astimezone(local))
    assert [v.message for v in check_schedule(view, not_utc)] == [
        f"{fin.id}: times must be given in UTC"
    ]


def test_one_mission_at_a_time_per_party(
    view: TreatyView, base: ScheduleResult
) -> None:
    first, second = (m for m in base.missions if m.observer == "SWE")
    missions = [m for m in base.missions if m is not second]
    arrival = first.arrival + 95 * H
    missions.append(
        dataclasses.replace(
            second, notice=arrival - 72 * H, arrival=arrival, end=arrival + 96 * H
        )
    )
    found = check_schedule(view, missions)
    # Poland hosts two missions 95 h apart, and the Swedish aircraft is still on
    # the first one when the second should arrive
    assert sorted((v.rule, v.value) for v in found) == [
        ("VI.I.1", pytest.approx(-1.0)),
        ("VI.I.3", 95.0),
    ]


def test_sixteen_per_quarter(view: TreatyView) -> None:
    start = dt.datetime(2019, 1, 1, tzinfo=UTC)
    missions = [
        _mission(f"OS9{k + 1:03d}", "FIN", "EST", "EETU", start + k * 96 * H, None)
        for k in range(17)
    ]
    assert check_schedule(view, missions[:16]) == []
    (found,) = check_schedule(view, missions)
    assert (found.rule, found.parties, found.value, found.limit) == (
        "Annex H",
        ("EST",),
        17,
        16,
    )
    assert "Q1 2019" in found.message


def test_mission_after_withdrawal(treaty: Treaty) -> None:
    view = treaty.as_of("2020-01-01")
    arrival = dt.datetime(2020, 11, 19, 12, tzinfo=UTC)  # ends 23 Nov, 12:00
    late = _mission("OS0001", "USA", "RUS_BLR", "UUMB", arrival, "USA-OC135B-2670")
    (found,) = check_schedule(view, [late])
    assert found.rule == "XV.2"
    assert found.parties == ("USA",)
    shift = 36 * H
    in_time = dataclasses.replace(
        late, notice=late.notice - shift, arrival=arrival - shift, end=late.end - shift
    )
    assert check_schedule(view, [in_time]) == []  # ends at 00:00 on 22 November


def test_aircraft_entitlement(view: TreatyView, base: ScheduleResult) -> None:
    arrival = dt.datetime(2019, 5, 6, tzinfo=UTC)
    borrowed = _mission("OS9001", "DEU", "RUS_BLR", "UUMB", arrival, "USA-OC135B-2670")
    (found,) = check_schedule(view, [borrowed])
    assert found.rule == "VI.I.1"
    assert "DEU may not fly USA-OC135B-2670" in found.message
    # Hungary's An-26 was in service: Germany may not go without an aircraft
    walking = _mission("OS9001", "DEU", "HUN", "LHBP", arrival, None)
    assert "HUN-AN26 is in service" in check_schedule(view, [walking])[0].message
    # Sweden has its own aircraft, so it may not take a taxi
    assert _rules(check_schedule(view, _changed(base, "SWE", taxi=True))) == {"VI.I.1"}
    retired = _mission("OS9001", "GBR", "POL", "EPWA", arrival, "GBR-ANDOVER")
    messages = [v.message for v in check_schedule(view, [retired])]
    assert any("out of service from 2008-01-01" in m for m in messages)


def test_positioning_between_points_of_entry(view: TreatyView) -> None:
    # The OC-135B ends a mission at Kubinka and flies on to Boryspil at 800 km/h.
    km = Geodesic.WGS84.Inverse(55.608, 36.653, 50.335, 30.885)["s12"] / 1000
    needed = km / 800
    first = _mission(
        "OS9001",
        "USA",
        "RUS_BLR",
        "UUMB",
        dt.datetime(2019, 5, 1, tzinfo=UTC),
        "USA-OC135B-2670",
    )
    too_soon = _mission("OS9002", "USA", "UKR", "UKBB", first.end, "USA-OC135B-2670")
    (found,) = check_schedule(view, [first, too_soon])
    assert found.rule == "VI.I.1"
    assert found.value == 0
    assert found.limit == pytest.approx(needed, rel=1e-6)
    assert needed < 1  # about 760 km: one hour is enough
    in_time = _mission("OS9002", "USA", "UKR", "UKBB", first.end + H, "USA-OC135B-2670")
    assert check_schedule(view, [first, in_time]) == []


def test_blackouts_and_granted_flights(view: TreatyView, base: ScheduleResult) -> None:
    _, fin = _pick(base, "FIN")
    # Estonia's blackout covers the last hour of the Finnish mission
    closed = Blackout("EST", fin.end - H, fin.end + 24 * H)
    (found,) = check_schedule(view, base.missions, blackouts=[closed])
    assert (found.rule, found.parties) == ("blackout", ("EST",))
    # a blackout given for a state applies to its party
    russia = next(m for m in base.missions if m.observed == "RUS_BLR")
    found = check_schedule(
        view, base.missions, blackouts=[Blackout("BLR", russia.arrival, russia.end)]
    )
    assert _rules(found) == {"blackout"}
    more = Distribution(dict(base.granted.flights) | {("USA", "RUS_BLR"): 4})
    (found,) = check_schedule(view, base.missions, distribution=more)
    assert (found.rule, found.parties, found.value, found.limit) == (
        "III.I.5",
        ("USA", "RUS_BLR"),
        3,
        4,
    )
    # flights declared as left out count as accounted for
    assert (
        check_schedule(
            view, base.missions, distribution=more, left_out=[("USA", "RUS_BLR")]
        )
        == []
    )


def test_rejects_other_objects(view: TreatyView) -> None:
    with pytest.raises(OptionsError, match="expected Mission objects"):
        check_schedule(view, [("OS9001", "DEU", "POL")])
    assert check_schedule(view, []) == []
