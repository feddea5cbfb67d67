"""The mission ledger: events, the counting rules, transfers, imagery, re-plans."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_data import balance_by_pair, replay, small_plan
from shapely.geometry import LineString

from openskies import Ledger, Treaty
from openskies.annual.plan import AnnualPlan
from openskies.errors import (
    GeometryError,
    NotAPartyError,
    OptionsError,
    OutputError,
    UnknownStateError,
)
from openskies.ledger import LedgerRuleError
from openskies.options import SolveOptions
from openskies.rules.schedule_check import check_schedule

FAST = SolveOptions(time_limit_s=5, seed=0, workers=1)
LONG = os.environ.get("OPENSKIES_HYPOTHESIS_PROFILE") == "openskies-long"
REPLAY = settings() if LONG else settings(max_examples=12)


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory, treaty: Treaty) -> AnnualPlan:
    """The small 2020 year of ``ledger_data``, planned once."""
    return small_plan(tmp_path_factory.mktemp("ledger_plan"), treaty)


@pytest.fixture(scope="module")
def blank(tmp_path_factory: pytest.TempPathFactory, plan: AnnualPlan) -> Path:
    """A ledger created from the plan, never written to (copied by ``ledger``)."""
    path = tmp_path_factory.mktemp("ledger_blank") / "blank.gpkg"
    Ledger.create(path, plan).close()
    return path


@pytest.fixture
def ledger(blank: Path, tmp_path: Path) -> Ledger:
    """A fresh copy of the blank ledger, open."""
    path = tmp_path / "year.gpkg"
    shutil.copyfile(blank, path)
    with Ledger.open(path) as opened:
        yield opened


def _by_id(ledger: Ledger) -> dict[str, object]:
    return {m.id: m for m in ledger.missions()}


def _stored(ledger: Ledger) -> dict[tuple[str, str], dict[str, int]]:
    """The balance as stored in the file's ``balance`` table."""
    import pandas as pd

    frame = pd.read_sql("SELECT * FROM balance", ledger._con)
    return balance_by_pair(frame)


def _replayed(ledger: Ledger) -> dict[tuple[str, str], dict[str, int]]:
    events = ledger.events().to_dict("records")
    return replay(dict(ledger._distribution), dict(ledger._passive), events)


# ---------------------------------------------------------------- creating
def test_created_ledger_holds_the_plan(ledger: Ledger, plan: AnnualPlan) -> None:
    assert ledger.year == 2020
    assert ledger.missions() == plan.schedule.missions
    frame = ledger.balance()
    # before any event the balance is the distribution; POL's passive quota is 6
    assert {
        (o, t): n
        for o, t, n in zip(frame.observer, frame.observed, frame.remaining, strict=True)
    } == dict(plan.distribution.flights)
    row = frame[(frame.observer == "DEU") & (frame.observed == "POL")].iloc[0]
    assert (row.distributed, row.passive_quota, row.passive_left) == (2, 6, 6)
    assert ledger.events().empty


def test_create_refuses_an_existing_file(tmp_path: Path, plan: AnnualPlan) -> None:
    path = tmp_path / "taken.gpkg"
    path.write_bytes(b"not mine")
    with pytest.raises(OutputError, match="never replaced"):
        Ledger.create(path, plan)
    assert path.read_bytes() == b"not mine"
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left


def test_create_refuses_what_is_not_a_plan(tmp_path: Path) -> None:
    with pytest.raises(OptionsError, match="AnnualPlan"):
        Ledger.create(tmp_path / "x.gpkg", "plan.toml")  # type: ignore[arg-type]


def test_context_manager_closes(blank: Path, tmp_path: Path) -> None:
    path = tmp_path / "y.gpkg"
    shutil.copyfile(blank, path)
    with Ledger.open(path) as opened:
        assert len(opened.missions()) == 10
    with pytest.raises(Exception, match="closed"):
        opened.missions()


