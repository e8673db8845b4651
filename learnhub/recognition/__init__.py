"""Recognition of outside learning (学习成果认定) and the outcome catalogue (成果名录)."""

from . import routes  # noqa: F401  (they register on bp)
from .blueprint import bp

__all__ = ["bp"]
