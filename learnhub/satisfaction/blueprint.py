"""The satisfaction feature's blueprint: rating posts and the staff figures."""

from flask import Blueprint

bp = Blueprint("satisfaction", __name__, template_folder="templates")
