"""The regime as data: membership, parties and passive quotas against treaty.md."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openskies import NotAPartyError, OpenSkiesError, Treaty, UnknownStateError

# treaty.md section 1: (ISO3, date in force, date withdrawal took effect)
MEMBERSHIP = [
    ("BLR", "2002-01-01", None),
    ("BEL", "2002-01-01", None),
    ("BIH", "2003-10-20", None),
    ("BGR", "2002-01-01", None),
    ("CAN", "2002-01-01", None),
    ("HRV", "2005-01-01", None),
    ("CZE", "2002-01-01", None),
    ("DNK", "2002-01-01", None),
    ("EST", "2005-05-23", None),
    ("FIN", "2003-02-10", None),
    ("FRA", "2002-01-01", None),
    ("GEO", "2002-01-01", None),
    ("DEU", "2002-01-01", None),
    ("GRC", "2002-01-01", None),
    ("HUN", "2002-01-01", None),
    ("ISL", "2002-01-01", None),
    ("ITA", "2002-01-01", None),
    ("LVA", "2003-02-11", None),
    ("LTU", "2005-07-08", None),
    ("LUX", "2002-01-01", None),
    ("NLD", "2002-01-01", None),
    ("NOR", "2002-01-01", None),
    ("POL", "2002-01-01", None),
    ("PRT", "2002-01-01", None),
    ("ROU", "2002-01-01", None),
    ("RUS", "2002-01-01", "2021-12-18"),
    ("SVK", "2002-01-01", None),
    ("SVN", "2004-11-24", None),
    ("ESP", "2002-01-01", None),
    ("TUR", "2002-01-01", None),
    ("UKR", "2002-01-01", None),
    ("GBR", "2002-01-01", None),
    ("USA", "2002-01-01", "2020-11-22"),
]

# treaty.md section 1, passive quotas that are confirmed (treaty text or practice)
PASSIVE_QUOTAS = [
    ("RUS_BLR", 42),
    ("BENELUX", 6),
    ("BGR", 4),
    ("CAN", 12),
    ("DNK", 6),
    ("EST", 4),
    ("FRA", 12),
    ("DEU", 12),
    ("GRC", 4),
    ("HUN", 4),
    ("ISL", 4),
    ("ITA", 12),
    ("NOR", 7),
    ("POL", 6),
    ("PRT", 2),
    ("ROU", 6),
    ("ESP", 4),
    ("TUR", 12),
    ("UKR", 12),
    ("GBR", 12),
    ("USA", 42),
]
# treaty.md section 7: passive quotas still unknown; the data must flag them
UNCONFIRMED = ["SWE", "FIN", "LVA", "LTU", "SVN", "HRV", "BIH", "GEO", "CZE", "SVK"]


@pytest.mark.parametrize(("iso3", "in_force", "left"), MEMBERSHIP)
def test_membership_dates(
    treaty: Treaty, iso3: str, in_force: str, left: str | None
) -> None:
    start = dt.date.fromisoformat(in_force)
    assert treaty.state(iso3).in_force == start
    assert iso3 not in treaty.as_of(start - dt.timedelta(days=1)).members
    assert iso3 in treaty.as_of(start).members
    if left is None:
        assert treaty.state(iso3).left is None
        assert iso3 in treaty.as_of("2026-01-01").members
    else:
        end = dt.date.fromisoformat(left)
        assert iso3 in treaty.as_of(end - dt.timedelta(days=1)).members
        assert iso3 not in treaty.as_of(end).members


@pytest.mark.parametrize(("party", "quota"), PASSIVE_QUOTAS)
def test_confirmed_passive_quotas(treaty: Treaty, party: str, quota: int) -> None:
    view = treaty.as_of("2010-06-01")
    assert view.passive_quota(party) == quota
    assert view.party(party).quota_status in ("confirmed", "practice")


@pytest.mark.parametrize("party", UNCONFIRMED)
def test_unknown_quotas_are_flagged(treaty: Treaty, party: str) -> None:
    assert treaty.as_of("2010-06-01").party(party).quota_status == "unconfirmed"


def test_belarus_own_quota_after_group_ended_is_flagged(treaty: Treaty) -> None:
    assert treaty.as_of("2022-01-01").party("BLR").quota_status == "unconfirmed"


@pytest.mark.parametrize(
    ("day", "members"),
    [
        ("2001-12-31", 0),
        ("2002-01-01", 27),
        ("2005-07-07", 33),
        ("2005-07-08", 34),
        ("2020-11-21", 34),
        ("2020-11-22", 33),
        ("2021-12-17", 33),
        ("2021-12-18", 32),
        ("2026-11-25", 32),
    ],
)
def test_member_counts(treaty: Treaty, day: str, members: int) -> None:
    assert len(treaty.as_of(day).members) == members


def test_kyrgyzstan_never_a_party(treaty: Treaty) -> None:
    for day in ("1993-01-01", "2010-01-01", "2024-01-01"):
        assert "KGZ" not in treaty.as_of(day).members
    with pytest.raises(NotAPartyError, match="never been a party"):
        treaty.as_of("2010-01-01").party_of("KGZ")


def test_groups(treaty: Treaty) -> None:
    before = treaty.as_of("2021-12-17")
    assert before.party_of("BLR") == "RUS_BLR"
    assert before.party_of("RUS") == "RUS_BLR"
    assert set(before.party("RUS_BLR").states) == {"RUS", "BLR"}
    after = treaty.as_of("2021-12-18")
    assert after.party_of("BLR") == "BLR"
    assert after.party("BLR").states == ("BLR",)
    for state in ("BEL", "NLD", "LUX"):
        assert after.party_of(state) == "BENELUX"
        assert after.passive_quota(state) == 6


def test_peak_party_structure(treaty: Treaty) -> None:
    view = treaty.as_of("2019-06-01")
    # 34 states parties form 31 quota-holding parties (Benelux 3 -> 1, RUS+BLR -> 1)
    assert len(view.parties) == 31
    assert view.party_of("BENELUX") == "BENELUX"


def test_annex_a_first_distribution_uses_nine_flights_over_ukraine(
    treaty: Treaty,
) -> None:
    # treaty.md section 2: flights over UKR = 9 = floor(0.75 x 12); a shared flight
    # appears under both sharers but uses one unit of the observed quota
    over_ukr = [e for e in treaty.first_distribution if e.observed == "UKR"]
    assert sum(e.flights for e in over_ukr) - sum(e.shared for e in over_ukr) // 2 == 9
    over_rb = sum(
        e.flights for e in treaty.first_distribution if e.observed == "RUS_BLR"
    )
    assert over_rb == 28
    by_rb = sum(e.flights for e in treaty.first_distribution if e.observer == "RUS_BLR")
    assert by_rb == 26


def test_unknown_code_suggests_close_codes(treaty: Treaty) -> None:
    view = treaty.as_of("2019-06-01")
    with pytest.raises(UnknownStateError, match=r"'RUZ'.*RUS") as info:
        view.party_of("RUZ")
    assert "RUS" in info.value.suggestions


def test_withdrawn_state_error_names_its_dates(treaty: Treaty) -> None:
    view = treaty.as_of("2021-01-01")
    with pytest.raises(NotAPartyError, match=r"2002-01-01 until .* 2020-11-22"):
        view.passive_quota("USA")
    with pytest.raises(NotAPartyError, match="USA is not a party on 2021-01-01"):
        view.territory("USA")


def test_before_entry_into_force_no_parties(treaty: Treaty) -> None:
    view = treaty.as_of("1999-05-01")
    assert view.members == ()
    assert view.parties == ()
    with pytest.raises(NotAPartyError):
        view.party_of("DEU")


@given(st.dates(min_value=dt.date(1995, 1, 1), max_value=dt.date(2030, 12, 31)))
def test_as_of_properties(treaty: Treaty, day: dt.date) -> None:
    view = treaty.as_of(day)
    assert view.members == treaty.as_of(day.isoformat()).members
    in_parties = [s for p in view.parties for s in p.states]
    # every member belongs to exactly one party and every party state is a member
    assert sorted(in_parties) == sorted(view.members)
    for party in view.parties:
        assert party.passive_quota > 0
        for state in party.states:
            assert view.party_of(state) == party.code
            assert view.passive_quota(state) == party.passive_quota
    expected = (
        0
        if day < dt.date(2002, 1, 1)
        else 34
        if dt.date(2005, 7, 8) <= day < dt.date(2020, 11, 22)
        else 33
        if day < dt.date(2021, 12, 18) and day >= dt.date(2020, 11, 22)
        else None
    )
    if expected is not None:
        assert len(view.members) == expected
    assert ("USA" in view.members) == (
        dt.date(2002, 1, 1) <= day < dt.date(2020, 11, 22)
    )
    assert ("RUS" in view.members) == (
        dt.date(2002, 1, 1) <= day < dt.date(2021, 12, 18)
    )
    assert "KGZ" not in view.members


def test_as_of_rejects_non_dates(treaty: Treaty) -> None:
    for bad in ("next tuesday", "2021-02-30", 20210101):
        with pytest.raises(OpenSkiesError, match="expected a date such as 2020-01-01"):
            treaty.as_of(bad)  # type: ignore[arg-type]


def test_unknown_airfield_is_named_as_an_airfield(treaty: Treaty) -> None:
    with pytest.raises(UnknownStateError, match=r"unknown airfield 'UUMX'.*UUMB"):
        treaty.as_of("2019-01-01").airfield("UUMX")


@pytest.mark.parametrize("ident", [None, "", "   ", 3, ["EDDK"]])
def test_airfield_refuses_empty_and_non_string_ids(
    treaty: Treaty, ident: object
) -> None:
    # issue 10: "" matched the first airfield with no ICAO code (a Greek one)
    with pytest.raises(UnknownStateError, match="unknown airfield"):
        treaty.as_of("2019-01-01").airfield(ident)  # type: ignore[arg-type]


def test_unknown_airfield_role_is_an_options_error(treaty: Treaty) -> None:
    from openskies import OptionsError

    view = treaty.as_of("2019-01-01")
    for role in ("x", 3, "poe"):
        with pytest.raises(OptionsError, match="use one of POE, OSA, REF, CAL, FIX"):
            view.airfields("DEU", role=role)  # type: ignore[arg-type]
    assert {a.id for a in view.airfields("DEU", role="POE")} == {"EDDK"}


def test_as_of_refuses_pandas_nat(treaty: Treaty) -> None:
    import pandas as pd

    with pytest.raises(OpenSkiesError, match="expected a date"):
        treaty.as_of(pd.NaT)


@pytest.mark.parametrize("code", [None, "", 3])
def test_a_code_that_is_not_text_gets_no_suggestions(
    treaty: Treaty, code: object
) -> None:
    with pytest.raises(UnknownStateError, match="use ISO 3166 alpha-3 codes") as info:
        treaty.as_of("2019-01-01").party_of(code)  # type: ignore[arg-type]
    assert info.value.suggestions == ()
