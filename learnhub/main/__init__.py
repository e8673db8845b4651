"""Public pages shared by every visitor: home, help, error pages."""

from . import routes  # noqa: F401  (they register on bp)
from .blueprint import bp

__all__ = ["bp"]
