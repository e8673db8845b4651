"""The studio feature's blueprint: its pages and commands register on ``bp``."""

from flask import Blueprint

bp = Blueprint("studio", __name__, url_prefix="/studio", template_folder="templates")
