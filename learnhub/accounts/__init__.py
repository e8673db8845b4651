"""Accounts: registration, sign-in, passwords, preferences, roles."""

from . import cli, routes  # noqa: F401  (they register on bp)
from .access import may_use_studio
from .blueprint import bp

# The header links to the studio for those who may use it, on every page.
bp.add_app_template_global(may_use_studio)

__all__ = ["bp"]