# ---------------------------------------------------------------- outcomes
def test_flown_counts_for_observer_and_observed(ledger: Ledger) -> None:
    seq = ledger.record("OS0001", "flown", date="2020-03-01", note="all sensors")
    assert seq == 1
    row = ledger.balance().set_index(["observer", "observed"]).loc[("FRA", "UKR")]
    assert (row.flown, row.remaining, row.passive_used, row.passive_left) == (
        1,
        1,
        1,
        11,
    )
    # DEU over UKR shares UKR's passive quota
    assert (
        ledger.balance()
        .set_index(["observer", "observed"])
        .loc[("DEU", "UKR")]
        .passive_left
        == 11
    )


@pytest.mark.parametrize(
    ("outcome", "cause", "counted", "flown"),
    [
        ("curtailed", "weather", None, 1),
        ("curtailed", "observer", None, 1),
        ("curtailed", "target-aircraft", False, 0),
        ("curtailed", "target-medical", True, 1),
        ("curtailed", "atc-force-majeure", False, 0),
        ("prohibited", None, None, 0),
        ("declined", None, None, 0),
        ("cancelled", None, None, 0),
    ],
)
def test_outcomes_count_as_r5_and_r21_say(
    ledger: Ledger, outcome: str, cause: str | None, counted: bool | None, flown: int
) -> None:
    ledger.record("OS0002", outcome, date="2020-03-21", cause=cause, counted=counted)
    row = ledger.balance().set_index(["observer", "observed"]).loc[("USA", "RUS_BLR")]
    assert (row.flown, row.remaining, row.passive_used) == (flown, 2 - flown, flown)


@pytest.mark.parametrize(
    ("outcome", "cause", "counted", "match"),
    [
        ("curtailed", None, None, "needs its cause"),
        ("curtailed", "target-aircraft", None, "observer chooses"),
        ("curtailed", "weather", False, "no choice"),
        ("flown", "weather", None, "only to a curtailed"),
        ("landed", None, None, "outcome must be one of"),
        ("curtailed", "rain", None, "cause must be one of"),
    ],
)
def test_bad_outcome_arguments_are_refused(
    ledger: Ledger, outcome: str, cause: str | None, counted: bool | None, match: str
) -> None:
    with pytest.raises(OptionsError, match=match):
        ledger.record(
            "OS0002", outcome, date="2020-03-21", cause=cause, counted=counted
        )
    assert ledger.events().empty


def test_a_mission_has_one_outcome(ledger: Ledger) -> None:
    ledger.record("OS0001", "flown", date="2020-03-01")
    with pytest.raises(LedgerRuleError, match=r"Art\. VIII.*already has the outcome"):
        ledger.record("OS0001", "cancelled", date="2020-03-02")
    assert len(ledger.events()) == 1
    assert _stored(ledger) == balance_by_pair(ledger.balance())


def test_unknown_mission_is_named_with_a_suggestion(ledger: Ledger) -> None:
    with pytest.raises(UnknownStateError, match=r"unknown mission id 'OS001'.*OS0001"):
        ledger.record("OS001", "flown", date="2020-03-01")


@pytest.mark.parametrize(
    ("day", "match"),
    [
        ("2021-01-02", r"R1 \(Art\. III\.I\.4\).*outside the quota year 2020"),
        ("2019-12-31", "outside the quota year"),
        ("2020-02-26", r"notified on 2020-02-27"),
    ],
)
def test_dates_outside_the_year_or_before_notice(
    ledger: Ledger, day: str, match: str
) -> None:
    with pytest.raises(LedgerRuleError, match=match):
        ledger.record("OS0001", "flown", date=day)
    assert ledger.events().empty


def test_no_outcome_after_a_party_left(ledger: Ledger, treaty: Treaty) -> None:
    # the United States' withdrawal took effect on 2020-11-22 (Art. XV)
    with pytest.raises(NotAPartyError, match="2020-11-22"):
        ledger.record("OS0008", "flown", date="2020-11-23")
    ledger.record("OS0008", "flown", date="2020-11-21")
    assert len(ledger.events()) == 1


