"""Studying: enrolment, lessons, progress, quizzes, completion."""

from . import routes  # noqa: F401  (they register on bp)
from .blueprint import bp

__all__ = ["bp"]
