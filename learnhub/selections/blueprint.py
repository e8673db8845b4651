"""The selections feature's blueprint."""

from flask import Blueprint

bp = Blueprint("selections", __name__, template_folder="templates")
