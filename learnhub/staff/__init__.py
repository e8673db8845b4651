"""Staff area of the province and city guidance centers."""

from . import jobs_routes, registration_routes, routes  # noqa: F401  (they register on bp)
from .blueprint import bp

__all__ = ["bp"]
