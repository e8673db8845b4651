"""Submissions (材料报送): tasks set by the province or a city, answered by the units (cities
and districts) with texts, photos, documents, video and figures, reviewed by the owner."""

from . import jobs, routes  # noqa: F401  (they register on bp and on the job queue)
from .blueprint import bp

__all__ = ["bp"]
