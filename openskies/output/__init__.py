"""Every writer of the library's files.

Missions CSV, iCalendar, GeoJSON and GeoPackage (:mod:`.calendar_export`), the
HTML report and PNG map (:mod:`.report`, :mod:`.map_layers`) and the plan
directory written all or nothing (:mod:`.plan_writer`).
"""
