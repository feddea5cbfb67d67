"""Shared solver vocabulary: the named choices and the time budget."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openskies.errors import OpenSkiesError, OptionsError
from openskies.options import Deadline, Objective, PairCap, Reading, choose


@pytest.mark.parametrize(
    ("kind", "values"),
    [
        (Reading, ["treaty", "observed-party"]),
        (Objective, ["fair", "weighted", "total"]),
        (PairCap, ["entitlement", "distributed"]),
    ],
)
def test_each_choice_accepts_its_plain_strings(kind: type, values: list[str]) -> None:
    assert [member.value for member in kind] == values
    for value in values:
        chosen = choose(kind, "name", value)
        assert chosen is kind(value)
        assert chosen == value


@pytest.mark.parametrize("bad", ["Treaty", "", "treaty ", None, 1, ["treaty"]])
def test_a_bad_choice_names_the_argument_and_every_allowed_value(bad: object) -> None:
    with pytest.raises(OptionsError) as caught:
        choose(Reading, "reading", bad)
    message = str(caught.value)
    assert message.startswith("reading must be one of treaty, observed-party, got ")
    assert repr(bad)[:40] in message


def test_a_member_of_another_choice_is_refused() -> None:
    with pytest.raises(OptionsError, match="pair_cap must be one of"):
        choose(PairCap, "pair_cap", Objective.FAIR)


def test_a_zero_deadline_is_expired_at_once() -> None:
    deadline = Deadline(0.0)
    assert deadline.expired
    assert deadline.remaining() == 0.0
    assert Deadline(-5.0).remaining() == 0.0


def test_an_endless_deadline_never_expires() -> None:
    deadline = Deadline(math.inf)
    assert not deadline.expired
    assert deadline.remaining() == math.inf
    assert deadline.share(0.5).remaining() == math.inf
    assert deadline.share(0.0).expired
    assert deadline.at_most(0.0).expired


def test_a_long_deadline_is_not_expired() -> None:
    deadline = Deadline(3600.0)
    assert not deadline.expired
    assert 3590.0 < deadline.remaining() <= 3600.0


@given(
    seconds=st.floats(min_value=0.0, max_value=1e6),
    fractions=st.lists(st.floats(min_value=0.0, max_value=1.0), max_size=4),
)
@settings(max_examples=50)
def test_a_share_never_outlasts_its_parent(
    seconds: float, fractions: list[float]
) -> None:
    parent = Deadline(seconds)
    for fraction in fractions:
        child = parent.share(fraction)
        assert child.remaining() <= fraction * seconds + 1e-6
        assert child._end <= parent._end
        parent = child


@pytest.mark.parametrize("fraction", [-0.1, 1.5, math.nan])
def test_a_share_outside_zero_one_is_refused(fraction: float) -> None:
    with pytest.raises(OptionsError, match=r"share must be in \[0, 1\]"):
        Deadline(1.0).share(fraction)


@pytest.mark.parametrize("seconds", [math.nan, "10", None, True])
def test_a_deadline_needs_a_number(seconds: object) -> None:
    with pytest.raises(OpenSkiesError, match="deadline needs a number"):
        Deadline(seconds)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "bad", ["2020-13-01", "next tuesday", "2020-01-01T25:00", "1800-01-01"]
)
def test_calendar_moments_refuse_bad_dates_with_an_options_error(bad: str) -> None:
    from openskies.calendar.types import utc_moment

    with pytest.raises(OptionsError):
        utc_moment(bad, end=False)


def test_calendar_moments_and_treaty_dates_read_a_date_alike() -> None:
    from openskies.calendar.types import utc_moment
    from openskies.files.tables import parse_date

    day = parse_date(" 2020-02-29 ")
    assert utc_moment(" 2020-02-29 ", end=False).date() == day
    assert utc_moment("2020-02-29", end=True).date() == day.replace(day=1, month=3)


def test_a_solver_failure_is_an_openskies_error_and_a_runtime_error() -> None:
    from openskies.errors import SolverError

    assert issubclass(SolverError, OpenSkiesError)
    assert issubclass(SolverError, RuntimeError)
