"""The mission calendar: hand-worked calendars, refusals, properties, exports, CLI."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import types
from pathlib import Path

import pandas as pd
import pytest
from geographiclib.geodesic import Geodesic
from hypothesis import given, settings
from hypothesis import strategies as st

from openskies import (
    DataError,
    NotAPartyError,
    OptionsError,
    SolveOptions,
    SolveStatus,
    Treaty,
    TreatyView,
    UnknownStateError,
)
from openskies.calendar.schedule import (
    FRAME_COLUMNS,
    Blackout,
    Preference,
    read_blackouts,
    schedule,
)
from openskies.rules.schedule_check import check_schedule
from openskies.treaty.aircraft import Aircraft
from openskies.treaty.distribution import Distribution

UTC = dt.UTC
FAST = SolveOptions(time_limit_s=5.0)


@pytest.fixture(scope="module")
def view(treaty: Treaty) -> TreatyView:
    """The treaty on 1 January 2019 (34 states parties)."""
    return treaty.as_of("2019-01-01")


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Geodesic distance [km] by GeographicLib, independent of pyproj."""
    return float(Geodesic.WGS84.Inverse(a[1], a[0], b[1], b[0])["s12"]) / 1000


# --- hand-worked calendars -------------------------------------------------------


def test_two_flights_spread_a_month_apart(view: TreatyView) -> None:
    result = schedule(view, Distribution({("SWE", "POL"): 2}), 2019, options=FAST)
    assert result.status is SolveStatus.OPTIMAL
    # two flights can be 30+ days apart, so no 30-day window holds both
    assert (result.objective, result.bound) == (1.0, 1.0)
    assert [m.id for m in result.missions] == ["OS9001", "OS9002"]
    first, second = result.missions
    assert (second.arrival - first.arrival).days >= 30
    for m in result.missions:
        assert m.poe == "EPWA"  # Poland's only point of entry
        assert m.aircraft == "SWE-OS100"
        assert not m.taxi
        assert m.arrival - m.notice == dt.timedelta(hours=72)
        assert m.end - m.arrival == dt.timedelta(hours=96)
        assert m.arrival.minute == 0
        assert m.arrival.tzinfo is not None
    assert check_schedule(view, result) == []


def test_window_left_by_blackouts_forces_two_a_month(view: TreatyView) -> None:
    # Poland is closed except 1 June - 14 July 2019 (arrival days 151..191 since a
    # mission needs 96 h before 15 July).  Four flights: all pairwise >= 30 days
    # apart would need 90 days, so some window holds 2; 151, 155, 181, 185 keeps
    # every window at 2.  Optimum 2.
    blackouts = [
        Blackout.between("POL", "2019-01-01", "2019-05-31"),
        Blackout.between("POL", "2019-07-15", "2019-12-31"),
    ]
    result = schedule(
        view, Distribution({("SWE", "POL"): 4}), 2019, blackouts=blackouts, options=FAST
    )
    assert result.status is SolveStatus.OPTIMAL
    assert (result.objective, result.bound) == (2.0, 2.0)
    assert all(
        dt.datetime(2019, 6, 1, tzinfo=UTC) <= m.arrival
        and m.end <= dt.datetime(2019, 7, 15, tzinfo=UTC)
        for m in result.missions
    )
    assert check_schedule(view, result) == []


def test_taxi_option_and_no_aircraft(view: TreatyView, treaty: Treaty) -> None:
    flights = Distribution({("DEU", "HUN"): 1, ("FIN", "EST"): 1, ("BEL", "POL"): 1})
    result = schedule(view, flights, 2019, options=FAST)
    by_pair = {(m.observer, m.observed): m for m in result.missions}
    # Germany had no observation aircraft in 2019: Hungary's An-26 is the taxi
    assert by_pair[("DEU", "HUN")].aircraft == "HUN-AN26"
    assert by_pair[("DEU", "HUN")].taxi
    # neither Finland nor Estonia has one: to be arranged
    assert by_pair[("FIN", "EST")].aircraft is None
    # Benelux flies the pod group's C-130H
    assert by_pair[("BENELUX", "POL")].aircraft == "POD-C130H"
    assert check_schedule(view, result) == []
    later = schedule(
        treaty.as_of("2022-01-01"), Distribution({("DEU", "HUN"): 1}), 2022
    )
    assert later.missions[0].aircraft == "DEU-A319OH"  # certified 2022
    assert not later.missions[0].taxi


