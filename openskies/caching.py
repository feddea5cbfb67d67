"""One cache style for the library: bounded, keyed by content, thread-safe.

:class:`BoundedCache` is a least-recently-used map with a fixed size whose
values are built at most once per key, under a lock, so that work running on
several threads (e.g. Dask) shares one result.  :func:`cached` applies it to a
function whose arguments are hashable by content (codes, dates, tuples, bytes,
frozen records), never by object identity.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, ParamSpec, TypeVar

from openskies.errors import OptionsError

__all__ = ["BoundedCache", "cached"]

_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")
_P = ParamSpec("_P")
_R = TypeVar("_R")


class BoundedCache(Generic[_K, _V]):
    """A thread-safe least-recently-used cache of at most ``maxsize`` values.

    Parameters
    ----------
    maxsize
        Most values kept, at least 1; the least recently used goes first.
    """

    __slots__ = ("_lock", "_maxsize", "_values")

    def __init__(self, maxsize: int) -> None:
        if isinstance(maxsize, bool) or not isinstance(maxsize, int) or maxsize < 1:
            raise OptionsError(f"maxsize must be an integer >= 1, got {maxsize!r}")
        self._maxsize = maxsize
        self._values: OrderedDict[_K, _V] = OrderedDict()
        # re-entrant: a build may use the cache again for another key
        self._lock = threading.RLock()

    @property
    def maxsize(self) -> int:
        """Most values kept."""
        return self._maxsize

    def __len__(self) -> int:
        """Return the number of values kept."""
        with self._lock:
            return len(self._values)

    def get(self, key: _K, build: Callable[[], _V]) -> _V:
        """Return the value of ``key``, building it with ``build()`` if absent.

        The build runs under the cache's lock, so each key is built once even
        when several threads ask for it together; an exception from ``build``
        propagates and nothing is kept.
        """
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            value = build()
            self._values[key] = value
            if len(self._values) > self._maxsize:
                self._values.popitem(last=False)
            return value

    def clear(self) -> None:
        """Forget every value."""
        with self._lock:
            self._values.clear()

    def __getstate__(self) -> int:
        """Pickle the size only: cached values are derived, and travel empty.

        A treaty sent to a Dask worker carries its caches; the worker fills its
        own (locks cannot be pickled, and values may be large geometries).
        """
        return self._maxsize

    def __setstate__(self, maxsize: int) -> None:
        """Restore an empty cache of ``maxsize`` values."""
        self._maxsize = maxsize
        self._values = OrderedDict()
        self._lock = threading.RLock()


def cached(maxsize: int) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Decorate a function to keep its last ``maxsize`` results in a BoundedCache.

    The key is the positional and keyword arguments, compared by content;
    ``f.cache_clear()`` forgets every result.

    Parameters
    ----------
    maxsize
        Most results kept, at least 1.
    """

    def decorate(function: Callable[_P, _R]) -> Callable[_P, _R]:
        cache: BoundedCache[Hashable, _R] = BoundedCache(maxsize)

        @functools.wraps(function)
        def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            key = (args, tuple(sorted(kwargs.items())))
            return cache.get(key, lambda: function(*args, **kwargs))

        wrapper.cache_clear = cache.clear  # type: ignore[attr-defined]
        wrapper.cache = cache  # type: ignore[attr-defined]
        return wrapper

    return decorate
