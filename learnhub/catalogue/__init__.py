"""The public catalogue: modules, courses, city pages."""

from . import cli, routes  # noqa: F401  (they register on bp)
from .blueprint import bp

__all__ = ["bp"]
