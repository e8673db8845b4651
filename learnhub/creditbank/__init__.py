"""The credit bank (学分银行): accounts, ledger, recognition, conversion, certificates."""

from . import (  # noqa: F401  (they register on bp)
    cli,
    jobs,
    receivers,
    routes,
    staff_review_routes,
    staff_routes,
)
from .blueprint import bp

__all__ = ["bp"]