def _tight_positioning(view: TreatyView, slack_h: int) -> tuple[object, int, int]:
    home = (15.526, 58.402)  # Linkoping, a Swedish test aircraft at 500 km/h
    plane = Aircraft(
        "SWE-T", "test", "SWE", *home, 500, in_service_from=dt.date(2019, 6, 1)
    )
    to_poland = math.ceil(_km(home, (21.019, 52.219)) / 500)
    poland_to_dulles = math.ceil(_km((21.019, 52.219), (-77.457, 38.943)) / 500)
    june = dt.datetime(2019, 6, 1, tzinfo=UTC)
    # the fastest sequence: home -> Warsaw, 96 h, Warsaw -> Dulles, 96 h
    closes = june + dt.timedelta(hours=to_poland + 96 + poland_to_dulles + 96 + slack_h)
    blackouts = [
        Blackout.between("SWE", "2019-01-01", "2019-05-31"),
        Blackout("SWE", closes, dt.datetime(2020, 1, 1, tzinfo=UTC)),
    ]
    result = schedule(
        view,
        Distribution({("SWE", "POL"): 1, ("SWE", "USA"): 1}),
        2019,
        aircraft=[plane],
        blackouts=blackouts,
        options=FAST,
    )
    return result, to_poland, poland_to_dulles


def test_positioning_between_points_of_entry(view: TreatyView) -> None:
    result, to_poland, onwards = _tight_positioning(view, 0)
    assert result.status is SolveStatus.OPTIMAL  # type: ignore[attr-defined]
    poland, usa = result.missions  # type: ignore[attr-defined]
    june = dt.datetime(2019, 6, 1, tzinfo=UTC)
    assert poland.observed == "POL"
    assert poland.arrival == june + dt.timedelta(hours=to_poland)
    assert usa.poe == "KIAD"  # nearer to the aircraft's home than Travis
    assert usa.arrival == poland.end + dt.timedelta(hours=onwards)
    assert check_schedule(view, result) == []
    # one hour less and the second mission no longer fits
    short, _, _ = _tight_positioning(view, -1)
    assert short.status is SolveStatus.INFEASIBLE  # type: ignore[attr-defined]
    assert any("SWE-T" in str(r) for r in short.reasons)  # type: ignore[attr-defined]


def test_preferred_months(view: TreatyView) -> None:
    # Two flights preferred in July: 1 and 31 July are 30 days apart, so both fit
    # in July without sharing a 30-day window.
    result = schedule(
        view,
        Distribution({("SWE", "POL"): 2}),
        2019,
        preferences=[Preference("SWE", (7,), observed="POL")],
        options=FAST,
    )
    assert result.status is SolveStatus.OPTIMAL
    assert result.objective == 1.0
    assert result.preferences_met == 2
    assert [m.arrival.date() for m in result.missions] == [
        dt.date(2019, 7, 1),
        dt.date(2019, 7, 31),
    ]


def test_exit_during_the_year(treaty: Treaty) -> None:
    # the US withdrawal took effect on 22 November 2020
    view = treaty.as_of("2020-01-01")
    flights = Distribution({("USA", "RUS"): 21, ("RUS", "USA"): 8, ("DEU", "USA"): 3})
    result = schedule(view, flights, 2020, options=FAST)
    assert result.status.has_solution
    assert len(result.missions) == 32
    exit_ = dt.datetime(2020, 11, 22, tzinfo=UTC)
    assert all(m.end <= exit_ for m in result.missions)
    assert check_schedule(view, result) == []


# --- refusals ----------------------------------------------------------------------

ONLY_Q1 = [Blackout.between("USA", "2019-04-01", "2019-12-31")]


def test_seventeenth_flight_in_a_quarter_is_refused(view: TreatyView) -> None:
    fits = schedule(view, Distribution({("DEU", "USA"): 16}), 2019, blackouts=ONLY_Q1)
    assert fits.status is SolveStatus.OPTIMAL
    assert all(m.arrival.month <= 3 for m in fits.missions)
    refused = schedule(
        view, Distribution({("DEU", "USA"): 17}), 2019, blackouts=ONLY_Q1
    )
    assert refused.status is SolveStatus.INFEASIBLE
    assert refused.missions == ()
    (reason,) = refused.reasons
    assert reason.rule == "Annex H"
    assert reason.parties == ("USA",)
    assert "at most 16 of the 17 flights" in reason.message
    assert "Q1 full" in reason.message


