"""A treaty equals its copies, so caches keyed by it survive pickling to workers."""

from __future__ import annotations

import copy
import datetime as dt
import pickle

from openskies import Treaty
from openskies.annual.membership import Membership, apply_membership
from openskies.rules.registry import rule_set


def test_a_pickled_treaty_equals_its_original_and_nothing_else(treaty: Treaty) -> None:
    twin = pickle.loads(pickle.dumps(treaty))
    assert twin is not treaty
    assert twin == treaty
    assert hash(twin) == hash(treaty)
    assert copy.copy(treaty) == treaty
    assert treaty.using_inferred() != treaty
    assert treaty.using_inferred() != treaty.using_inferred()
    assert treaty != "treaty"
    leaving = Membership.from_table({"leave": {"DEU": dt.date(2020, 3, 1)}})
    assert apply_membership(treaty, leaving) != treaty


def test_rule_sets_are_shared_by_copies_of_a_view(treaty: Treaty) -> None:
    """What each Dask task unpickles reuses the rules built for another copy."""
    view = treaty.as_of("2019-06-01")
    built = rule_set(view, "USA", "RUS")
    copied = pickle.loads(pickle.dumps(view))
    assert copied is not view
    assert rule_set(copied, "USA", "RUS") is built
    other = treaty.using_inferred().as_of("2019-06-01")
    assert rule_set(other, "USA", "RUS") is not built
