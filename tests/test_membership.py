"""Membership what-ifs: [membership] leave/join, the treaty they derive, the plan.

Facts worked out from the bundled tables: Germany (passive quota 12) is a party
from 2002; the United States (42) left on 2020-11-22 and holds its airfields
(KIAD, KSUU, PAED, KLNK, ... all open-ended); Kyrgyzstan signed but never
ratified and has no territory or airfield in the data.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from openskies import Treaty
from openskies.annual.membership import (
    Join,
    Membership,
    MembershipError,
    apply_membership,
)
from openskies.annual.plan import plan_year
from openskies.annual.scenario import Scenario, ScenarioError
from openskies.annual.scenario_reader import load_scenario
from openskies.calendar.problem import party_entry, party_exit
from openskies.treaty.resources import bundled_dir

D = dt.date

SMALL = """\
title = "Small what-if year"
year = {year}
{as_of}
requests = "requests.csv"
allow_partial = true

[routes]
sites = {{}}

[solver]
seed = 0
workers = 1
{membership}
"""

REQUESTS = """\
observer,observed,flights
USA,RUS,2
RUS,USA,1
DEU,POL,1
POL,HUN,1
"""


def scenario_file(folder: Path, *, year: int = 2020, as_of: str = "", membership=""):
    (folder / "requests.csv").write_text(REQUESTS)
    path = folder / "small.toml"
    path.write_text(SMALL.format(year=year, as_of=as_of, membership=membership))
    return path


def test_leave_ends_membership_quota_and_party_on_the_date(treaty: Treaty) -> None:
    derived = apply_membership(treaty, Membership({"DEU": D(2020, 3, 1)}))
    assert derived.as_of("2020-02-29").passive_quota("DEU") == 12
    assert "DEU" not in derived.as_of("2020-03-01").members
    assert party_exit(derived, "DEU", 2020) == D(2020, 3, 1)
    # the original treaty is unchanged
    assert "DEU" in treaty.as_of("2020-03-01").members
    assert party_exit(treaty, "DEU", 2020) is None


def test_a_party_code_leaves_with_all_its_states(treaty: Treaty) -> None:
    derived = apply_membership(treaty, Membership({"BENELUX": D(2019, 7, 1)}))
    members = derived.as_of("2019-07-01").members
    assert not {"BEL", "NLD", "LUX"} & set(members)
    assert "BENELUX" not in {p.code for p in derived.as_of("2019-07-01").parties}
    assert derived.as_of("2019-06-30").passive_quota("BENELUX") == 6


def test_rejoin_restores_territory_airfields_and_last_quota(treaty: Treaty) -> None:
    derived = apply_membership(treaty, Membership({}, {"USA": Join(D(2021, 6, 1))}))
    assert "USA" not in derived.as_of("2021-05-31").members
    after = derived.as_of("2021-06-01")
    assert after.passive_quota("USA") == 42
    assert {"KIAD", "KSUU", "PAED", "KLNK"} <= {a.id for a in after.airfields("USA")}
    assert after.territory("USA").equals(treaty.state_territory("USA"))
    # history before the exit is kept
    assert derived.as_of("2019-06-01").passive_quota("USA") == 42
    assert party_entry(derived, "USA", 2021) == D(2021, 6, 1)
    assert party_entry(treaty, "USA", 2021) is None


def test_join_with_its_own_passive_quota(treaty: Treaty) -> None:
    derived = apply_membership(
        treaty, Membership({}, {"USA": Join(D(2021, 1, 1), passive_quota=21)})
    )
    assert derived.as_of("2021-01-01").passive_quota("USA") == 21


@pytest.mark.parametrize(
    ("membership", "key", "match"),
    [
        (Membership({"USA": D(2021, 3, 1)}), "membership.leave.USA", "not a party"),
        (Membership({"XYZ": D(2021, 3, 1)}), "membership.leave.XYZ", "XYZ"),
        (
            Membership({}, {"DEU": Join(D(2020, 3, 1))}),
            "membership.join.DEU",
            "already a party",
        ),
        (
            Membership({}, {"KGZ": Join(D(2020, 3, 1), 4)}),
            "membership.join.KGZ",
            "needs its data",
        ),
        (
            Membership({"DEU": D(2020, 3, 1)}, {"DEU": Join(D(2020, 6, 1))}),
            "membership.join.DEU",
            "not both",
        ),
    ],
)
def test_impossible_what_ifs_name_the_key(
    treaty: Treaty, membership: Membership, key: str, match: str
) -> None:
    with pytest.raises(MembershipError, match=match) as info:
        apply_membership(treaty, membership)
    assert ".".join(info.value.key) == key


def test_reader_reads_membership_and_checks_requests_against_it(
    tmp_path: Path, treaty: Treaty
) -> None:
    path = scenario_file(
        tmp_path,
        year=2021,
        membership="[membership]\njoin = { USA = { date = 2021-01-01 } }",
    )
    scenario = load_scenario(path, treaty=treaty)
    assert scenario.membership.join == {"USA": Join(D(2021, 1, 1))}
    # without the what-if the US is not a party in 2021: its request is refused
    path.write_text(path.read_text().replace("[membership]", "[other]"))
    with pytest.raises(ScenarioError, match="other"):
        load_scenario(path, treaty=treaty)


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("leave = { DEU = 2020 }", "membership.leave.DEU"),
        ("leave = { DEU = 2001-06-01 }", "membership.leave.DEU"),
        ("join = { USA = { when = 2021-01-01 } }", "membership.join.USA.when"),
        (
            "join = { USA = { date = 2021-01-01, passive_quota = -1 } }",
            "membership.join.USA.passive_quota",
        ),
        ("stay = { DEU = 2020-03-01 }", "membership.stay"),
        ("join = 3", "membership.join"),
    ],
)
def test_reader_names_the_bad_membership_key(
    tmp_path: Path, treaty: Treaty, table: str, key: str
) -> None:
    path = scenario_file(tmp_path, membership=f"[membership]\n{table}")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, treaty=treaty)
    assert info.value.key == key
    assert info.value.line is not None


def test_leaving_party_has_no_mission_from_its_exit(
    tmp_path: Path, treaty: Treaty
) -> None:
    path = scenario_file(tmp_path, membership="[solver.schedule]\ntime_limit_s = 5")
    base = load_scenario(path, treaty=treaty)
    exit_day = D(2020, 2, 1)
    variant = base.with_overrides(
        {"membership": {"leave": {"USA": exit_day}}}, treaty=treaty
    )
    plan = plan_year(variant, treaty=treaty)
    us = [m for m in plan.schedule.missions if "USA" in (m.observer, m.observed)]
    assert us
    assert all(m.end.date() < exit_day for m in us)
    assert plan.schedule_violations == ()


def test_exit_in_the_first_96_hours_leaves_the_flights_out(
    tmp_path: Path, treaty: Treaty
) -> None:
    # regression: a flight with no possible arrival made the calendar model
    # index an empty domain (IndexError)
    path = scenario_file(tmp_path)
    variant = load_scenario(path, treaty=treaty).with_overrides(
        {"membership": {"leave": {"USA": D(2020, 1, 3)}}}, treaty=treaty
    )
    plan = plan_year(variant, treaty=treaty)
    assert sorted(plan.schedule.left_out) == [
        ("RUS_BLR", "USA"),
        ("USA", "RUS_BLR"),
        ("USA", "RUS_BLR"),
    ]
    assert plan.summary.missions == 2


def test_joining_party_has_no_mission_before_its_entry(
    tmp_path: Path, treaty: Treaty
) -> None:
    path = scenario_file(
        tmp_path,
        year=2021,
        as_of="as_of = 2021-06-01",
        membership="[membership]\njoin = { USA = { date = 2021-06-01 } }",
    )
    plan = plan_year(load_scenario(path, treaty=treaty), treaty=treaty)
    us = [m for m in plan.schedule.missions if "USA" in (m.observer, m.observed)]
    assert len(us) == 3
    assert all(m.arrival.date() >= D(2021, 6, 1) for m in us)


def test_with_overrides_reads_like_the_file(tmp_path: Path, treaty: Treaty) -> None:
    path = scenario_file(tmp_path)
    base = load_scenario(path, treaty=treaty)
    changed = base.with_overrides(
        {
            "objective": "total",
            "solver": {"seed": 3},
            "routes": {"reading": "observed-party"},
        },
        treaty=treaty,
    )
    assert (changed.objective, changed.reading) == ("total", "observed-party")
    assert changed.solver.schedule.seed == 3
    assert changed.requests == base.requests
    assert base.objective == "fair"
    assert base.with_overrides({}, treaty=treaty) == base
    other = tmp_path / "other.csv"
    other.write_text("observer,observed,flights\nDEU,POL,2\n")
    assert [
        r.flights
        for r in base.with_overrides({"requests": "other.csv"}, treaty=treaty).requests
    ] == [2]


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"objectiv": "total"}, "objectiv"),
        ({"routes": {"readin": "treaty"}}, "routes.readin"),
        ({"solver": {"schedule": {"sed": 1}}}, "solver.schedule.sed"),
        ({"objective": "most"}, "objective"),
        ({"solver": {"seed": "3"}}, "solver.seed"),
    ],
)
def test_with_overrides_names_the_bad_key(
    tmp_path: Path, treaty: Treaty, overrides: dict, key: str
) -> None:
    base = load_scenario(scenario_file(tmp_path), treaty=treaty)
    with pytest.raises(ScenarioError) as info:
        base.with_overrides(overrides, treaty=treaty)
    assert info.value.key == key


def test_with_overrides_needs_a_scenario_read_from_a_file() -> None:
    from openskies import OptionsError

    built = Scenario(year=2020, requests=())
    assert built.with_overrides({}) is built
    with pytest.raises(OptionsError, match="load_scenario"):
        built.with_overrides({"objective": "total"})


def test_bundled_scenario_survives_pickling() -> None:
    import pickle

    scenario = load_scenario(bundled_dir("quotas") / "scenario_2020_illustrative.toml")
    again = pickle.loads(pickle.dumps(scenario))
    assert again == scenario
    assert again.with_overrides({"objective": "total"}).objective == "total"
