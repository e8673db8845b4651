"""Routes."""

from .blueprint import bp  # noqa
