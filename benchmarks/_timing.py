"""Timing helpers shared by the benchmark scripts."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def timed(func: Callable[[], T]) -> tuple[T, float]:
    """Return ``func()`` and its wall-clock time [s]."""
    start = time.perf_counter()
    result = func()
    return result, time.perf_counter() - start


def summary(times: Sequence[float]) -> str:
    """Return 'median / min / max' of ``times`` in seconds."""
    return (
        f"median {statistics.median(times):.4f} s  min {min(times):.4f} s  "
        f"max {max(times):.4f} s  (n={len(times)})"
    )
