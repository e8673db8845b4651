"""The rankings feature's blueprint: its pages and commands register on ``bp``."""

from flask import Blueprint

bp = Blueprint("rankings", __name__, template_folder="templates", cli_group="rankings")
