"""Identity of loaded data that survives copies and pickling.

A :class:`~openskies.treaty.model.Treaty` is built once and never changed, but
it is copied: pickled to each Dask worker, and unpickled again by every task
that refers to it.  Caches keyed by the treaty (rule sets, border zones, free
spaces) would miss for every such copy if the treaty compared by object
identity, and rebuild seconds of geometry per task.  :class:`LoadedData` gives
each built object a random token that its copies keep: a copy equals its
original, anything built anew (another load, a membership what-if) does not.
"""

from __future__ import annotations

import copy
import uuid
from typing import Self

__all__ = ["LoadedData"]


class LoadedData:
    """Base of data built once and never changed: equal to its own copies.

    Equality and hash follow a token drawn when the object is built, which
    ``copy.copy`` and pickling keep; :meth:`_variant` makes a copy with a new
    token, for a copy that answers differently.
    """

    def __init__(self) -> None:
        self._token = uuid.uuid4().hex

    def _variant(self) -> Self:
        """Return a shallow copy with its own identity."""
        twin = copy.copy(self)
        twin._token = uuid.uuid4().hex
        return twin

    def __eq__(self, other: object) -> bool:
        """Whether ``other`` is this object or a copy of it."""
        if not isinstance(other, LoadedData):
            return NotImplemented
        return type(other) is type(self) and other._token == self._token

    def __hash__(self) -> int:
        """Hash of the token: copies share cache entries."""
        return hash(self._token)
