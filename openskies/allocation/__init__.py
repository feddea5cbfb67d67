"""The annual distribution of active quotas (Art. III).

:mod:`.problem` holds the facts of a year and the requests (read by the
validator too); :mod:`.data`, :mod:`.transport`, :mod:`.plans` and :mod:`.model`
solve it with flows and CP-SAT; :mod:`.allocate` is the entry point.
"""
