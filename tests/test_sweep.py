"""Sweeps and check_routes on a real Dask cluster, compared with in-process runs.

One ``LocalCluster(n_workers=2, threads_per_worker=1, processes=True)`` is
started for the module, by :func:`openskies.clients.local_cluster` (what
``sweep(client=None)`` starts).  The small scenario's solvers stop on proofs of
optimality (allocation, calendar) and on the route search's iteration limit, so
each plan is the same in any process; the rows must then equal, cell for cell
(all but ``runtime_s``), ``plan_year(scenario.with_overrides(v)).summary``.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import dask_geopandas
import geopandas as gpd
import pandas as pd
import pytest
import shapely
from distributed import Client, get_task_stream

from openskies import OptionsError, Treaty, check_routes, sweep
from openskies.annual.plan import plan_year
from openskies.annual.scenario_reader import load_scenario
from openskies.annual.sweep import SUMMARY_COLUMNS, summary_row
from openskies.annual.variants import nest, read_variants
from openskies.cli.main import main
from openskies.clients import WORKER_PRELOAD, local_cluster
from openskies.rules.reach import reachable_area
from openskies.treaty.resources import bundled_dir

SMALL = """\
year = 2020
requests = "requests.csv"
allow_partial = true

[routes]
sites = "{sites}"

[solver]
seed = 0
workers = 1

[solver.routes]
iteration_limit = 10
time_limit_s = 30
"""

REQUESTS = """\
observer,observed,flights
USA,RUS,2
RUS,USA,1
DEU,POL,1
POL,HUN,1
"""

VARIANTS = [
    {},
    {"membership": {"leave": {"USA": dt.date(2020, 1, 3)}}},
    {"objective": "total", "routes": {"reading": "observed-party"}},
    {"objectiv": "total"},
]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small scenario file and its requests."""
    folder = tmp_path_factory.mktemp("sweep")
    (folder / "requests.csv").write_text(REQUESTS)
    path = folder / "small.toml"
    sites = bundled_dir("quotas") / "sites_illustrative.csv"
    path.write_text(SMALL.format(sites=sites))
    return path


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    """A real two-process cluster, shared by the module's tests."""
    with local_cluster(2) as made:
        yield made


def _worker_state() -> tuple[str | None, bool, list[str]]:
    """What a worker runs with: glibc's trim, the profiler, the preloads."""
    import dask

    return (
        os.environ.get("MALLOC_TRIM_THRESHOLD_"),
        bool(dask.config.get("distributed.worker.profile.enabled")),
        [m for m in WORKER_PRELOAD if m in sys.modules],
    )


def test_local_cluster_workers_are_ready_to_plan(client: Client) -> None:
    """Two single-threaded processes, openskies imported, glibc's trim unset."""
    info = client.scheduler_info()["workers"]
    assert len(info) == 2
    assert sorted(w["nthreads"] for w in info.values()) == [1, 1]
    assert len(set(client.run(os.getpid).values()) | {os.getpid()}) == 3
    states = client.run(_worker_state)
    assert list(states.values()) == [(None, False, list(WORKER_PRELOAD))] * 2


@pytest.fixture(scope="module")
def in_process(small: Path, treaty: Treaty) -> pd.DataFrame:
    """The sweep in this process, without Dask."""
    return sweep(small, VARIANTS, client="synchronous", treaty=treaty)


def without_runtime(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=["runtime_s"])


def test_rows_equal_plan_year_summaries(
    small: Path, treaty: Treaty, in_process: pd.DataFrame
) -> None:
    scenario = load_scenario(small, treaty=treaty)
    assert list(in_process["variant"]) == [0, 1, 2, 3]
    assert list(in_process["status"]) == ["ok", "ok", "ok", "invalid"]
    for number, variant in enumerate(VARIANTS[:3]):
        summary = plan_year(scenario.with_overrides(variant), treaty=treaty).summary
        row = in_process.iloc[number]
        assert {k: row[k] for k in summary_row(summary)} == summary_row(summary)
    # the US leaving on 3 January: none of its three flights fits before
    assert in_process.loc[1, "missions"] == in_process.loc[0, "missions"] - 3
    assert "objectiv" in in_process.loc[3, "message"]
    assert pd.isna(in_process.loc[3, "granted"])
    assert list(in_process.columns[-len(SUMMARY_COLUMNS) :]) == list(SUMMARY_COLUMNS)
    assert {
        "variant.objective",
        "variant.routes.reading",
        "variant.membership.leave.USA",
    } <= set(in_process.columns)