def test_partial_keeps_the_largest_subset(view: TreatyView) -> None:
    flights = Distribution({("DEU", "USA"): 17, ("POL", "DEU"): 2})
    result = schedule(view, flights, 2019, blackouts=ONLY_Q1, allow_partial=True)
    assert result.status is SolveStatus.OPTIMAL
    assert result.left_out == (("DEU", "USA"),)
    assert len(result.missions) == 18
    assert check_schedule(view, result) == []


@pytest.mark.parametrize(
    ("flights", "rule", "fragment"),
    [
        # 64 = 4 quarters x 16
        (65, "Annex H", "at most 64 of the 65"),
        # arrivals 96 h apart in 8,760 h: hours 0, 96, ..., 8,640 = 91 missions
        (92, "VI.I.3", "at most 91 of the 92"),
    ],
)
def test_oversubscribed_party_is_named(
    view: TreatyView, flights: int, rule: str, fragment: str
) -> None:
    result = schedule(view, Distribution({("DEU", "POL"): flights}), 2019)
    assert result.status is SolveStatus.INFEASIBLE
    assert [(r.rule, r.parties) for r in result.reasons] == [(rule, ("POL",))]
    assert fragment in result.reasons[0].message


def test_oversubscribed_aircraft_is_named(view: TreatyView) -> None:
    # Sweden flies only its Saab 340: 92 missions of 96 h need 92 x 96 = 8,832 h
    # but 2019 has 8,760 (91 fit); each target alone could host 46
    flights = Distribution({("SWE", "POL"): 46, ("SWE", "DEU"): 46})
    result = schedule(view, flights, 2019)
    assert result.status is SolveStatus.INFEASIBLE
    (reason,) = result.reasons
    assert (reason.rule, reason.parties, reason.value, reason.limit) == (
        "VI.I.1",
        ("SWE",),
        92,
        91,
    )
    assert "aircraft SWE-OS100" in reason.message


# --- determinism, inputs, outputs ---------------------------------------------------

MIXED = Distribution(
    {
        ("RUS", "USA"): 4,
        ("USA", "RUS"): 8,
        ("DEU", "RUS"): 3,
        ("SWE", "POL"): 2,
        ("BENELUX", "UKR"): 2,
        ("UKR", "HUN"): 1,
        ("TUR", "BGR"): 2,
        ("FRA", "RUS"): 3,
    }
)


@pytest.mark.parametrize("workers", [1, 2])
def test_same_seed_same_calendar(view: TreatyView, workers: int) -> None:
    options = SolveOptions(time_limit_s=5.0, seed=3, workers=workers)
    first = schedule(view, MIXED, 2019, options=options)
    second = schedule(view, MIXED, 2019, options=options)
    assert first.status is SolveStatus.OPTIMAL
    assert first.missions == second.missions
    assert (first.objective, first.bound) == (second.objective, second.bound)


def test_distribution_kinds_give_the_same_calendar(view: TreatyView) -> None:
    direct = schedule(view, MIXED, 2019, options=FAST)
    frame = schedule(view, MIXED.to_frame(), 2019, options=FAST)
    duck = schedule(view, types.SimpleNamespace(distribution=MIXED), 2019, options=FAST)
    assert direct.missions == frame.missions == duck.missions


