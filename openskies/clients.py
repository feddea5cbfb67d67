"""Where distributed work runs: the ``client=`` argument of the Dask entry points.

:func:`openskies.sweep` and :func:`openskies.reachable_area` accept a
``distributed.Client``, a scheduler address (``"tcp://host:8786"``) or, for
the sweep, ``None`` (the current client, else a ``LocalCluster`` for the
call).  This module turns that argument into a client and closes what it made
for the call; it imports Dask only when called, so ``import openskies`` does
not need the optional ``distributed`` extra.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from openskies.errors import OptionsError
from openskies.files.user_files import shown

__all__ = [
    "EXTRA",
    "WORKER_CONFIG",
    "WORKER_PRELOAD",
    "distributed_module",
    "local_cluster",
    "resolve_client",
]

#: How to install what the Dask entry points need.
EXTRA = 'pip install "openskies[distributed]"'
#: What each worker of a local cluster imports when it starts (``dask worker
#: --preload`` on a real cluster), so that the first task of every worker does
#: not pay for importing the planner, the solvers and the geometry libraries
#: (about 5 s per worker here, against about 15 s for a plan).
WORKER_PRELOAD = (
    "openskies.annual.plan",
    "openskies.rules.batch",
    "openskies.rules.reach_legs",
)
#: Dask settings for the workers of a local cluster.  Dask's nanny sets glibc's
#: ``MALLOC_TRIM_THRESHOLD_`` to return memory to the system sooner; setting it
#: also fixes glibc's mmap threshold at 128 kB, so every larger numpy array is
#: mapped and unmapped again: plans ran 10-30 % slower in such workers here.
#: The statistical profiler of the dashboard, which samples every thread's
#: stack every 10 ms, is not needed either.
WORKER_CONFIG = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.worker.profile.enabled": False,
}


def distributed_module(purpose: str) -> Any:
    """Return the ``distributed`` module (partly untyped), or explain the extra.

    Parameters
    ----------
    purpose
        What needs Dask, for the message (e.g. ``"sweep on Dask"``).

    Raises
    ------
    OptionsError
        If the ``distributed`` extra is not installed.
    """
    try:
        import distributed
    except ImportError:
        raise OptionsError(
            f"{purpose} needs the optional distributed extra ({EXTRA})"
        ) from None
    return distributed


@contextmanager
def local_cluster(workers: int | None = None) -> Iterator[Any]:
    """Yield a client of a new ``LocalCluster``, closed afterwards.

    Each worker is a process with one thread that imports
    :data:`WORKER_PRELOAD` when it starts, with :data:`WORKER_CONFIG`.

    Parameters
    ----------
    workers
        Worker processes, each with one thread; None for one per core.

    Raises
    ------
    OptionsError
        If the ``distributed`` extra is not installed.
    """
    distributed = distributed_module("a local Dask cluster")
    import dask

    with (
        dask.config.set(WORKER_CONFIG),
        distributed.LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            preload=list(WORKER_PRELOAD),
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def resolve_client(
    client: Any, stack: ExitStack, *, purpose: str, also: tuple[str, ...] = ()
) -> Any:
    """Return the client to use; ``stack`` closes what is made for the call.

    Parameters
    ----------
    client
        A ``distributed.Client`` (used as is), a scheduler address (connected
        to for the call) or ``None``: the current client if there is one, else
        a ``LocalCluster`` with one worker process per core.
    stack
        Receives the clean-up of a client or cluster made here.
    purpose
        What needs Dask, for messages (e.g. ``"sweep on Dask"``).
    also
        Other values the caller accepts, for the message on a wrong kind.

    Raises
    ------
    OptionsError
        If the extra is missing, the address is empty or unreachable, or
        ``client`` is of another kind.
    """
    distributed = distributed_module(purpose)
    if isinstance(client, distributed.Client):
        return client
    if isinstance(client, str):
        if not client.strip():
            raise OptionsError(
                'client must be a scheduler address such as "tcp://host:8786", '
                "got an empty string"
            )
        try:
            made = distributed.Client(client, timeout="10s")
        except (OSError, ValueError, TypeError) as err:
            raise OptionsError(
                f"cannot connect to the Dask scheduler at {shown(client)}: {err}; "
                "start it with `dask scheduler` or check the address"
            ) from None
        stack.callback(made.close)
        return made
    if client is not None:
        raise OptionsError(
            f"client must be one of: a distributed.Client, a scheduler address"
            f"{''.join(', ' + a for a in also)}; got {shown(client)}"
        )
    try:
        return distributed.get_client()
    except ValueError:
        return stack.enter_context(local_cluster())
