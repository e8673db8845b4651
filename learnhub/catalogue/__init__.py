"""The public catalogue: modules, courses, city pages."""

from flask import Blueprint

bp = Blueprint("catalogue", __name__, template_folder="templates")

from . import cli, routes  # noqa: E402, F401