def test_to_frame_columns_and_utc(view: TreatyView) -> None:
    frame = schedule(view, MIXED, 2019, options=FAST).to_frame()
    assert tuple(frame.columns) == FRAME_COLUMNS
    assert len(frame) == MIXED.total
    for column in ("notice", "arrival", "end"):
        assert str(frame[column].dt.tz) == "UTC"
    assert frame["aircraft"].notna().all()  # everyone here has an aircraft


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"year": "2019"}, OptionsError, "year must be a whole number"),
        ({"distribution": [("DEU", "POL", 1)]}, OptionsError, "got list"),
        ({"distribution": Distribution({("DEU", "XYZ"): 1})}, UnknownStateError, "XYZ"),
        ({"distribution": Distribution({("BEL", "NLD"): 1})}, OptionsError, "BENELUX"),
        ({"aircraft": ["OC-135B"]}, OptionsError, "Aircraft objects"),
        ({"blackouts": ["POL"]}, OptionsError, "Blackout objects"),
    ],
)
def test_bad_input_is_named(
    view: TreatyView, kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    arguments: dict[str, object] = {
        "distribution": Distribution({("DEU", "POL"): 1}),
        "year": 2019,
    }
    arguments.update(kwargs)
    year = arguments.pop("year")
    distribution = arguments.pop("distribution")
    with pytest.raises(error, match=message):
        schedule(view, distribution, year, **arguments)  # type: ignore[arg-type]


def test_party_not_in_force_is_refused(treaty: Treaty) -> None:
    with pytest.raises(NotAPartyError, match="USA is not a party on 2021-01-01"):
        schedule(treaty.as_of("2021-01-01"), Distribution({("USA", "DEU"): 1}), 2021)


def test_value_types_are_checked() -> None:
    with pytest.raises(OptionsError, match=r"1\.\.12"):
        Preference("SWE", (13,))
    with pytest.raises(OptionsError, match="before it starts"):
        Blackout.between("POL", "2019-05-01", "2019-04-01")
    # a date end is inclusive: the blackout runs to the next midnight
    assert Blackout.between("POL", "2019-03-01", "2019-03-02").end == dt.datetime(
        2019, 3, 3, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ("POL,2019-03-01,2019-13-01,x", "end", "is not a date"),
        ("POL,2019-03-05,2019-03-01,x", "end", "is not after start"),
        ("XYZ,2019-03-01,2019-03-02,x", "party", "unknown state or party code 'XYZ'"),
        (",2019-03-01,2019-03-02,x", "party", "value is missing"),
    ],
)
def test_malformed_blackouts_name_file_row_field(
    tmp_path: Path, treaty: Treaty, row: str, field: str, message: str
) -> None:
    path = tmp_path / "blackouts.csv"
    path.write_text(f"party,start,end,note\nDEU,2019-12-24,2019-12-26,x\n{row}\n")
    with pytest.raises(DataError, match=message) as caught:
        read_blackouts(path, known_codes=treaty.known_codes)
    assert (caught.value.file, caught.value.row, caught.value.field) == (
        str(path),
        2,
        field,
    )


def test_blackouts_from_a_file_are_applied(tmp_path: Path, view: TreatyView) -> None:
    path = tmp_path / "blackouts.csv"
    path.write_text(
        "party,start,end,note\nPOL,2019-01-01,2019-10-31,\n"
        "SWE,2019-11-15T00:00,2020-01-01T00:00,datetimes\n"
    )
    result = schedule(view, Distribution({("SWE", "POL"): 1}), 2019, blackouts=path)
    (mission,) = result.missions
    # open: arrival from 1 November, end by 15 November
    assert dt.datetime(2019, 11, 1, tzinfo=UTC) <= mission.arrival
    assert mission.end <= dt.datetime(2019, 11, 15, tzinfo=UTC)
    assert len(result.blackouts) == 2


# --- properties -------------------------------------------------------------------

PARTIES = ["POL", "DEU", "SWE", "FIN", "EST", "HUN", "USA", "RUS", "BENELUX", "UKR"]


@st.composite
def calendars(draw: st.DrawFn) -> tuple[Distribution, list[Blackout]]:
    pairs = draw(
        st.dictionaries(
            st.tuples(st.sampled_from(PARTIES), st.sampled_from(PARTIES)).filter(
                lambda p: p[0] != p[1]
            ),
            st.integers(1, 6),
            min_size=1,
            max_size=8,
        )
    )
    blackouts = []
    for _ in range(draw(st.integers(0, 2))):
        start = dt.date(2019, 1, 1) + dt.timedelta(days=draw(st.integers(0, 330)))
        length = draw(st.integers(0, 60))
        blackouts.append(
            Blackout.between(
                draw(st.sampled_from(PARTIES)),
                start,
                min(start + dt.timedelta(days=length), dt.date(2019, 12, 31)),
            )
        )
    return Distribution(pairs), blackouts


