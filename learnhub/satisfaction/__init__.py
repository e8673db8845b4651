"""Satisfaction (满意度): learners rate courses they completed and activities they attended."""

from . import routes  # noqa: F401  (registers on bp)
from .blueprint import bp
from .models import Rating

__all__ = ["Rating", "bp"]
