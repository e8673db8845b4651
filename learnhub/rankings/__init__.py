"""Rankings (排名统计): counting views and registrations per city."""

from flask import Blueprint

bp = Blueprint("rankings", __name__, template_folder="templates")

from . import models  # noqa: E402, F401
