"""The Article III validator, the quota problem and the requests, against the treaty."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from openskies import (
    DataError,
    NotAPartyError,
    OptionsError,
    Treaty,
    UnknownStateError,
)
from openskies.allocation.problem import (
    QuotaProblem,
    Request,
    first_distribution,
    quota_problem,
    read_requests,
    requested_flights,
)
from openskies.cli.main import main
from openskies.rules.distribution_check import check_distribution
from openskies.treaty.distribution import Distribution
from tests.toy import toy_treaty

REQUESTS_2020 = (
    Path(__file__).parent.parent / "quotas" / "requests_2020_illustrative.csv"
)

# a toy year after 2005: A must accept 4 flights a year, B, C and D 12 each
TOY = QuotaProblem(2010, {"A": 4, "B": 12, "C": 12, "D": 12})


def rules(found: list) -> list[tuple[str, tuple[str, ...]]]:
    return [(v.rule, v.parties) for v in found]


@pytest.fixture(scope="module")
def benelux_treaty(tmp_path_factory: pytest.TempPathFactory) -> Treaty:
    """Toy treaty: Benelux (BEL + NLD) 6, Germany 12, Poland 4; the USA left 2020."""
    return toy_treaty(
        tmp_path_factory.mktemp("benelux"),
        {"BENELUX": 6, "DEU": 12, "POL": 4, "USA": 42},
        groups={"BENELUX": ["BEL", "NLD"]},
        left={"USA": "2020-11-22"},
    )


# --- the 1992 first distribution (Annex A II) ------------------------------------


def test_first_distribution_matches_annex_a(treaty: Treaty) -> None:
    plan = first_distribution(treaty)
    # treaty.md section 2: 9 flights over Ukraine = floor(0.75 x 12), one shared flight
    # counting once: 11 listed, two pairs of sharers
    assert sum(n for _, t, n in plan if t == "UKR") == 11
    assert plan.received("UKR") == 9
    assert plan[("USA", "RUS_BLR")] == 8
    assert plan.active("RUS_BLR") == 26


def test_first_distribution_complies_in_2002_under_the_default_reading(
    treaty: Treaty,
) -> None:
    found = check_distribution(
        treaty.as_of("2002-01-01"), 2002, first_distribution(treaty)
    )
    # The only finding is not binding: the treaty's own first distribution gives
    # Poland 5 flights (Benelux, Canada, Denmark, Norway, Ukraine) while it is
    # obliged to accept only 75 % of 6 rounded down = 4 (Annex A II.1) - it accepted
    # one more than it had to.
    assert rules(found) == [("Annex A II.1", ("POL",))]
    assert not found[0].binding
    assert (found[0].value, found[0].limit) == (5, 4)


def test_first_distribution_under_the_distributed_reading(treaty: Treaty) -> None:
    found = check_distribution(
        treaty.as_of("2002-01-01"),
        2002,
        first_distribution(treaty),
        pair_cap="distributed",
    )
    capped = sorted(v.parties for v in found if v.rule == "III.I.10")
    # Half of the distributed total, rounded up: USA 9 -> 5 < 8; DEU, FRA, GBR
    # 4 -> 2 < 3 flights over Russia-Belarus; the entitlement reading (21) allows all.
    assert capped == [
        ("DEU", "RUS_BLR"),
        ("FRA", "RUS_BLR"),
        ("GBR", "RUS_BLR"),
        ("USA", "RUS_BLR"),
    ]
    usa = next(v for v in found if v.parties == ("USA", "RUS_BLR"))
    assert (usa.value, usa.limit) == (8, 5)


def test_shared_flights_can_charge_half(treaty: Treaty) -> None:
    view = treaty.as_of("2002-01-01")
    problem = QuotaProblem(2006, {"USA": 1, "CAN": 1, "UKR": 12})
    plan = Distribution(
        {("USA", "UKR"): 1, ("CAN", "UKR"): 1},
        shared={("USA", "UKR"): 1, ("CAN", "UKR"): 1},
    )
    # one shared flight: it uses one of Ukraine's passive units either way, and a
    # full or half unit of each sharer's active quota of 1
    assert check_distribution(problem, 2006, plan) == []
    assert check_distribution(problem, 2006, plan, shared_charge="half") == []
    assert check_distribution(
        view, 2002, first_distribution(treaty), shared_charge="half"
    )


# --- one rule at a time on a toy treaty -------------------------------------------


def test_active_quota_over_passive() -> None:
    plan = Distribution({("A", "B"): 2, ("A", "C"): 2, ("A", "D"): 1})
    found = check_distribution(TOY, 2010, plan)
    # A flies 5 but must accept only 4, so may fly only 4 (III.I.5)
    assert rules(found) == [("III.I.5", ("A",))]
    assert (found[0].value, found[0].limit) == (5, 4)


def test_flights_received_over_passive() -> None:
    plan = Distribution({("B", "A"): 2, ("C", "A"): 2, ("D", "A"): 1})
    assert rules(check_distribution(TOY, 2010, plan)) == [("III.I.4", ("A",))]


def test_seventy_five_percent_until_2005() -> None:
    plan = Distribution({("B", "A"): 2, ("C", "A"): 2})
    early = QuotaProblem(2005, TOY.passive)
    # 4 flights over A: its whole quota in 2010, above floor(0.75 x 4) = 3 in 2005
    assert check_distribution(TOY, 2010, plan) == []
    found = check_distribution(early, 2005, plan)
    assert rules(found) == [("Annex A II.1", ("A",))]
    assert (found[0].value, found[0].limit, found[0].binding) == (4, 3, False)


@pytest.mark.parametrize(
    ("reading", "flights", "broken"),
    [
        # entitlement: min(ceil(12/2), ceil(4/2)) = 2 flights of B over A
        ("entitlement", {("B", "A"): 3}, [("III.I.10", ("B", "A"))]),
        ("entitlement", {("B", "A"): 2}, []),
        # distributed: B's distributed total 3 -> ceil(1.5) = 2 over C
        ("distributed", {("B", "C"): 3}, [("III.I.10", ("B", "C"))]),
        ("entitlement", {("B", "C"): 3}, []),
        ("distributed", {("B", "C"): 3, ("B", "D"): 3}, []),
    ],
)
def test_pair_cap(reading: str, flights: dict, broken: list) -> None:
    found = check_distribution(TOY, 2010, Distribution(flights), pair_cap=reading)  # type: ignore[arg-type]
    assert rules(found) == broken


def test_flights_within_one_party_and_by_non_parties(benelux_treaty: Treaty) -> None:
    view = benelux_treaty.as_of("2021-01-01")
    plan = Distribution({("BEL", "NLD"): 1, ("USA", "DEU"): 1, ("DEU", "USA"): 2})
    found = check_distribution(view, 2021, plan)
    # Belgium over the Netherlands is Benelux over itself; the USA left on
    # 2020-11-22, so in 2021 it may neither observe nor be observed
    assert sorted(rules(found)) == [
        ("I.1", ("BENELUX",)),
        ("I.1", ("USA",)),
        ("I.1", ("USA",)),
    ]
    assert any(
        "until its withdrawal took effect on 2020-11-22" in v.message for v in found
    )


def test_state_codes_count_for_their_party(benelux_treaty: Treaty) -> None:
    view = benelux_treaty.as_of("2019-01-01")
    # BEL and NLD are one party: 2 + 2 = 4 over Poland, which accepts 4, but the
    # pair cap is min(ceil(6/2), ceil(4/2)) = 2
    plan = Distribution({("BEL", "POL"): 2, ("NLD", "POL"): 2})
    assert rules(check_distribution(view, 2019, plan)) == [
        ("III.I.10", ("BENELUX", "POL"))
    ]


def test_unknown_code_is_an_error(treaty: Treaty) -> None:
    with pytest.raises(UnknownStateError, match="unknown state or party code 'XYZ'"):
        check_distribution(
            treaty.as_of("2019-01-01"), 2019, Distribution({("XYZ", "DEU"): 1})
        )


def test_requests_and_reciprocity() -> None:
    plan = Distribution({("B", "C"): 3, ("C", "B"): 1, ("D", "A"): 2})
    asked = [Request("B", "C", 2), Request("C", "B", 4), Request("D", "A", 2)]
    found = check_distribution(TOY, 2010, plan, requests=asked)
    # B got 3 of 2 requested; C asked for 4 over B and gets 1 while B gets 3 over
    # C: C is owed min(4, 3) = 3 (III.I.3)
    assert rules(found) == [("Annex L II", ("B", "C")), ("III.I.3", ("C", "B"))]
    assert (found[1].value, found[1].limit) == (1, 3)


def test_quota_freeze_of_2018_is_data_driven(treaty: Treaty) -> None:
    view = treaty.as_of("2018-01-01")
    problem = quota_problem(view, 2018)
    assert [f.id for f in problem.freezes] == ["Y2018-NONE"]
    found = check_distribution(view, 2018, Distribution({("USA", "RUS"): 1}))
    assert rules(found) == [("Y2018-NONE", ("USA", "RUS_BLR"))]
    assert found[0].restriction == "Y2018-NONE"
    assert quota_problem(treaty.as_of("2019-01-01"), 2019).freezes == ()


@given(
    st.dictionaries(
        st.tuples(st.sampled_from("ABCD"), st.sampled_from("ABCD")),
        st.integers(0, 8),
        max_size=8,
    )
)
def test_validator_agrees_with_the_arithmetic(flights: dict) -> None:
    plan = Distribution(flights)
    found = check_distribution(TOY, 2010, plan)
    quota = TOY.passive
    pairs = {(o, t): n for (o, t), n in plan.flights.items() if o != t}
    ok = (
        all(
            n <= min(-(-quota[o] // 2), -(-quota[t] // 2))
            for (o, t), n in pairs.items()
        )
        and all(
            sum(n for (o, _), n in pairs.items() if o == p) <= quota[p] for p in quota
        )
        and all(
            sum(n for (_, t), n in pairs.items() if t == p) <= quota[p] for p in quota
        )
        and len(pairs) == len(plan.flights)
    )
    assert (found == []) == ok


# --- the quota problem and the requests -------------------------------------------


def test_problem_from_a_view(treaty: Treaty) -> None:
    problem = quota_problem(treaty.as_of("2020-01-01"), 2020)
    assert len(problem.parties) == 31
    assert problem.passive["RUS_BLR"] == 42
    assert problem.resolve("BEL") == "BENELUX"
    assert problem.resolve("blr") == "RUS_BLR"


@pytest.mark.parametrize(
    ("day", "year", "message"),
    [
        ("2002-01-01", 2001, "year 2001 is before the treaty entered into force"),
        ("2019-06-01", 2020, "dated 2019-06-01 but year is 2020"),
    ],
)
def test_bad_years(treaty: Treaty, day: str, year: int, message: str) -> None:
    with pytest.raises(OptionsError, match=message):
        quota_problem(treaty.as_of(day), year)


def test_requests_resolve_and_sum(treaty: Treaty) -> None:
    problem = quota_problem(treaty.as_of("2020-01-01"), 2020)
    frame = pd.DataFrame(
        {
            "observer": ["BEL", "NLD", "USA", "USA"],
            "observed": ["RUS", "BLR", "RUS_BLR", "DEU"],
            "flights": [1, 2, 21, 0],
            "priority": [1, 3, None, 2],
        }
    )
    # Belgium and the Netherlands are Benelux; Russia and Belarus are one group
    assert requested_flights(problem, frame) == {
        ("BENELUX", "RUS_BLR"): (3, 3),
        ("USA", "RUS_BLR"): (21, 1),
    }


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("USA", "RUS", -1)], "requests, row 1, field 'flights': -1 is not a whole"),
        ([("USA", "RUS", 1), ("DEU", "RUS", 1.5)], "row 2, field 'flights': 1.5"),
        ([("USA", "XYZ", 1)], "row 1, field 'observed': unknown state or party code"),
        ([("BEL", "NLD", 1)], "row 1, field 'observed': BEL cannot request flights"),
        ([("DEU", "POL", 1), ("KGZ", "POL", 1)], "row 2, field 'observer': KGZ is not"),
    ],
)
def test_bad_requests_name_the_row(treaty: Treaty, rows: list, message: str) -> None:
    problem = quota_problem(treaty.as_of("2020-01-01"), 2020)
    frame = pd.DataFrame(rows, columns=["observer", "observed", "flights"])
    with pytest.raises(DataError, match=message):
        requested_flights(problem, frame)


def test_requests_must_be_a_table_or_requests() -> None:
    with pytest.raises(OptionsError, match="requests must be a pandas DataFrame"):
        requested_flights(TOY, "A,B,1")
    with pytest.raises(DataError, match="row 2: expected a Request"):
        requested_flights(TOY, [Request("A", "B", 1), ("A", "C", 1)])
    with pytest.raises(DataError, match="missing column"):
        requested_flights(TOY, pd.DataFrame({"observer": ["A"]}))


def test_read_requests(tmp_path: Path) -> None:
    requests = read_requests(REQUESTS_2020)
    assert Request("USA", "RUS_BLR", 21, 1) in requests
    assert sum(r.flights for r in requests if r.observed == "RUS_BLR") == 38
    bad = tmp_path / "bad.csv"
    bad.write_text("observer,observed,flights\nUSA,RUS,two\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"bad.csv, row 1, field 'flights'"):
        read_requests(bad)


# --- the command line ---------------------------------------------------------------


def test_cli_check_distribution(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.csv"
    Distribution({("USA", "RUS"): 21, ("RUS", "USA"): 8}).write_csv(good)
    assert main(["check-distribution", str(good), "--year", "2020"]) == 0
    assert "0 binding violation(s)" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    Distribution({("USA", "RUS"): 22}).write_csv(bad)
    assert main(["check-distribution", str(bad), "--year", "2020"]) == 1
    out = capsys.readouterr().out
    assert "III.I.10: USA is given 22 flights over RUS_BLR; the cap is 21" in out


def test_cli_rejects_early_years(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "plan.csv"
    Distribution({("USA", "RUS"): 1}).write_csv(plan)
    assert main(["check-distribution", str(plan), "--year", "1999"]) == 2
    assert "year 1999 is before the treaty" in capsys.readouterr().err


def test_not_a_party_in_a_problem(treaty: Treaty) -> None:
    problem = quota_problem(treaty.as_of("2022-01-01"), 2022)
    with pytest.raises(NotAPartyError):
        problem.resolve("RUS")