def test_counted_flight_beyond_the_active_quota_is_refused(ledger: Ledger) -> None:
    # DEU gives both its flights over POL to SWE (cap min(ceil(7/2), ceil(6/2)) = 3)
    ledger.transfer("DEU", "POL", 2, to="SWE", date="2020-01-15", consent=True)
    with pytest.raises(LedgerRuleError, match=r"R5 .*no active quota left"):
        ledger.record("OS0003", "flown", date="2020-03-31")
    # not counted: allowed
    ledger.record("OS0003", "prohibited", date="2020-03-31")
    assert (
        ledger.balance()
        .set_index(["observer", "observed"])
        .loc[("DEU", "POL")]
        .remaining
        == 0
    )


def test_a_flight_cannot_use_quota_received_later(ledger: Ledger) -> None:
    # DEU gives both flights over POL to SWE in January and gets one back in June:
    # at the end of the year DEU could fly one, but not on 31 March (OS0003)
    ledger.transfer("DEU", "POL", 2, to="SWE", date="2020-01-15", consent=True)
    ledger.transfer("SWE", "POL", 1, to="DEU", date="2020-06-01", consent=True)
    with pytest.raises(LedgerRuleError, match=r"R5 .*OS0003 on 2020-03-31"):
        ledger.record("OS0003", "flown", date="2020-03-31")
    ledger.record("OS0009", "flown", date="2020-09-28")  # after June: counted
    # in February DEU holds nothing over POL to give (R6 on that day)
    with pytest.raises(LedgerRuleError, match=r"R6 .*0 flights over POL left on"):
        ledger.transfer("DEU", "POL", 1, to="CAN", date="2020-02-01", consent=True)


def test_track_is_stored_and_checked(ledger: Ledger) -> None:
    import pyogrio

    line = LineString([(30.5, 50.4), (32.0, 49.0), (30.5, 50.4)])
    ledger.record("OS0001", "flown", date="2020-03-01", route=line)
    tracks = pyogrio.read_dataframe(ledger.path, layer="tracks")
    assert list(tracks.mission_id) == ["OS0001"]
    assert tracks.geometry.iloc[0].equals(line)
    with pytest.raises(GeometryError, match="latitudes"):
        ledger.record("OS0010", "flown", date="2020-10-26", route=[(0, 0), (0, 95)])
    # found by the long fuzz run: NaN reached shapely, whose RuntimeWarning is an
    # error under pytest's -W error
    with pytest.raises(GeometryError, match="finite"):
        ledger.record(
            "OS0010", "flown", date="2020-10-26", route=[(0, float("nan")), (1, 1)]
        )
    assert len(ledger.events()) == 1


# ---------------------------------------------------------------- transfers
def test_transfer_moves_active_quota(ledger: Ledger) -> None:
    ledger.transfer("DEU", "POL", 1, to="SWE", date="2020-02-01", consent=True)
    frame = ledger.balance().set_index(["observer", "observed"])
    assert frame.loc[("DEU", "POL")].transferred_out == 1
    assert frame.loc[("DEU", "POL")].remaining == 1
    assert frame.loc[("SWE", "POL")].transferred_in == 1
    assert frame.loc[("SWE", "POL")].distributed == 0
    assert frame.loc[("SWE", "POL")].remaining == 1


def test_transfer_needs_consent_and_quota_and_respects_the_cap(ledger: Ledger) -> None:
    with pytest.raises(LedgerRuleError, match=r"R6 .*POL's consent"):
        ledger.transfer("DEU", "POL", 1, to="SWE", date="2020-02-01")
    with pytest.raises(LedgerRuleError, match=r"R6 .*has 2 flights over POL left"):
        ledger.transfer("DEU", "POL", 3, to="SWE", date="2020-02-01", consent=True)
    # Portugal's passive quota is 2: its cap over POL is min(ceil(2/2), ceil(6/2)) = 1
    with pytest.raises(LedgerRuleError, match=r"R4 .*PRT would hold 2.*cap is 1"):
        ledger.transfer("DEU", "POL", 2, to="PRT", date="2020-02-01", consent=True)
    assert ledger.events().empty
    ledger.transfer("DEU", "POL", 1, to="PRT", date="2020-02-01", consent=True)
    with pytest.raises(LedgerRuleError, match="R4"):
        ledger.transfer("DEU", "POL", 1, to="PRT", date="2020-02-02", consent=True)
    with pytest.raises(LedgerRuleError, match="three different parties"):
        ledger.transfer("DEU", "POL", 1, to="POL", date="2020-02-02", consent=True)
    with pytest.raises(NotAPartyError, match="USA"):
        ledger.transfer("DEU", "POL", 1, to="USA", date="2020-12-01", consent=True)
    assert len(ledger.events()) == 1


