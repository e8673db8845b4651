"""The help desk (学员服务台) of county, city and province centres: finding a learner of the
region, what to check before helping, one-time reset codes, a learner's overview, and
correcting their district."""

from . import routes  # noqa: F401  (they register on bp)
from .blueprint import bp

__all__ = ["bp"]
