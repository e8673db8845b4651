"""The search feature's blueprint: its pages and commands register on ``bp``."""

from flask import Blueprint

bp = Blueprint("search", __name__, template_folder="templates")
