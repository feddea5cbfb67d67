"""The regime as immutable data: states, parties, quotas, territories, airfields,
restrictions, aircraft and distributions, and their view on a date.

:mod:`.records` holds the value types, :mod:`.model` the ``Treaty`` and
``TreatyView``, :mod:`.loading` and :mod:`.territory` read ``quotas/`` and
``geodata/`` (found by :mod:`.resources`), :mod:`.sources` says where each value
comes from.
"""
