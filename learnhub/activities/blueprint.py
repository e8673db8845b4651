"""The activities feature's blueprint: /activities, sign-up, check-in, staff pages."""

from flask import Blueprint

bp = Blueprint("activities", __name__, template_folder="templates")
