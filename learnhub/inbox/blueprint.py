"""The inbox feature's blueprint: /me/messages."""

from flask import Blueprint

bp = Blueprint("inbox", __name__, template_folder="templates")
