"""Geometry on the WGS84 ellipsoid: geodesy, routes and sites.

Geodesic lengths and tracks (:mod:`.geodesy`), the declared route
(:mod:`.route`, its parts checked in :mod:`.route_parts`) and the sites an
observer wants to photograph (:mod:`.sites`).
"""
