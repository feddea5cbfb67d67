"""Every number sourced: statuses, sources, the pick rule, history facts, the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from collections import Counter
from pathlib import Path

import pytest

from openskies import load_treaty
from openskies.cli.main import main
from openskies.errors import DataError
from openskies.rules.distribution_check import check_distribution
from openskies.treaty.distribution import Distribution
from openskies.treaty.model import Treaty
from openskies.treaty.records import STATUSES
from openskies.treaty.sources import (
    TO_VERIFY,
    Announcement,
    annex_e5_lower_bound_km,
    announcement_mismatches,
    pick_announcement,
    read_announcements,
    read_history,
    values_to_verify,
)

ROOT = Path(__file__).resolve().parent.parent
# (file, source column, status columns)
SOURCED_TABLES = [
    ("geodata/flight_distances.csv", "source", ("status",)),
    ("geodata/announcements.csv", "source", ("status",)),
    ("geodata/airfields.csv", "source", ("position_status",)),
    ("quotas/passive_quotas.csv", "source", ("status",)),
    ("quotas/history.csv", "source", ("status",)),
]


def _rows(name: str) -> list[dict[str, str]]:
    with (ROOT / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def treaty() -> Treaty:
    """The bundled treaty data."""
    return load_treaty()


@pytest.fixture(scope="module")
def history() -> dict[str, int]:
    """The bundled history facts, value by id."""
    return {f.id: f.value for f in read_history()}


@pytest.mark.parametrize(("name", "source", "statuses"), SOURCED_TABLES)
def test_every_row_has_a_source_and_an_allowed_status(
    name: str, source: str, statuses: tuple[str, ...]
) -> None:
    rows = _rows(name)
    assert rows
    for number, row in enumerate(rows, start=1):
        assert row[source].strip(), f"{name} row {number} has no source"
        for column in statuses:
            assert row[column] in STATUSES, f"{name} row {number} {column}"


def test_dated_practice_rows_cite_a_publication_of_that_year() -> None:
    # a practice value applies from the flight it was announced for: its source
    # names the publisher's address and the year of that flight
    for row in _rows("geodata/flight_distances.csv"):
        if row["status"] == "practice" and row["valid_from"]:
            assert "." in row["source"], row
            assert row["valid_from"][:4] in row["source"], row


def _announced(
    airfield: str, km: float, day: str, status: str, row: int
) -> Announcement:
    return Announcement(airfield, km, dt.date.fromisoformat(day), status, "s", row=row)


CONFLICT = [
    _announced("X", 1400, "2002-01-01", "confirmed", 1),
    _announced("X", 2078, "2012-10-28", "practice", 2),
    _announced("X", 1900, "2015-05-01", "practice", 3),
    _announced("X", 1500, "2015-05-01", "confirmed", 4),  # same day: confirmed wins
    _announced("X", 1600, "2016-01-01", "practice", 5),
    _announced("X", 1650, "2016-01-01", "practice", 6),  # same day, same status: last
    _announced("X", 9999, "2017-01-01", "unconfirmed", 7),  # never picked
    _announced("X", 1700, "2018-01-01", "inferred", 8),  # only when asked
    Announcement("X", 8888, None, "practice", "s", row=9),  # undated: never picked
]


@pytest.mark.parametrize(
    ("day", "km", "inferred"),
    [
        ("2001-12-31", None, False),
        ("2002-01-01", 1400, False),
        ("2012-10-27", 1400, False),
        ("2012-10-28", 2078, False),  # the later announcement supersedes the treaty
        ("2015-05-01", 1500, False),
        ("2016-06-01", 1650, False),
        ("2017-06-01", 1650, False),
        ("2019-01-01", 1650, False),
        ("2019-01-01", 1700, True),
    ],
)
def test_pick_rule_on_conflicting_rows(
    day: str, km: float | None, inferred: bool
) -> None:
    picked = pick_announcement(CONFLICT, dt.date.fromisoformat(day), inferred=inferred)
    assert (None if picked is None else picked.max_km) == km


def test_the_pick_rule_does_not_depend_on_the_file_order_of_dates() -> None:
    picked = pick_announcement(reversed(CONFLICT), dt.date(2016, 6, 1))
    assert picked is not None
    assert picked.max_km == 1650


def test_flight_distances_agree_with_the_announcements(treaty: Treaty) -> None:
    assert announcement_mismatches(treaty, read_announcements()) == []


def test_a_newer_announcement_not_in_the_table_is_reported(treaty: Treaty) -> None:
    late = _announced("LFOJ", 2500, "2020-06-01", "practice", 999)
    found = announcement_mismatches(treaty, [*read_announcements(), late])
    assert found == [
        "LFOJ on 2020-06-01: flight_distances.csv gives 2078.0 km, "
        "the pick rule gives 2500 km"
    ]
    unknown = announcement_mismatches(
        treaty, [_announced("ZZZZ", 1, "2020-01-01", "practice", 1)]
    )
    assert unknown == ["ZZZZ: announced but not in airfields.csv"]


@pytest.mark.parametrize(
    ("airfield", "day", "km", "status"),
    [
        ("LFOJ", "2012-10-27", 1400, "confirmed"),  # Annex A III
        ("LFOJ", "2017-04-18", 2078, "practice"),
        ("EGVN", "2017-06-13", 2400, "practice"),
        ("LTBI", "2020-02-25", 1900, "practice"),
        ("ESCM", "2019-06-24", 1700, "practice"),
        ("EVRA", "2019-10-28", 800, "practice"),
        ("LQSA", "2019-05-13", 720, "practice"),
        ("KGTF", "2019-06-24", 5130, "practice"),
        ("EDDK", "2019-11-04", 1300, "practice"),
        ("LIRA", "2019-11-04", 2015, "practice"),
        ("UUMB", "2013-06-02", 5000, "confirmed"),
        ("UUMB", "2013-06-03", 5500, "practice"),
    ],
)
def test_airfields_say_where_their_distance_comes_from(
    treaty: Treaty, airfield: str, day: str, km: float, status: str
) -> None:
    site = treaty.as_of(day).airfield(airfield)
    assert site.max_distance_km == km
    assert site.distance is not None
    assert (site.distance.max_km, site.distance.status) == (km, status)
    assert site.distance.source
    listed = {a.id: a for a in treaty.as_of(day).airfields(site.state)}
    assert listed[airfield].distance == site.distance


def test_inferred_values_are_off_by_default_and_on_when_asked(treaty: Treaty) -> None:
    assert treaty.inferred is False
    assert treaty.as_of("2019-06-01").airfield("UGTB").max_distance_km is None
    assert treaty.as_of("2019-06-01").airfields("GEO")[0].distance is None
    on = load_treaty(inferred=True).as_of("2019-06-01").airfield("UGTB")
    assert on.max_distance_km == 1352
    assert on.distance is not None
    assert on.distance.status == "inferred"
    assert treaty.using_inferred().as_of("2019-06-01").airfield("UGTB").distance == (
        on.distance
    )
    off = treaty.using_inferred().using_inferred(False).as_of("2019-06-01")
    assert off.airfield("UGTB").max_distance_km is None
    # the shared treaty is unchanged
    assert treaty.as_of("2019-06-01").airfield("UGTB").max_distance_km is None


def test_georgia_lower_bound_is_annex_e5_of_the_bundled_territory(
    treaty: Treaty,
) -> None:
    tbilisi = treaty.as_of("2019-06-01").airfield("UGTB")
    bound = annex_e5_lower_bound_km(
        treaty.state_territory("GEO"), tbilisi.lon, tbilisi.lat
    )
    assert bound == 1352
    # the farthest point is about 473 km away: 0.35 x bound covers it,
    # 0.35 x (bound - 1) does not
    assert 0.35 * (bound - 1) < 473.0 < 0.35 * bound
    inferred = [d for d in tbilisi.distances if d.status == "inferred"]
    assert [d.max_km for d in inferred] == [bound]


def test_bound_of_a_small_square_by_hand() -> None:
    from shapely.geometry import box

    # from the centre of a 2 x 2 degree square at the equator the corners are the
    # farthest points, 156.9 km away on WGS84 (157.2 km on a 6,371 km sphere):
    # at least 156.9 / 0.35 = 448.3 -> 449 km; a 1 x 1 square half that
    assert annex_e5_lower_bound_km(box(-1, -1, 1, 1), 0.0, 0.0) == 449
    assert annex_e5_lower_bound_km(box(-0.5, -0.5, 0.5, 0.5), 0.0, 0.0) == 225


def test_first_distribution_matches_the_treaty_totals(
    treaty: Treaty, history: dict[str, int]
) -> None:
    over: Counter[str] = Counter()
    shared: Counter[str] = Counter()
    for entry in treaty.first_distribution:
        over[entry.observed] += entry.flights
        shared[entry.observed] += entry.shared
    # each shared flight appears in both sharers' rows; it is one flight
    distinct = {t: over[t] - shared[t] // 2 for t in over}
    assert distinct["RUS_BLR"] == history["D1992-RUS_BLR"]
    assert distinct["UKR"] == history["D1992-UKR"]
    assert distinct["USA"] == history["D1992-USA"]
    assert sum(distinct.values()) == history["D1992-TOTAL"]
    # and each stays within 75 % of the passive quota (Annex A II.1), but Poland
    view = treaty.as_of("2002-01-01")
    over_cap = {t for t, n in distinct.items() if n > 3 * view.passive_quota(t) // 4}
    assert over_cap == {"POL"}


def test_2020_us_share_is_the_entitlement_cap(
    treaty: Treaty, history: dict[str, int]
) -> None:
    view = treaty.as_of("2020-01-01")
    asked = history["Y2020-USA-RUS"]
    assert asked == 21
    assert history["Y2020-RUS"] == 38 <= view.passive_quota("RUS_BLR")
    fine = check_distribution(view, 2020, Distribution({("USA", "RUS_BLR"): asked}))
    assert [v.rule for v in fine if v.rule == "III.I.10"] == []
    more = check_distribution(view, 2020, Distribution({("USA", "RUS_BLR"): asked + 1}))
    capped = [v for v in more if v.rule == "III.I.10"]
    assert [(v.parties, v.limit) for v in capped] == [(("USA", "RUS_BLR"), asked)]


def test_2018_had_no_distribution_in_both_tables(
    treaty: Treaty, history: dict[str, int]
) -> None:
    assert history["Y2018-NONE"] == 0
    ids = {r.id for r in treaty.as_of("2018-06-01").restrictions()}
    assert "Y2018-NONE" in ids
    assert "Y2018-NONE" not in {r.id for r in treaty.as_of("2019-06-01").restrictions()}


def test_flight_counts_grow_over_time() -> None:
    totals = sorted(
        (f.date, f.value)
        for f in read_history()
        if f.kind.startswith("flights_total_to_date")
    )
    assert [v for _, v in totals] == sorted(v for _, v in totals)
    assert totals[0] == (dt.date(2013, 9, 3), 1000)


def test_malformed_evidence_names_file_row_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "announcements.csv"
    bad.write_text(
        "airfield,max_km,flight_date,status,source\n"
        "LFOJ,2078,2012-10-28,announced,TASS\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=r"row 1.*status.*'announced'"):
        read_announcements(bad)
    twice = tmp_path / "history.csv"
    twice.write_text(
        "id,date,kind,observer,observed,value,status,source\n"
        "A,2020-01-01,distribution_agreed,all,all,0,practice,x\n"
        "A,2021-01-01,distribution_agreed,all,all,1,practice,x\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=r"row 2.*id.*appears twice"):
        read_history(twice)


def test_values_to_verify_lists_only_statuses_to_verify(treaty: Treaty) -> None:
    values = values_to_verify(treaty, read_history())
    assert {v.status for v in values} == set(TO_VERIFY)
    keys = {(v.table, v.key) for v in values}
    assert ("flight distance", "UGTB from 2002-01-01") in keys
    assert ("passive quota", "SWE from 2002-01-01") in keys
    assert ("flight distance", "LFOJ from 2012-10-28") in keys
    assert ("flight distance", "LFOJ from 2002-01-01") not in keys  # treaty text
    assert all(v.source for v in values)


def test_sources_command_text_and_csv(
    treaty: Treaty, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = values_to_verify(treaty, read_history())
    assert main(["sources"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{len(expected)} values to verify")
    assert "UGTB from 2002-01-01" in out
    assert main(["sources", "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["table", "file", "key", "value", "status", "source"]
    assert len(rows) == len(expected) + 1
    assert {r[4] for r in rows[1:]} == set(TO_VERIFY)
    ugtb = next(r for r in rows if r[2] == "UGTB from 2002-01-01")
    assert ugtb[3:5] == ["1352 km", "inferred"]
    assert "Annex E 5" in ugtb[5]


def test_sources_command_reports_a_bad_history_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    quotas = tmp_path / "quotas"
    shutil.copytree(ROOT / "quotas", quotas)
    (quotas / "history.csv").write_text("id,date\nA,never\n", encoding="utf-8")
    assert main(["sources", "--quotas-dir", str(quotas)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "history.csv" in err
    assert "missing column" in err


def test_show_says_where_each_distance_comes_from(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["show", "FRA", "--as-of", "2019-06-01"]) == 0
    out = capsys.readouterr().out
    assert "2,078   practice" in out
    assert "LFOJ: ITAR-TASS, 2012-10-28" in out
    assert "LFMN: Treaty on Open Skies Annex A III" in out
    assert main(["show", "GEO", "--as-of", "2019-06-01"]) == 0
    assert "use --inferred" in capsys.readouterr().out
    assert main(["show", "GEO", "--as-of", "2019-06-01", "--inferred"]) == 0
    out = capsys.readouterr().out
    assert "1,352   inferred" in out
    assert "Annex E 5(A)" in out


def test_a_known_value_beats_an_inferred_bound(tmp_path: Path) -> None:
    geodata = tmp_path / "geodata"
    # a user's edited copy: without the bundled manifest, which no longer matches
    shutil.copytree(
        ROOT / "geodata", geodata, ignore=shutil.ignore_patterns("manifest.json")
    )
    with (geodata / "flight_distances.csv").open("a", encoding="utf-8") as handle:
        handle.write("UGTB,800,2015-01-01,,practice,,a user's announced value\n")
    custom = load_treaty(None, geodata, inferred=True)
    assert custom.as_of("2014-12-31").airfield("UGTB").max_distance_km == 1352
    site = custom.as_of("2015-01-01").airfield("UGTB")
    assert site.distance is not None
    assert (site.max_distance_km, site.distance.status) == (800, "practice")
    off = custom.using_inferred(False)
    assert off.as_of("2014-12-31").airfield("UGTB").max_distance_km is None
    assert off.as_of("2015-01-01").airfield("UGTB").max_distance_km == 800