# ---------------------------------------------------------------- imagery
def test_imagery_goes_only_to_states_parties(ledger: Ledger) -> None:
    ledger.record("OS0002", "flown", date="2020-03-21")
    before = ledger.imagery_recipients("OS0002", "2020-11-21")
    after = ledger.imagery_recipients("OS0002", "2020-11-22")
    assert "USA" in before
    assert set(before) - set(after) == {"USA"}
    assert "RUS" in after
    later = ledger.imagery_recipients("OS0002", "2021-12-18")
    assert set(after) - set(later) == {"RUS"}
    assert "BLR" in later
    assert len(later) == 32 - 1 + 1  # 32 parties from 2021-12-18: 31 others + BLR
    seq = ledger.request_imagery("OS0002", requester="USA", date="2020-11-21")
    assert seq == 2
    with pytest.raises(
        LedgerRuleError, match=r"Art\. IX\.IV: USA is not a state party"
    ):
        ledger.request_imagery("OS0002", requester="USA", date="2020-11-22")
    with pytest.raises(LedgerRuleError, match="withdrawal took effect on 2021-12-18"):
        ledger.request_imagery("OS0002", requester="RUS", date="2022-01-10")
    with pytest.raises(LedgerRuleError, match="not recorded as flown"):
        ledger.request_imagery("OS0004", requester="DEU", date="2020-07-01")
    with pytest.raises(LedgerRuleError, match="cannot be dated"):
        ledger.request_imagery("OS0002", requester="DEU", date="2020-03-20")
    events = ledger.events()
    assert list(events.kind) == ["outcome", "imagery"]
    assert events.requester.iloc[1] == "USA"


# ---------------------------------------------------------------- balance
def test_balance_as_of_counts_events_up_to_that_day(ledger: Ledger) -> None:
    ledger.record("OS0001", "flown", date="2020-03-01")
    ledger.record("OS0010", "flown", date="2020-10-26")
    by_day = {
        day: int(
            ledger.balance(as_of=day)
            .set_index(["observer", "observed"])
            .loc[("FRA", "UKR")]
            .flown
        )
        for day in ("2020-02-28", "2020-03-01", "2020-10-25", "2020-12-31")
    }
    assert by_day == {
        "2020-02-28": 0,
        "2020-03-01": 1,
        "2020-10-25": 1,
        "2020-12-31": 2,
    }
    with pytest.raises(OptionsError, match="as_of"):
        ledger.balance(as_of="yesterday")


def test_events_are_numbered_in_order(ledger: Ledger) -> None:
    ledger.record("OS0001", "flown", date="2020-03-01")
    ledger.transfer("DEU", "POL", 1, to="SWE", date="2020-02-01", consent=True)
    ledger.record("OS0002", "declined", date="2020-03-21")
    events = ledger.events()
    assert list(events.seq) == [1, 2, 3]
    assert list(events.kind) == ["outcome", "transfer", "outcome"]
    assert events.recorded_at.notna().all()
    assert str(events.recorded_at.dt.tz) == "UTC"
    assert events.counted.tolist()[0::2] == [True, False]
    assert events.counted.isna().tolist() == [False, True, False]


