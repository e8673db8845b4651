"""The learning feature's blueprint: its pages and commands register on ``bp``."""

from flask import Blueprint

bp = Blueprint(
    "learning",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/learning",
)
