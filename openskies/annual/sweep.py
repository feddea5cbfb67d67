"""What-if sweeps: one annual plan per variant of a scenario, on Dask.

:func:`sweep` plans ``scenario.with_overrides(variant)`` for every variant and
returns one row per variant with the :class:`~openskies.annual.plan.PlanSummary`
counts and the runtime.  The plans run on a ``dask.distributed`` cluster (the
optional ``distributed`` extra: ``pip install 'openskies[distributed]'``) or,
with ``client="synchronous"``, one after the other in this process without Dask.

Decisions:

* **Variants are read on the client**, before anything is sent: a variant that
  does not read (an unknown key, a bad value) gets status ``invalid`` and the
  :class:`~openskies.annual.scenario.ScenarioError` message in its row; workers
  need neither the scenario's files nor a shared file system.
* **The treaty is sent once**: it is scattered to every worker
  (``client.scatter(treaty, broadcast=True)``) and each task refers to it, so it
  is not pickled per task (2.6 MB with its territories).
* **A failing plan never kills the sweep**: any exception in a plan gives its row
  status ``failed`` and the message; so does a lost worker.
* **Same results whatever the client**: the solvers are seeded; they are
  deterministic when they stop on their iteration limits or prove optimality
  before their time limits (see :class:`~openskies.options.SolveOptions`), which
  a sweep meant to compare variants should ensure.  Only ``runtime_s`` differs.

References
----------
Treaty on Open Skies, Art. III (quotas), Art. XV and XVII (withdrawal and
accession, for membership what-ifs), Annex A.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openskies.annual.routes import ROUTE_STATUSES
from openskies.annual.scenario import Scenario
from openskies.clients import distributed_module, resolve_client
from openskies.errors import OpenSkiesError, OptionsError
from openskies.files.user_files import shown

if TYPE_CHECKING:
    import pandas as pd

    from openskies.annual.plan import PlanSummary
    from openskies.treaty.model import Treaty

__all__ = [
    "STATUSES",
    "SUMMARY_COLUMNS",
    "dotted",
    "summary_row",
    "sweep",
]

#: Status of a sweep row: planned, variant did not read, plan raised.
STATUSES = ("ok", "invalid", "failed")
#: Columns of a sweep's rows after ``variant``, ``status`` and ``message``.
SUMMARY_COLUMNS = (
    "year",
    "requested",
    "granted",
    "unmet",
    "allocation_status",
    "schedule_status",
    "missions",
    "left_out",
    *(f"routes_{s.replace(' ', '_')}" for s in ROUTE_STATUSES),
    "distribution_violations",
    "schedule_violations",
    "route_findings",
    "runtime_s",
)
_TEXT_COLUMNS = ("allocation_status", "schedule_status")
#: What needs Dask, for messages.
_PURPOSE = 'sweep on Dask (or client="synchronous" in this process)'

Progress = Callable[[int, int], None]
Row = dict[str, Any]


def summary_row(summary: PlanSummary) -> Row:
    """Return ``summary`` as a flat row (route counts as ``routes_<status>``)."""
    row: Row = {
        name: getattr(summary, name)
        for name in SUMMARY_COLUMNS
        if not name.startswith("routes_") and name != "runtime_s"
    }
    for status in ROUTE_STATUSES:
        row[f"routes_{status.replace(' ', '_')}"] = summary.routes.get(status, 0)
    return row


def dotted(variant: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Return a nested variant as ``{dotted.key: value}`` (tables flattened)."""
    out: dict[str, Any] = {}
    for key, value in variant.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.update(dotted(value, f"{name}."))
        else:
            out[name] = value
    return out


def _plan_row(scenario: Scenario, treaty: Treaty) -> Row:
    """Plan one variant (on a worker); never raises."""
    from openskies.annual.plan import plan_year

    began = time.perf_counter()
    try:
        summary = plan_year(scenario, treaty=treaty).summary
    except Exception as err:  # one variant never kills the sweep
        return _failed("failed", err)
    return {
        "status": "ok",
        "message": "",
        **summary_row(summary),
        "runtime_s": time.perf_counter() - began,
    }


def _failed(status: str, err: BaseException) -> Row:
    text = str(err) or type(err).__name__
    return {"status": status, "message": f"{type(err).__name__}: {text}"[:1000]}