OPERATIONS = st.lists(
    st.one_of(
        st.tuples(
            st.just("record"),
            st.sampled_from([f"OS{n:04d}" for n in range(1, 11)]),
            st.sampled_from(
                [
                    ("flown", None, None),
                    ("curtailed", "weather", None),
                    ("curtailed", "target-aircraft", False),
                    ("curtailed", "atc-force-majeure", True),
                    ("prohibited", None, None),
                    ("declined", None, None),
                    ("cancelled", None, None),
                ]
            ),
        ),
        st.tuples(
            st.just("transfer"),
            st.sampled_from(
                [("DEU", "POL"), ("FRA", "UKR"), ("DEU", "UKR"), ("SWE", "POL")]
            ),
            st.tuples(
                st.integers(1, 3),
                st.sampled_from(["SWE", "PRT", "CAN", "DEU"]),
                st.sampled_from(["2020-01-15", "2020-06-01", "2020-11-01"]),
            ),
        ),
    ),
    max_size=8,
)


@REPLAY
@given(operations=OPERATIONS)
def test_balance_equals_a_replay_of_the_events(
    blank: Path, tmp_path_factory: pytest.TempPathFactory, operations: list
) -> None:
    path = tmp_path_factory.mktemp("replay") / "year.gpkg"
    shutil.copyfile(blank, path)
    with Ledger.open(path) as ledger:
        missions = _by_id(ledger)
        for kind, what, how in operations:
            before = len(ledger.events())
            try:
                if kind == "record":
                    outcome, cause, counted = how
                    day = missions[what].arrival.date()  # type: ignore[attr-defined]
                    ledger.record(what, outcome, date=day, cause=cause, counted=counted)
                else:
                    flights, to, day = how
                    ledger.transfer(*what, flights, to=to, date=day, consent=True)
            except (LedgerRuleError, NotAPartyError):
                assert len(ledger.events()) == before  # a refused event changes nothing
            else:
                assert len(ledger.events()) == before + 1
        for day in sorted(set(ledger.events().date)):
            early = ledger.balance(as_of=day)
            assert (early.remaining >= 0).all()
            assert (early.passive_left >= 0).all()
        balance = balance_by_pair(ledger.balance())
        assert balance == _replayed(ledger)
        assert balance == _stored(ledger)
        assert all(
            r["remaining"] >= 0 and r["passive_left"] >= 0 for r in balance.values()
        )


# ---------------------------------------------------------------- re-planning
def test_replan_keeps_what_flew_and_places_the_rest(
    ledger: Ledger, treaty: Treaty
) -> None:
    ledger.record("OS0001", "flown", date="2020-03-01")
    # curtailed on the observed party's side, not counted: the USA flies it again
    ledger.record(
        "OS0002", "curtailed", date="2020-03-21", cause="target-aircraft", counted=False
    )
    ledger.transfer("DEU", "POL", 1, to="SWE", date="2020-04-01", consent=True)
    ledger.record("OS0004", "cancelled", date="2020-04-10")
    as_of = dt.date(2020, 5, 1)
    result = ledger.replan(as_of, options=FAST)
    assert result.status.has_solution
    assert result.reasons == ()
    # the independent validator agrees on the whole calendar
    assert [
        v for v in check_schedule(treaty.as_of("2020-01-01"), result) if v.binding
    ] == []
    ids = [m.id for m in result.missions]
    # fixed: OS0001 (flown), OS0002 (curtailed), OS0003 (notified 2020-03-28)
    old = _by_id(ledger)
    for mid in ("OS0001", "OS0002", "OS0003"):
        assert old[mid] in result.missions
    new = [m for m in result.missions if m.id not in old]
    assert all(m.notice >= dt.datetime(2020, 5, 1, tzinfo=dt.UTC) for m in new)
    assert {m.id for m in new} == {f"OS{n:04d}" for n in range(11, 11 + len(new))}
    # remaining after the events, minus OS0003 (DEU over POL) still pending: the
    # USA's two (one not counted), RUS_BLR's cancelled one, FRA's second, SWE's
    # transferred one over POL; DEU's last flight over POL is OS0003 itself
    assert sorted((m.observer, m.observed) for m in new) == [
        ("DEU", "UKR"),
        ("FRA", "UKR"),
        ("POL", "HUN"),
        ("RUS_BLR", "USA"),
        ("SWE", "GEO"),
        ("SWE", "POL"),
        ("USA", "RUS_BLR"),
        ("USA", "RUS_BLR"),
    ]
    assert result.left_out == ()
    # regression (bench_ledger on the bundled year): a new mission sharing a party
    # with a fixed one keeps 48 h clear of it for the aircraft's positioning
    fixed = [m for m in result.missions if m.id in old]
    for m in new:
        for f in fixed:
            if {m.observer, m.observed} & {f.observer, f.observed}:
                assert m.arrival >= f.end + dt.timedelta(hours=48) or (
                    m.end + dt.timedelta(hours=48) <= f.arrival
                )
    assert len(ids) == len(set(ids))
    seq = ledger.commit(result, routes=False)
    assert ledger.missions() == result.missions
    assert ledger.events().kind.iloc[-1] == "calendar"
    assert seq == 5
    # an outcome is recorded against the new calendar
    ledger.record(new[0].id, "flown", date=new[0].arrival.date())
    with pytest.raises(UnknownStateError):
        ledger.record("OS0009", "flown", date="2020-09-28")  # dropped by the re-plan


