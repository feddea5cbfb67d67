"""Legality of very many routes on Dask: ``check_routes`` over partitions.

:func:`openskies.rules.batch.check_routes` hands a ``dask_geopandas.GeoDataFrame``
to :func:`check_routes_dask`, which returns a lazy ``dask_geopandas.GeoDataFrame``
built with ``map_partitions``: each partition is checked by the eager
``check_routes``, so the columns, dtypes and verdicts are exactly the eager
call's (row for row, in the same partitions and index).

Decisions:

* **The treaty view is one node of the graph** (``dask.delayed``), which every
  partition task refers to: on a cluster it travels to each worker once, with
  its territories, airfields and restrictions, not once per partition.  The
  rules built from it (prepared territories, restriction geometries) are cached
  per worker process.
* **What can be checked without the data is checked at once**: the columns, the
  CRS and the options, on the frame's empty ``_meta``; errors in rows
  (geometries, codes, dates) surface when the result is computed, as the same
  :class:`~openskies.errors.OpenSkiesError` the eager call raises.

Needs the optional ``distributed`` extra (``dask``, ``dask-geopandas``).

References
----------
Treaty on Open Skies, Art. II.11, VI.II.2-5, Annex A III.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openskies.treaty.model import TreatyView

__all__ = ["check_routes_dask", "is_dask_frame"]


def is_dask_frame(routes: object) -> bool:
    """Whether ``routes`` is a ``dask_geopandas.GeoDataFrame``; imports no Dask."""
    kind = type(routes)
    return kind.__module__.startswith("dask_geopandas") and kind.__name__ in (
        "GeoDataFrame",
    )


def check_routes_dask(
    view: TreatyView,
    routes: Any,
    *,
    eager: Callable[..., Any],
    reading: str,
    tolerance_km: float,
) -> Any:
    """Return the lazy verdicts of ``routes``, partition by partition.

    Parameters
    ----------
    view
        The treaty view (already checked by the caller).
    routes
        A ``dask_geopandas.GeoDataFrame`` with the columns the eager call needs.
    eager
        The eager ``check_routes``, applied to each partition.
    reading, tolerance_km
        As for ``check_routes``.

    Returns
    -------
    dask_geopandas.GeoDataFrame
        Lazy; the input's columns plus the eager call's result columns.

    Raises
    ------
    OptionsError, GeometryError
        At once, if a column is missing, the CRS is not EPSG:4326 or an option
        is invalid; other errors when the result is computed.
    """
    from dask.delayed import delayed

    meta = eager(view, routes._meta, reading=reading, tolerance_km=tolerance_km)
    shared = delayed(view, pure=False, traverse=False)
    return routes.map_partitions(
        _check_partition,
        shared,
        eager,
        reading,
        tolerance_km,
        meta=meta,
        align_dataframes=False,
    )


def _check_partition(
    part: Any,
    view: TreatyView,
    eager: Callable[..., Any],
    reading: str,
    tolerance_km: float,
) -> Any:
    """Check one partition with the eager call."""
    return eager(view, part, reading=reading, tolerance_km=tolerance_km)
