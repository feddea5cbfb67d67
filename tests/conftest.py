"""Fixtures shared by the whole suite, built once per run."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from openskies import Treaty, load_treaty

# Property tests run real solvers and geometry: give them room, keep them repeatable.
settings.register_profile(
    "openskies",
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
# A longer fuzzing run (benchmarks/fuzz_long.py) selects "openskies-long" through
# OPENSKIES_HYPOTHESIS_PROFILE; CI keeps the bounded default.
settings.register_profile(
    "openskies-long",
    parent=settings.get_profile("openskies"),
    max_examples=int(os.environ.get("OPENSKIES_FUZZ_EXAMPLES", "2000")),
)
settings.load_profile(os.environ.get("OPENSKIES_HYPOTHESIS_PROFILE", "openskies"))


@pytest.fixture(scope="session")
def treaty() -> Treaty:
    """The bundled treaty data (quotas and geodata), loaded once."""
    return load_treaty()
