"""The help desk's blueprint: its pages register on ``bp``."""

from flask import Blueprint

bp = Blueprint("helpdesk", __name__, url_prefix="/staff/help-desk", template_folder="templates")
