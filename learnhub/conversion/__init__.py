"""Credit conversion (学分转换): rules, applications, and the certificates they issue."""

from . import receivers, routes  # noqa: F401  (they register on bp)
from .blueprint import bp

__all__ = ["bp"]
