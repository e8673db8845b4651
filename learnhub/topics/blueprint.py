"""The topics feature's blueprint: /topics, a topic's page and the staff pages of topics."""

from flask import Blueprint

bp = Blueprint("topics", __name__, template_folder="templates")
