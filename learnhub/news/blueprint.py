"""The news feature's blueprint: /news, its feed, and the staff pages of news."""

from flask import Blueprint

bp = Blueprint("news", __name__, template_folder="templates")
