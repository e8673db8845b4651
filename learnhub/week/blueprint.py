"""The week feature's blueprint: the public programme and the staff pages."""

from flask import Blueprint

bp = Blueprint("week", __name__, template_folder="templates")
