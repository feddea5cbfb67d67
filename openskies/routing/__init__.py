"""Observation routes: orienteering and the route planner.

:mod:`.orienteering` (with the local search of :mod:`.ils`) collects the most
site value within a length budget; :mod:`.planner` plans a legal route over a
site list, with the free space of legal legs (:mod:`.free_space`), detours
(:mod:`.detour`), site handling (:mod:`.sites`), the search (:mod:`.search`)
and declared waypoints (:mod:`.waypoints`).
"""