@settings(max_examples=40)
@given(case=calendars())
def test_every_calendar_passes_the_validator(
    view: TreatyView, case: tuple[Distribution, list[Blackout]]
) -> None:
    flights, blackouts = case
    options = SolveOptions(time_limit_s=3.0)
    result = schedule(view, flights, 2019, blackouts=blackouts, options=options)
    if result.status.has_solution:
        # exactly the granted flights, nothing left out
        assert len(result.missions) == flights.total
        assert result.left_out == ()
        assert check_schedule(view, result) == []
    else:
        assert result.status is SolveStatus.INFEASIBLE
        assert result.reasons
    partial = schedule(
        view, flights, 2019, blackouts=blackouts, allow_partial=True, options=options
    )
    assert partial.status.has_solution
    assert len(partial.missions) + len(partial.left_out) == flights.total
    assert check_schedule(view, partial) == []
    assert partial.bound is not None
    assert partial.objective is not None
    assert partial.bound <= partial.objective


def _naive_optimum(count: int, closed: set[int]) -> int | None:
    """Minimum busiest 30-day window by a plain model without bounds or hints.

    One variable per arrival day (00:00 UTC suffices: blackouts are whole days),
    days >= 4 apart; a mission needs its four days open and inside the year.
    """
    from ortools.sat.python import cp_model

    allowed = [d for d in range(362) if not any(d + k in closed for k in range(4))]
    model = cp_model.CpModel()
    domain = cp_model.Domain.from_values(allowed)
    days = [model.new_int_var_from_domain(domain, f"d{i}") for i in range(count)]
    for a, b in itertools.pairwise(days):
        model.add(b >= a + 4)
    busiest = model.new_int_var(1, count, "busiest")
    for i in range(count):
        near = []
        for j in range(i + 1, count):
            close = model.new_bool_var(f"c{i}_{j}")
            model.add(days[j] - days[i] >= 30).only_enforce_if(~close)
            near.append(close)
        model.add(busiest >= 1 + sum(near))
    model.minimize(busiest)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    assert status in (cp_model.OPTIMAL, cp_model.INFEASIBLE)
    return int(solver.objective_value) if status == cp_model.OPTIMAL else None


@settings(max_examples=15)
@given(
    count=st.integers(1, 6),
    start=st.integers(0, 300),
    length=st.integers(0, 300),
)
def test_spreading_optimum_matches_a_naive_model(
    view: TreatyView, count: int, start: int, length: int
) -> None:
    # Finland over Estonia: neither has an aircraft in 2019, so the only limits
    # are Estonia's one-at-a-time rule and its blackout
    first = dt.date(2019, 1, 1) + dt.timedelta(days=start)
    last = min(first + dt.timedelta(days=length), dt.date(2019, 12, 31))
    blackouts = [Blackout.between("EST", first, last)]
    closed = set(range(start, start + (last - first).days + 1))
    result = schedule(
        view, Distribution({("FIN", "EST"): count}), 2019, blackouts=blackouts
    )
    naive = _naive_optimum(count, closed)
    if naive is None:
        assert result.status is SolveStatus.INFEASIBLE
    else:
        assert result.status is SolveStatus.OPTIMAL
        assert result.objective == result.bound == naive


# --- exports and command line ------------------------------------------------------


@pytest.fixture(scope="module")
def mixed(view: TreatyView) -> object:
    """A solved calendar of 25 missions with own, pooled and taxi aircraft."""
    flights = Distribution(dict(MIXED.flights) | {("DEU", "HUN"): 1, ("FIN", "EST"): 1})
    return schedule(view, flights, 2019, options=FAST)


