"""The year end to end: the scenario file (:mod:`.scenario`,
:mod:`.scenario_reader`), a route per mission (:mod:`.routes`) and
:func:`~openskies.annual.plan.plan_year` (:mod:`.plan`).
"""
