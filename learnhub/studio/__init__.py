"""Content management for editors and staff: courses, lessons, media, imports."""

from . import routes  # noqa: F401  (they register on bp)
from .blueprint import bp

__all__ = ["bp"]
