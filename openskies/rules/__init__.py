"""The treaty's rules as independent checks, written from the treaty text.

The rule set of a route (:mod:`.registry`), the legality of one route
(:mod:`.legality`) or many (:mod:`.batch`), the reachable area (:mod:`.reach`),
and the validators of a distribution (:mod:`.distribution_check`) and of a
calendar (:mod:`.schedule_check`).  Nothing here imports a solver package.
"""
