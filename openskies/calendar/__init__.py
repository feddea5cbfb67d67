"""The mission calendar (Art. VI, Annex H).

:mod:`.types` holds ``Mission`` and ``ScheduleResult`` (read by the validator
too); :mod:`.inputs` blackouts and preferences; :mod:`.problem` the problem in
whole hours; :mod:`.greedy`, :mod:`.model`, :mod:`.polish` and :mod:`.stages`
solve it; :mod:`.schedule` is the entry point.
"""
