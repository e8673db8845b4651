"""Credit conversion (学分转换): rules, applications, and the certificates they issue."""

from flask import Blueprint

bp = Blueprint("conversion", __name__, template_folder="templates")

from . import routes  # noqa: E402, F401
