"""Fuzz the sweep area: overrides, membership tables, variants files, the CLI.

Hostile values (2**63, 1e308, NaN, inf, negative numbers, None, text for
numbers, lists, deep nesting, NUL bytes) in every place a user can put them.
Asserted: only :class:`~openskies.errors.OpenSkiesError` subclasses escape; the
``sweep`` command returns 0, 1 or 2, and with 2 writes exactly one line to
stderr.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openskies import OpenSkiesError, Treaty
from openskies.annual.membership import Membership, apply_membership
from openskies.annual.scenario_reader import load_scenario
from openskies.annual.sweep import sweep
from openskies.annual.variants import read_variants
from openskies.cli.main import main

TINY = """\
year = 2020
requests = [{ observer = "DEU", observed = "POL", flights = 1 }]

[routes]
sites = {}
"""

KEYS = [
    "objective",
    "pair_cap",
    "reciprocity",
    "year",
    "as_of",
    "requests",
    "previous",
    "disputed",
    "routes",
    "solver",
    "membership",
    "leave",
    "join",
    "USA",
    "DEU",
    "date",
    "passive_quota",
    "seed",
    "time_limit_s",
    "reading",
    "",
    "\x00",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.sampled_from([2**63, -1, 0, 1e308, float("nan"), float("inf"), -1.5]),
    st.text(max_size=12),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=3),
    ),
    max_leaves=8,
)
overrides = st.dictionaries(st.sampled_from(KEYS), values, max_size=3)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-request scenario without routes (plans in well under a second)."""
    path = tmp_path_factory.mktemp("fuzz_sweep") / "tiny.toml"
    path.write_text(TINY)
    return path


@settings(max_examples=60, deadline=None)
@given(change=overrides)
def test_with_overrides_raises_only_openskies_errors(
    tiny: Path, treaty: Treaty, change: dict
) -> None:
    scenario = load_scenario(tiny, treaty=treaty)
    with contextlib.suppress(OpenSkiesError):
        scenario.with_overrides(change, treaty=treaty)


@settings(max_examples=60, deadline=None)
@given(table=values)
def test_membership_table_raises_only_openskies_errors(
    treaty: Treaty, table: object
) -> None:
    try:
        apply_membership(treaty, Membership.from_table({"membership": table}))
        apply_membership(treaty, Membership.from_table(table))
    except OpenSkiesError:
        pass


def test_deep_nesting_is_refused_cleanly(tiny: Path, treaty: Treaty) -> None:
    deep: dict = {}
    for _ in range(2000):
        deep = {"routes": deep}
    scenario = load_scenario(tiny, treaty=treaty)
    with pytest.raises(OpenSkiesError):
        scenario.with_overrides(deep, treaty=treaty)


hostile_text = st.one_of(
    st.text(max_size=200),
    st.lists(
        st.lists(
            st.one_of(
                st.sampled_from(
                    [
                        "objective",
                        "membership.leave.USA",
                        "a..b",
                        ".",
                        "solver.seed",
                        "routes",
                        "routes.reading",
                    ]
                ),
                st.sampled_from(
                    [
                        "2**63",
                        "1e308",
                        "nan",
                        "inf",
                        "-1",
                        "[1,2]",
                        '"x"',
                        "{a=1}",
                        "2020-01-02",
                        "\x00",
                    ]
                ),
                st.text(max_size=8),
            ),
            max_size=4,
        ),
        max_size=4,
    ).map(lambda rows: "\n".join(",".join(r) for r in rows)),
    st.sampled_from(
        [
            "[[variant]]\nobjective = 1e308\n",
            "variant = 3\n",
            "[[variant]]\n" + "a." * 300 + "b = 1\n",
            "x" * 5000,
            "[variant]\n",
            "[[variant]]\nmembership.leave.USA = 2020-06-01\n[[other]]\n",
        ]
    ),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=hostile_text, suffix=st.sampled_from([".csv", ".toml", ".txt"]))
def test_read_variants_raises_only_openskies_errors(
    tmp_path: Path, text: str, suffix: str
) -> None:
    path = tmp_path / f"variants{suffix}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        found = read_variants(path)
    except OpenSkiesError:
        return
    assert isinstance(found, list)
    assert found


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=hostile_text, suffix=st.sampled_from([".csv", ".toml"]))
def test_cli_sweep_returns_a_status_and_one_line_on_error(
    tiny: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    text: str,
    suffix: str,
) -> None:
    variants = tmp_path / f"v{suffix}"
    variants.write_text(text, encoding="utf-8", errors="surrogatepass")
    out = tmp_path / "r.csv"
    capsys.readouterr()
    status = main(
        ["sweep", str(tiny), str(variants), "--workers", "0", "-q", "-o", str(out)]
    )
    err = capsys.readouterr().err
    assert status in (0, 1, 2)
    if status == 2:
        assert len(err.strip().splitlines()) == 1
        assert err.startswith("openskies sweep: error: ")


@pytest.mark.parametrize(
    "argv",
    [
        ["--workers", "-1"],
        ["--workers", "9" * 30],
        ["--workers", "nan"],
        ["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"],
    ],
)
def test_cli_sweep_bad_flags_exit_2_with_one_line(
    tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    variants = tmp_path / "v.csv"
    variants.write_text("objective\ntotal\n")
    status = main(
        ["sweep", str(tiny), str(variants), "-o", str(tmp_path / "r.csv"), *argv]
    )
    assert status == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


@settings(max_examples=20, deadline=None)
@given(variants=st.lists(overrides, min_size=1, max_size=3))
def test_sweep_rows_never_raise_for_bad_variants(
    tiny: Path, treaty: Treaty, variants: list
) -> None:
    frame = sweep(tiny, variants, client="synchronous", treaty=treaty, progress=False)
    assert len(frame) == len(variants)
    assert set(frame["status"]) <= {"ok", "invalid", "failed"}


def test_variant_key_named_like_a_summary_column_keeps_both(
    tiny: Path, treaty: Treaty
) -> None:
    # regression: a variant's "year" overwrote the summary's "year" column and
    # the integer columns could not be built
    frame = sweep(
        tiny,
        [{"year": []}, {"year": 2019}],
        client="synchronous",
        treaty=treaty,
        progress=False,
    )
    assert list(frame["status"]) == ["invalid", "ok"]
    assert frame.loc[0, "variant.year"] == []
    assert pd.isna(frame.loc[0, "year"])
    assert frame.loc[1, "year"] == 2019
