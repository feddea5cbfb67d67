"""The treaty's rules as independent checks, written from the treaty text.

* :mod:`.catalogue` - the rule registry: a :class:`~.catalogue.RuleId` and a
  frozen :class:`~.catalogue.Rule` (article, message template) per rule.
* :mod:`.airfields` - which airfields a route may start and end at.
* :mod:`.registry` - the rule set of one observer, observed party and date.
* :mod:`.kernel` - every route rule, written once over arrays of tracks;
  used by :mod:`.legality` (one route, worded findings, :mod:`.report`),
  :mod:`.batch` (many routes, input read by :mod:`.batch_input`), the
  planner's free space and :mod:`.reach` (reachable area, grid in
  :mod:`.reach_grid`).
* :mod:`.distribution_check` and :mod:`.schedule_check` - the validators of a
  distribution and of a calendar.

Nothing here imports a solver package.
"""
