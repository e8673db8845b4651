"""Recognition of outside learning (学习成果认定) and the outcome catalogue (成果名录)."""

from flask import Blueprint

bp = Blueprint("recognition", __name__, template_folder="templates")

from . import routes  # noqa: E402, F401
