"""The regime as immutable data and its view on a date.

States, parties, quotas, territories, airfields, restrictions, aircraft and
distributions: :mod:`.records` holds the value types, :mod:`.model` the
``Treaty`` and ``TreatyView``, :mod:`.loading` and :mod:`.territory` read
``quotas/`` and ``geodata/`` (found by :mod:`.resources`), :mod:`.sources` says
where each value comes from.
"""
