"""The submissions' blueprint: its pages register on ``bp``."""

from flask import Blueprint

bp = Blueprint(
    "submissions", __name__, url_prefix="/staff/submissions", template_folder="templates"
)
