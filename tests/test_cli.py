"""The command line: output on good input, exit status 2 and one line on bad."""

from __future__ import annotations

import pytest

from openskies import __version__
from openskies.cli import main


def test_states_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["states", "--as-of", "2020-01-01"]) == 0
    out = capsys.readouterr().out
    assert "34 states parties in 31 quota-holding parties" in out
    assert any(line.split()[:2] == ["RUS_BLR", "42"] for line in out.splitlines())
    assert any(line.split()[:3] == ["BENELUX", "6", "BEL"] for line in out.splitlines())


def test_states_after_withdrawals(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["states", "--as-of", "2022-01-01"]) == 0
    out = capsys.readouterr().out
    assert "32 states parties" in out
    assert "USA" not in out.split()


def test_show_party(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "RUS", "--as-of", "2019-06-01"]) == 0
    out = capsys.readouterr().out
    assert "RUS_BLR" in out
    assert "UUMB" in out
    assert "5,500" in out  # Kubinka's announced distance from 2013
    assert "KGD-500" in out
    assert "GEO-10KM" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["show", "XYZ", "--as-of", "2019-01-01"], "unknown state or party code 'XYZ'"),
        (["show", "USA", "--as-of", "2021-06-01"], "USA is not a party on 2021-06-01"),
        (["states", "--as-of", "2019-13-01"], "expected a date"),
        (["states", "--quotas-dir", "/nonexistent"], "not a directory"),
    ],
)
def test_bad_input_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert __version__ in capsys.readouterr().out