def test_commit_plans_routes_for_new_missions(ledger: Ledger) -> None:
    import pyogrio

    result = ledger.replan("2020-09-01", options=FAST)
    new = {m.id for m in result.missions} - set(_by_id(ledger))
    assert new  # OS0008 onward re-placed
    seq = ledger.commit(result)
    missions = pyogrio.read_dataframe(ledger.path, layer="missions")
    latest = missions[missions.calendar == seq]
    assert set(latest.mission_id) == {m.id for m in result.missions}
    planned = latest[latest.mission_id.isin(new)]
    assert set(planned.route_status) <= {"legal", "illegal", "no start", "no sites"}
    assert planned[planned.route_status == "legal"].geometry.notna().all()
    assert (planned.route_status == "legal").any()


def test_commit_refuses_a_calendar_that_drops_a_flown_mission(ledger: Ledger) -> None:
    result = ledger.replan("2020-02-01", options=FAST)  # OS0001 not yet notified
    ledger.record("OS0001", "flown", date="2020-03-01")
    with pytest.raises(LedgerRuleError, match=r"drops mission.*OS0001"):
        ledger.commit(result, routes=False)
    assert list(ledger.events().kind) == ["outcome"]
    with pytest.raises(OptionsError, match="ScheduleResult"):
        ledger.commit("calendar", routes=False)  # type: ignore[arg-type]
    with pytest.raises(LedgerRuleError, match="outside the quota year"):
        ledger.replan("2021-01-01")


def test_replan_keeps_the_scenarios_blackouts(tmp_path: Path, treaty: Treaty) -> None:
    # Ukraine hosts no mission from June to September (a blackout of the scenario):
    # the flights over Ukraine re-planned in May must keep out of it too
    from ledger_data import write_scenario

    from openskies.annual.plan import plan_year

    scenario = write_scenario(tmp_path)
    (tmp_path / "blackouts.csv").write_text(
        "party,start,end\nUKR,2020-06-01,2020-09-30\n"
    )
    scenario.write_text(
        scenario.read_text().replace(
            "allow_partial = true", 'allow_partial = true\nblackouts = "blackouts.csv"'
        )
    )
    with Ledger.create(tmp_path / "y.gpkg", plan_year(scenario, treaty=treaty)) as book:
        result = book.replan(dt.date(2020, 5, 1), options=FAST)
        old = _by_id(book)
    new = [m for m in result.missions if m.id not in old and "UKR" in m.observed]
    assert new  # FRA and DEU still fly over Ukraine after May
    start = dt.datetime(2020, 6, 1, tzinfo=dt.UTC)
    end = dt.datetime(2020, 10, 1, tzinfo=dt.UTC)
    assert all(m.end <= start or m.arrival >= end for m in new)