def sweep(
    scenario: Scenario | str | Path | None,
    variants: Iterable[Mapping[str, Any]],
    *,
    client: Any = None,
    treaty: Treaty | None = None,
    progress: Progress | bool | None = None,
) -> pd.DataFrame:
    """Plan the year once per variant of ``scenario``; one row per variant.

    Parameters
    ----------
    scenario
        A :class:`~openskies.annual.scenario.Scenario` read by
        :func:`~openskies.annual.scenario_reader.load_scenario`, a scenario
        file, or None for the bundled illustrative one.
    variants
        Override mappings in the scenario file's key structure (see
        :meth:`~openskies.annual.scenario.Scenario.with_overrides`), e.g.
        ``{"membership": {"leave": {"USA": datetime.date(2020, 6, 1)}}}``.
        ``{}`` plans the scenario as it is.
    client
        Where the plans run: a ``distributed.Client``; a scheduler address
        (``"tcp://host:8786"``, connected for the call); None for the current
        client if there is one, else a ``LocalCluster`` for the call with one
        single-threaded worker process per core; or ``"synchronous"`` for this
        process, one plan after the other, without Dask.
    treaty
        The treaty data; the bundled data by default.  Sent to each worker once.
    progress
        ``progress(done, total)`` after each plan; True for a bar on stderr;
        False for none; None for a bar when stderr is a terminal.

    Returns
    -------
    pandas.DataFrame
        One row per variant, in order: ``variant`` (0-based), ``status``
        (:data:`STATUSES`), ``message``, the variant's keys as dotted columns
        (``variant.objective``, ``variant.membership.leave.USA``, ...), then
        :data:`SUMMARY_COLUMNS`: the fields of
        ``plan_year(scenario.with_overrides(variant)).summary`` and the plan's
        ``runtime_s`` [s].  Summary cells are empty for rows not ``ok``.

    Raises
    ------
    OptionsError
        If ``client`` is of an unknown kind, ``variants`` is not an iterable of
        mappings, or Dask is needed but the ``distributed`` extra is missing.
    ScenarioError, DataError
        If ``scenario`` (a file) is malformed; a bad variant only marks its row.

    References
    ----------
    Treaty on Open Skies, Art. III, XV, XVII; Annex A.
    """
    import pandas as pd

    from openskies.annual.scenario_reader import load_scenario
    from openskies.treaty.loading import load_treaty

    treaty = load_treaty() if treaty is None else treaty
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, treaty=treaty)
    variants = _variants(variants)
    rows: list[Row] = [{} for _ in variants]
    todo: dict[int, Scenario] = {}
    for number, variant in enumerate(variants):
        try:
            todo[number] = scenario.with_overrides(variant, treaty=treaty)
        except OpenSkiesError as err:
            rows[number] = _failed("invalid", err)
    tell = _progress(progress, len(variants))
    done = len(variants) - len(todo)
    tell(done, len(variants))
    for number, row in _run(todo, treaty, client):
        rows[number] = row
        done += 1
        tell(done, len(variants))
    records = [
        {"variant": n, "status": "", "message": "", **dotted(v, "variant."), **row}
        for n, (v, row) in enumerate(zip(variants, rows, strict=True))
    ]
    keys = list(dict.fromkeys(k for v in variants for k in dotted(v, "variant.")))
    columns = ["variant", "status", "message", *keys, *SUMMARY_COLUMNS]
    frame = pd.DataFrame.from_records(records, columns=columns)
    for key in keys:  # as given: 2021 stays a whole number, dates stay dates
        frame[key] = pd.Series([r.get(key) for r in records], dtype=object)
    counts = [c for c in SUMMARY_COLUMNS if c not in _TEXT_COLUMNS]
    return frame.astype(dict.fromkeys(counts[:-1], "Int64"))


def _variants(variants: object) -> list[Mapping[str, Any]]:
    if isinstance(variants, str | bytes | Mapping) or not isinstance(
        variants, Iterable
    ):
        raise OptionsError(
            f"variants must be a list of override mappings, got {shown(variants)}"
        )
    out = list(variants)
    for number, variant in enumerate(out):
        if not isinstance(variant, Mapping):
            raise OptionsError(
                f"variants item {number} must be a mapping of scenario keys, got "
                f"{shown(variant)}"
            )
    return out


def _run(
    todo: Mapping[int, Scenario], treaty: Treaty, client: Any
) -> Iterator[tuple[int, Row]]:
    """Yield ``(number, row)`` for every variant, as the plans finish."""
    if isinstance(client, str) and client == "synchronous":
        for number, scenario in todo.items():
            yield number, _plan_row(scenario, treaty)
        return
    distributed = distributed_module(_PURPOSE)
    with ExitStack() as stack:
        active = resolve_client(
            client, stack, purpose=_PURPOSE, also=("None", '"synchronous"')
        )
        if not todo:
            return
        shared = active.scatter(treaty, broadcast=True, hash=False)
        numbers = list(todo)
        futures = active.map(
            _plan_row, [todo[n] for n in numbers], treaty=shared, pure=False
        )
        index = {f.key: n for f, n in zip(futures, numbers, strict=True)}
        for future in distributed.as_completed(futures):
            try:
                row = future.result()
            except Exception as err:  # a lost worker, not the plan itself
                row = _failed("failed", err)
            yield index[future.key], row


def _progress(progress: Progress | bool | None, total: int) -> Progress:
    """Return the progress callback to use."""
    if callable(progress):
        return progress
    if progress is None:
        progress = total > 1 and sys.stderr.isatty()
    if not progress:
        return lambda done, total: None
    began = time.perf_counter()

    def bar(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        elapsed = time.perf_counter() - began
        sys.stderr.write(
            f"\rsweep [{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
            f"({elapsed:.0f} s)" + ("\n" if done == total else "")
        )
        sys.stderr.flush()

    return bar
