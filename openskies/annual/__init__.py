"""The year end to end: scenario, a route per mission, plan_year.

:mod:`.scenario` and :mod:`.scenario_reader` read the scenario file, :mod:`.routes`
plans a route per mission and :mod:`.plan` holds
:func:`~openskies.annual.plan.plan_year`.
"""
