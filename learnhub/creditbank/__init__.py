"""The credit bank (学分银行): accounts, ledger, recognition, conversion, certificates."""

from . import cli, jobs, receivers, routes, staff_routes  # noqa: F401  (they register on bp)
from .blueprint import bp

__all__ = ["bp"]
