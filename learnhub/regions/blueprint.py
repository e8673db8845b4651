"""The regions feature's blueprint: its pages and commands register on ``bp``."""

from flask import Blueprint

bp = Blueprint("regions", __name__)
