"""Administrative regions: province → city → county/district (GB/T 2260 codes)."""

from flask import Blueprint

bp = Blueprint("regions", __name__)

from . import cli, routes  # noqa: E402, F401  (register views and commands on bp)