def test_icalendar_parses_with_the_icalendar_package(
    view: TreatyView, mixed: object
) -> None:
    import icalendar

    from openskies.output.calendar_export import to_ical

    stamp = dt.datetime(2018, 11, 15, 12, tzinfo=UTC)
    text = to_ical(mixed, view=view, stamp=stamp, name="Plan 2019; draft, v1")
    raw = text.encode("utf-8")
    assert raw.endswith(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 75
    calendar = icalendar.Calendar.from_ical(text)
    assert str(calendar["X-WR-CALNAME"]).startswith("Plan 2019")
    events = calendar.walk("VEVENT")
    missions = mixed.missions  # type: ignore[attr-defined]
    assert len(events) == len(missions)
    assert len({str(e["UID"]) for e in events}) == len(missions)
    for event, mission in zip(events, missions, strict=True):
        assert event.decoded("DTSTART") == mission.arrival
        assert event.decoded("DTEND") == mission.end
        assert event.decoded("DTSTAMP") == stamp
        assert str(event["SUMMARY"]).startswith(mission.id)
        site = view.airfield(mission.poe)
        assert event["GEO"].latitude == pytest.approx(site.lat)
        assert mission.poe in str(event["LOCATION"])
        # the folded, escaped description comes back whole
        aircraft = mission.aircraft or "none (to be arranged with another party)"
        taxi = " (taxi option)" if mission.taxi else ""
        assert str(event["DESCRIPTION"]) == (
            f"Flight {mission.id}: {mission.observer} observes {mission.observed}; "
            f"point of entry {mission.poe}; aircraft {aircraft}{taxi}; "
            f"notified {mission.notice:%Y-%m-%dT%H:%M:%SZ}"
        )


def test_missions_csv_round_trip(
    tmp_path: Path, view: TreatyView, mixed: object
) -> None:
    from openskies.output.calendar_export import read_missions_csv, write_missions_csv

    path = tmp_path / "missions.csv"
    write_missions_csv(mixed, path)
    back = read_missions_csv(path)
    assert back == mixed.missions  # type: ignore[attr-defined]
    assert check_schedule(view, back) == []
    path.write_text(path.read_text().replace("Z,", ",", 1))
    with pytest.raises(DataError, match=r"row 1, field 'notice'.*no time zone"):
        read_missions_csv(path)


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg"])
def test_points_of_entry_file(
    tmp_path: Path, view: TreatyView, mixed: object, suffix: str
) -> None:
    import geopandas as gpd

    from openskies.output.calendar_export import write_entry_points

    path = tmp_path / f"entries{suffix}"
    write_entry_points(view, mixed, path)
    frame = gpd.read_file(path)
    missions = mixed.missions  # type: ignore[attr-defined]
    assert sorted(frame["id"]) == sorted({m.poe for m in missions})
    assert frame["missions"].sum() == len(missions)
    assert frame.crs.to_epsg() == 4326
    kubinka = frame.set_index("id").loc["UUMB"]
    assert (kubinka.geometry.x, kubinka.geometry.y) == pytest.approx((36.653, 55.608))
    with pytest.raises(OptionsError, match="cannot tell the format"):
        write_entry_points(view, mixed, tmp_path / "entries.shp")


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import icalendar

    from openskies.cli.main import main

    flights = tmp_path / "flights.csv"
    flights.write_text("observer,observed,flights\nSWE,POL,2\nUSA,RUS,3\n")
    out, ics = tmp_path / "missions.csv", tmp_path / "missions.ics"
    argv = ["schedule", str(flights), "--year", "2019", "-o", str(out)]
    assert main([*argv, "--ics", str(ics), "--time-limit", "5"]) == 0
    assert "optimal, 5 missions of 5 flights" in capsys.readouterr().out
    assert len(pd.read_csv(out)) == 5
    assert len(icalendar.Calendar.from_ical(ics.read_text()).walk("VEVENT")) == 5
    fleet = tmp_path / "fleet.csv"
    fleet.write_text("id,type,owner,lat,lon,cruise_kmh\nSWE-X,test,SWE,58.4,15.5,500\n")
    assert main([*argv, "--aircraft", str(fleet)]) == 0
    capsys.readouterr()
    assert set(pd.read_csv(out)["aircraft"].fillna("none")) == {"SWE-X", "none"}
    blackouts = tmp_path / "blackouts.csv"
    blackouts.write_text("party,start,end,note\nPOL,2019-01-01,2019-12-31,closed\n")
    assert main([*argv, "--blackouts", str(blackouts)]) == 1
    assert "infeasible" in capsys.readouterr().out
    blackouts.write_text("party,start,end,note\nPOL,2019-01-01,2019-12-3x,closed\n")
    assert main([*argv, "--blackouts", str(blackouts)]) == 2
    assert "row 1, field 'end'" in capsys.readouterr().err
