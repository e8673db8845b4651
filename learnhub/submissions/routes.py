"""The submissions' pages: the owner's (task_routes) and a unit's (unit_routes)."""

from . import task_routes, unit_routes  # noqa: F401  (they register on bp)
