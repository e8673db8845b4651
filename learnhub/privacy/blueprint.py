"""The privacy feature's blueprint: its pages register on ``bp``."""

from flask import Blueprint

bp = Blueprint("privacy", __name__, template_folder="templates")
