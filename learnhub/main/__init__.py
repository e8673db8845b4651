"""Public pages shared by every visitor: home, help, error pages."""

from flask import Blueprint

bp = Blueprint("main", __name__, template_folder="templates")

from . import routes  # noqa: E402, F401
