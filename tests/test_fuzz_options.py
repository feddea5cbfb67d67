"""Fuzz the shared vocabulary: choices, deadlines, caches and the choice flags."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openskies.caching import BoundedCache
from openskies.cli.main import main
from openskies.errors import OpenSkiesError, OptionsError
from openskies.options import Deadline, Objective, PairCap, Reading, choose

HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.binary(max_size=10),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@given(kind=st.sampled_from([Reading, Objective, PairCap]), value=HOSTILE)
@settings(max_examples=150)
def test_choose_accepts_a_value_or_raises_an_options_error(
    kind: type, value: object
) -> None:
    allowed = [member.value for member in kind]
    if isinstance(value, str) and value in allowed:
        chosen = choose(kind, "choice", value)
        assert chosen in list(kind)
        assert chosen == value
    else:
        with pytest.raises(OptionsError, match=r"^choice must be one of .{0,160}$"):
            choose(kind, "choice", value)


@given(
    seconds=HOSTILE,
    fraction=st.floats(allow_nan=True, allow_infinity=True),
)
@settings(max_examples=150)
def test_deadlines_raise_only_openskies_errors(
    seconds: object, fraction: float
) -> None:
    number = isinstance(seconds, int | float) and not isinstance(seconds, bool)
    if not number or math.isnan(seconds):  # type: ignore[arg-type]
        with pytest.raises(OpenSkiesError):
            Deadline(seconds)  # type: ignore[arg-type]
        return
    deadline = Deadline(seconds)  # type: ignore[arg-type]
    assert deadline.remaining() >= 0.0
    if not 0.0 <= fraction <= 1.0:
        with pytest.raises(OptionsError):
            deadline.share(fraction)
        return
    share = deadline.share(fraction)
    assert share._end <= deadline._end


@given(size=HOSTILE)
@settings(max_examples=100)
def test_cache_sizes_raise_only_options_errors(size: object) -> None:
    try:
        cache: BoundedCache[int, int] = BoundedCache(size)  # type: ignore[arg-type]
    except OptionsError:
        return
    assert cache.maxsize == size
    assert cache.get(1, lambda: 2) == 2


@pytest.mark.parametrize(
    "argv",
    [
        ["allocate", "--year", "2019", "--objective", "fairest", "x.csv"],
        ["check-distribution", "x.csv", "--year", "2019", "--pair-cap", "half"],
        ["plan-route", "--reading", "russian"],
    ],
)
def test_a_bad_choice_flag_exits_2_with_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "invalid choice" in err[0]
