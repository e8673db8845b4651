"""Recognition pages for learners (/me/recognition) and staff (/staff/recognition)."""

from . import bp  # noqa: F401
