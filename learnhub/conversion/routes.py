"""Conversion pages for learners (/me/conversions) and staff (/staff/conversion)."""

from . import bp  # noqa: F401
