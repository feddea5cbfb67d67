"""The command line: output on good input, exit status 2 and one line on bad."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import openskies
from openskies import __version__
from openskies.cli.main import main


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
    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "openskies: error: the following arguments are required: COMMAND"),
        (["nope"], "openskies: error: argument COMMAND: invalid choice: 'nope'"),
        (["allocate", "r.csv"], "openskies allocate: error: the following arg"),
        (["allocate", "r.csv", "--year", "x"], "invalid int value: 'x'"),
    ],
)
def test_usage_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("openskies")
    assert message in err
    assert "--help" in err
    assert len(err.strip().splitlines()) == 1


def test_python_keywords_become_flags() -> None:
    from openskies.cli.main import build_parser, cli_terms, subcommands

    plan = subcommands(build_parser())["plan"]
    assert cli_terms("replace it with force=True", plan) == "replace it with --force"
    assert cli_terms("raise time_limit_s=0", plan) == "raise --time-limit 0"
    # only the command's own options and known library keywords are replaced
    assert cli_terms("a=b and quiet=True", plan) == "a=b and --quiet"
    assert cli_terms("(transit=True)", None) == "(without --no-transit)"


def test_python_dash_m_runs_the_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "openskies", "states", "--as-of", "2019-13-01"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(Path(openskies.__file__).parents[1])},
    )
    assert done.returncode == 2
    assert done.stderr.startswith("openskies states: error:")
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_reader_that_closes_the_pipe_is_not_an_error() -> None:
    # `openskies states | head -1`: the rest of the table meets a closed pipe
    command = subprocess.Popen(
        [sys.executable, "-m", "openskies", "states", "--as-of", "2019-01-01"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={
            **os.environ,
            "PYTHONPATH": str(Path(openskies.__file__).parents[1]),
            "PYTHONUNBUFFERED": "1",
        },
    )
    assert command.stdout is not None
    assert command.stderr is not None
    first = command.stdout.readline()
    command.stdout.close()
    status = command.wait(timeout=60)
    assert first.startswith(b"Treaty on Open Skies on 2019-01-01")
    error = command.stderr.read()
    command.stderr.close()
    assert error == b""
    assert status == 0
