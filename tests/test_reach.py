import math

import pytest

from openskies.errors import OptionsError
from openskies.rules.reach import MAX_GRID_NODES, reachable_area


def test_a_grid_over_the_bound_is_refused_before_the_work(treaty):
    # Russia and Belarus at 5 km: 1.6 million nodes over the bounding box, the
    # case of issue 10 (104 s and 4.4 GB before the bound).  The message names
    # the bound and a resolution that fits.
    view = treaty.as_of("2019-06-01")
    with pytest.raises(OptionsError, match=f"more than the {MAX_GRID_NODES:,}") as err:
        reachable_area(view, "RUS", "UUMB", resolution_km=5)
    assert "use resolution_km=9 or coarser" in str(err.value)


def test_the_suggested_resolution_is_accepted_by_the_bound(treaty):
    # 9 km is below the bound: the refusal is not raised (a tiny time limit
    # stops the work right after the grid is built).
    view = treaty.as_of("2019-06-01")
    with pytest.raises(OptionsError, match="did not finish within time_limit_s"):
        reachable_area(view, "RUS", "UUMB", resolution_km=9, time_limit_s=1e-9)


def test_a_passed_time_limit_raises_instead_of_a_partial_area(treaty):
    view = treaty.as_of("2019-06-01")
    with pytest.raises(OptionsError, match=r"coarser resolution_km or a larger"):
        reachable_area(view, "DEU", "ETSA", time_limit_s=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"time_limit_s": 0}, "time_limit_s must be a positive"),
        ({"time_limit_s": -1.0}, "time_limit_s must be a positive"),
        ({"time_limit_s": math.nan}, "time_limit_s must be a positive"),
        ({"time_limit_s": math.inf}, "time_limit_s must be a positive"),
        ({"time_limit_s": "10"}, "time_limit_s must be a positive"),
        ({"time_limit_s": True}, "time_limit_s must be a positive"),
        ({"resolution_km": True}, "resolution_km must be between"),
        ({"resolution_km": math.nan}, "resolution_km must be between"),
        ({"resolution_km": None}, "resolution_km must be between"),
    ],
)
def test_bad_limits_are_refused(treaty, kwargs, match):
    view = treaty.as_of("2019-06-01")
    with pytest.raises(OptionsError, match=match):
        reachable_area(view, "DEU", "ETSA", **kwargs)


def test_the_blocked_leg_checks_give_the_same_area(treaty):
    # Germany from Landsberg at 25 km with a generous limit: the area is the
    # one test_legality checks (a share strictly between 0 and 1), and two
    # calls agree to the bit.
    view = treaty.as_of("2019-06-01")
    first = reachable_area(view, "DEU", "ETSA", time_limit_s=600)
    again = reachable_area(view, "DEU", "ETSA")
    assert 0 < first.share <= 1
    assert first.area_km2 == again.area_km2