def test_cluster_gives_the_in_process_results(
    small: Path, treaty: Treaty, client: Client, in_process: pd.DataFrame
) -> None:
    on_cluster = sweep(small, VARIANTS, client=client, treaty=treaty)
    pd.testing.assert_frame_equal(
        without_runtime(on_cluster), without_runtime(in_process)
    )
    # the treaty went to the workers once, as one scattered object
    assert (on_cluster["runtime_s"].notna()).sum() == 3


def test_current_client_or_an_address_is_used(
    small: Path, treaty: Treaty, client: Client, in_process: pd.DataFrame
) -> None:
    with client.as_current():
        frame = sweep(small, VARIANTS[:1], treaty=treaty)
    columns = ["variant", "status", "message", *SUMMARY_COLUMNS[:-1]]
    pd.testing.assert_frame_equal(frame[columns], in_process[columns].iloc[:1])
    # a scheduler address: connected for the call, the cluster left running
    by_address = sweep(small, VARIANTS[:1], client=client.scheduler.address)
    pd.testing.assert_frame_equal(by_address[columns], frame[columns])
    assert client.status == "running"


def test_progress_is_reported_per_variant(small: Path, treaty: Treaty) -> None:
    seen: list[tuple[int, int]] = []
    sweep(
        small,
        [{"objectiv": 1}, {"bad": 2}],
        client="synchronous",
        treaty=treaty,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen == [(2, 2)]


@pytest.mark.parametrize(
    ("client", "match"),
    [(42, "client must be"), ("", "empty string"), (object(), "client must be")],
)
def test_bad_client_is_an_options_error(
    small: Path, treaty: Treaty, client: object, match: str
) -> None:
    with pytest.raises(OptionsError, match=match):
        sweep(small, [{}], client=client, treaty=treaty)


@pytest.mark.parametrize("variants", ["objective=total", {"a": 1}, [3], None])
def test_bad_variants_are_an_options_error(
    small: Path, treaty: Treaty, variants: object
) -> None:
    with pytest.raises(OptionsError, match="variants"):
        sweep(small, variants, client="synchronous", treaty=treaty)  # type: ignore[arg-type]


def routes_frame() -> gpd.GeoDataFrame:
    """Twelve routes over Germany and Poland: legal, too long, out of territory."""
    lines = [
        [(10.912, 48.074), (11.5, 49.0), (12.0, 50.0), (10.912, 48.074)],
        [(10.912, 48.074), (13.4, 52.5), (9.9, 53.5), (6.8, 51.2), (10.912, 48.074)],
        [(10.912, 48.074), (2.35, 48.85), (10.912, 48.074)],
        [(21.019, 52.219), (22.0, 51.0), (21.019, 52.219)],
    ] * 3
    return gpd.GeoDataFrame(
        {
            "observer": ["POL", "POL", "POL", "DEU"] * 3,
            "observed": ["DEU", "DEU", "DEU", "POL"] * 3,
            "date": ["2019-06-01"] * 12,
        },
        geometry=[shapely.LineString(line) for line in lines],
        crs=4326,
    )


def test_check_routes_on_dask_is_lazy_and_equals_the_eager_call(
    treaty: Treaty, client: Client
) -> None:
    view = treaty.as_of("2019-06-01")
    routes = dask_geopandas.from_geopandas(routes_frame(), npartitions=3)
    lazy = check_routes(view, routes)
    assert isinstance(lazy, dask_geopandas.GeoDataFrame)
    computed = lazy.compute()
    eager = check_routes(view, routes.compute())
    pd.testing.assert_frame_equal(computed, eager)
    assert list(computed["legal"]) == list(eager["legal"])
    assert computed["legal"].any()
    assert not computed["legal"].all()
    # the view is one node of the graph, shared by the three partitions
    views = [k for k in dict(lazy.__dask_graph__()) if "TreatyView" in str(k)]
    assert len(views) == 1


def test_check_routes_on_dask_checks_columns_at_once(treaty: Treaty) -> None:
    view = treaty.as_of("2019-06-01")
    routes = dask_geopandas.from_geopandas(
        routes_frame().drop(columns=["observer"]), npartitions=2
    )
    with pytest.raises(OptionsError, match="observer"):
        check_routes(view, routes)


def test_reachable_area_on_the_cluster_equals_the_in_process_area(
    treaty: Treaty, client: Client
) -> None:
    # Landsberg/Lech (ETSA): 1,200 km out and back over Germany, 10 km from
    # Austria and Switzerland; the legs go to the two workers in blocks.
    view = treaty.as_of("2019-06-01")
    here = reachable_area(view, "DEU", "ETSA", resolution_km=40)
    with get_task_stream(client) as stream:
        there = reachable_area(view, "DEU", "ETSA", resolution_km=40, client=client)
    assert there.area_km2 == here.area_km2
    assert shapely.equals_exact(there.geometry, here.geometry, tolerance=0.0)
    assert 0.5 < there.share < 0.95
    # the legs went out in at least four blocks per worker, and both worked
    judged = [t for t in stream.data if str(t["key"]).startswith("judge_legs")]
    assert len(judged) >= 8
    assert len({t["worker"] for t in judged}) == 2


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (42, "client must be"),
        ("", "empty string"),
        ("tcp://127.0.0.1:1", "cannot connect"),
    ],
)
def test_reachable_area_bad_client_is_an_options_error(
    treaty: Treaty, bad: object, match: str
) -> None:
    view = treaty.as_of("2019-06-01")
    with pytest.raises(OptionsError, match=match):
        reachable_area(view, "DEU", "ETSA", resolution_km=200, client=bad)


