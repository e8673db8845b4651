"""Staff administration: staff accounts of one's region, activation links, the audit log."""

from . import audit_routes, routes  # noqa: F401  (they register on bp)
from .blueprint import bp

__all__ = ["bp"]
