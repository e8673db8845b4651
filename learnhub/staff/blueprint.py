"""The staff feature's blueprint: its pages and commands register on ``bp``."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates")
