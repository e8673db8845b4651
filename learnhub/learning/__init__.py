"""Studying: enrolment, lessons, progress, quizzes, completion."""

from flask import Blueprint

bp = Blueprint(
    "learning",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/learning",
)

from . import routes  # noqa: E402, F401
