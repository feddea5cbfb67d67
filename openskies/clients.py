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

__all__ = ["EXTRA", "distributed_module", "local_cluster", "resolve_client"]

#: How to install what the Dask entry points need.
EXTRA = 'pip install "openskies[distributed]"'


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
    with (
        distributed.LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
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
