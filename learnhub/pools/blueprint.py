"""The pools feature's blueprint."""

from flask import Blueprint

bp = Blueprint("pools", __name__, template_folder="templates")
