"""State lookups by ISO3, ISO2 or name in any case, with ranked suggestions."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from openskies import load_treaty
from openskies.cli.main import main
from openskies.errors import DataError, UnknownStateError
from openskies.treaty import lookup
from openskies.treaty.resources import bundled_dir


@pytest.mark.parametrize(
    "text", ["ru", "RU", "Russia", "russian federation", "rus", " Rus "]
)
def test_russia_is_found_by_iso2_iso3_and_name(text: str) -> None:
    assert load_treaty().normalise(text) == "RUS"


def test_party_of_accepts_a_name() -> None:
    assert load_treaty().as_of("2019-06-01").party_of("belgium") == "BENELUX"


def test_ambiguous_prefix_is_refused() -> None:
    # "Slov" starts both Slovakia and Slovenia
    with pytest.raises(UnknownStateError):
        load_treaty().normalise("Slov")


def test_suggestions_are_ranked_by_similarity() -> None:
    with pytest.raises(UnknownStateError) as info:
        load_treaty().normalise("RUSSIAX")
    assert info.value.suggestions[0] == "RUS"


def test_cli_show_russia_upper_case_resolves(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["show", "RUSSIA", "--as-of", "2019-06-01"]) == 0
    assert "RUS" in capsys.readouterr().out


def test_cli_show_unknown_suggests_closest_first(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["show", "RUSSIAX", "--as-of", "2019-06-01"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "did you mean RUS," in err


def test_blank_code_gets_no_suggestions() -> None:
    with pytest.raises(UnknownStateError) as info:
        load_treaty().normalise("  ")
    assert info.value.suggestions == ()


def test_withdrawn_party_hint_names_the_last_day(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["show", "RUS", "--as-of", "2023-01-01"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "took effect on 2021-12-18" in err
    assert "--as-of 2021-12-17" in err


def test_states_before_entry_into_force_says_when(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["states", "--as-of", "1990-01-01"]) == 0
    out = capsys.readouterr().out
    assert "entered into force on 2002-01-01" in out
    assert "party  passive" not in out


# ------------------------------------------------ ISO2 codes come from the data


def _states_copy(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the bundled quota tables without manifest; its states.csv."""
    copy = Path(shutil.copytree(bundled_dir("quotas"), tmp_path / "quotas"))
    (copy / "manifest.json").unlink()
    return copy, copy / "states.csv"


def test_every_state_has_its_iso2_code_in_the_states_table() -> None:
    states = {s.iso3: s.iso2 for s in load_treaty().states}
    assert len(states) == 35
    assert (states["RUS"], states["DEU"], states["GBR"], states["KGZ"]) == (
        "RU",
        "DE",
        "GB",
        "KG",
    )
    assert len(set(states.values())) == 35
    assert not hasattr(lookup, "ISO2")  # no second copy in the code


def test_iso2_lookups_read_the_table(tmp_path: Path) -> None:
    # rename Germany's alpha-2 code in the data: "DX" finds it, "DE" no longer
    quotas, states = _states_copy(tmp_path)
    states.write_text(states.read_text().replace("DEU,DE,", "DEU,DX,"))
    treaty = load_treaty(quotas)
    assert treaty.normalise("dx") == "DEU"
    with pytest.raises(UnknownStateError):
        treaty.normalise("DE")


def test_tables_without_the_iso2_column_still_load(tmp_path: Path) -> None:
    quotas, states = _states_copy(tmp_path)
    rows = list(csv.reader(io.StringIO(states.read_text())))
    states.write_text("\n".join(",".join(r[:1] + r[2:]) for r in rows) + "\n")
    treaty = load_treaty(quotas)
    assert {s.iso2 for s in treaty.states} == {""}
    assert treaty.normalise("Germany") == "DEU"


@pytest.mark.parametrize(
    ("old", "new", "row", "message"),
    [
        ("DEU,DE,", "DEU,D1,", 13, "'D1' is not an ISO 3166 alpha-2 code"),
        ("DEU,DE,", "DEU,de,", 13, "'de' is not an ISO 3166 alpha-2 code"),
        ("DEU,DE,", "DEU,DEU,", 13, "'DEU' is not an ISO 3166 alpha-2 code"),
        ("DEU,DE,", "DEU,FR,", 13, "'FR' appears twice"),
        ("DEU,DE,", "DEU,,", 13, "value is missing"),
    ],
)
def test_bad_iso2_codes_are_refused_with_file_row_and_field(
    tmp_path: Path, old: str, new: str, row: int, message: str
) -> None:
    quotas, states = _states_copy(tmp_path)
    text = states.read_text()
    assert old in text
    states.write_text(text.replace(old, new))
    with pytest.raises(DataError, match=message) as info:
        load_treaty(quotas)
    assert (info.value.row, info.value.field) == (row, "iso2")
    assert "states.csv" in str(info.value)
