"""State lookups by ISO3, ISO2 or name in any case, with ranked suggestions."""

from __future__ import annotations

import pytest

from openskies import load_treaty
from openskies.cli.main import main
from openskies.errors import UnknownStateError


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