def test_import_openskies_loads_no_dask() -> None:
    import subprocess

    code = (
        "import sys, openskies; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('dask', 'distributed', 'dask_geopandas')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_variants_from_csv_and_toml(tmp_path: Path) -> None:
    csv_file = tmp_path / "v.csv"
    csv_file.write_text(
        "objective,membership.leave.USA,solver.seed\n,,\ntotal,2020-06-01,3\n"
    )
    assert read_variants(csv_file) == [
        {},
        {
            "objective": "total",
            "membership": {"leave": {"USA": dt.date(2020, 6, 1)}},
            "solver": {"seed": 3},
        },
    ]
    toml_file = tmp_path / "v.toml"
    toml_file.write_text(
        "[[variant]]\n\n[[variant]]\nmembership.join.USA = { date = 2021-06-01 }\n"
        '[[variant]]\nobjective = "total"\n'
    )
    assert read_variants(toml_file) == [
        {},
        {"membership": {"join": {"USA": {"date": dt.date(2021, 6, 1)}}}},
        {"objective": "total"},
    ]


def test_nest_refuses_a_key_that_is_value_and_table() -> None:
    with pytest.raises(ValueError, match="routes"):
        nest({"routes": "x", "routes.reading": "treaty"})


def run_cli(scenario: Path, variants: Path, out: Path) -> int:
    """Run ``openskies sweep`` in this process, quietly."""
    argv = [str(scenario), str(variants), "--workers", "0", "-q", "-o", str(out)]
    return main(["sweep", *argv])


def test_cli_sweep_writes_one_row_per_variant(
    small: Path, tmp_path: Path, in_process: pd.DataFrame, capsys
) -> None:
    variants = tmp_path / "v.csv"
    variants.write_text("objective,routes.reading\n,\ntotal,observed-party\n")
    out = tmp_path / "results.csv"
    assert run_cli(small, variants, out) == 0
    written = pd.read_csv(out)
    assert list(written["status"]) == ["ok", "ok"]
    assert list(written["granted"]) == [
        in_process.loc[0, "granted"],
        in_process.loc[2, "granted"],
    ]
    assert "2 variants: 2 ok" in capsys.readouterr().out


def test_cli_sweep_bad_variant_exits_1_and_bad_file_exits_2(
    small: Path, tmp_path: Path, capsys
) -> None:
    variants = tmp_path / "v.toml"
    variants.write_text('[[variant]]\nobjectiv = "total"\n')
    out = tmp_path / "r.csv"
    assert run_cli(small, variants, out) == 1
    assert "invalid" in capsys.readouterr().out
    variants.write_text("variant = 3\n")
    assert (
        main(["sweep", str(small), str(variants), "--workers", "0", "-o", str(out)])
        == 2
    )
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
