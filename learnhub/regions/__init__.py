"""Administrative regions: province → city → county/district (GB/T 2260 codes)."""

from . import cli, routes  # noqa: F401  (they register on bp)
from .blueprint import bp
from .site import site_name_in_templates

bp.app_context_processor(site_name_in_templates)

__all__ = ["bp"]
