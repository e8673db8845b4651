"""The lifelong-learning week (全民终身学习活动周): the province opens a year's week, each
city registers its own week inside the province's window and links its activities to it;
``/week/<year>`` shows every city's programme, and staff get the activity report (活动统计)."""

from . import models, report_routes, routes  # noqa: F401  (they register on bp)
from .blueprint import bp

__all__ = ["bp"]
