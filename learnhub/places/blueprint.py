"""The places feature's blueprint: /places, /map and the staff pages of places."""

from flask import Blueprint

bp = Blueprint(
    "places",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/places",
)
