"""Fixtures shared by the whole suite, built once per run."""

from __future__ import annotations

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
settings.load_profile("openskies")


@pytest.fixture(scope="session")
def treaty() -> Treaty:
    """The bundled treaty data (quotas and geodata), loaded once."""
    return load_treaty()
